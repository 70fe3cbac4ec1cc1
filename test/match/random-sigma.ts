// Random Sigma rules and random raw JSON events built from the rules' own literals, shared by the
// exactness properties of the raw-text pre-filter (test/match/prefilter) and of the rule pack (test/pack):
// both promise "never drop an event a rule matches", over the same hard cases (JSON escapes, number
// spellings, characters whose lower case is ASCII, arrays, nested objects, null and absent fields).
import fc from 'fast-check';
import type { ConditionNode, DetectionItem, Search, SigmaRule, SourceLocation, StringPart, ValuePattern } from '../../src/rule/model.js';
import { createRng } from '../support/rng.js';

// ---------------------------------------------------------------------------------------------------
// Raw JSON with its spelling chosen at random
// ---------------------------------------------------------------------------------------------------

export type Json = { t: 'str'; v: string } | { t: 'num'; token: string } | { t: 'lit'; v: 'true' | 'false' | 'null' } | { t: 'arr'; items: Json[] } | { t: 'obj'; entries: Array<[string, Json]> };

const SHORT_ESCAPES: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

export function writeString(text: string, rng: () => number, escapeRate: number): string {
  let out = '"';
  for (const unit of text.split('')) {
    const code = unit.charCodeAt(0);
    const roll = rng();
    if (roll < escapeRate) {
      const hex = code.toString(16).padStart(4, '0');
      out += `\\u${rng() < 0.5 ? hex : hex.toUpperCase()}`;
    } else if (unit === '/' && roll < escapeRate * 3) {
      out += '\\/';
    } else if (SHORT_ESCAPES[unit] !== undefined) {
      out += SHORT_ESCAPES[unit];
    } else if (code < 0x20 || (code >= 0xd800 && code <= 0xdfff)) {
      out += `\\u${code.toString(16).padStart(4, '0')}`;
    } else {
      out += unit;
    }
  }
  return out + '"';
}

export function writeJson(node: Json, rng: () => number, escapeRate: number): string {
  const space = (): string => (rng() < 0.2 ? [' ', '\t', '  ', '\r\n '][Math.floor(rng() * 4)] : '');
  switch (node.t) {
    case 'str':
      return writeString(node.v, rng, escapeRate);
    case 'num':
      return node.token;
    case 'lit':
      return node.v;
    case 'arr':
      return `[${space()}${node.items.map((item) => writeJson(item, rng, escapeRate) + space()).join(`,${space()}`)}]`;
    case 'obj':
      return `{${space()}${node.entries.map(([key, value]) => `${writeString(key, rng, escapeRate)}${space()}:${space()}${writeJson(value, rng, escapeRate)}${space()}`).join(`,${space()}`)}}`;
  }
}

// ---------------------------------------------------------------------------------------------------
// Random rules
// ---------------------------------------------------------------------------------------------------

/** Characters that stress the argument: ASCII both cases, JSON-escaped ones, number characters, and
 *  non-ASCII ones whose lower case is ASCII or longer. */
export const ASCII_CHARS = [...'aAbBkKsSiIeEtT', ...'0123456789.-+', '\\', '"', '/', ':', ' ', '\n', '\t', '\u0001'];
export const OTHER_CHARS = ['é', 'É', '\u212A', '\u0130', 'ß', '\u017F', '\u2028', '日', '\ud83d\ude00'];
function fragmentsOf(others: readonly string[]): fc.Arbitrary<string> {
  const charArb = fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...ASCII_CHARS) }, { weight: 1, arbitrary: fc.constantFrom(...others) });
  return fc.array(charArb, { minLength: 1, maxLength: 5 }).map((chars) => chars.join(''));
}
export const fragmentArb = fragmentsOf(OTHER_CHARS);
/** Events may also hold lone surrogates (rules may not: the matcher refuses them). */
export const eventFragmentArb = fragmentsOf([...OTHER_CHARS, '\ud83d', '\ude00']);

export const FIELDS = ['Image', 'CommandLine', 'User', 'Size', 'Tags', 'Extra'];
export const here: SourceLocation = { file: 'random.yml', document: 0, line: 1, path: 'detection' };

export const partsArb: fc.Arbitrary<StringPart[]> = fc.array(
  fc.oneof({ weight: 5, arbitrary: fragmentArb.map((text): StringPart => ({ kind: 'literal', text })) }, fc.constant<StringPart>({ kind: 'any' }), fc.constant<StringPart>({ kind: 'one' })),
  { minLength: 1, maxLength: 4 },
);

export const stringPatternArb: fc.Arbitrary<ValuePattern> = fc.record({ parts: partsArb, cased: fc.constantFrom(false, false, false, true) }).map(({ parts, cased }) => ({ kind: 'string', parts, cased }));
export const otherPatternArb: fc.Arbitrary<ValuePattern> = fc.constantFrom<ValuePattern>(
  { kind: 'null' },
  { kind: 'exists', expected: true },
  { kind: 're', source: 'a.b', flags: { ignoreCase: true, multiline: false, dotAll: false } },
  { kind: 'compare', op: 'gt', value: 100 },
);

export function itemArb(keyword: boolean, others: fc.Arbitrary<ValuePattern> = otherPatternArb): fc.Arbitrary<DetectionItem> {
  const patternArb = keyword ? stringPatternArb : fc.oneof({ weight: 8, arbitrary: stringPatternArb }, { weight: 1, arbitrary: others });
  return fc
    .record({
      field: keyword ? fc.constant(null) : fc.constantFrom(...FIELDS),
      groups: fc.array(fc.array(patternArb, { minLength: 1, maxLength: 2 }), { minLength: 1, maxLength: 3 }),
      all: fc.boolean(),
      negated: keyword ? fc.constant(false) : fc.double({ min: 0, max: 1, noNaN: true }).map((x) => x < 0.1),
    })
    .map(({ field, groups, all, negated }) => ({
      field,
      modifiers: [],
      combine: all ? 'all' : 'any',
      values: groups.map((patterns) => ({ written: 'x', patterns, location: here })),
      negated,
      location: here,
    }));
}

export function searchArb(identifier: string, others: fc.Arbitrary<ValuePattern> = otherPatternArb): fc.Arbitrary<Search> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.array(fc.array(itemArb(false, others), { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 2 }).map((maps): Search => ({ kind: 'fields', identifier, location: here, alternatives: maps.map((items) => ({ location: here, items })) })) },
    { weight: 1, arbitrary: itemArb(true).map((item): Search => ({ kind: 'keywords', identifier, location: here, item })) },
  );
}

export const IDENTIFIERS = ['s0', 's1', 's2'];

export const conditionArb: fc.Arbitrary<ConditionNode> = fc.letrec<{ node: ConditionNode }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom(...IDENTIFIERS).map((identifier): ConditionNode => ({ kind: 'search', identifier })),
    fc.array(tie('node'), { minLength: 2, maxLength: 3 }).map((operands): ConditionNode => ({ kind: 'and', operands })),
    fc.array(tie('node'), { minLength: 2, maxLength: 3 }).map((operands): ConditionNode => ({ kind: 'or', operands })),
    tie('node').map((operand): ConditionNode => ({ kind: 'not', operand })),
    fc.record({ quantifier: fc.constantFrom<'one' | 'all'>('one', 'all'), identifiers: fc.subarray(IDENTIFIERS, { minLength: 1 }) }).map((of): ConditionNode => ({ kind: 'of', pattern: 's*', ...of })),
  ),
})).node;

/** Random rules whose field items also draw from `others` (the non-string patterns). */
export function ruleArbWith(others: fc.Arbitrary<ValuePattern>): fc.Arbitrary<SigmaRule> {
  return fc.record({ searches: fc.tuple(...IDENTIFIERS.map((identifier) => searchArb(identifier, others))), condition: conditionArb }).map(({ searches, condition }) => ({
  kind: 'rule',
  title: 'random',
  source: here,
  logsource: {},
  references: [],
  tags: [],
  falsepositives: [],
  fields: [],
  appliedFilters: [],
  detection: { searches: new Map(searches.map((search) => [search.identifier, search])), condition, conditionText: ['random'] },
}))
}

export const ruleArb: fc.Arbitrary<SigmaRule> = ruleArbWith(otherPatternArb);

export function literalsOf(rule: SigmaRule): string[] {
  const texts: string[] = [];
  for (const search of rule.detection.searches.values()) {
    const items = search.kind === 'keywords' ? [search.item] : search.alternatives.flatMap((map) => map.items);
    for (const item of items) for (const group of item.values) for (const pattern of group.patterns) if (pattern.kind === 'string') for (const part of pattern.parts) if (part.kind === 'literal') texts.push(part.text);
  }
  return texts;
}

// ---------------------------------------------------------------------------------------------------
// Random events, built from the rule's own literals so that matches and near misses are common
// ---------------------------------------------------------------------------------------------------

export const NUMBER_TOKENS = ['0', '-0', '3', '1000', '1e3', '1E+3', '10.0e2', '1000.00', '0.0000001', '1e-7', '12345678901234567890', '1e400', '-1.5e-3', '443', '0.5', '123456789012345'];

export function textArb(literals: readonly string[]): fc.Arbitrary<string> {
  const pieceArb = literals.length === 0 ? eventFragmentArb : fc.oneof({ weight: 1, arbitrary: fc.constantFrom(...literals) }, { weight: 2, arbitrary: eventFragmentArb });
  return fc
    .tuple(fc.array(pieceArb, { maxLength: 4 }), fc.constantFrom<'keep' | 'upper' | 'lower' | 'flip' | 'confusable'>('keep', 'upper', 'lower', 'flip', 'confusable'))
    .map(([pieces, casing]) => {
      const text = pieces.join('');
      if (casing === 'upper') return text.toUpperCase();
      if (casing === 'lower') return text.toLowerCase();
      if (casing === 'flip') return [...text].map((c, k) => (k % 2 === 0 ? c.toUpperCase() : c)).join('');
      // Non-ASCII letters whose lower case is (or starts with) an ASCII letter.
      if (casing === 'confusable') return text.replace(/k/gi, '\u212A').replace(/i/gi, '\u0130');
      return text;
    });
}

export function scalarArb(literals: readonly string[]): fc.Arbitrary<Json> {
  return fc.oneof(
    { weight: 8, arbitrary: textArb(literals).map((v): Json => ({ t: 'str', v })) },
    { weight: 2, arbitrary: fc.oneof(fc.constantFrom(...NUMBER_TOKENS), fc.constantFrom(...literals.filter((l) => /^-?(0|[1-9]\d*)$/.test(l)), '7')).map((token): Json => ({ t: 'num', token })) },
    { weight: 1, arbitrary: fc.constantFrom<'true' | 'false' | 'null'>('true', 'false', 'null').map((v): Json => ({ t: 'lit', v })) },
  );
}

/** `extraKeys` adds keys beside FIELDS (e.g. field names with spaces, which the lookup falls back to). */
export function eventArb(literals: readonly string[], extraKeys: readonly string[] = []): fc.Arbitrary<Json> {
  const keyArb = fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...FIELDS, ...extraKeys) }, { weight: 1, arbitrary: textArb(literals) });
  const valueArb = fc.oneof(
    { weight: 6, arbitrary: scalarArb(literals) },
    { weight: 1, arbitrary: fc.array(scalarArb(literals), { maxLength: 3 }).map((items): Json => ({ t: 'arr', items })) },
    { weight: 1, arbitrary: fc.array(fc.tuple(keyArb, scalarArb(literals)), { maxLength: 2 }).map((entries): Json => ({ t: 'obj', entries })) },
  );
  return fc.array(fc.tuple(keyArb, valueArb), { maxLength: 6 }).map((entries): Json => ({ t: 'obj', entries }));
}

/** One event written out: the JSON node and a seed and escape rate for its spelling. */
export const spellingArb = fc.record({ seed: fc.integer(), escapeRate: fc.constantFrom(0, 0, 0, 0.05, 0.3) });

export function write(node: Json, spelling: { seed: number; escapeRate: number }): string {
  return writeJson(node, createRng(spelling.seed), spelling.escapeRate);
}

