// An exact raw-text pre-filter: reject a JSON text that no rule can match without JSON.parse.
//
// Needles. From a rule's detection we derive needles such that every event the rule matches contains one
// of them, case-insensitively, in some scalar value (see `ruleNeedles` for the derivation). A needle is an
// ASCII run of a string pattern's literal text. The matcher compares `value.toLowerCase()` with
// `literal.toLowerCase()` (src/match/text.ts), so any substring of the lowered literal is a valid needle;
// lowering first lets a character that lowers to ASCII (U+212A KELVIN SIGN → 'k') extend the run.
//
// Rejection. A text is rejected only when all of these hold, and then no event it encodes can match:
//   1. It has no character outside ASCII. Then every decoded string is ASCII, `toLowerCase` only folds A-Z,
//      and an ASCII needle occurs in a lower-cased value iff it occurs in the value ignoring ASCII case.
//      (Non-ASCII characters can lower to ASCII: U+212A KELVIN SIGN → 'k', U+0130 → 'i' + U+0307.)
//   2. It has no `\u` and no `\/` escape. JSON.parse accepts two spellings for some characters: any one as
//      `\uXXXX`, and '/' as `\/`. The remaining escapes (`\\ \" \b \f \n \r \t`) are each the only
//      spelling of their character. So every string's raw text is exactly `enc(value)`, where `enc` is the
//      per-character encoding JSON.stringify uses, and `enc` maps ASCII letters to themselves: a value
//      containing needle N (ignoring case) has raw text containing `enc(N)` (ignoring case).
//   3. When a needle could sit inside a number's string form (digits, '.', '+', '-', 'e', 'Infinity'): no
//      number token whose `String(Number(token))` is not a substring of the token. The matcher compares
//      numbers as their string form; `1e3` reads as 1000 and `0.0000001` prints as `1e-7`. A token with at
//      most 15 digits, no exponent and no `0.000000` prefix round-trips (IEEE doubles keep 15 significant
//      decimal digits), and its string form is the token minus trailing fraction zeros (or '0' for -0).
//   4. No `enc(needle)` occurs in it, ASCII case ignored.
// Booleans compare as 'true'/'false', as they are written; keys and structure can only add occurrences
// (a needle found in a key keeps the text: it gets parsed, never wrongly rejected).
// A text that is not valid JSON is not an event; a rejected one is not parsed, so it is not reported.
// Callers that must report every malformed record disable the pre-filter. Texts not shaped `{...}` are
// never rejected, so truncated lines (the usual malformed line) are still parsed and reported.
// test/match/prefilter/exactness.property.test.ts checks the promise against the real matcher.
import type { ConditionNode, DetectionItem, Search, SigmaRule, ValuePattern } from '../rule/model.js';
import { escapeRegExp } from './text.js';
import { foldCondition } from '../rule/condition.js';

/** A set of lower-case ASCII needles, or null: "no pre-filter possible" (every text must be parsed). An
 *  empty set means the rule can never match. */
export type NeedleSet = readonly string[] | null;

// ---------------------------------------------------------------------------------------------------
// Derivation
// ---------------------------------------------------------------------------------------------------

/** Rough chance that random text holds one of the needles: how the best side of a conjunction is chosen.
 *  Longer needles are rarer; each needle adds its own chance. */
export function needleSetCost(needles: readonly string[]): number {
  let cost = 0;
  for (const needle of needles) cost += Math.pow(4, -needle.length);
  return cost;
}

/** The longest ASCII run of a text, '' when it has none. */
function longestAsciiRun(text: string): string {
  let best = '';
  let start = 0;
  for (let i = 0; i <= text.length; i++) {
    if (i === text.length || text.charCodeAt(i) >= 128) {
      if (i - start > best.length) best = text.slice(start, i);
      start = i + 1;
    }
  }
  return best;
}

/** A pattern's needle: the longest ASCII run among its literal parts (adjacent literals merged), lowered
 *  for case-insensitive patterns. Null when the pattern implies no text (`*`, '', a regex, null, exists,
 *  a comparison, a network, a field reference, a date part). */
export function patternNeedle(pattern: ValuePattern): string | null {
  if (pattern.kind !== 'string') return null;
  let best = '';
  let literal = '';
  const flush = (): void => {
    const run = longestAsciiRun(pattern.cased ? literal : literal.toLowerCase()).toLowerCase();
    if (run.length > best.length) best = run;
    literal = '';
  };
  for (const part of pattern.parts) {
    if (part.kind === 'literal') literal += part.text;
    else flush();
  }
  flush();
  return best === '' ? null : best;
}

function union(sets: NeedleSet[]): NeedleSet {
  const all: string[] = [];
  for (const set of sets) {
    if (set === null) return null;
    all.push(...set);
  }
  return minimize(all);
}

function best(sets: NeedleSet[]): NeedleSet {
  let chosen: NeedleSet = null;
  let chosenCost = Number.POSITIVE_INFINITY;
  for (const set of sets) {
    if (set === null) continue;
    const cost = needleSetCost(set);
    if (cost < chosenCost) {
      chosen = set;
      chosenCost = cost;
    }
  }
  return chosen;
}

/** Drops duplicates and every needle that contains another (a text holding it holds the shorter one). A
 *  needle is checked by looking its windows of each kept length up in a set: a rule can list thousands of
 *  hashes, where comparing each needle with every kept one took a second per scan. */
function minimize(needles: readonly string[]): string[] {
  const unique = [...new Set(needles)].sort((a, b) => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0));
  const kept: string[] = [];
  const keptSet = new Set<string>();
  const keptLengths: number[] = [];
  const holdsKept = (needle: string): boolean => {
    for (const length of keptLengths) {
      for (let start = 0; start + length <= needle.length; start++) if (keptSet.has(needle.slice(start, start + length))) return true;
    }
    return false;
  };
  for (const needle of unique) {
    if (holdsKept(needle)) continue;
    kept.push(needle);
    keptSet.add(needle);
    if (!keptLengths.includes(needle.length)) keptLengths.push(needle.length);
  }
  return kept;
}

/** An item's needles: every value group must hold (`all`) → the best group; any may hold → the union. A
 *  negated (`neq`) item holds on absence of text: none. */
export function itemNeedles(item: DetectionItem): NeedleSet {
  if (item.negated || item.values.length === 0) return null;
  const groups: NeedleSet[] = item.values.map((group) => {
    const needles: string[] = [];
    for (const pattern of group.patterns) {
      const needle = patternNeedle(pattern);
      if (needle === null) return null;
      needles.push(needle);
    }
    return needles.length > 0 ? minimize(needles) : null;
  });
  return item.combine === 'all' ? best(groups) : union(groups);
}

export function searchNeedles(search: Search): NeedleSet {
  if (search.kind === 'keywords') return itemNeedles(search.item);
  if (search.alternatives.length === 0) return null;
  return union(search.alternatives.map((conjunction) => best(conjunction.items.map(itemNeedles))));
}

export function conditionNeedles(node: ConditionNode, searches: ReadonlyMap<string, Search>): NeedleSet {
  return foldCondition(node, searches, { search: searchNeedles, missing: null, not: null, and: best, or: union });
}

/** The needles of a rule: an event the rule matches holds at least one of them (ignoring case) in some
 *  scalar value. Derivation over the condition: a search is the union over its maps of the most selective
 *  item of each map; OR is the union (none if a side has none); AND is its most selective side; NOT has
 *  none; `1 of`/`all of` are OR/AND. An item's needles are one per value: the longest ASCII literal run
 *  every match must contain. */
export function ruleNeedles(rule: SigmaRule): NeedleSet {
  return conditionNeedles(rule.detection.condition, rule.detection.searches);
}

// ---------------------------------------------------------------------------------------------------
// The raw-text test
// ---------------------------------------------------------------------------------------------------

/** A number token (after ':' ',' or '[' and JSON whitespace) whose string form may not be a substring of
 *  it: an exponent, 16+ characters of digits and dots, or a `0.000000` prefix. It also fires inside
 *  strings, which only costs a parse. */
const NON_CANONICAL_NUMBER = /[:,[][ \t\r\n]*-?(?:\d[\d.]*[eE]|0\.0{6}|[\d.]{16})/;

/** The characters of any `String(number)` and of '-Infinity'. */
const NUMBER_TEXT = /^[0-9.e+-]*$/;

function needleFitsInNumber(needle: string): boolean {
  return NUMBER_TEXT.test(needle) || '-infinity'.includes(needle);
}

/** How JSON.stringify writes the needle inside a string. */
function jsonEncode(needle: string): string {
  return JSON.stringify(needle).slice(1, -1);
}

/** UTF-8 byte length equals the UTF-16 length exactly when every code unit is ASCII (a native scan). */
export function isAscii(text: string): boolean {
  return Buffer.byteLength(text, 'utf8') === text.length;
}

/** A backslash followed by 'u' or '/' as an escape, not as the second half of `\\`. */
function hasAmbiguousEscape(text: string): boolean {
  for (let i = text.indexOf('\\'); i >= 0 && i + 1 < text.length; i = text.indexOf('\\', i + 2)) {
    const next = text.charCodeAt(i + 1);
    if (next === 117 /* u */ || next === 47 /* / */) return true;
  }
  return false;
}

/** Aho-Corasick over ASCII with A-Z folded, compiled to a full DFA: one table step per character, however
 *  many needles. Non-ASCII characters break every partial match (such texts are never rejected anyway). */
class NeedleAutomaton {
  private readonly classOf = new Uint8Array(128);
  private readonly width: number;
  private readonly delta: Int32Array;
  private readonly accepting: Uint8Array;

  constructor(needles: readonly string[]) {
    let classes = 1;
    for (const needle of needles) {
      for (let k = 0; k < needle.length; k++) {
        const code = needle.charCodeAt(k);
        if (this.classOf[code] !== 0) continue;
        this.classOf[code] = classes;
        // Needles are lower case: give the upper-case letter the same class.
        if (code >= 97 && code <= 122) this.classOf[code - 32] = classes;
        classes++;
      }
    }
    const width = (this.width = classes);
    const goto: number[][] = [[]];
    const accept: boolean[] = [false];
    for (const needle of needles) {
      let state = 0;
      for (let k = 0; k < needle.length; k++) {
        const cls = this.classOf[needle.charCodeAt(k)];
        let next = goto[state][cls];
        if (next === undefined) {
          next = goto.length;
          goto[state][cls] = next;
          goto.push([]);
          accept.push(false);
        }
        state = next;
      }
      accept[state] = true;
    }
    const delta = new Int32Array(goto.length * width);
    const fail = new Int32Array(goto.length);
    const queue: number[] = [];
    for (let cls = 1; cls < width; cls++) {
      const next = goto[0][cls];
      if (next !== undefined) {
        delta[cls] = next;
        queue.push(next);
      }
    }
    for (let head = 0; head < queue.length; head++) {
      const state = queue[head];
      accept[state] = accept[state] || accept[fail[state]];
      for (let cls = 1; cls < width; cls++) {
        const next = goto[state][cls];
        if (next !== undefined) {
          fail[next] = delta[fail[state] * width + cls];
          delta[state * width + cls] = next;
          queue.push(next);
        } else {
          delta[state * width + cls] = delta[fail[state] * width + cls];
        }
      }
    }
    this.delta = delta;
    this.accepting = Uint8Array.from(accept, (a) => (a ? 1 : 0));
  }

  test(text: string): boolean {
    const { classOf, delta, accepting, width } = this;
    let state = 0;
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      state = delta[state * width + (code < 128 ? classOf[code] : 0)];
      if (accepting[state] === 1) return true;
    }
    return false;
  }
}

/** Up to this many needles one case-insensitive regex alternation is fastest (irregexp skips ahead on the
 *  needles' first characters); past it, its cost grows with the count and the automaton's does not.
 *  Measured on 800-byte Sysmon lines with the needles of the first N SigmaHQ process_creation rules: the
 *  alternation takes ~0.5 µs/line for a handful of needles, ~1.8 µs for 54, ~2.8 µs for 154 and ~60 µs
 *  for 960; the automaton ~2.4 µs at any count (JSON.parse: ~1.6-2.6 µs). */
export const MAX_REGEX_NEEDLES = 100;

export interface RawTextPrefilter {
  /** The needles, lower-case, as derived (not JSON-encoded). */
  readonly needles: readonly string[];
  /** True only when no rule can match the event this JSON text encodes (module comment). `knownAscii`
   *  skips the ASCII test for a caller that has already made it (the line splitter does). */
  rejects(text: string, knownAscii?: boolean): boolean;
}

/** The pre-filter for a needle set (a rule's, or the union over every rule of a scan); null when the set is
 *  null: some rule can match without any needle, so every text must be parsed. */
export function createRawTextPrefilter(needles: NeedleSet): RawTextPrefilter | null {
  if (needles === null) return null;
  const kept = minimize(needles.map((needle) => needle.toLowerCase()));
  if (kept.some((needle) => needle === '' || /[^\x00-\x7f]/.test(needle))) return null;
  const encoded = kept.map(jsonEncode);
  // Either way the text is scanned once, without a lower-cased copy.
  const anyNeedle: { test(text: string): boolean } | null =
    encoded.length === 0 ? null : encoded.length <= MAX_REGEX_NEEDLES ? new RegExp(encoded.map(escapeRegExp).join('|'), 'i') : new NeedleAutomaton(encoded);
  const checkNumbers = kept.some(needleFitsInNumber);
  return {
    needles: kept,
    rejects(text: string, knownAscii = false): boolean {
      if (text.charCodeAt(0) !== 123 || text.charCodeAt(text.length - 1) !== 125) return false;
      if (anyNeedle !== null && anyNeedle.test(text)) return false;
      if (!knownAscii && !isAscii(text)) return false;
      if (hasAmbiguousEscape(text)) return false;
      if (checkNumbers && NON_CANONICAL_NUMBER.test(text)) return false;
      return true;
    },
  };
}

/** The union of the rules' needle sets: a text may be skipped only when every rule would skip it. */
export function unionNeedles(sets: readonly NeedleSet[]): NeedleSet {
  return union([...sets]);
}

/** The pre-filter for a set of rules, or null when one of them has no needles. */
export function createRulesPrefilter(rules: readonly SigmaRule[]): RawTextPrefilter | null {
  // Stop at the first rule without needles: in a pack of thousands one usually has none, and the union's
  // minimization of every other rule's needles would cost seconds for nothing. Such a rule is most often a
  // short one (a bare `not`, a regex), so the rules are tried shortest first: the Windows folder's first
  // came 392nd in file order, after 55 ms of deriving IOC lists' needles. The union does not depend on order.
  const bySize = rules.map((rule) => ({ rule, size: detectionSize(rule) })).sort((a, b) => a.size - b.size);
  const sets: NeedleSet[] = [];
  for (const { rule } of bySize) {
    const needles = ruleNeedles(rule);
    if (needles === null) return null;
    sets.push(needles);
  }
  return createRawTextPrefilter(unionNeedles(sets));
}

/** How many values a rule's detection lists. */
function detectionSize(rule: SigmaRule): number {
  let size = 0;
  for (const search of rule.detection.searches.values()) {
    const items = search.kind === 'keywords' ? [search.item] : search.alternatives.flatMap((conjunction) => conjunction.items);
    for (const item of items) size += item.values.length;
  }
  return size;
}
