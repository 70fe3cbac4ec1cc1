import { describe, expect, it } from 'vitest';
import { LOWERS_TO_ASCII } from '../../src/match/text.js';

// The contains fast paths (src/match/text.ts) skip every other non-ASCII unit on the strength of this: it is
// a property of the ICU tables the runtime ships, so it is checked against them, code point by code point.
describe('toLowerCase and ASCII', () => {
  const holdsAscii = (text: string) => /[\0-\x7f]/.test(text);

  it('yields an ASCII unit from a non-ASCII code point only for LOWERS_TO_ASCII', () => {
    const found: number[] = [];
    for (let code = 0x80; code <= 0x10ffff; code++) {
      // Lone surrogates are code units of their own in a haystack; pairs are covered as supplementary points.
      const text = code >= 0xd800 && code <= 0xdfff ? String.fromCharCode(code) : String.fromCodePoint(code);
      if (holdsAscii(text.toLowerCase())) found.push(code);
    }
    expect(found).toEqual([...LOWERS_TO_ASCII]);
  });

  it('lowers capital sigma, the one context-dependent mapping, to a non-ASCII unit in every context', () => {
    for (const text of ['Σ', 'aΣ', 'Σa', 'aΣa', 'aΣ.', 'AΣ\u0301', 'ΣΣ']) {
      const lowered = text.toLowerCase();
      expect(lowered.length).toBe(text.length);
      expect(holdsAscii(lowered.replace(/[a.]/gi, ''))).toBe(false);
    }
  });
});
