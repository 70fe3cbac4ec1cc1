// A quick "can this text hold one of these needles?" for a few needles that are all at least MIN_SCREEN_LENGTH
// long (Wu–Manber's skip loop over pairs of code units): it looks at one pair per window of the shortest
// needle's length, so a text where no pair of a needle's prefix occurs costs about length / (m - 1) steps,
// with no RegExp call. A "yes" only says the automaton must walk the text.
//
// Exact under the automaton's reading (src/pack/needle-automaton.ts): a needle occurs in the lowered text
// only over source units that lower one to one, A-Z folded, U+212A to 'k' and U+0130 to 'i' (U+0130 lowers
// to 'i' U+0307, so it can only be a needle's last unit, still one to one). Every other non-ASCII unit gets a
// code no needle holds. So the units under a needle's prefix, read through FOLD, spell the prefix, and the
// skip loop's usual argument holds: a window ending at `end` whose last pair is not a prefix pair at any
// offset `d` from its end rules out every prefix ending in end..end+shift-1.
import { LOWERS_TO_ASCII } from '../match/text.js';

/** Below this a window skips too little to beat one RegExp test. */
export const MIN_SCREEN_LENGTH = 4;

/** A non-ASCII unit that lowers to no ASCII: in no needle. */
const OTHER = 128;
const CODES = 129;

const FOLD = new Uint8Array(128);
for (let code = 0; code < 128; code++) FOLD[code] = code >= 65 && code <= 90 ? code | 32 : code;

/** The lowering of the two LOWERS_TO_ASCII units as far as a needle can see it: its first unit. */
const [DOTTED_CAPITAL_I, KELVIN] = LOWERS_TO_ASCII;
const DOTTED_CAPITAL_I_READ = String.fromCharCode(DOTTED_CAPITAL_I).toLowerCase().charCodeAt(0);
const KELVIN_READ = String.fromCharCode(KELVIN).toLowerCase().charCodeAt(0);

function read(unit: number): number {
  if (unit < 128) return FOLD[unit];
  if (unit === KELVIN) return KELVIN_READ;
  if (unit === DOTTED_CAPITAL_I) return DOTTED_CAPITAL_I_READ;
  return OTHER;
}

export class SkipScreen {
  /** The shortest needle's length: every window is this long. */
  private readonly window: number;
  /** Per pair of read codes (first * CODES + second): how far the window may move when its last pair is this. */
  private readonly shift: Uint8Array;

  /** Null when the needles are too short to screen (or there are none). Needles: lower-case ASCII. */
  static of(needles: readonly string[]): SkipScreen | null {
    if (needles.length === 0) return null;
    const window = Math.min(...needles.map((needle) => needle.length));
    // A shift is stored in a byte.
    return window >= MIN_SCREEN_LENGTH ? new SkipScreen(needles, Math.min(window, 255)) : null;
  }

  private constructor(needles: readonly string[], window: number) {
    this.window = window;
    const shift = new Uint8Array(CODES * CODES).fill(window - 1);
    for (const needle of needles) {
      for (let end = 1; end < window; end++) {
        const pair = needle.charCodeAt(end - 1) * CODES + needle.charCodeAt(end);
        const distance = window - 1 - end;
        if (distance < shift[pair]) shift[pair] = distance;
      }
    }
    this.shift = shift;
  }

  /** False only when no needle can occur in `text`'s lowering. */
  mayHold(text: string): boolean {
    const { shift } = this;
    for (let end = this.window - 1; end < text.length; ) {
      const step = shift[read(text.charCodeAt(end - 1)) * CODES + read(text.charCodeAt(end))];
      if (step === 0) return true;
      end += step;
    }
    return false;
  }
}
