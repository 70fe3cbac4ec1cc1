import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MIN_SCREEN_LENGTH, PAIR_SCREEN_NEEDLES, QUAD_SCREEN_LENGTH, SkipScreen } from '../../src/pack/skip-screen.js';

/** What the screen must never deny: a needle in the text's lowering. */
function holds(needles: readonly string[], text: string): boolean {
  const lowered = text.toLowerCase();
  return needles.some((needle) => lowered.includes(needle));
}

describe('skip screen', () => {
  it('is built only for needles long enough to skip', () => {
    expect(SkipScreen.of([])).toBeNull();
    expect(SkipScreen.of(['abc', 'sekurlsa::'])).toBeNull();
    expect(SkipScreen.of(['x'.repeat(MIN_SCREEN_LENGTH), 'sekurlsa::'])).not.toBeNull();
    const many = (length: number): string[] => Array.from({ length: PAIR_SCREEN_NEEDLES + 1 }, (_, k) => k.toString(16).padStart(length, 'f'));
    expect(SkipScreen.of(many(QUAD_SCREEN_LENGTH - 1))).toBeNull();
    expect(SkipScreen.of(many(QUAD_SCREEN_LENGTH))).not.toBeNull();
  });

  it('skips hex text that holds none of hundreds of hashes, and passes one that holds one', () => {
    let seed = 7;
    const hex = (length: number): string =>
      Array.from({ length }, () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 16) % 16)
        .map((digit) => digit.toString(16))
        .join('');
    const hashes = Array.from({ length: 400 }, () => hex(16));
    const screen = SkipScreen.of(hashes)!;
    const texts = Array.from({ length: 200 }, () => `SHA1=${hex(40)},MD5=${hex(32)},SHA256=${hex(64)},IMPHASH=${hex(32)}`.toUpperCase());
    const passed = texts.filter((text) => screen.mayHold(text)).length;
    expect(passed).toBeLessThan(texts.length / 2);
    for (const text of texts.slice(0, 20)) expect(screen.mayHold(`${text},IMPHASH=${hashes[123].toUpperCase()}`)).toBe(true);
  });

  it('passes every text whose lowering holds a needle, U+212A and U+0130 spellings included', () => {
    const screen = SkipScreen.of(['sekurlsa::', 'kiwi', 'lsadump::'])!;
    expect(screen.mayHold('mimikatz # SEKURLSA::logonpasswords')).toBe(true);
    expect(screen.mayHold('se\u212Aurlsa::')).toBe(true);
    expect(screen.mayHold('eo.oe.\u212A\u0130W\u0130')).toBe(true);
    expect(screen.mayHold('C:\\Windows\\System32\\svchost.exe -k netsvcs -p')).toBe(false);
    expect(screen.mayHold('kiw')).toBe(false);
    expect(screen.mayHold('')).toBe(false);
  });

  it('never denies a text holding one of many long needles (read by quads)', () => {
    const alphabet = [...'abk:.\\', 'K', '\u212A', '\u0130', 'é'];
    const textArb = fc.array(fc.constantFrom(...alphabet), { maxLength: 60 }).map((units) => units.join(''));
    const needleArb = fc.array(fc.constantFrom(...'abk:.\\'), { minLength: QUAD_SCREEN_LENGTH, maxLength: 12 }).map((units) => units.join(''));
    let denied = 0;
    fc.assert(
      fc.property(fc.uniqueArray(needleArb, { minLength: PAIR_SCREEN_NEEDLES + 1, maxLength: 120 }), fc.array(textArb, { minLength: 1, maxLength: 6 }), (needles, texts) => {
        const screen = SkipScreen.of(needles)!;
        for (const base of texts) {
          for (const text of [base, base + needles[0].toUpperCase(), needles[1].replaceAll('k', '\u212A') + base]) {
            if (holds(needles, text)) expect(screen.mayHold(text), JSON.stringify({ text })).toBe(true);
            else if (!screen.mayHold(text)) denied++;
          }
        }
      }),
      { numRuns: 300, seed: 20261207 },
    );
    expect(denied).toBeGreaterThan(0);
  });

  it('never denies a text holding a needle, for random needles and texts (and denies most others)', () => {
    const alphabet = [...'abkis:.\\- ', 'K', 'I', 'S', '\u212A', '\u0130', '\u017F', 'é', '\ud83d\ude00'];
    const textArb = fc.array(fc.constantFrom(...alphabet), { maxLength: 40 }).map((units) => units.join(''));
    const needleArb = fc.array(fc.constantFrom(...'abkis:.\\- '), { minLength: MIN_SCREEN_LENGTH, maxLength: 9 }).map((units) => units.join(''));
    let denied = 0;
    let runs = 0;
    fc.assert(
      fc.property(fc.uniqueArray(needleArb, { minLength: 1, maxLength: 6 }), fc.array(textArb, { minLength: 1, maxLength: 8 }), (needles, texts) => {
        const screen = SkipScreen.of(needles)!;
        for (const base of texts) {
          // Half the texts are made to hold a needle, respelled in upper case or with U+212A for k.
          for (const text of [base, base + needles[0].toUpperCase() + base, base + needles[0].replaceAll('k', '\u212A') + base]) {
            runs++;
            if (holds(needles, text)) expect(screen.mayHold(text), JSON.stringify({ needles, text })).toBe(true);
            else if (!screen.mayHold(text)) denied++;
          }
        }
      }),
      { numRuns: 1500, seed: 20261207 },
    );
    expect(denied).toBeGreaterThan(runs / 10);
  });
});
