import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { StringPart } from '../../src/rule/model.js';
import { StringSetMatcher } from '../../src/match/text.js';
import { SEED_DOMAINS, SEED_IMAGE_FRAGMENTS, sigmaString } from './build.js';
import { stringPatternMatches } from './reference.js';
import { propertyRuns } from '../support/runs.js';

// Characters whose toLowerCase() is not an ASCII fold: longer (U+0130), ASCII from non-ASCII (KELVIN, ANGSTROM
// → å), context-dependent (Σ), supplementary (Deseret), lone surrogates; plus the characters of the seed.
const TRICKY = ['İ', 'ı', '\u212a', '\u212b', 'ſ', 'Σ', 'σ', 'ς', 'é', 'É', 'ß', 'ẞ', '\u{10400}', '\u{10428}', '\ud800', '\udc00', 'Ⅸ', 'ǅ'];
const ASCII = ['a', 'A', 'k', 'K', 'i', 'I', 's', 'S', 'z', 'Z', '\\', ':', '.', '$', ' ', '-', '0', '\u007f', '\u0000'];

const char = fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...ASCII) }, { weight: 2, arbitrary: fc.constantFrom(...TRICKY) }, { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) });
const text = fc.array(char, { maxLength: 12 }).map((chars) => chars.join(''));
const seedNeedle = fc.constantFrom(...SEED_IMAGE_FRAGMENTS, ...SEED_DOMAINS);
// Rule values are well-formed UTF-16 (the matcher refuses lone surrogates); haystacks need not be.
const wellFormed = (value: string) => !/[\ud800-\udfff]/.test(value.replace(/[\ud800-\udbff][\udc00-\udfff]/g, ''));
const needle = fc.oneof(text.filter(wellFormed), seedNeedle);

const randomCase = (value: string, flips: boolean[]) =>
  Array.from(value)
    .map((c, k) => (flips[k % Math.max(flips.length, 1)] ? c.toUpperCase() : c.toLowerCase()))
    .join('');

const position = fc.constantFrom('exact', 'startswith', 'endswith', 'contains', 'glob');
const pattern = fc.record({ position, literal: needle, glob: fc.array(fc.oneof(needle, fc.constantFrom('*', '?')), { maxLength: 4 }), cased: fc.boolean() }).map(
  ({ position: p, literal, glob, cased }) => {
    const lit: StringPart[] = literal === '' ? [] : [{ kind: 'literal', text: literal }];
    const parts: StringPart[] =
      p === 'glob'
        ? glob.flatMap((g): StringPart[] => (g === '*' ? [{ kind: 'any' }] : g === '?' ? [{ kind: 'one' }] : [{ kind: 'literal', text: g }]))
        : p === 'exact'
          ? lit
          : p === 'startswith'
            ? [...lit, { kind: 'any' }]
            : p === 'endswith'
              ? [{ kind: 'any' }, ...lit]
              : [{ kind: 'any' }, ...lit, { kind: 'any' }];
    return { parts, cased, source: literal };
  },
);

/** A haystack that often contains one of the needles, re-cased, inside random context. */
const haystackFor = (needles: string[]) =>
  fc.oneof(
    text,
    fc.tuple(text, fc.constantFrom(...needles), text, fc.array(fc.boolean(), { minLength: 1, maxLength: 5 })).map(([a, n, b, flips]) => a + randomCase(n, flips) + b),
    fc.tuple(fc.constantFrom(...needles), fc.array(fc.boolean(), { minLength: 1, maxLength: 5 })).map(([n, flips]) => randomCase(n, flips)),
    // Non-ASCII characters that lower to the needle's ASCII ones: only the toLowerCase fallback finds these.
    fc.tuple(text, fc.constantFrom(...needles), text).map(([a, n, b]) => a + n.replace(/k/gi, '\u212a').replace(/i$/i, 'İ') + b),
  );

describe('StringSetMatcher against the toLowerCase reference', () => {
  it('agrees on random pattern sets and haystacks, non-ASCII included', () => {
    fc.assert(
      fc.property(
        fc.array(pattern, { minLength: 1, maxLength: 6 }).chain((patterns) => fc.tuple(fc.constant(patterns), fc.array(haystackFor(patterns.map((p) => p.source)), { minLength: 1, maxLength: 8 }))),
        ([patterns, haystacks]) => {
          const matcher = new StringSetMatcher(patterns);
          for (const haystack of haystacks) {
            const expected = patterns.some((p) => stringPatternMatches(p.parts, p.cased, haystack));
            expect(matcher.test(haystack)).toBe(expected);
          }
        },
      ),
      { numRuns: propertyRuns(3000) },
    );
  });

  it('agrees with the reference for contains sets large enough to use the Aho–Corasick automaton', () => {
    fc.assert(
      fc.property(
        fc.array(needle.filter((n) => n.length > 0), { minLength: 49, maxLength: 80 }).chain((needles) => fc.tuple(fc.constant(needles), fc.array(haystackFor(needles), { minLength: 1, maxLength: 8 }))),
        ([needles, haystacks]) => {
          const patterns = needles.map((n) => ({ parts: [{ kind: 'any' }, { kind: 'literal', text: n }, { kind: 'any' }] as StringPart[], cased: false }));
          const matcher = new StringSetMatcher(patterns);
          for (const haystack of haystacks) expect(matcher.test(haystack)).toBe(patterns.some((p) => stringPatternMatches(p.parts, false, haystack)));
        },
      ),
      { numRuns: propertyRuns(500) },
    );
  });

  // All-ASCII contains sets skip non-ASCII units except the two that lower to ASCII (text.ts, LOWERS_TO_ASCII):
  // haystacks put such units inside, around and in place of needle characters, for both engines.
  it.each([
    ['the regex alternation', 1, 12],
    ['the Aho–Corasick automaton', 49, 70],
  ])('agrees with the reference for all-ASCII contains sets run by %s, non-ASCII units woven in', (_engine, minLength, maxLength) => {
    const asciiText = fc.array(fc.constantFrom(...ASCII), { minLength: 1, maxLength: 6 }).map((chars) => chars.join(''));
    const nonAscii = fc.constantFrom(...TRICKY, '日', 'é', '\u00ff', '\u0131');
    const weave = (needle: string) =>
      fc.tuple(fc.array(fc.tuple(fc.nat(needle.length), nonAscii, fc.boolean()), { maxLength: 3 }), fc.array(fc.boolean(), { minLength: 1, maxLength: 5 })).map(([edits, flips]) => {
        let woven = randomCase(needle, flips);
        for (const [at, unit, replace] of edits) woven = woven.slice(0, at) + unit + woven.slice(replace ? at + 1 : at);
        return woven;
      });
    fc.assert(
      fc.property(
        fc.array(fc.oneof(asciiText, fc.constantFrom(...SEED_IMAGE_FRAGMENTS)), { minLength, maxLength }).chain((needles) =>
          fc.tuple(fc.constant(needles), fc.array(fc.tuple(text, fc.constantFrom(...needles).chain(weave), text).map((parts) => parts.join('')), { minLength: 1, maxLength: 8 })),
        ),
        ([needles, haystacks]) => {
          const patterns = needles.map((n) => ({ parts: [{ kind: 'any' }, { kind: 'literal', text: n }, { kind: 'any' }] as StringPart[], cased: false }));
          const matcher = new StringSetMatcher(patterns);
          const tester = matcher.tester();
          for (const haystack of haystacks) {
            const expected = patterns.some((p) => stringPatternMatches(p.parts, false, haystack));
            expect(matcher.test(haystack)).toBe(expected);
            expect(tester(haystack)).toBe(expected);
          }
        },
      ),
      { numRuns: propertyRuns(1500) },
    );
  });

  it('agrees with the reference on the seed rule needle sets', () => {
    const contains = new StringSetMatcher(SEED_IMAGE_FRAGMENTS.map((f) => ({ parts: [{ kind: 'any' }, ...sigmaString(f), { kind: 'any' }], cased: false })));
    const endswith = new StringSetMatcher(SEED_DOMAINS.map((d) => ({ parts: [{ kind: 'any' }, ...sigmaString(d)], cased: false })));
    fc.assert(
      fc.property(haystackFor([...SEED_IMAGE_FRAGMENTS, ...SEED_DOMAINS]), (haystack) => {
        const lowered = haystack.toLowerCase();
        expect(contains.test(haystack)).toBe(SEED_IMAGE_FRAGMENTS.some((f) => lowered.includes(f.toLowerCase())));
        expect(endswith.test(haystack)).toBe(SEED_DOMAINS.some((d) => lowered.endsWith(d.toLowerCase())));
      }),
      { numRuns: propertyRuns(5000) },
    );
  });
});
