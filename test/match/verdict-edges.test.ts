// The edges of a verdict that a broken matcher would get wrong while the broader tests still pass (issue 15's
// surviving mutants): long ORs, negated keywords, explanation content, fieldrefs to a missing field, the
// boundaries of numeric comparisons and the range checks of date-times.
import { describe, expect, it } from 'vitest';
import { compileRule } from '../../src/match/compile.js';
import { parseDateTime } from '../../src/match/timepart.js';
import { and, makeRule, not, ofPattern, or, s, search, type SearchBody } from './build.js';

const one = (body: SearchBody) => compileRule(makeRule([search('selection', body)]));
const matches = (body: SearchBody, event: Record<string, unknown>) => one(body).matches(event);

describe('conditions with three or more operands', () => {
  const searches = [search('a', { A: '1' }), search('b', { B: '1' }), search('c', { C: '1' }), search('d', { D: '1' })];
  const ids = ['a', 'b', 'c', 'd'];
  it('holds an or whose last operand alone matches, and not one with no operand matching', () => {
    const rule = compileRule(makeRule(searches, or(s('a'), s('b'), s('c'))));
    expect(rule.matches({ C: '1' })).toBe(true);
    expect(rule.matches({ A: '1' })).toBe(true);
    expect(rule.matches({ D: '1' })).toBe(false);
  });
  it('fails an and whose last operand alone is false, and holds it when all are true', () => {
    const rule = compileRule(makeRule(searches, and(s('a'), s('b'), s('c'))));
    expect(rule.matches({ A: '1', B: '1' })).toBe(false);
    expect(rule.matches({ B: '1', C: '1' })).toBe(false);
    expect(rule.matches({ A: '1', B: '1', C: '1' })).toBe(true);
  });
  it('holds 1 of over three or more searches when only the last matches, and all of only when every one does', () => {
    expect(compileRule(makeRule(searches, ofPattern('one', '*', ids))).matches({ D: '1' })).toBe(true);
    expect(compileRule(makeRule(searches, ofPattern('one', '*', ids))).matches({ E: '1' })).toBe(false);
    expect(compileRule(makeRule(searches, ofPattern('all', '*', ids))).matches({ A: '1', B: '1', C: '1' })).toBe(false);
    expect(compileRule(makeRule(searches, ofPattern('all', '*', ids))).matches({ A: '1', B: '1', C: '1', D: '1' })).toBe(true);
  });
  it('makes an empty and true and an empty or or 1 of false, and all of nothing true', () => {
    expect(compileRule(makeRule(searches, and())).matches({})).toBe(true);
    expect(compileRule(makeRule(searches, or())).matches({ A: '1' })).toBe(false);
    expect(compileRule(makeRule(searches, ofPattern('one', 'zz*', ids))).matches({ A: '1' })).toBe(false);
    expect(compileRule(makeRule(searches, ofPattern('all', 'zz*', ids))).matches({})).toBe(true);
  });
  it('holds a list of three maps when only the last matches', () => {
    expect(matches([{ A: '1' }, { B: '1' }, { C: '1' }], { C: '1' })).toBe(true);
    expect(matches([{ A: '1' }, { B: '1' }, { C: '1' }], { D: '1' })).toBe(false);
  });
  it('fails a map of three fields when any one of them, first or last, is false', () => {
    const body = { A: '1', B: '1', C: '1' };
    expect(matches(body, { A: '1', B: '1', C: '1' })).toBe(true);
    expect(matches(body, { A: '1', B: '1', C: '2' })).toBe(false);
    expect(matches(body, { A: '2', B: '1', C: '1' })).toBe(false);
    expect(matches(body, { A: '1', B: '2', C: '1' })).toBe(false);
  });
});

describe('negated keywords', () => {
  it('not keywords holds when no value of the event contains any keyword', () => {
    const rule = compileRule(makeRule([search('selection', { A: '1' }), search('keywords', ['mimi', 'katz'])], and(s('selection'), not(s('keywords')))));
    expect(rule.matches({ A: '1', B: 'harmless' })).toBe(true);
    expect(rule.matches({ A: '1', B: 'run KATZ' })).toBe(false);
    expect(rule.matches({ A: '1', B: { nested: ['x', 'mimi'] } })).toBe(false);
  });
  it('a keyword item negated with neq holds when no keyword is found, and explains itself without an event value', () => {
    const rule = compileRule(makeRule([search('keywords', ['mimi', 'katz'], ['neq'])]));
    expect(rule.matches({ B: 'harmless' })).toBe(true);
    expect(rule.matches({ B: 'run KATZ' })).toBe(false);
    expect(rule.explain({ B: 'run KATZ' })).toBeNull();
    expect(rule.explain({ B: 'harmless' })).toEqual({
      matchedSearches: ['keywords'],
      unmatchedSearches: [],
      reasons: [{ identifier: 'keywords', field: null, modifiers: ['neq'], ruleValue: 'mimi' }],
    });
  });
});

describe('explanation content', () => {
  it('gives a keyword search that does not hold no reason, and lists it as unmatched', () => {
    const rule = compileRule(makeRule([search('selection', { A: '1' }), search('keywords', ['mimi'])], or(s('selection'), s('keywords'))));
    expect(rule.explain({ A: '1', B: 'nothing' })).toEqual({
      matchedSearches: ['selection'],
      unmatchedSearches: ['keywords'],
      reasons: [{ identifier: 'selection', field: 'A', modifiers: [], ruleValue: '1', eventValue: '1' }],
    });
  });
  it('explains a negated field item by its first rule value and the event value it found', () => {
    expect(one({ 'Image|neq': ['a.exe', 'b.exe'] }).explain({ Image: 'c.exe' })?.reasons).toEqual([
      { identifier: 'selection', field: 'Image', modifiers: ['neq'], ruleValue: 'a.exe', eventValue: 'c.exe' },
    ]);
    expect(one({ 'Image|neq': ['a.exe', 'b.exe'] }).explain({ Image: 'B.EXE' })).toBeNull();
  });
  it('explains a negated field item with no value by a null rule value', () => {
    expect(one({ 'Image|neq': [] }).explain({ Image: 'c.exe' })?.reasons).toEqual([
      { identifier: 'selection', field: 'Image', modifiers: ['neq'], ruleValue: null, eventValue: 'c.exe' },
    ]);
  });
  it('gives one reason, for the first value that matched, without all', () => {
    expect(one({ 'Cmd|contains': ['zz', 'a', 'b'] }).explain({ Cmd: 'ab' })?.reasons).toEqual([
      { identifier: 'selection', field: 'Cmd', modifiers: ['contains'], ruleValue: 'a', eventValue: 'ab' },
    ]);
    const keywords = compileRule(makeRule([search('keywords', ['zz', 'alpha', 'beta'])]));
    expect(keywords.explain({ x: 'alpha', y: 'beta' })?.reasons).toEqual([{ identifier: 'keywords', field: null, modifiers: [], ruleValue: 'alpha', eventValue: 'alpha' }]);
  });
  it('gives one reason per keyword with all, each naming the value that held it', () => {
    const rule = compileRule(makeRule([search('keywords', ['alpha', 'beta', 'gamma'], ['all'])]));
    expect(rule.explain({ x: 'ALPHA', y: ['beta'], z: { w: 'gamma!' } })?.reasons).toEqual([
      { identifier: 'keywords', field: null, modifiers: ['all'], ruleValue: 'alpha', eventValue: 'ALPHA' },
      { identifier: 'keywords', field: null, modifiers: ['all'], ruleValue: 'beta', eventValue: 'beta' },
      { identifier: 'keywords', field: null, modifiers: ['all'], ruleValue: 'gamma', eventValue: 'gamma!' },
    ]);
  });
  it('gives one reason per value with all on a field, in the rule order', () => {
    expect(one({ 'Cmd|contains|all': ['b', 'a', 'c'] }).explain({ Cmd: 'abc' })?.reasons.map((r) => r.ruleValue)).toEqual(['b', 'a', 'c']);
  });
  it('orders a conjunction of every kind of test by cost, and equal costs as the rule writes them', () => {
    const body = { 'R|re': 'x', G: 'a*b', 'T|hour': 10, 'N|cidr': '10.0.0.0/8', 'F|fieldref': 'G', 'C|gt': 5, 'S|startswith': 's', E: 'e', 'X|exists': true, Z: null };
    const event = { R: 'x', G: 'ab', T: '2024-01-01T10:00:00Z', N: '10.1.1.1', F: 'ab', C: 6, S: 'sx', E: 'e', X: 1 };
    expect(one(body).explain(event)?.reasons.map((r) => r.field)).toEqual(['X', 'Z', 'E', 'C', 'S', 'F', 'T', 'N', 'G', 'R']);
    expect(one({ B: '2', A: '1' }).explain({ A: '1', B: '2' })?.reasons.map((r) => r.field)).toEqual(['B', 'A']);
  });
  it('explains the alternative that held in a list of maps, not an earlier one that did not', () => {
    expect(one([{ A: '1', B: '2' }, { C: '3' }]).explain({ A: '1', C: '3' })?.reasons).toEqual([
      { identifier: 'selection', field: 'C', modifiers: [], ruleValue: '3', eventValue: '3' },
    ]);
  });
  it('explains every item of a conjunction of three, cheapest test first', () => {
    // Costs (compile.ts patternCost): exists 0, exact 1, startswith 2, contains 3, re 10.
    expect(one({ 'C|re': '3', 'B|contains': '2', A: '1' }).explain({ A: '1', B: 'x2', C: '33' })?.reasons.map((r) => r.field)).toEqual(['A', 'B', 'C']);
    expect(one({ 'C|re': '3', 'D|exists': true, 'B|startswith': '2' }).explain({ B: '2x', C: '33', D: 0 })?.reasons.map((r) => r.field)).toEqual(['D', 'B', 'C']);
  });
});

describe('fieldref', () => {
  it('is false when the other field is missing or null, whatever the modifiers, and true when it is there', () => {
    for (const key of ['ParentImage|fieldref', 'ParentImage|fieldref|contains', 'ParentImage|fieldref|startswith', 'ParentImage|fieldref|endswith']) {
      expect(matches({ [key]: 'Image' }, { ParentImage: 'a' })).toBe(false);
      expect(matches({ [key]: 'Image' }, { ParentImage: 'a', Image: null })).toBe(false);
      expect(matches({ [key]: 'Image' }, { ParentImage: 'a', Image: 'A' })).toBe(true);
    }
  });
  it('compares with any element of an array in the other field', () => {
    expect(matches({ 'A|fieldref': 'B' }, { A: 'x', B: ['y', 'X'] })).toBe(true);
    expect(matches({ 'A|fieldref': 'B' }, { A: 'x', B: ['y', 'z'] })).toBe(false);
  });
  it('distinguishes contains, startswith and endswith', () => {
    const event = { A: 'xaby', B: 'ab' };
    expect(matches({ 'A|fieldref|contains': 'B' }, event)).toBe(true);
    expect(matches({ 'A|fieldref|startswith': 'B' }, event)).toBe(false);
    expect(matches({ 'A|fieldref|endswith': 'B' }, event)).toBe(false);
    expect(matches({ 'A|fieldref': 'B' }, event)).toBe(false);
    expect(matches({ 'A|fieldref|startswith': 'B' }, { A: 'abx', B: 'AB' })).toBe(true);
    expect(matches({ 'A|fieldref|endswith': 'B' }, { A: 'abx', B: 'ab' })).toBe(false);
  });
  it('compares case-sensitively with cased', () => {
    expect(matches({ 'A|fieldref|cased': 'B' }, { A: 'Ab', B: 'ab' })).toBe(false);
    expect(matches({ 'A|fieldref|cased': 'B' }, { A: 'ab', B: 'ab' })).toBe(true);
  });
  it('names the value of its own field that matched in the explanation', () => {
    expect(one({ 'A|fieldref': 'B' }).explain({ A: ['q', 'X'], B: 'x' })?.reasons).toEqual([
      { identifier: 'selection', field: 'A', modifiers: ['fieldref'], ruleValue: 'B', eventValue: 'X' },
    ]);
  });
});

describe('numeric comparison boundaries', () => {
  const cases: Array<[string, number, boolean, boolean, boolean]> = [
    // op, bound; below, equal, above
    ['gt', 10, false, false, true],
    ['gte', 10, false, true, true],
    ['lt', 10, true, false, false],
    ['lte', 10, true, true, false],
  ];
  for (const [op, bound, below, equal, above] of cases) {
    it(`${op} ${bound} is ${below} below, ${equal} at and ${above} above the bound, as numbers and as numeric strings`, () => {
      expect(matches({ [`N|${op}`]: bound }, { N: bound - 1 })).toBe(below);
      expect(matches({ [`N|${op}`]: bound }, { N: bound })).toBe(equal);
      expect(matches({ [`N|${op}`]: bound }, { N: bound + 1 })).toBe(above);
      expect(matches({ [`N|${op}`]: bound }, { N: String(bound - 0.5) })).toBe(below);
      expect(matches({ [`N|${op}`]: bound }, { N: '10.0' })).toBe(equal);
      expect(matches({ [`N|${op}`]: bound }, { N: '1e1' })).toBe(equal);
      expect(matches({ [`N|${op}`]: bound }, { N: String(bound + 0.5) })).toBe(above);
    });
  }
  it('is false on every side for a value that is not a number', () => {
    for (const op of ['gt', 'gte', 'lt', 'lte']) {
      for (const value of ['ten', ' 10', '', true, Number.NaN, Number.POSITIVE_INFINITY, '1e999']) {
        expect(matches({ [`N|${op}`]: 10 }, { N: value })).toBe(false);
      }
    }
  });
  it('refuses a bound that is not finite', () => {
    expect(() => one({ 'N|gt': 'x' })).toThrow(expect.objectContaining({ code: 'value' }));
  });
  it('tests each comparison of a list, so a later one can match', () => {
    const rule = makeRule([search('selection', { 'N|lt': 0 })]);
    const selection = rule.detection.searches.get('selection')!;
    if (selection.kind === 'fields') selection.alternatives[0].items[0].values[0].patterns.push({ kind: 'compare', op: 'gt', value: 100 });
    const compiled = compileRule(rule);
    expect(compiled.matches({ N: 101 })).toBe(true);
    expect(compiled.matches({ N: -1 })).toBe(true);
    expect(compiled.matches({ N: 50 })).toBe(false);
  });
});

describe('date-time range checks', () => {
  const utc = Date.UTC;
  it('accepts each field at its upper bound', () => {
    expect(parseDateTime('2024-12-31T23:59:59Z')).toBe(utc(2024, 11, 31, 23, 59, 59));
    expect(parseDateTime('2024-01-01')).toBe(utc(2024, 0, 1));
    expect(parseDateTime('2024-02-29 00:00')).toBe(utc(2024, 1, 29));
    expect(parseDateTime('2024-04-30T00:00:00+23:59')).toBe(utc(2024, 3, 30) - (23 * 60 + 59) * 60_000);
    expect(parseDateTime('2024-04-30T00:00:00-0130')).toBe(utc(2024, 3, 30) + 90 * 60_000);
  });
  it('refuses each field one past its bound', () => {
    for (const text of [
      '2024-00-10T00:00:00Z', '2024-13-10T00:00:00Z', '2024-01-00T00:00:00Z', '2024-01-32T00:00:00Z',
      '2023-02-29T00:00:00Z', '2024-04-31T00:00:00Z', '2024-01-10T24:00:00Z', '2024-01-10T00:60:00Z',
      '2024-01-10T00:00:60Z', '2024-01-10T00:00:00+24:00', '2024-01-10T00:00:00+00:60', '2024-01-10T00:00:00-2400',
    ]) {
      expect(parseDateTime(text), text).toBeNull();
    }
  });
  it('refuses text around or inside an accepted date-time', () => {
    for (const text of [' 2024-01-10', '2024-01-10 ', 'x2024-01-10', '2024-01-10T', '2024-01-10T10', '2024-1-10', '2024-01-10T10:00:00.', '2024-01-10T10:00:00+1', '2024-01-10T10:00Z0']) {
      expect(parseDateTime(text), text).toBeNull();
    }
  });
  it('reads fractions by truncating to the millisecond, with a dot or a comma', () => {
    expect(parseDateTime('2024-01-10T10:59:59.9999Z')).toBe(utc(2024, 0, 10, 10, 59, 59, 999));
    expect(parseDateTime('2024-01-10T10:00:00,5')).toBe(utc(2024, 0, 10, 10, 0, 0, 500));
    expect(parseDateTime('2024-01-10 10:00:00.0015')).toBe(utc(2024, 0, 10, 10, 0, 0, 1));
  });
  it('applies an offset in either direction, with or without a colon, and z as UTC', () => {
    expect(parseDateTime('2024-01-10T10:00:00+02:30')).toBe(utc(2024, 0, 10, 7, 30));
    expect(parseDateTime('2024-01-10T10:00:00-0230')).toBe(utc(2024, 0, 10, 12, 30));
    expect(parseDateTime('2024-01-10t10:00:00z')).toBe(utc(2024, 0, 10, 10));
    expect(parseDateTime('2024-01-10T10:00')).toBe(utc(2024, 0, 10, 10));
  });
  it('knows 29 February of the years 0 and 4 but not of 1900 or 2100', () => {
    expect(parseDateTime('0000-02-29')).toBe(new Date(0).setUTCFullYear(0, 1, 29));
    expect(parseDateTime('0004-02-29')).toBe(new Date(0).setUTCFullYear(4, 1, 29));
    expect(parseDateTime('1900-02-29')).toBeNull();
    expect(parseDateTime('2100-02-29')).toBeNull();
    expect(parseDateTime('0001-02-29')).toBeNull();
  });
  it('keeps years below 100 as written', () => {
    expect(new Date(parseDateTime('0050-03-01T00:00:00Z')!).getUTCFullYear()).toBe(50);
    expect(new Date(parseDateTime('0100-03-01T00:00:00Z')!).getUTCFullYear()).toBe(100);
  });
  it('tests time parts at their boundaries through the matcher', () => {
    expect(matches({ 'T|minute': 59 }, { T: '2024-01-10T10:59:59.9999Z' })).toBe(true);
    expect(matches({ 'T|hour': 23 }, { T: '2024-01-10T23:00:00Z' })).toBe(true);
    expect(matches({ 'T|hour': 0 }, { T: '2024-01-10T24:00:00Z' })).toBe(false);
    expect(matches({ 'T|day': 31 }, { T: '2024-12-31' })).toBe(true);
    expect(matches({ 'T|month': 12 }, { T: '2024-12-31' })).toBe(true);
    expect(matches({ 'T|month': 1 }, { T: '2024-12-31T23:00:00-01:00' })).toBe(true);
    expect(matches({ 'T|year': 2025 }, { T: '2024-12-31T23:00:00-01:00' })).toBe(true);
    expect(matches({ 'T|week': 1 }, { T: '2025-12-29' })).toBe(true);
    expect(matches({ 'T|week': 52 }, { T: '2023-01-01' })).toBe(true);
    expect(matches({ 'T|week': 53 }, { T: '2020-12-31' })).toBe(true);
    expect(matches({ 'T|minute': 5 }, { T: 20240110 })).toBe(false);
  });
});
