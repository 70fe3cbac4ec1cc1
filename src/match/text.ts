// String matching for Sigma string values.
//
// The defined semantics (src/match/README.md): a case-insensitive value matches when the pattern matches
// `haystack.toLowerCase()` with every literal part of the pattern lower-cased by `toLowerCase()` as well.
// `toLowerCase()` allocates, so the hot path folds ASCII on char codes instead and only calls it when the
// haystack holds a non-ASCII code unit. Why that is exactly equal to the definition:
//   - `toLowerCase()` maps every ASCII code unit to itself, folded (A-Z → a-z), whatever surrounds it; only
//     non-ASCII characters can lower to something else, to several code units (U+0130 → "i̇") or to ASCII
//     (U+212A KELVIN SIGN → "k"), and only U+03A3 depends on its context (Final_Sigma).
//   - So if h[i..j) is all ASCII, lower(h) contains fold(h[i..j)) at the position the ASCII run maps to, and
//     an ASCII prefix (suffix) of h lowers to the same-length prefix (suffix) of lower(h).
//   - The fast paths below answer only from ASCII runs that touch the decisive end of the haystack (the whole
//     haystack for contains/exact); on the first non-ASCII code unit that could still change the answer they
//     give up (`UNDECIDED`) and the caller runs the toLowerCase reference on the whole value.
// test/match/text.property.test.ts checks this equivalence with fast-check, non-ASCII input included.

const MATCH = 1;
const NO_MATCH = 0;
const UNDECIDED = -1;
type Verdict = typeof MATCH | typeof NO_MATCH | typeof UNDECIDED;

/** A case-insensitive pattern shape the fast paths understand; anything else is a glob. */
export type LiteralPosition = 'exact' | 'startswith' | 'endswith' | 'contains';

function foldAscii(code: number): number {
  return code >= 65 && code <= 90 ? code | 32 : code;
}

/** Maps each ASCII code unit (folded) to a dense class index so transition tables stay small: 0 is "a
 *  character no needle contains", which never has a transition. */
class Alphabet {
  readonly classOf = new Uint8Array(128);
  size = 1;

  add(code: number): void {
    const folded = foldAscii(code);
    if (this.classOf[folded] !== 0) return;
    const cls = this.size++;
    this.classOf[folded] = cls;
    if (folded >= 97 && folded <= 122) this.classOf[folded - 32] = cls;
  }
}

function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) >= 128) return false;
  return true;
}

/** A trie walked from one end of the haystack (forward for exact/startswith, backward for endswith).
 *  A needle's non-ASCII code unit ends its path without a terminal: a fast walk that reaches it is facing a
 *  non-ASCII haystack unit (ASCII folds never equal it) and gives up anyway, yet the path prefix must exist
 *  so that a mismatch on an ASCII unit before it is a proof of "no match" for that needle too. */
class Trie {
  private readonly alphabet = new Alphabet();
  private next: Int32Array = new Int32Array(0);
  private terminal: Uint8Array = new Uint8Array(0);

  constructor(
    loweredNeedles: readonly string[],
    private readonly backward: boolean,
    private readonly kind: 'whole' | 'prefix',
  ) {
    const paths = loweredNeedles.map((needle) => {
      const codes: number[] = [];
      for (let k = 0; k < needle.length; k++) {
        const code = needle.charCodeAt(backward ? needle.length - 1 - k : k);
        if (code >= 128) return { codes, complete: false };
        codes.push(code);
      }
      return { codes, complete: true };
    });
    for (const path of paths) for (const code of path.codes) this.alphabet.add(code);
    const width = this.alphabet.size;
    const edges: number[][] = [[]];
    const terminals: boolean[] = [false];
    for (const path of paths) {
      let node = 0;
      for (const code of path.codes) {
        const cls = this.alphabet.classOf[code];
        let child = edges[node][cls];
        if (child === undefined) {
          child = edges.length;
          edges[node][cls] = child;
          edges.push([]);
          terminals.push(false);
        }
        node = child;
      }
      if (path.complete) terminals[node] = true;
    }
    this.next = new Int32Array(edges.length * width).fill(-1);
    this.terminal = new Uint8Array(edges.length);
    edges.forEach((row, node) => {
      row.forEach((child, cls) => (this.next[node * width + cls] = child));
      this.terminal[node] = terminals[node] ? 1 : 0;
    });
  }

  run(haystack: string): Verdict {
    const { classOf, size: width } = this.alphabet;
    const next = this.next;
    const terminal = this.terminal;
    const prefix = this.kind === 'prefix';
    const length = haystack.length;
    let node = 0;
    for (let k = 0; k < length; k++) {
      if (prefix && terminal[node] === 1) return MATCH;
      const code = haystack.charCodeAt(this.backward ? length - 1 - k : k);
      if (code >= 128) return UNDECIDED;
      const cls = classOf[code];
      if (cls === 0) return NO_MATCH;
      node = next[node * width + cls];
      if (node < 0) return NO_MATCH;
    }
    return terminal[node] === 1 ? MATCH : NO_MATCH;
  }
}

/** The code units whose `toLowerCase()` holds an ASCII unit: U+0130 (→ 'i' U+0307) and U+212A KELVIN SIGN
 *  (→ 'k'). Every other non-ASCII code point lowers to non-ASCII units only, and lowering is per code point
 *  except Final_Sigma, which picks σ or ς: so without these two, every ASCII unit of lower(h) comes from an
 *  ASCII unit of h. test/match/lowercase.test.ts checks this for every code point of the running ICU. */
export const LOWERS_TO_ASCII: readonly number[] = [0x130, 0x212a];
const [LOWERS_TO_ASCII_A, LOWERS_TO_ASCII_B] = LOWERS_TO_ASCII;

/** Contains-any over folded ASCII. Two engines with one contract (MATCH only when lower(h) contains a needle,
 *  NO_MATCH only when it provably does not, otherwise UNDECIDED):
 *   - up to REGEX_NEEDLE_LIMIT needles, one V8 RegExp `/n1|…|nk|[\u0130\u212a]/i` without the `u` flag. In
 *     that mode Canonicalize never maps a non-ASCII unit to an ASCII one (ECMA-262 "Canonicalize": "If ch ≥ 128
 *     and cu < 128, return ch"), so ASCII needles match only ASCII runs, exactly under ASCII folding, and the
 *     class matches only those two non-ASCII units. The leftmost match tells which: an ASCII unit there means
 *     a needle occurrence (MATCH), a non-ASCII one means UNDECIDED. No match means h holds neither unit, so
 *     the ASCII runs of lower(h) are the folded ASCII runs of h (every other non-ASCII unit lowers to non-ASCII
 *     ones, which separate runs as the unit did): no all-ASCII needle occurs in lower(h), NO_MATCH.
 *     Irregexp is native code and measured ~2.3x faster than the JS automaton on the seed's needles. The
 *     class used to be every non-ASCII unit (`[^\0-\x7f]`), a one-unit alternative tried at every position;
 *     the two units lie outside Latin-1, so irregexp drops the alternative from the code it runs on one-byte
 *     strings, most values (seed Image values: 64 → 55 ns each in cache, ~5% on the in-memory bench).
 *   - more needles: Aho–Corasick compiled to a DFA, where an alternation would backtrack through every
 *     alternative at each position; a non-ASCII unit other than those two restarts it, by the same argument.
 *  Only all-ASCII needles enter either engine. When the set also has needles with a non-ASCII unit, the
 *  engines answer NO_MATCH only for an all-ASCII haystack (which lowers to ASCII and so cannot contain such a
 *  needle): `[^\0-\x7f]` is the class and every non-ASCII unit is UNDECIDED. */
export const REGEX_NEEDLE_LIMIT = 48;

class ContainsAutomaton {
  private readonly alphabet = new Alphabet();
  private delta: Int32Array | null = null;
  private accepting: Uint8Array = new Uint8Array(0);
  private readonly regex: RegExp | null = null;
  private readonly always: boolean;
  /** Kept until the DFA is built, on the first haystack: a pack of thousands of rules compiles every rule
   *  but runs few, and the DFAs of the large sets were most of its compile time. */
  private pendingNeedles: readonly string[] | null = null;

  /** Whether a non-ASCII unit other than LOWERS_TO_ASCII_* may be skipped (every needle of the set is ASCII). */
  private readonly skipsNonAscii: boolean;

  constructor(loweredAsciiNeedles: readonly string[], everyNeedleAscii: boolean) {
    this.always = loweredAsciiNeedles.includes('');
    this.skipsNonAscii = everyNeedleAscii;
    if (this.always) return;
    if (loweredAsciiNeedles.length <= REGEX_NEEDLE_LIMIT) {
      const undecided = everyNeedleAscii ? `[${String.fromCharCode(...LOWERS_TO_ASCII)}]` : '[^\0-\x7f]';
      this.regex = new RegExp(`${loweredAsciiNeedles.map(escapeRegExp).join('|')}|${undecided}`, 'i');
      return;
    }
    this.pendingNeedles = loweredAsciiNeedles;
  }

  private build(loweredAsciiNeedles: readonly string[]): Int32Array {
    for (const needle of loweredAsciiNeedles) for (let k = 0; k < needle.length; k++) this.alphabet.add(needle.charCodeAt(k));
    const width = this.alphabet.size;
    const goto: number[][] = [[]];
    const accept: boolean[] = [false];
    for (const needle of loweredAsciiNeedles) {
      let node = 0;
      for (let k = 0; k < needle.length; k++) {
        const cls = this.alphabet.classOf[needle.charCodeAt(k)];
        let child = goto[node][cls];
        if (child === undefined) {
          child = goto.length;
          goto[node][cls] = child;
          goto.push([]);
          accept.push(false);
        }
        node = child;
      }
      accept[node] = true;
    }
    const delta = new Int32Array(goto.length * width);
    const fail = new Int32Array(goto.length);
    const queue: number[] = [];
    for (let cls = 1; cls < width; cls++) {
      const child = goto[0][cls];
      if (child !== undefined) {
        delta[cls] = child;
        fail[child] = 0;
        queue.push(child);
      }
    }
    for (let head = 0; head < queue.length; head++) {
      const node = queue[head];
      accept[node] = accept[node] || accept[fail[node]];
      for (let cls = 1; cls < width; cls++) {
        const child = goto[node][cls];
        if (child !== undefined) {
          fail[child] = delta[fail[node] * width + cls];
          delta[node * width + cls] = child;
          queue.push(child);
        } else {
          delta[node * width + cls] = delta[fail[node] * width + cls];
        }
      }
    }
    this.accepting = Uint8Array.from(accept, (a) => (a ? 1 : 0));
    this.pendingNeedles = null;
    this.delta = delta;
    return delta;
  }

  run(haystack: string): Verdict {
    if (this.always) return MATCH;
    if (this.regex !== null) {
      const at = haystack.search(this.regex);
      if (at < 0) return NO_MATCH;
      return haystack.charCodeAt(at) < 128 ? MATCH : UNDECIDED;
    }
    const delta = this.delta ?? this.build(this.pendingNeedles ?? []);
    const { classOf, size: width } = this.alphabet;
    const accepting = this.accepting;
    const skipsNonAscii = this.skipsNonAscii;
    let state = 0;
    for (let k = 0; k < haystack.length; k++) {
      const code = haystack.charCodeAt(k);
      if (code >= 128) {
        if (!skipsNonAscii || code === LOWERS_TO_ASCII_A || code === LOWERS_TO_ASCII_B) return UNDECIDED;
        state = 0;
        continue;
      }
      state = delta[state * width + classOf[code]];
      if (accepting[state] === 1) return MATCH;
    }
    return NO_MATCH;
  }
}

/** A Sigma string after escape processing, as `ValuePattern` 'string' holds it. */
export type WildcardPart = { kind: 'literal'; text: string } | { kind: 'any' } | { kind: 'one' };

/** Merges adjacent literals, drops empty ones and collapses runs of `*`: the same language, fewer shapes. */
export function normalizeParts(parts: readonly WildcardPart[]): WildcardPart[] {
  const normalized: WildcardPart[] = [];
  for (const part of parts) {
    const last = normalized[normalized.length - 1];
    if (part.kind === 'literal') {
      if (part.text === '') continue;
      if (last?.kind === 'literal') normalized[normalized.length - 1] = { kind: 'literal', text: last.text + part.text };
      else normalized.push(part);
    } else if (part.kind === 'any') {
      if (last?.kind !== 'any') normalized.push(part);
    } else {
      normalized.push(part);
    }
  }
  return normalized;
}

/** The fast shape of a normalized pattern, or null for a glob that needs the regex path. */
export function literalShape(parts: readonly WildcardPart[]): { position: LiteralPosition; text: string } | null {
  const [first, second, third] = parts;
  const literal = (p: WildcardPart | undefined): p is { kind: 'literal'; text: string } => p?.kind === 'literal';
  switch (parts.length) {
    case 0:
      return { position: 'exact', text: '' };
    case 1:
      if (literal(first)) return { position: 'exact', text: first.text };
      return first.kind === 'any' ? { position: 'contains', text: '' } : null;
    case 2:
      if (first.kind === 'any' && literal(second)) return { position: 'endswith', text: second.text };
      if (literal(first) && second.kind === 'any') return { position: 'startswith', text: first.text };
      return null;
    case 3:
      return first.kind === 'any' && literal(second) && third.kind === 'any' ? { position: 'contains', text: second.text } : null;
    default:
      return null;
  }
}

/** Escapes regex syntax characters (valid with and without the `u` flag). */
export function escapeRegExp(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
}

/** `*` is any run of code points (newlines included), `?` exactly one code point: the `u` flag is safe here
 *  because we write the pattern ourselves and escape only syntax characters. */
export function globToRegExp(parts: readonly WildcardPart[], lowerLiterals: boolean): RegExp {
  const body = parts
    .map((part) => (part.kind === 'any' ? '.*' : part.kind === 'one' ? '.' : escapeRegExp(lowerLiterals ? part.text.toLowerCase() : part.text)))
    .join('');
  return new RegExp(`^${body}$`, 'su');
}

export interface StringPatternSpec {
  parts: readonly WildcardPart[];
  cased: boolean;
}

/** Matches a string against a set of Sigma string patterns (OR), case-insensitive ones through the ASCII fast
 *  paths, with the toLowerCase reference as the fallback. */
/** Up to this many infixes `includes` each beats one RegExp test. */
const INFIX_LOOP_LIMIT = 4;

export class StringSetMatcher {
  private readonly exactTrie: Trie | null;
  private readonly prefixTrie: Trie | null;
  private readonly suffixTrie: Trie | null;
  private readonly automaton: ContainsAutomaton | null;
  private readonly lowerExact: Set<string>;
  private readonly lowerPrefixes: string[] = [];
  private readonly lowerSuffixes: string[] = [];
  private readonly lowerInfixes: string[] = [];
  /** For more than a few infixes: one alternation of them, literal and flagless, so it compares code units as
   *  `includes` does (the emoji rules list hundreds, which the loop tried one by one on every non-ASCII value). */
  private readonly lowerInfixRegex: RegExp | null;
  private readonly lowerGlobs: RegExp[] = [];
  private readonly casedExact = new Set<string>();
  private readonly casedPrefixes: string[] = [];
  private readonly casedSuffixes: string[] = [];
  private readonly casedInfixes: string[] = [];
  private readonly casedGlobs: RegExp[] = [];
  private readonly hasFolded: boolean;
  private readonly hasCased: boolean;

  constructor(patterns: readonly StringPatternSpec[]) {
    const lowerExact: string[] = [];
    for (const pattern of patterns) {
      const parts = normalizeParts(pattern.parts);
      const shape = literalShape(parts);
      if (pattern.cased) {
        if (!shape) this.casedGlobs.push(globToRegExp(parts, false));
        else if (shape.position === 'exact') this.casedExact.add(shape.text);
        else if (shape.position === 'startswith') this.casedPrefixes.push(shape.text);
        else if (shape.position === 'endswith') this.casedSuffixes.push(shape.text);
        else this.casedInfixes.push(shape.text);
        continue;
      }
      if (!shape) {
        this.lowerGlobs.push(globToRegExp(parts, true));
        continue;
      }
      const lowered = shape.text.toLowerCase();
      if (shape.position === 'exact') lowerExact.push(lowered);
      else if (shape.position === 'startswith') this.lowerPrefixes.push(lowered);
      else if (shape.position === 'endswith') this.lowerSuffixes.push(lowered);
      else this.lowerInfixes.push(lowered);
    }
    this.lowerExact = new Set(lowerExact);
    this.exactTrie = lowerExact.length > 0 ? new Trie(lowerExact, false, 'whole') : null;
    this.prefixTrie = this.lowerPrefixes.length > 0 ? new Trie(this.lowerPrefixes, false, 'prefix') : null;
    this.suffixTrie = this.lowerSuffixes.length > 0 ? new Trie(this.lowerSuffixes, true, 'prefix') : null;
    this.lowerInfixRegex = this.lowerInfixes.length > INFIX_LOOP_LIMIT ? new RegExp(this.lowerInfixes.map(escapeRegExp).join('|')) : null;
    const asciiInfixes = this.lowerInfixes.filter(isAscii);
    this.automaton = asciiInfixes.length > 0 ? new ContainsAutomaton(asciiInfixes, asciiInfixes.length === this.lowerInfixes.length) : null;
    this.hasFolded = lowerExact.length + this.lowerPrefixes.length + this.lowerSuffixes.length + this.lowerInfixes.length + this.lowerGlobs.length > 0;
    this.hasCased =
      this.casedExact.size + this.casedPrefixes.length + this.casedSuffixes.length + this.casedInfixes.length + this.casedGlobs.length > 0;
  }

  test(haystack: string): boolean {
    if (this.hasFolded && this.testFolded(haystack)) return true;
    return this.hasCased && this.testCased(haystack);
  }

  /** `test` as a closure for the hot path. Single-shape sets (only contains, only endswith, ...) get a
   *  closure that skips the per-shape checks.
   *  A verdict memo keyed by the value was tried and dropped: it only paid off when the same string objects
   *  came back (their hash cached); on freshly parsed events, as in scan and the hunt, hashing every value
   *  made matching slower than scanning it. */
  tester(): (haystack: string) => boolean {
    const onlyOneFastShape =
      !this.hasCased &&
      this.lowerGlobs.length === 0 &&
      [this.exactTrie, this.prefixTrie, this.suffixTrie, this.lowerInfixes.length > 0 ? this.lowerInfixes : null].filter((shape) => shape !== null).length === 1;
    if (!onlyOneFastShape) return (haystack) => this.test(haystack);
    const slow = (haystack: string) => this.testLowered(haystack.toLowerCase());
    const exactTrie = this.exactTrie;
    if (exactTrie !== null) {
      // A value spelled exactly like an ASCII needle is all-ASCII lower case, so it is its own lower case:
      // a match without walking the trie. Short values (`true`, `3`) are interned by V8, so `===` against the
      // one value most such items have is mostly a pointer comparison, where Set.has would hash first.
      const asciiExact = [...this.lowerExact].filter(isAscii);
      const only = asciiExact.length === 1 ? asciiExact[0] : null;
      const asciiExactSet = new Set(asciiExact);
      return (haystack) => {
        if (only !== null ? haystack === only : asciiExactSet.has(haystack)) return true;
        const verdict = exactTrie.run(haystack);
        return verdict === MATCH || (verdict === UNDECIDED && slow(haystack));
      };
    }
    const engine = this.prefixTrie ?? this.suffixTrie ?? this.automaton;
    if (engine === null) return (haystack) => !isAscii(haystack) && slow(haystack);
    return (haystack) => {
      const verdict = engine.run(haystack);
      return verdict === MATCH || (verdict === UNDECIDED && slow(haystack));
    };
  }

  private testFolded(haystack: string): boolean {
    let undecided = this.lowerGlobs.length > 0;
    let verdict: Verdict;
    if (this.exactTrie !== null) {
      verdict = this.exactTrie.run(haystack);
      if (verdict === MATCH) return true;
      if (verdict === UNDECIDED) undecided = true;
    }
    if (this.suffixTrie !== null) {
      verdict = this.suffixTrie.run(haystack);
      if (verdict === MATCH) return true;
      if (verdict === UNDECIDED) undecided = true;
    }
    if (this.prefixTrie !== null) {
      verdict = this.prefixTrie.run(haystack);
      if (verdict === MATCH) return true;
      if (verdict === UNDECIDED) undecided = true;
    }
    if (this.automaton !== null) {
      verdict = this.automaton.run(haystack);
      if (verdict === MATCH) return true;
      if (verdict === UNDECIDED) undecided = true;
    } else if (this.lowerInfixes.length > 0 && !isAscii(haystack)) {
      undecided = true;
    }
    return undecided && this.testLowered(haystack.toLowerCase());
  }

  /** The reference semantics on an already lower-cased haystack. */
  private testLowered(lowered: string): boolean {
    if (this.lowerExact.has(lowered)) return true;
    for (const suffix of this.lowerSuffixes) if (lowered.endsWith(suffix)) return true;
    for (const prefix of this.lowerPrefixes) if (lowered.startsWith(prefix)) return true;
    if (this.lowerInfixRegex !== null) {
      if (this.lowerInfixRegex.test(lowered)) return true;
    } else {
      for (const infix of this.lowerInfixes) if (lowered.includes(infix)) return true;
    }
    for (const glob of this.lowerGlobs) if (glob.test(lowered)) return true;
    return false;
  }

  private testCased(haystack: string): boolean {
    if (this.casedExact.has(haystack)) return true;
    for (const suffix of this.casedSuffixes) if (haystack.endsWith(suffix)) return true;
    for (const prefix of this.casedPrefixes) if (haystack.startsWith(prefix)) return true;
    for (const infix of this.casedInfixes) if (haystack.includes(infix)) return true;
    for (const glob of this.casedGlobs) if (glob.test(haystack)) return true;
    return false;
  }
}
