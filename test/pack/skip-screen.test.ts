import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MIN_SCREEN_LENGTH, SkipScreen } from '../../src/pack/skip-screen.js';

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
