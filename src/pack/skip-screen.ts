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

/** The first unit of each LOWERS_TO_ASCII unit's lowering: all a needle can see of it. */
const LOWERING_START = new Map(LOWERS_TO_ASCII.map((unit) => [unit, String.fromCharCode(unit).toLowerCase().charCodeAt(0)]));

function read(unit: number): number {
  return unit < 128 ? FOLD[unit] : (LOWERING_START.get(unit) ?? OTHER);
}

/** The shift table: per block slot, how far a window whose last block falls in that slot may move. A block
 *  of `block` units ending at `end` in a needle's prefix allows at most `window - 1 - end`; a slot no prefix
 *  block falls in allows the whole `window - block + 1`. Needles are lower-case ASCII, which `read` keeps. */
function shiftTable(needles: readonly string[], window: number, block: number, slots: number, slot: (text: string, end: number) => number): Uint8Array {
  const shift = new Uint8Array(slots).fill(window - block + 1);
  for (const needle of needles) {
    for (let end = block - 1; end < window; end++) {
      const at = slot(needle, end);
      if (window - 1 - end < shift[at]) shift[at] = window - 1 - end;
    }
  }
  return shift;
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
    this.shift = shiftTable(needles, window, 2, CODES * CODES, pairSlot);
  }

  mayHold(text: string): boolean {
    const { shift } = this;
    for (let end = this.window - 1; end < text.length; ) {
      const step = shift[pairSlot(text, end)];
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
    this.shift = shiftTable(needles, window, 4, 1 << QUAD_TABLE_BITS, quadSlot);
  }

  mayHold(text: string): boolean {
    const { shift } = this;
    for (let end = this.window - 1; end < text.length; ) {
      const step = shift[quadSlot(text, end)];
      if (step === 0) return true;
      end += step;
    }
    return false;
  }
}

function pairSlot(text: string, end: number): number {
  return read(text.charCodeAt(end - 1)) * CODES + read(text.charCodeAt(end));
}

function quadSlot(text: string, end: number): number {
  const quad = (read(text.charCodeAt(end - 3)) << 24) ^ (read(text.charCodeAt(end - 2)) << 16) ^ (read(text.charCodeAt(end - 1)) << 8) ^ read(text.charCodeAt(end));
  return Math.imul(quad, 0x9e3779b1) >>> (32 - QUAD_TABLE_BITS);
}
