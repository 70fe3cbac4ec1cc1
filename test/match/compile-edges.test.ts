// Behaviours of compileRule that the first mutation run of src/match/compile.ts (issue 15) found untested:
// what a keyword search looks at and refuses, value lists that mix kinds of test, the order a conjunction
// tests (and explains) its items in, and the reasons of refusals. Several items here are built by hand: the
// model allows them (a value group is a list of any patterns, a map item may have no field) even where the
// YAML loader never writes them, and compileRule's contract is the model.
import { describe, expect, it } from 'vitest';
import { compileRule } from '../../src/match/compile.js';
import type { ValuePattern } from '../../src/rule/model.js';
import { item, makeRule, refusalOf, s, search } from './build.js';


/** A one-item search `F: x` whose value group holds `patterns` instead. */
function selectionWith(patterns: ValuePattern[]) {
  const rule = makeRule([search('selection', { F: 'x' })]);
  const selection = rule.detection.searches.get('selection')!;
  if (selection.kind === 'fields') selection.alternatives[0].items[0].values[0].patterns = patterns;
  return compileRule(rule);
}

describe('keyword searches', () => {
  it('look at the event’s own values, not at values it inherits', () => {
    const rule = compileRule(makeRule([search('keywords', ['mimi'])]));
    const inherits = Object.create({ Inherited: 'mimikatz' }) as Record<string, unknown>;
    inherits.Own = 'harmless';
    expect(rule.matches(inherits)).toBe(false);
    expect(rule.matches({ Own: 'mimikatz' })).toBe(true);
  });
  it('run a regular expression over every value, unwrapped', () => {
    const rule = compileRule(makeRule([search('keywords', ['^mi.i$'], ['re'])]));
    expect(rule.matches({ a: 'x', b: ['mixi'] })).toBe(true);
    expect(rule.matches({ a: 'xmixi' })).toBe(false);
    expect(rule.explain({ a: 'x', b: ['mixi'] })?.reasons).toEqual([{ identifier: 'keywords', field: null, modifiers: ['re'], ruleValue: '^mi.i$', eventValue: 'mixi' }]);
  });
  it('refuse a presence or fieldref test with code modifier, naming the test', () => {
    for (const [pattern, kind] of [
      [{ kind: 'exists', expected: true }, 'exists'],
      [{ kind: 'fieldref', field: 'B', position: 'exact', cased: false }, 'fieldref'],
    ] as Array<[ValuePattern, string]>) {
      const rule = makeRule([search('keywords', ['x'])]);
      const keywords = rule.detection.searches.get('keywords')!;
      if (keywords.kind === 'keywords') keywords.item.values[0].patterns = [pattern];
      expect(refusalOf(rule)).toEqual({ code: 'modifier', reason: `a keyword search cannot use a '${kind}' test: it needs a field` });
    }
  });
  it('list a keyword search that holds as matched, with its reason', () => {
    const rule = compileRule(makeRule([search('selection', { A: '1' }), search('keywords', ['alpha'])], { kind: 'or', operands: [s('selection'), s('keywords')] }));
    expect(rule.explain({ x: 'ALPHA!' })).toEqual({
      matchedSearches: ['keywords'],
      unmatchedSearches: ['selection'],
      reasons: [{ identifier: 'keywords', field: null, modifiers: [], ruleValue: 'alpha', eventValue: 'ALPHA!' }],
    });
  });
  it('explain a negated keyword item with no value by a null rule value', () => {
    const rule = compileRule(makeRule([search('keywords', [], ['neq'])]));
    expect(rule.explain({ a: 'anything' })).toEqual({
      matchedSearches: ['keywords'],
      unmatchedSearches: [],
      reasons: [{ identifier: 'keywords', field: null, modifiers: ['neq'], ruleValue: null }],
    });
  });
});

describe('a value list that mixes kinds of test', () => {
  it('holds by presence when its string test fails, and not when the field is absent', () => {
    const rule = selectionWith([{ kind: 'string', parts: [{ kind: 'literal', text: 'x' }], cased: false }, { kind: 'exists', expected: true }]);
    expect(rule.matches({ F: 'y' })).toBe(true);
    expect(rule.explain({ F: 'y' })?.reasons).toEqual([{ identifier: 'selection', field: 'F', modifiers: [], ruleValue: 'x', eventValue: 'y' }]);
    expect(rule.matches({ G: 'x' })).toBe(false);
  });
  it('holds by a fieldref when its string test fails, and not when neither holds', () => {
    const rule = selectionWith([{ kind: 'string', parts: [{ kind: 'literal', text: 'x' }], cased: false }, { kind: 'fieldref', field: 'G', position: 'exact', cased: false }]);
    expect(rule.matches({ F: 'X' })).toBe(true);
    expect(rule.matches({ F: 'y', G: 'Y' })).toBe(true);
    expect(rule.explain({ F: ['z', 'y'], G: 'Y' })?.reasons).toEqual([{ identifier: 'selection', field: 'F', modifiers: [], ruleValue: 'x', eventValue: 'y' }]);
    expect(rule.matches({ F: 'y', G: 'z' })).toBe(false);
  });
  it('holds by a comparison or a regex on a string value when its string test fails', () => {
    const x: ValuePattern = { kind: 'string', parts: [{ kind: 'literal', text: 'x' }], cased: false };
    const overFive = selectionWith([x, { kind: 'compare', op: 'gt', value: 5 }]);
    expect(overFive.matches({ F: '10' })).toBe(true);
    expect(overFive.matches({ F: '4' })).toBe(false);
    const startsAb = selectionWith([x, { kind: 're', source: '^ab', flags: { ignoreCase: false, multiline: false, dotAll: false } }]);
    expect(startsAb.matches({ F: 'abc' })).toBe(true);
    expect(startsAb.matches({ F: 'cab' })).toBe(false);
  });
});

describe('fieldref without a position modifier', () => {
  it('needs the whole value equal, not only its end or its start', () => {
    expect(compileRule(makeRule([search('selection', { 'A|fieldref': 'B' })])).matches({ A: 'xab', B: 'AB' })).toBe(false);
    expect(compileRule(makeRule([search('selection', { 'A|fieldref': 'B' })])).matches({ A: 'abx', B: 'AB' })).toBe(false);
    expect(compileRule(makeRule([search('selection', { 'A|fieldref': 'B' })])).matches({ A: 'ab', B: 'AB' })).toBe(true);
  });
});

describe('the order a conjunction tests and explains its items in', () => {
  const fieldsOf = (body: Record<string, string>, event: Record<string, unknown>) =>
    compileRule(makeRule([search('selection', body)])).explain(event)?.reasons.map((r) => r.field);
  it('tests startswith and endswith before contains', () => {
    expect(fieldsOf({ 'A|contains': 'a', 'B|endswith': 'b' }, { A: 'xay', B: 'xb' })).toEqual(['B', 'A']);
    expect(fieldsOf({ 'A|contains': 'a', 'B|startswith': 'b' }, { A: 'xay', B: 'bx' })).toEqual(['B', 'A']);
  });
  it('tests a keyword item in a map after its field items, the cheaper keyword first', () => {
    const rule = makeRule([search('selection', { A: '1' })]);
    const selection = rule.detection.searches.get('selection')!;
    // Written first: a regex keyword (cost 10), then an exact one (cost 1); the field item A (cost 1) last.
    if (selection.kind === 'fields') selection.alternatives[0].items.unshift(item(null, ['k.y'], ['re']), item(null, ['kw']));
    const reasons = compileRule(rule).explain({ A: '1', B: 'key kw' })?.reasons;
    expect(reasons?.map((r) => [r.field, r.ruleValue])).toEqual([
      ['A', '1'],
      [null, 'kw'],
      [null, 'k.y'],
    ]);
  });
});

describe('a condition naming an unknown search', () => {
  it('is refused with code condition, naming the identifier', () => {
    expect(refusalOf(makeRule([search('selection', { A: '1' })], s('nope')))).toEqual({ code: 'condition', reason: "condition refers to unknown search identifier 'nope'" });
  });
});
