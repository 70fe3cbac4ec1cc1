// The engines behind StringSetMatcher (src/match/text.ts: the character classes, the tries, the contains regex
// and automaton) and tester()'s choice of path, at the points the mutation run of text.ts (issue 15) found
// untested: U+0080 (the first unit past ASCII), a case pair only letters have, the two units that lower to
// ASCII inside the automaton, `*` among many contains needles, and a set of three shapes.
// Each matcher is built inside its test: Stryker activates a mutant only once the tests start.
import { describe, expect, it } from 'vitest';
import { REGEX_NEEDLE_LIMIT, StringSetMatcher, type StringPatternSpec } from '../../src/match/text.js';

const exact = (text: string): StringPatternSpec => ({ parts: [{ kind: 'literal', text }], cased: false });
const startswith = (text: string): StringPatternSpec => ({ parts: [{ kind: 'literal', text }, { kind: 'any' }], cased: false });
const endswith = (text: string): StringPatternSpec => ({ parts: [{ kind: 'any' }, { kind: 'literal', text }], cased: false });
const contains = (text: string): StringPatternSpec => ({ parts: [{ kind: 'any' }, { kind: 'literal', text }, { kind: 'any' }], cased: false });

/** More contains needles than the regex takes, so the Aho–Corasick automaton runs; none occurs in the
 *  haystacks below. */
function manyContains(...needles: string[]): StringSetMatcher {
  const fillers = Array.from({ length: REGEX_NEEDLE_LIMIT + 1 }, (_, k) => `fill${String.fromCharCode(97 + (k % 26))}${String.fromCharCode(97 + Math.floor(k / 26))}`);
  return new StringSetMatcher([...fillers, ...needles].map(contains));
}

describe('the tries', () => {
  it('leave a value with U+0080 after an ASCII prefix to the reference', () => {
    const matcher = new StringSetMatcher([exact('x\u0080')]);
    expect(matcher.test('X\u0080')).toBe(true);
    expect(matcher.test('Y\u0080')).toBe(false);
  });

  it('fold only letters: a character 32 below a needle character is another character', () => {
    // '<' is '\\' minus 32, '?' is '_' minus 32, '^' is '~' minus 32.
    const matcher = new StringSetMatcher([exact('a\\b'), exact('c_d'), exact('e~f')]);
    expect(matcher.test('A\\B')).toBe(true);
    expect(matcher.test('E~F')).toBe(true);
    expect(matcher.test('a<b')).toBe(false);
    expect(matcher.test('c?d')).toBe(false);
    expect(matcher.test('e^f')).toBe(false);
  });
});

describe('the contains engines', () => {
  it('answer no for U+0080 when a non-ASCII needle is in the set (the regex)', () => {
    const matcher = new StringSetMatcher([contains('ab'), contains('é')]);
    expect(matcher.test('x\u0080')).toBe(false);
    expect(matcher.test('x\u0080AB')).toBe(true);
    expect(matcher.test('CAFÉ')).toBe(true);
  });

  // The automaton: each case is a set of needles (among REGEX_NEEDLE_LIMIT + 1 fillers) and what it answers.
  it.each<[string, string[], [string, boolean][]]>([
    ['match `*` among many needles on every value, the empty one included', [''], [['', true], ['anything', true]]],
    ['restart after U+0080 and find a needle after it (all-ASCII needles)', ['abc'], [['\u0080abc', true], ['x\u0080ABC', true], ['ab\u0080c', false]]],
    // 'İ' lowers to 'i' + U+0307, KELVIN SIGN to 'k'.
    ['find needles completed by U+0130 and U+212A, which lower to ASCII', ['ki', 'key'], [['kİ', true], ['\u212Aey', true], ['\u212A\u00e9y', false]]],
    ['find a needle holding U+0080', ['x\u0080'], [['X\u0080', true], ['x\u0081', false]]],
  ])('%s (the automaton)', (_name, needles, answers) => {
    const matcher = manyContains(...needles);
    for (const [haystack, expected] of answers) expect(matcher.test(haystack), JSON.stringify(haystack)).toBe(expected);
  });
});

describe('tester()', () => {
  it('takes the general path for a set of three shapes', () => {
    const withExact = new StringSetMatcher([exact('a'), startswith('b'), endswith('c')]).tester();
    expect(withExact('A')).toBe(true);
    expect(withExact('bxx')).toBe(true);
    expect(withExact('xxC')).toBe(true);
    expect(withExact('xbx')).toBe(false);
    const withoutExact = new StringSetMatcher([startswith('b'), endswith('c'), contains('d')]).tester();
    expect(withoutExact('Bxx')).toBe(true);
    expect(withoutExact('xxc')).toBe(true);
    expect(withoutExact('xDx')).toBe(true);
    expect(withoutExact('xcx')).toBe(false);
  });
});
