import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { boundText, fitJsonObject, hitRefOf, toJsonObject, type JsonObject } from '../../src/incidents/bounds.js';

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
