// Which of many needles occur in an event's values: one Aho–Corasick pass over every scalar, however many
// needles there are.
//
// The promise it serves (src/match/prefilter.ts `ruleNeedles`): a rule can match an event only if one of
// its lower-case ASCII needles is a substring of `String(v).toLowerCase()` for some scalar v of the event.
// So the scan reads each value through the same lowering, one code unit at a time, without building the
// lowered copy:
//   - ASCII units lower by folding A-Z, which the character classes do (a letter and its capital share one).
//   - A non-ASCII unit whose lower case holds no ASCII unit only ends any partial match. `toLowerCase` maps
//     code points independently except Final_Sigma (to a non-ASCII unit either way), so the lowered string
//     is the concatenation of per-unit lowerings as far as ASCII runs go; surrogates lower to non-ASCII.
//   - The units that lower to text holding ASCII (LOWERS_TO_ASCII: U+0130 → 'i' U+0307, U+212A → 'k',
//     checked against ICU by test/match/lowercase.test.ts) are fed as their lowering.
// One more needle reads no text: "the value holds a non-ASCII unit" (`nonAsciiId`), which a rule's
// non-ASCII literal needs (src/pack/field-needles.ts NON_ASCII): `toLowerCase` maps ASCII to ASCII, so a
// value whose lowering holds a non-ASCII unit holds one itself.
// Numbers and booleans are scanned as their string form, the form the matcher compares. A field's value is
// scanned as the matcher reads it: the scalar, or every scalar in the array it holds (recursively); an
// event is scanned deep, every scalar at any depth (keyword searches look at every value). Keys are not
// values and are not scanned.
import { escapeRegExp, LOWERS_TO_ASCII, REGEX_NEEDLE_LIMIT } from '../match/text.js';
import { SkipScreen } from './skip-screen.js';

/** The lowering of each LOWERS_TO_ASCII unit, indexed by unit. */
const ASCII_LOWERINGS = new Map<number, string>(LOWERS_TO_ASCII.map((unit) => [unit, String.fromCharCode(unit).toLowerCase()]));

/** Nesting beyond this is refused rather than walked (the event readers refuse records nested more than 64
 *  levels; this guards hand-built events, and an unscanned value would cost exactness). */
const MAX_DEPTH = 256;

/** Texts are remembered only from this length (a shorter walk costs about what the lookup does) up to
 *  MEMO_MAX_LENGTH (a long value rarely comes again), MEMO_ENTRIES of them per automaton at most. */
const MEMO_MIN_LENGTH = 12;
const MEMO_MAX_LENGTH = 256;
export const MEMO_ENTRIES = 1024;
const NO_IDS = new Int32Array(0);

/** Receives the id of each needle found, possibly more than once per scan. */
export interface NeedleSink {
  found(id: number): void;
}

export class NeedleAutomaton {
  readonly needleCount: number;
  private readonly classOf = new Uint8Array(128);
  /** delta[row + class] is the next state's row (a state's row is its number times the class count), bit-
   *  inverted (negative) when a needle ends at that state or on its failure chain: one sign test per step. */
  private readonly delta: Int32Array;
  /** Per state: the id of the needle ending here, or -1. */
  private readonly idAt: Int32Array;
  /** Per state: the nearest state on the failure chain where a needle ends, or -1 (the dictionary link). */
  private readonly outputLink: Int32Array;
  private readonly width: number;
  /** For a few needles: a test that passes every text holding one of them or a unit of LOWERS_TO_ASCII (any
   *  non-ASCII unit, with the non-ASCII needle), so most texts skip the per-unit walk. Why it is exact:
   *  without a LOWERS_TO_ASCII unit, a needle occurs in the lowered text iff it occurs in the text ignoring
   *  ASCII case, which is what `i` (without `u`) tests: it never equates a non-ASCII unit with an ASCII one.
   *  V8 runs a short alternation faster than the table walk (the matcher's contains sets make the same
   *  choice, src/match/text.ts). */
  private readonly prescreen: RegExp | null;
  /** For needles all long enough: a cheaper test with the same promise (src/pack/skip-screen.ts), also for
   *  hundreds of them when they are long (hashes). */
  private readonly screen: SkipScreen | null;
  /** The ids a text's walk reported, each once, for texts walked lately. Logs repeat their values (an Image
   *  path, a parent, a registry key) far more than they vary, and a lookup hashes the text once where the
   *  walk takes a table step per unit; the walk is a function of the text alone, so the replay is exact. */
  private readonly memo = new Map<string, Int32Array>();
  // A Set, not an array searched per id: a crafted value can hold thousands of needles.
  private readonly recorded = new Set<number>();
  private readonly recorder: NeedleSink = {
    found: (id) => {
      this.recorded.add(id);
    },
  };

  /** Texts must be lower-case ASCII and distinct; `ids[k]` is reported for `texts[k]`, and `nonAsciiId` (when
   *  not -1) for a value holding a code unit ≥ 128. */
  constructor(
    texts: readonly string[],
    ids: readonly number[],
    private readonly sink: NeedleSink,
    private readonly nonAsciiId = -1,
  ) {
    this.needleCount = texts.length + (nonAsciiId === -1 ? 0 : 1);
    // With the non-ASCII needle every non-ASCII unit must reach the walk, the two of LOWERS_TO_ASCII among them.
    const nonAscii = nonAsciiId === -1 ? `[${String.fromCharCode(...LOWERS_TO_ASCII)}]` : '[^\0-\x7f]';
    // The skip loop cannot see a non-ASCII unit it steps over, so the non-ASCII needle keeps the RegExp.
    this.screen = nonAsciiId === -1 ? SkipScreen.of(texts) : null;
    this.prescreen =
      texts.length <= REGEX_NEEDLE_LIMIT && this.screen === null ? new RegExp([...texts.map(escapeRegExp), nonAscii].join('|'), 'i') : null;
    let classes = 1;
    for (const text of texts) {
      for (let k = 0; k < text.length; k++) {
        const code = text.charCodeAt(k);
        if (code >= 128 || (code >= 65 && code <= 90)) throw new RangeError(`needle ${JSON.stringify(text)} is not lower-case ASCII`);
        if (this.classOf[code] !== 0) continue;
        this.classOf[code] = classes;
        if (code >= 97 && code <= 122) this.classOf[code - 32] = classes;
        classes++;
      }
    }
    const width = (this.width = classes);
    // The trie's child links in the table the DFA will use (state * width + class → child, 0 for none: the
    // root is no one's child), at most one state per needle unit. Each row is then turned into the state's DFA
    // row in place, in breadth-first order, so a failure state's row is final before it is read.
    let capacity = 1;
    for (const text of texts) capacity += text.length;
    const trie = new Int32Array(capacity * width);
    const trieIdAt = new Int32Array(capacity).fill(-1);
    let states = 1;
    texts.forEach((text, k) => {
      if (text === '') throw new RangeError('empty needle');
      let state = 0;
      for (let i = 0; i < text.length; i++) {
        const slot = state * width + this.classOf[text.charCodeAt(i)];
        if (trie[slot] === 0) trie[slot] = states++;
        state = trie[slot];
      }
      if (trieIdAt[state] !== -1) throw new RangeError(`needle ${JSON.stringify(text)} given twice`);
      trieIdAt[state] = ids[k];
    });
    const delta = trie.slice(0, states * width);
    const idAt = trieIdAt.slice(0, states);
    const fail = new Int32Array(states);
    const outputLink = new Int32Array(states).fill(-1);
    const reports = new Uint8Array(states);
    const queue = new Int32Array(states);
    let tail = 0;
    for (let cls = 1; cls < width; cls++) {
      const next = delta[cls];
      if (next === 0) continue;
      delta[cls] = next * width;
      queue[tail++] = next;
    }
    for (let head = 0; head < tail; head++) {
      const state = queue[head];
      const failState = fail[state];
      outputLink[state] = idAt[failState] !== -1 ? failState : outputLink[failState];
      reports[state] = idAt[state] !== -1 || outputLink[state] !== -1 ? 1 : 0;
      const row = state * width;
      const failRow = failState * width;
      for (let cls = 1; cls < width; cls++) {
        const next = delta[row + cls];
        if (next !== 0) {
          fail[next] = delta[failRow + cls] / width;
          delta[row + cls] = next * width;
          queue[tail++] = next;
        } else {
          delta[row + cls] = delta[failRow + cls];
        }
      }
    }
    // Mark the transitions into reporting states (state 0 never reports, so ~0 is never needed).
    for (let k = 0; k < delta.length; k++) if (reports[delta[k] / width] === 1) delta[k] = ~delta[k];
    this.delta = delta;
    this.idAt = idAt;
    this.outputLink = outputLink;
  }

  get stateCount(): number {
    return this.idAt.length;
  }

  /** Scans a field's value: the scalar, or the scalars of an array (recursively); objects hold none. */
  scanFieldValue(value: unknown, depth = 0): void {
    switch (typeof value) {
      case 'string':
        this.scanText(value);
        return;
      case 'number':
        this.scanText(String(value));
        return;
      case 'boolean':
        this.scanText(value ? 'true' : 'false');
        return;
      case 'object':
        if (!Array.isArray(value)) return;
        if (depth >= MAX_DEPTH) throw new RangeError(`event value nested deeper than ${MAX_DEPTH} levels`);
        for (let k = 0; k < value.length; k++) this.scanFieldValue(value[k], depth + 1);
        return;
      default:
        return;
    }
  }

  /** Scans every scalar at any depth. */
  scanDeep(value: unknown, depth = 0): void {
    if (typeof value !== 'object' || value === null) {
      this.scanFieldValue(value);
      return;
    }
    if (depth >= MAX_DEPTH) throw new RangeError(`event nested deeper than ${MAX_DEPTH} levels`);
    if (Array.isArray(value)) {
      for (let k = 0; k < value.length; k++) this.scanDeep(value[k], depth + 1);
      return;
    }
    // for-in, as the matcher's keyword search and spaced-name lookup read the event.
    const record = value as Record<string, unknown>;
    for (const key in record) this.scanDeep(record[key], depth + 1);
  }

  scanText(text: string): void {
    if (this.screen !== null ? !this.screen.mayHold(text) : this.prescreen !== null && !this.prescreen.test(text)) return;
    if (text.length < MEMO_MIN_LENGTH || text.length > MEMO_MAX_LENGTH) {
      this.walk(text, this.sink);
      return;
    }
    let ids = this.memo.get(text);
    if (ids === undefined) {
      this.recorded.clear();
      this.walk(text, this.recorder);
      ids = this.recorded.size === 0 ? NO_IDS : Int32Array.from(this.recorded);
      // Cleared rather than evicted one by one: a value that keeps coming back is walked again once.
      if (this.memo.size >= MEMO_ENTRIES) this.memo.clear();
      this.memo.set(text, ids);
    }
    const { sink } = this;
    for (let k = 0; k < ids.length; k++) sink.found(ids[k]);
  }

  /** Reports to `sink` the id of every needle in the text's lowering (an id possibly more than once). */
  private walk(text: string, sink: NeedleSink): void {
    const { classOf, delta } = this;
    let row = 0;
    let nonAsciiId = this.nonAsciiId;
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      if (code < 128) {
        row = delta[row + classOf[code]];
        if (row < 0) {
          row = ~row;
          this.report(row, sink);
        }
        continue;
      }
      if (nonAsciiId !== -1) {
        sink.found(nonAsciiId);
        nonAsciiId = -1;
      }
      const lowered = ASCII_LOWERINGS.get(code);
      if (lowered === undefined) {
        row = 0;
        continue;
      }
      // Its lowering continues the current partial match ('a' U+212A is 'ak').
      for (let k = 0; k < lowered.length; k++) {
        const unit = lowered.charCodeAt(k);
        row = unit < 128 ? delta[row + classOf[unit]] : 0;
        if (row < 0) {
          row = ~row;
          this.report(row, sink);
        }
      }
    }
  }

  private report(row: number, sink: NeedleSink): void {
    const state = row / this.width;
    const { idAt, outputLink } = this;
    for (let at = idAt[state] !== -1 ? state : outputLink[state]; at !== -1; at = outputLink[at]) sink.found(idAt[at]);
  }
}
