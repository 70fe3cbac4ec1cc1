// Case-insensitive Sigma values against Kusto, exactly.
//
// The matcher folds with toLowerCase() (src/match/README.md): besides A-Z, the KELVIN SIGN U+212A lowers to 'k'
// and U+0130 (İ) to 'i' + U+0307. Kusto documents case-insensitive operators for ASCII text only
// (docs/research/kusto-case-folding.md), so on a value holding one of the characters some case reading relates
// to an ASCII letter (İ ı ſ ß K ﬁ ...: CASE_PARTNERS) its answer is unknown; on every other value it is the ASCII
// answer, which is also the matcher's. So a case-insensitive literal test T on a column x is written
//
//     N and ((T and not(G)) or (G and R))
//
// - T: Kusto's own operator (=~, in~, contains, startswith, endswith): fast, and exact wherever G is false.
// - G: x holds a partner of a letter of the literals (`matches regex "[...]"`): true on almost no row.
// - R: an RE2 regex without (?i) whose classes spell the matcher's folding out ([kK\x{212A}], İ for an 'i' the
//   matcher lets it stand for): exact on every value, and certain, since no case folding of Kusto's is involved.
// - N: a test Kusto is certain to pass whenever the matcher does, so that G and R run only on the rows it keeps:
//   T itself when the matcher cannot be satisfied through K or İ; otherwise T on the literal's longest piece
//   without 'k' (and without a final 'i' that İ could stand for), or nothing when no piece is left.
// When N is T the form is `T and (not(G) or R)`. The query stays as fast as T on rows without the literal.
//
// Wildcard values and non-ASCII literals use R alone (a regex either way).
//
// The group is returned as a `folded` node carrying T apart: a batch of many rules writes T alone, widened by one
// partner flag per subject (predicate.ts tagPredicateOf), instead of G, R and N for every literal group.
import type { WildcardPart } from '../../match/text.js';
import { kqlString, kqlStringShortest } from '../string-literal.js';
import { and, atom, FALSE, not, or, renderPredicate, TRUE, type Predicate } from './predicate.js';

/**
 * Non-ASCII characters that a case reading (simple or full upper/lower case mapping, or the matcher's
 * toLowerCase) relates to an ASCII letter, by letter. Derived from Unicode and checked against every code point
 * by test/kql/compile/fold.test.ts.
 */
export const CASE_PARTNERS: Readonly<Record<string, string>> = {
  a: '\u1E9A',
  f: '\uFB00\uFB01\uFB02\uFB03\uFB04',
  h: '\u1E96',
  i: '\u0130\u0131\uFB01\uFB03',
  j: '\u01F0',
  k: '\u212A',
  l: '\uFB02\uFB04',
  n: '\u0149',
  s: '\u00DF\u017F\u1E9E\uFB05\uFB06',
  t: '\u1E97\uFB05\uFB06',
  w: '\u1E98',
  y: '\u1E99',
};

export type LiteralPosition = 'exact' | 'contains' | 'startswith' | 'endswith';

export interface FoldedTest {
  readonly position: LiteralPosition;
  /** A non-empty ASCII literal. */
  readonly text: string;
}

const ASCII = /^[\x00-\x7f]*$/;

export function isAscii(text: string): boolean {
  return ASCII.test(text);
}

/** The OR of case-insensitive ASCII literal tests on a string column `subject`, exact (see above). Tests the
 *  matcher cannot meet through K or İ (N = T) are written apart from the others, so no literal is written twice. */
export function foldedLiteralTests(subject: string, tests: readonly FoldedTest[]): Predicate {
  const certain = tests.filter((test) => certainPiece(test) === null);
  const uncertain = tests.filter((test) => certainPiece(test) !== null);
  return or([certain.length > 0 ? foldedGroup(subject, certain) : FALSE, uncertain.length > 0 ? foldedGroup(subject, uncertain) : FALSE]);
}

function foldedGroup(subject: string, tests: readonly FoldedTest[]): Predicate {
  const operator = (position: LiteralPosition, text: string): Predicate =>
    atom(position === 'exact' ? `${subject} =~ ${kqlString(text)}` : `${subject} ${position} ${kqlString(text)}`);
  const exactTexts = tests.filter((test) => test.position === 'exact').map((test) => test.text);
  const fast = or([
    exactTexts.length > 1 ? atom(`${subject} in~ (${exactTexts.map(kqlString).join(', ')})`) : exactTexts.length === 1 ? operator('exact', exactTexts[0]!) : FALSE,
    ...tests.filter((test) => test.position !== 'exact').map((test) => operator(test.position, test.text)),
  ]);
  const partners = new Set<string>();
  for (const test of tests) for (const letter of test.text.toLowerCase()) for (const partner of CASE_PARTNERS[letter] ?? '') partners.add(partner);
  // A batch's fast form: one (?i) alternation instead of an operator per literal, where that is shorter. Without
  // partners (no k, s, i... in the literals) RE2's (?i) folds only A-Z for them, on every value: nothing to widen.
  const alternatives = `${subject} matches regex ${kqlStringShortest(`(?i)${tests.map(literalRegex).join('|')}`)}`;
  const batchFast = alternatives.length < renderPredicate(fast).length ? atom(alternatives) : fast;
  if (partners.size === 0) return batchFast === fast ? fast : folded(subject, fast, batchFast, false);
  const guard = atom(`${subject} matches regex ${kqlString(`[${[...partners].sort().map(re2Char).join('')}]`)}`);
  const exact = atom(`${subject} matches regex ${kqlString(alternation(tests.map((test) => matcherRegex(partsOf(test)).pattern)))}`);
  const pieces = tests.map(certainPiece);
  if (pieces.every((piece) => piece === null)) return folded(subject, and([fast, or([not(guard), exact])]), batchFast);
  const necessary = or(pieces.map((piece) => (piece === null || piece.text === '' ? TRUE : operator(piece.position, piece.text))));
  return folded(subject, and([necessary, or([and([fast, not(guard)]), and([guard, exact])])]), batchFast);
}

/** An ASCII literal test as an RE2 pattern (case is left to a (?i) around it). */
function literalRegex(test: FoldedTest): string {
  const body = test.text.replace(/[\\.+*?()|[\]{}^$]/g, (character) => `\\${character}`).replace(/[\x00-\x1f\x7f]/g, (character) => `\\x{${character.charCodeAt(0).toString(16).toUpperCase()}}`);
  return `${test.position === 'exact' || test.position === 'startswith' ? '^' : ''}${body}${test.position === 'exact' || test.position === 'endswith' ? '$' : ''}`;
}

function folded(subject: string, exact: Predicate, fast: Predicate, widen = true): Predicate {
  return { kind: 'folded', subject, exact, fast, widen };
}

/** Every case partner of every ASCII letter, as one RE2 class. */
const ALL_PARTNERS_CLASS = `[${[...new Set(Object.values(CASE_PARTNERS).join(''))].sort().map(re2Char).join('')}]`;

/** A test true exactly where `subject` holds a case partner of some ASCII letter: where a fast form may be wrong
 *  (a batch computes it once per row and subject; predicate.ts tagPredicateOf). */
export function partnerTest(subject: string): string {
  return `${subject} matches regex ${kqlString(ALL_PARTNERS_CLASS)}`;
}

/**
 * A piece of the literal every value the matcher accepts holds in plain ASCII (so Kusto's operator is certain on
 * it): null when that is the whole literal, '' when nothing is left. The matcher reads K as 'k' anywhere, and İ
 * as 'i' followed by U+0307, which an ASCII literal can only meet at its open end (contains / startswith).
 */
function certainPiece(test: FoldedTest): { position: LiteralPosition; text: string } | null {
  const lower = test.text.toLowerCase();
  const openEnd = test.position === 'contains' || test.position === 'startswith';
  const usable = openEnd && lower.endsWith('i') ? lower.length - 1 : lower.length;
  if (usable === lower.length && !lower.includes('k')) return null;
  const text = test.text.slice(0, usable);
  const firstK = text.toLowerCase().indexOf('k');
  const lastK = text.toLowerCase().lastIndexOf('k');
  switch (test.position) {
    case 'startswith':
      return { position: 'startswith', text: firstK < 0 ? text : text.slice(0, firstK) };
    case 'endswith':
      return { position: 'endswith', text: text.slice(lastK + 1) };
    case 'exact':
      return firstK > 0 ? { position: 'startswith', text: text.slice(0, firstK) } : { position: 'endswith', text: text.slice(lastK + 1) };
    case 'contains': {
      const longest = text.split(/k/i).reduce((best, run) => (run.length > best.length ? run : best), '');
      return { position: 'contains', text: longest };
    }
  }
}

/** Patterns as one RE2 alternation; a leading (?s) is hoisted, since RE2 flags elsewhere would change scope. */
function alternation(patterns: readonly string[]): string {
  const dotAll = patterns.some((pattern) => pattern.startsWith('(?s)'));
  const bodies = patterns.map((pattern) => (pattern.startsWith('(?s)') ? pattern.slice(4) : pattern));
  return `${dotAll ? '(?s)' : ''}${bodies.join('|')}`;
}

function partsOf(test: FoldedTest): WildcardPart[] {
  const literal: WildcardPart = { kind: 'literal', text: test.text };
  switch (test.position) {
    case 'exact':
      return [literal];
    case 'contains':
      return [{ kind: 'any' }, literal, { kind: 'any' }];
    case 'startswith':
      return [literal, { kind: 'any' }];
    case 'endswith':
      return [{ kind: 'any' }, literal];
  }
}

/** One character for an RE2 pattern, inside or outside a class. */
function re2Char(character: string): string {
  if (/^[A-Za-z0-9]$/.test(character)) return character;
  const code = character.codePointAt(0)!;
  if (code < 0x80 && code >= 0x20 && code !== 0x7f) return `\\${character}`;
  return `\\x{${code.toString(16).toUpperCase()}}`;
}

let lowerInverse: Map<string, string[]> | undefined;

/** Every code point whose toLowerCase() is `lowered` (one code point): computed once, on the first need. */
function lowersTo(lowered: string): string[] {
  if (!lowerInverse) {
    lowerInverse = new Map();
    for (let code = 0; code <= 0x10ffff; code++) {
      if (code >= 0xd800 && code <= 0xdfff) continue;
      const character = String.fromCodePoint(code);
      const lower = character.toLowerCase();
      if (lower === character || [...lower].length !== 1) continue;
      const list = lowerInverse.get(lower) ?? [];
      list.push(character);
      lowerInverse.set(lower, list);
    }
  }
  return [lowered, ...(lowerInverse.get(lowered) ?? [])];
}

/**
 * Whether the matcher's lower-casing cannot change where `text` is found: every character lowers to itself, no
 * other character lowers to it, and it is neither of the two characters İ lowers to (i, U+0307). Then a value
 * holds the text after toLowerCase() exactly when it holds it as it stands, so a case-sensitive test is exact.
 */
export function isCaseless(text: string): boolean {
  for (const character of text) {
    if (character === 'i' || character === '\u0307' || character.toLowerCase() !== character) return false;
    if (lowersTo(character).length !== 1) return false;
  }
  return text !== '';
}

/** The characters whose toLowerCase() is `lowered`, as an RE2 atom. */
function foldClass(lowered: string): string {
  const members = /^[a-z]$/.test(lowered)
    ? [lowered, lowered.toUpperCase(), ...(lowered === 'k' ? ['\u212A'] : [])]
    : isAscii(lowered)
      ? [lowered]
      : lowersTo(lowered);
  return members.length === 1 ? re2Char(members[0]!) : `[${members.map(re2Char).join('')}]`;
}

/** The parts between a leading and a trailing `*` (which an unanchored regex needs not spell): [start, end). */
function innerSpan(parts: readonly WildcardPart[]): { start: number; end: number } {
  const start = parts[0]?.kind === 'any' ? 1 : 0;
  const end = parts[parts.length - 1]?.kind === 'any' && parts.length > 1 ? parts.length - 1 : parts.length;
  return { start, end };
}

/**
 * The fast form of a case-insensitive wildcard pattern whose literals are ASCII: RE2's `(?i)`, which on a value
 * without case partners folds exactly A-Z as the matcher does (and where toLowerCase() keeps every code point, so
 * `?` reads one code point either way). Undefined when a literal is not ASCII.
 */
export function asciiFoldRegex(parts: readonly WildcardPart[]): string | undefined {
  if (parts.some((part) => part.kind === 'literal' && !isAscii(part.text))) return undefined;
  let body = '';
  let dot = false;
  const { start, end } = innerSpan(parts);
  for (let index = start; index < end; index++) {
    const part = parts[index]!;
    if (part.kind === 'literal') body += [...part.text.toLowerCase()].map(re2Char).join('');
    else {
      body += part.kind === 'any' ? '.*' : '.';
      dot = true;
    }
  }
  return `(?i${dot ? 's' : ''})${start === 0 ? '^' : ''}${body}${end === parts.length ? '$' : ''}`;
}

/**
 * An RE2 pattern (no (?i)) accepting exactly the values the matcher accepts for a case-insensitive wildcard
 * pattern: the matcher matches `value.toLowerCase()` against the lower-cased literals, `?` being one code point
 * of the lowered value. Not exact (a superset) only where the lowered value's extra code point (İ → i + U+0307)
 * or final sigma cannot be spelled per character: a run of several `?`, a literal U+0307, σ/ς.
 */
export function matcherRegex(parts: readonly WildcardPart[]): { pattern: string; exact: boolean } {
  let exact = true;
  let body = '';
  let dot = false;
  const { start, end } = innerSpan(parts);
  for (let index = start; index < end; index++) {
    const part = parts[index]!;
    if (part.kind === 'any') {
      body += '.*';
      dot = true;
      continue;
    }
    if (part.kind === 'one') {
      let run = 1;
      while (parts[index + run]?.kind === 'one' && index + run < end) run++;
      dot = true;
      if (run === 1) {
        // One `?` reads one code point of the lowered value: İ is two there, so it takes İ only next to a `*`,
        // which reads the other half.
        body += parts[index - 1]?.kind === 'any' || parts[index + 1]?.kind === 'any' ? '.' : '[^\\x{130}]';
      } else {
        // n `?` read n code points of the lowered value, where İ counts twice: at most n of the value's.
        body += `.{0,${run}}`;
        exact = false;
      }
      index += run - 1;
      continue;
    }
    const lowered = [...part.text.toLowerCase()];
    for (let at = 0; at < lowered.length; at++) {
      const character = lowered[at]!;
      const next = lowered[at + 1];
      if (character === 'i' && next === '\u0307') {
        body += '(?:\\x{130}|[iI]\\x{307})';
        at++;
      } else if (character === 'i' && next === undefined && index + 1 < parts.length) {
        // The matcher's İ → "i\u0307": its U+0307 is read by the `*` or `?` that follows the literal.
        const following = parts[index + 1]!;
        if (following.kind === 'one' && index + 1 < end) {
          body += '(?:[iI].|\\x{130})';
          dot = true;
          index++;
        } else {
          body += '(?:[iI]|\\x{130})';
        }
      } else if (character === '\u0307') {
        body += '(?:\\x{307}|\\x{130})';
        exact = false;
      } else if (character === 'σ' || character === 'ς') {
        body += '[Σσς]';
        exact = false;
      } else {
        body += foldClass(character);
      }
    }
  }
  const anchored = `${start === 0 ? '^' : ''}${body}${end === parts.length ? '$' : ''}`;
  return { pattern: `${dot ? '(?s)' : ''}${anchored}`, exact };
}
