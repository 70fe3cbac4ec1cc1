import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { boundText, EMPTY_EXPLANATION, fitJsonObject, hitRefOf, toJsonObject, TRUNCATION_MARK, unionExplanations, type JsonObject } from '../../src/incidents/bounds.js';
import type { MatchExplanation } from '../../src/match/types.js';

/** The platform's own check (ES2024), as an oracle independent of our implementation. */
const isWellFormed = (text: string): boolean => (text as unknown as { isWellFormed(): boolean }).isWellFormed();
const toWellFormed = (text: string): string => (text as unknown as { toWellFormed(): string }).toWellFormed();

describe('bounded text', () => {
  test('is at most the limit, never splits a surrogate pair, and is idempotent', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), fc.integer({ min: 1, max: 200 }), (text, max) => {
        const once = boundText(text, max);
        expect(once.value.length).toBeLessThanOrEqual(max);
        expect(isWellFormed(once.value)).toBe(true);
        expect(boundText(once.value, max)).toEqual({ value: once.value, truncated: false });
        expect(once.truncated).toBe(toWellFormed(text).length > max);
      }),
    );
  });

  test('reads only the part it keeps, and keeps what cleaning the whole text and cutting it would', () => {
    // The reference: the whole text made well-formed first, then cut before the mark, never inside a pair.
    const reference = (text: string, max: number): string => {
      const clean = toWellFormed(text);
      if (clean.length <= max) return clean;
      let cut = Math.max(0, max - 1);
      if (cut > 0 && /[\ud800-\udbff]/.test(clean[cut - 1]!)) cut -= 1;
      return clean.slice(0, cut) + '\u2026';
    };
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('a', '\ud800', '\udc00', '\ud83d\ude00', '\u0000'), maxLength: 40 }), fc.integer({ min: 1, max: 30 }), (text, max) => {
        expect(boundText(text, max).value).toBe(reference(text, max));
      }),
    );
    const huge = '\ud800'.repeat(2_000_000);
    expect(boundText(huge, 8)).toEqual({ value: '\ufffd'.repeat(7) + '\u2026', truncated: true });
  });

  test('long hit ids become a prefix plus the hash of the whole id, distinct for distinct ids', () => {
    const a = hitRefOf('x'.repeat(600) + 'a');
    const b = hitRefOf('x'.repeat(600) + 'b');
    expect(a).not.toBe(b);
    expect(a.length).toBeLessThan(600);
    expect(hitRefOf('short-id')).toBe('short-id');
  });
});

const jsonObject = fc.dictionary(fc.string({ maxLength: 20 }), fc.jsonValue({ maxDepth: 6 }), { maxKeys: 30 }) as fc.Arbitrary<JsonObject>;

describe('fitting JSON', () => {
  test('the result fits the budget, is unchanged when fitted again, and says when it cut', () => {
    fc.assert(
      fc.property(jsonObject, fc.integer({ min: 2, max: 4000 }), (value, max) => {
        const canonical = toJsonObject(value, 'test');
        const once = fitJsonObject(canonical, max);
        expect(JSON.stringify(once.value).length).toBeLessThanOrEqual(Math.max(max, 2));
        expect(fitJsonObject(once.value, max)).toEqual({ value: once.value, truncated: false });
        expect(once.truncated).toBe(JSON.stringify(canonical).length > max);
      }),
    );
  });

  test('a __proto__ key stays data', () => {
    const value = toJsonObject(JSON.parse('{"__proto__": {"polluted": true}, "b": "' + 'y'.repeat(100) + '"}'), 'test');
    const fitted = fitJsonObject(value, 60).value;
    expect(Object.getPrototypeOf(fitted)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  test('keys are sorted, so the stored form does not depend on how the object was built', () => {
    expect(JSON.stringify(toJsonObject({ b: 1, a: { d: 1, c: 2 } }, 't'))).toBe('{"a":{"c":2,"d":1},"b":1}');
  });
});

describe('explanation unions', () => {
  const bounds = { maxSearches: 4, maxReasons: 2, maxReasonChars: 1000 };

  test('cap unmatchedSearches as matchedSearches: sorted, at most maxSearches, each identifier bounded, the cut flagged', () => {
    const unmatched = Array.from({ length: 6 }, (_, index) => `filter_${5 - index}`);
    const union = unionExplanations(EMPTY_EXPLANATION, [{ matchedSearches: ['selection'], unmatchedSearches: [...unmatched, 'f'.repeat(500)], reasons: [] }], bounds);
    expect(union.explanation.unmatchedSearches).toEqual(['f'.repeat(127) + TRUNCATION_MARK, 'filter_0', 'filter_1', 'filter_2']);
    expect(union.explanation.matchedSearches).toEqual(['selection']);
    expect(union.truncated).toBe(true);
  });

  test('keep every search that was false on some hit, and read a stored explanation written before unmatchedSearches existed', () => {
    const stored = { explanation: { matchedSearches: ['selection'], reasons: [] } as unknown as MatchExplanation, truncated: false };
    const union = unionExplanations(stored, [
      { matchedSearches: ['selection'], unmatchedSearches: ['filter'], reasons: [] },
      { matchedSearches: ['selection', 'filter'], unmatchedSearches: [], reasons: [] },
    ], bounds);
    expect(union).toEqual({ explanation: { matchedSearches: ['filter', 'selection'], unmatchedSearches: ['filter'], reasons: [] }, truncated: false });
  });
});
