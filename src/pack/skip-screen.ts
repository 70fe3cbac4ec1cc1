// A quick "can this text hold one of these needles?" (Wu–Manber's skip loop): it looks at the last few units
// of each window of the shortest needle's length m, so a text where no block of a needle's prefix occurs
// costs about length / (m - block + 1) steps, with no RegExp call and no table walk per unit. A "yes" only
// says the automaton must walk the text. Blocks are pairs for a few needles at least MIN_SCREEN_LENGTH long,
// quads for many needles at least QUAD_SCREEN_LENGTH long.
//
// Exact under the automaton's reading (src/pack/needle-automaton.ts): a needle occurs in the lowered text
// only over source units that lower one to one, A-Z folded, U+212A to 'k' and U+0130 to 'i' (U+0130 lowers
// to 'i' U+0307, so it can only be a needle's last unit, still one to one). Every other non-ASCII unit gets a
// code no needle holds. So the units under a needle's prefix, read through FOLD, spell the prefix, and the
// skip loop's usual argument holds: a window ending at `end` whose last block is not a prefix block at any
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

/** Up to this many needles the screen reads pairs: their pairs leave most of the pair table at full shift. */
export const PAIR_SCREEN_NEEDLES = 48;
/** With more needles (hundreds of hashes, say) it reads quads, which need needles this long at least. */
export const QUAD_SCREEN_LENGTH = 8;
const QUAD_TABLE_BITS = 16;

export abstract class SkipScreen {
  /** A screen for these needles (lower-case ASCII), or null when they are too few and short, or too many
   *  and short, to skip much. */
  static of(needles: readonly string[]): SkipScreen | null {
    if (needles.length === 0) return null;
    // A shift is stored in a byte.
    const window = Math.min(255, ...needles.map((needle) => needle.length));
    if (needles.length <= PAIR_SCREEN_NEEDLES && window >= MIN_SCREEN_LENGTH) return new PairScreen(needles, window);
    if (window >= QUAD_SCREEN_LENGTH) return new QuadScreen(needles, window);
    return null;
  }

  /** False only when no needle can occur in `text`'s lowering. */
  abstract mayHold(text: string): boolean;
}

/** Windows of the shortest needle's length, read by their last pair of units. */
class PairScreen extends SkipScreen {
  /** Per pair of read codes (first * CODES + second): how far the window may move when its last pair is this. */
  private readonly shift: Uint8Array;

  constructor(
    needles: readonly string[],
    private readonly window: number,
  ) {
    super();
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

/** The same by the last four units, hashed into a table where quads that share a slot keep the smaller
 *  shift (a smaller shift never skips a needle). Hundreds of hex hashes cover every hex pair at every
 *  offset, so pairs would never skip; four hex digits take 65,536 values, of which they use a few thousand. */
class QuadScreen extends SkipScreen {
  private readonly shift: Uint8Array;

  constructor(
    needles: readonly string[],
    private readonly window: number,
  ) {
    super();
    const shift = new Uint8Array(1 << QUAD_TABLE_BITS).fill(window - 3);
    for (const needle of needles) {
      for (let end = 3; end < window; end++) {
        const slot = quadSlot(needle.charCodeAt(end - 3), needle.charCodeAt(end - 2), needle.charCodeAt(end - 1), needle.charCodeAt(end));
        const distance = window - 1 - end;
        if (distance < shift[slot]) shift[slot] = distance;
      }
    }
    this.shift = shift;
  }

  mayHold(text: string): boolean {
    const { shift } = this;
    for (let end = this.window - 1; end < text.length; ) {
      const step = shift[quadSlot(read(text.charCodeAt(end - 3)), read(text.charCodeAt(end - 2)), read(text.charCodeAt(end - 1)), read(text.charCodeAt(end)))];
      if (step === 0) return true;
      end += step;
    }
    return false;
  }
}

function quadSlot(a: number, b: number, c: number, d: number): number {
  return Math.imul((a << 24) ^ (b << 16) ^ (c << 8) ^ d, 0x9e3779b1) >>> (32 - QUAD_TABLE_BITS);
}
