import { describe, expect, it } from 'vitest';
import { formatCondition, parseCondition, parseConditions, selectIdentifiers } from '../../../src/rule/condition.js';
import { SigmaError } from '../../../src/rule/errors.js';
import type { ConditionNode, SourceLocation } from '../../../src/rule/model.js';

const at: SourceLocation = { file: 'r.yml', document: 0, line: 12, path: 'detection.condition' };
const ids = ['selection', 'selection_img', 'selection_cli', 'filter_main', 'filter_optional', '_hidden', 'keywords'];

const parse = (text: string, identifiers: string[] = ids): ConditionNode => parseCondition(text, identifiers, at);
const s = (identifier: string): ConditionNode => ({ kind: 'search', identifier });

function refusal(text: string, identifiers: string[] = ids): SigmaError {
  try {
    parse(text, identifiers);
  } catch (err) {
    if (err instanceof SigmaError) return err;
    throw err;
  }
  throw new Error(`expected '${text}' to be refused`);
}

describe('condition precedence', () => {
  it('binds and tighter than or', () => {
    expect(parse('selection or selection_img and keywords')).toEqual({
      kind: 'or',
      operands: [s('selection'), { kind: 'and', operands: [s('selection_img'), s('keywords')] }],
    });
  });

  it('binds not tighter than and', () => {
    expect(parse('not selection and keywords')).toEqual({
      kind: 'and',
      operands: [{ kind: 'not', operand: s('selection') }, s('keywords')],
    });
  });

  it('binds x of tighter than not', () => {
    expect(parse('selection and not 1 of filter_*')).toEqual({
      kind: 'and',
      operands: [
        s('selection'),
        { kind: 'not', operand: { kind: 'of', quantifier: 'one', pattern: 'filter_*', identifiers: ['filter_main', 'filter_optional'] } },
      ],
    });
  });

  it('lets parentheses override precedence', () => {
    expect(parse('(selection or keywords) and not (filter_main or filter_optional)')).toEqual({
      kind: 'and',
      operands: [
        { kind: 'or', operands: [s('selection'), s('keywords')] },
        { kind: 'not', operand: { kind: 'or', operands: [s('filter_main'), s('filter_optional')] } },
      ],
    });
  });

  it('flattens a chain of the same operator into one node', () => {
    expect(parse('selection and keywords and filter_main')).toEqual({
      kind: 'and',
      operands: [s('selection'), s('keywords'), s('filter_main')],
    });
  });

  it('accepts redundant parentheses and whitespace', () => {
    expect(parse('  ((selection))\t')).toEqual(s('selection'));
  });
});

describe('x of', () => {
  it('resolves a wildcard pattern to the matching identifiers in declaration order', () => {
    expect(parse('all of selection*')).toEqual({
      kind: 'of',
      quantifier: 'all',
      pattern: 'selection*',
      identifiers: ['selection', 'selection_img', 'selection_cli'],
    });
  });

  it('treats any of as 1 of', () => {
    expect(parse('any of filter_*')).toEqual(parse('1 of filter_*'));
  });

  it('matches the whole name, so a pattern is not a prefix search', () => {
    expect(selectIdentifiers('*_img', ids)).toEqual(['selection_img']);
    expect(selectIdentifiers('sel*img', ids)).toEqual(['selection_img']);
  });

  it('picks exactly the named identifier when the pattern has no wildcard', () => {
    expect(parse('1 of selection')).toMatchObject({ identifiers: ['selection'] });
  });

  it('excludes underscore identifiers from them', () => {
    expect(parse('1 of them')).toMatchObject({ identifiers: ids.filter((id) => id !== '_hidden') });
  });

  it('excludes underscore identifiers from a pattern that does not start with an underscore', () => {
    expect(selectIdentifiers('*', ['a', '_b'])).toEqual(['a']);
  });

  it('includes underscore identifiers when the pattern starts with an underscore', () => {
    expect(parse('1 of _*')).toMatchObject({ identifiers: ['_hidden'] });
  });

  it('treats regex characters in identifiers literally', () => {
    expect(selectIdentifiers('select*', ['select_tree_execution|endswith', 'filter_main_mdadm.conf'])).toEqual([
      'select_tree_execution|endswith',
    ]);
  });

  it('refuses a pattern that selects nothing', () => {
    expect(refusal('1 of nothing_*').reason).toContain("pattern 'nothing_*' at column 6 selects no search identifier");
  });

  it('refuses them when every identifier starts with an underscore', () => {
    expect(refusal('all of them', ['_a']).reason).toContain('selects no search identifier');
  });

  it('refuses a quantifier other than 1, any and all', () => {
    expect(refusal('2 of selection*').reason).toContain("only '1 of', 'any of' and 'all of'");
  });

  it('refuses an of without a pattern', () => {
    expect(refusal('1 of').reason).toContain("unexpected end of condition: expected 'them'");
  });
});

describe('condition refusals', () => {
  it('refuses an unknown identifier with its column', () => {
    const error = refusal('selection and selction');
    expect(error.code).toBe('condition');
    expect(error.reason).toContain("unknown search identifier 'selction' at column 15");
  });

  it('refuses upper-case operators', () => {
    expect(refusal('selection AND keywords').reason).toContain("'AND' at column 11: Sigma operators are lower case ('and')");
    expect(refusal('NOT selection').reason).toContain('lower case');
    expect(refusal('1 OF selection*').reason).toContain('lower case');
  });

  it('refuses the deprecated pipe aggregation', () => {
    const error = refusal('selection | count(Image) by Computer > 5');
    expect(error.code).toBe('condition');
    expect(error.reason).toMatch(/^deprecated aggregation at column 11/);
  });

  it('refuses the deprecated near operator', () => {
    expect(refusal('selection near keywords').reason).toMatch(/^deprecated 'near'/);
  });

  it('refuses a wildcard outside an x of', () => {
    expect(refusal('selection*').reason).toContain("'*' is only allowed in a pattern after '1 of' or 'all of'");
  });

  it.each([
    ['', 'the condition is empty'],
    ['(selection', "expected ')'"],
    ['selection)', "unexpected ')'"],
    ['selection and', 'unexpected end of condition'],
    ['selection keywords', "unexpected 'keywords' at column 11"],
    ['selection and or keywords', "unexpected 'or'"],
    ['selection & keywords', "unexpected '&' at column 11"],
    ['selection and &', "'&' at column 15 is not a search identifier"],
  ])('refuses malformed condition %j', (text, reason) => {
    expect(refusal(text).reason).toContain(reason);
  });

  it('names the file, line and YAML path of the condition', () => {
    expect(refusal('nope').message).toMatch(/^r\.yml:12 detection\.condition: unknown search identifier 'nope'/);
  });
});

describe('condition lists and formatting', () => {
  it('ORs the entries of a condition list', () => {
    const node = parseConditions(
      [
        { text: 'selection', location: at },
        { text: 'keywords and not filter_main', location: { ...at, path: 'detection.condition[1]' } },
      ],
      ids,
    );
    expect(node).toEqual({
      kind: 'or',
      operands: [s('selection'), { kind: 'and', operands: [s('keywords'), { kind: 'not', operand: s('filter_main') }] }],
    });
  });

  it.each([
    'selection or keywords and filter_main',
    '(selection or keywords) and not (filter_main or filter_optional)',
    'all of selection* and not 1 of filter_*',
    'not not selection',
    'selection and (keywords and filter_main)',
  ])('prints %j back to a condition that parses to the same tree', (text) => {
    const node = parse(text);
    expect(parse(formatCondition(node))).toEqual(node);
  });
});
