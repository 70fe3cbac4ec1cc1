import { describe, expect, it } from 'vitest';
import { CASE_PARTNERS, matcherRegex } from '../../../src/kql/compile/fold.js';
import { re2ToRegExp } from '../../../src/kql/oracle/re2.js';
import { StringSetMatcher } from '../../../src/match/text.js';
import type { WildcardPart } from '../../../src/match/text.js';

describe('CASE_PARTNERS', () => {
  it('lists every non-ASCII character that a case reading (simple or full upper/lower case, RE2 folding) relates to an ASCII letter', () => {
    const found: Record<string, string> = {};
    const letters = [...'abcdefghijklmnopqrstuvwxyz'].map((letter) => [letter, new RegExp(letter, 'iu')] as const);
    for (let code = 0x80; code <= 0x10ffff; code++) {
      if (code >= 0xd800 && code <= 0xdfff) continue;
      const character = String.fromCodePoint(code);
      const readings = [character.toUpperCase(), character.toLowerCase(), character.toUpperCase().toLowerCase(), character.toLowerCase().toUpperCase()];
      if (readings.every((reading) => !/[a-z]/i.test(reading)) && !/\p{L}/u.test(character)) continue;
      for (const [letter, folded] of letters) {
        const related = readings.some((reading) => reading.toLowerCase().includes(letter)) || folded.test(character);
        if (related) found[letter] = (found[letter] ?? '') + character;
      }
    }
    const listed = Object.fromEntries(Object.entries(CASE_PARTNERS).map(([letter, partners]) => [letter, [...partners].sort().join('')]));
    const computed = Object.fromEntries(Object.entries(found).map(([letter, partners]) => [letter, [...partners].sort().join('')]));
    expect(listed).toEqual(computed);
  });
});

describe('matcherRegex', () => {
  const values = ['mimikatz', 'MIMI\u212AATZ', 'mimİ', 'mimİx', 'mımıkatz', 'ſvchost', 'İ', 'İİ', 'ab', 'a', 'aİ', 'iX', 'İx', 'xİ', 'Kx', 'x'];
  const globs: WildcardPart[][] = [
    [{ kind: 'any' }, { kind: 'literal', text: 'mimikatz' }, { kind: 'any' }],
    [{ kind: 'any' }, { kind: 'literal', text: 'mimi' }, { kind: 'any' }],
    [{ kind: 'literal', text: 'mimi' }],
    [{ kind: 'literal', text: 'mim' }, { kind: 'one' }],
    [{ kind: 'literal', text: 'mimi' }, { kind: 'one' }],
    [{ kind: 'literal', text: 'i' }, { kind: 'one' }],
    [{ kind: 'one' }, { kind: 'literal', text: 'x' }],
    [{ kind: 'any' }, { kind: 'one' }],
    [{ kind: 'literal', text: 'k' }, { kind: 'any' }],
    [{ kind: 'any' }, { kind: 'literal', text: 'svchost' }],
    [{ kind: 'literal', text: 'É' }, { kind: 'any' }],
  ];
  it.each(globs.map((parts) => [JSON.stringify(parts), parts] as const))('accepts exactly what the matcher accepts: %s', (_name, parts) => {
    const regex = matcherRegex(parts);
    expect(regex.exact).toBe(true);
    const re2 = re2ToRegExp(regex.pattern);
    const matcher = (value: string) => new StringSetMatcher([{ parts, cased: false }]).test(value);
    for (const value of [...values, 'éx', 'Éx']) expect([value, re2.test(value)]).toEqual([value, matcher(value)]);
  });
  it('a run of several ? is a superset, marked inexact', () => {
    const parts: WildcardPart[] = [{ kind: 'one' }, { kind: 'one' }];
    const regex = matcherRegex(parts);
    expect(regex.exact).toBe(false);
    const matcher = (value: string) => new StringSetMatcher([{ parts, cased: false }]).test(value);
    for (const value of values) if (matcher(value)) expect(re2ToRegExp(regex.pattern).test(value)).toBe(true);
  });
});
