import { describe, expect, it } from 'vitest';
import { asciiFoldRegex, CASE_PARTNERS, isCaseless, matcherRegex } from '../../../src/kql/compile/fold.js';
import { and, atom, not, or, renderPredicate, tagPredicateOf, type Predicate } from '../../../src/kql/compile/predicate.js';
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

describe('isCaseless', () => {
  it('holds exactly for text that toLowerCase() finds where it stands: no character lowers into it or out of itself', () => {
    expect(isCaseless('\u{1F937}\u{1F3FC}\u200D\u2642\uFE0F')).toBe(true); // emoji with ZWJ and a variation selector
    expect(isCaseless('\u6587\u4EF6 3')).toBe(true); // CJK, a space, a digit
    expect(isCaseless('\u00E9')).toBe(false); // é: É lowers to it
    expect(isCaseless('\u00C9')).toBe(false); // É lowers to é
    expect(isCaseless('\u0307')).toBe(false); // İ lowers to i + U+0307
    expect(isCaseless('\u4EF6i')).toBe(false);
    expect(isCaseless('\u00DF')).toBe(false); // ẞ (U+1E9E) lowers to ß
    expect(isCaseless('')).toBe(false);
  });

  it('agrees with the matcher on every value it is asked about: a caseless literal is found in the lowered value exactly where it is found as it stands', () => {
    const literals = ['\u{1F937}\u{1F3FC}', '\u2642\uFE0F', '\u6587\u4EF6'];
    const values = ['x\u{1F937}\u{1F3FC}y', 'X\u{1F937}\u0130\u{1F3FC}', '\u0130\u2642\uFE0F', '\u6587\u4EF6.TXT', 'A\u6587B\u4EF6', ''];
    for (const literal of literals) {
      expect(isCaseless(literal)).toBe(true);
      for (const value of values) expect(value.toLowerCase().includes(literal.toLowerCase())).toBe(value.includes(literal));
    }
  });
});

describe('asciiFoldRegex', () => {
  it('folds A-Z alone, exactly as the matcher does on values without case partners', () => {
    const parts: WildcardPart[] = [{ kind: 'any' }, { kind: 'literal', text: '\\Sys' }, { kind: 'one' }, { kind: 'literal', text: '.EXE' }];
    const pattern = asciiFoldRegex(parts)!;
    expect(pattern).toBe('(?is)\\\\sys.\\.exe$');
    const regex = re2ToRegExp(pattern);
    for (const value of ['C:\\SYSx.exe', 'c:\\sys\u00E9.Exe', 'c:\\sys.exe', 'c:\\sysxx.exe', '\\SYS\nX.EXE']) {
      expect([value, regex.test(value)]).toEqual([value, new StringSetMatcher([{ parts, cased: false }]).test(value)]);
    }
    expect(asciiFoldRegex([{ kind: 'literal', text: 'caf\u00E9' }])).toBeUndefined();
  });
});

describe('tagPredicateOf', () => {
  const test = (text: string, subject = 'C'): Extract<Predicate, { kind: 'folded' }> => ({ kind: 'folded', subject, exact: atom(`exact(${text})`), fast: atom(`fast(${text})`), widen: true });
  const flag = (subject: string) => `F_${subject}`;

  it('widens a test that counts for the rule with its subject\'s flag, and narrows one under a negation', () => {
    const predicate = and([test('a'), not(or([test('b', 'D'), atom('x')]))]);
    expect(renderPredicate(predicate)).toBe('exact(a) and not(exact(b) or x)');
    const tag = tagPredicateOf(predicate, flag);
    expect(renderPredicate(tag.predicate)).toBe('(fast(a) or F_C) and not((fast(b) and not(F_D)) or x)');
    expect(tag.subjects).toEqual(['C', 'D']);
    // two negations make a test count again
    expect(renderPredicate(tagPredicateOf(not(not(test('a'))), flag).predicate)).toBe('fast(a) or F_C');
    expect(renderPredicate(tagPredicateOf(not(and([atom('y'), not(test('a'))])), flag).predicate)).toBe('not(y and not(fast(a) or F_C))');
  });

  it('writes a flag once per and/or, and a test that needs no widening as its fast form alone', () => {
    const tag = tagPredicateOf(or([test('a'), test('b'), { ...test('c'), widen: false }]), flag);
    expect(renderPredicate(tag.predicate)).toBe('fast(a) or F_C or fast(b) or fast(c)');
  });
});
