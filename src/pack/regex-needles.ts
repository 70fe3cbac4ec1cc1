// Needles of a `re` pattern: lower-case ASCII texts one of which every text the pattern finds a match in holds,
// once lowered. Without them a regex item only gives its field's presence, and the SigmaHQ process-creation
// rules written as regexes (obfuscation, hack tools) were evaluated on every process event.
//
// Why the texts are needles (src/pack/needle-automaton.ts reads values lowered, one code unit at a time):
//   - A literal ASCII character of the pattern matches one input character. Case-sensitive, that character
//     is itself, and its lowering is the literal's. Case-insensitive, RE2 matches the literal's simple case
//     fold orbit: for every ASCII letter but `s` that orbit lowers to the literal's lowering (K, U+212A
//     included, which the automaton feeds as `k`); `s` also matches U+017F (ſ), which lowers to itself, so an
//     `s` is never part of a case-insensitive needle. test/pack/regex-needles.test.ts checks the orbits
//     against re2js over every code point.
//   - The texts are runs of consecutive literals (with zero-width `^`, `$`, `\b` between them, which consume
//     nothing): a match holds the run's characters contiguously, and lowering maps code points one by one,
//     so the lowered text holds the run lowered.
//   - An alternation needs one of its branches, a repetition of at least one its operand; anything that can
//     match text of unknown shape (classes, `.`, escapes like `\d`, non-ASCII literals, an optional part) ends
//     a run. Of the sets a concatenation guarantees, the most selective is kept.
//   - Case: any inline flag group that sets `i` makes the whole pattern case-insensitive here (more `s`
//     breaks, never fewer): RE2's flag scoping need not be modelled to stay sound.
//   - Anything this reader does not know (`\Q...\E`, octal escapes, an unknown escape letter) gives no needles:
//     the item falls back to its field's presence, as before.
import { needleSetCost } from '../match/prefilter.js';
import { regexTokens, type RegexFlags, type RegexToken } from '../rule/values/regex.js';

/** ASCII letters whose case-insensitive RE2 orbit holds a character that does not lower to the letter's
 *  lowering (U+017F for s), by their lower-case form. */
export const UNSAFE_CASELESS_LETTERS: ReadonlySet<string> = new Set(['s']);

/** Exact sets larger than this are given up for the runs inside them (bounds the products). */
const MAX_EXACT = 16;

/** What a part of the pattern guarantees about the text it matches. */
interface Info {
  /** The part matches exactly one of these (lowered, safe characters only); null: not known. */
  exact: string[] | null;
  /** Every match holds one of these (non-empty) as a substring; null: nothing known. */
  required: string[] | null;
}

const UNKNOWN: Info = { exact: null, required: null };
const EMPTY: Info = { exact: [''], required: null };

class Unsupported extends Error {}

/** The needles a set of exact texts gives: itself, when no text is empty. */
function asNeedles(exact: readonly string[] | null): string[] | null {
  if (exact === null || exact.length === 0 || exact.some((text) => text === '')) return null;
  return [...new Set(exact)];
}

function better(a: string[] | null, b: string[] | null): string[] | null {
  if (a === null) return b;
  if (b === null) return a;
  return needleSetCost(b) < needleSetCost(a) ? b : a;
}

function requiredOf(info: Info): string[] | null {
  return better(info.required, asNeedles(info.exact));
}

function concat(items: readonly Info[]): Info {
  let run: string[] = [''];
  let whole = true;
  let best: string[] | null = null;
  for (const item of items) {
    if (item.exact !== null) {
      if (run.length * item.exact.length <= MAX_EXACT) {
        run = [...new Set(run.flatMap((left) => item.exact!.map((right) => left + right)))];
        continue;
      }
      best = better(best, asNeedles(run));
      run = item.exact;
      whole = false;
      continue;
    }
    best = better(best, asNeedles(run));
    best = better(best, item.required);
    run = [''];
    whole = false;
  }
  if (whole) return { exact: run, required: null };
  return { exact: null, required: better(best, asNeedles(run)) };
}

function alternate(branches: readonly Info[]): Info {
  if (branches.length === 1) return branches[0];
  if (branches.every((branch) => branch.exact !== null)) {
    const exact = [...new Set(branches.flatMap((branch) => branch.exact!))];
    if (exact.length <= MAX_EXACT) return { exact, required: null };
  }
  const required: string[] = [];
  for (const branch of branches) {
    const needles = requiredOf(branch);
    if (needles === null) return UNKNOWN;
    required.push(...needles);
  }
  return { exact: null, required: [...new Set(required)] };
}

function repeat(info: Info, min: number, max: number): Info {
  if (min === 1 && max === 1) return info;
  if (min === 0) {
    if (max === 0) return EMPTY;
    if (max === 1 && info.exact !== null && info.exact.length < MAX_EXACT) return { exact: [...new Set([...info.exact, ''])], required: null };
    return UNKNOWN;
  }
  return { exact: null, required: requiredOf(info) };
}

/** Reads an accepted RE2 pattern (the loader checked it) into the Info of its top level, over the tokens the
 *  rule layer splits patterns into (src/rule/values/regex.ts regexTokens: whole escapes, classes). */
class Reader {
  private readonly tokens: RegexToken[];
  private at = 0;

  constructor(
    private readonly source: string,
    private readonly caseless: boolean,
  ) {
    this.tokens = [...regexTokens(source)];
  }

  read(): Info {
    const info = this.alternation();
    if (this.at !== this.tokens.length) throw new Unsupported(`unexpected '${this.tokens[this.at]!.text}'`);
    return info;
  }

  /** The plain syntax character at the cursor, or undefined (an escape, a class, the end). */
  private plain(): string | undefined {
    const token = this.tokens[this.at];
    return token?.kind === 'plain' ? token.text : undefined;
  }

  /** Moves the cursor past the token starting `length` characters into the source from the current one. */
  private skipChars(length: number): void {
    const end = this.tokens[this.at]!.index + length;
    while (this.at < this.tokens.length && this.tokens[this.at]!.index < end) this.at++;
  }

  private alternation(): Info {
    const branches = [this.sequence()];
    while (this.plain() === '|') {
      this.at++;
      branches.push(this.sequence());
    }
    return alternate(branches);
  }

  private sequence(): Info {
    const items: Info[] = [];
    while (this.at < this.tokens.length && this.plain() !== '|' && this.plain() !== ')') items.push(this.quantified(this.atom()));
    return concat(items);
  }

  private quantified(atom: Info): Info {
    let info = atom;
    for (;;) {
      const char = this.plain();
      let min: number;
      let max: number;
      if (char === '*') [min, max] = [0, Infinity];
      else if (char === '+') [min, max] = [1, Infinity];
      else if (char === '?') [min, max] = [0, 1];
      else if (char === '{') {
        const counted = /^\{(\d+)(,(\d*))?\}/.exec(this.source.slice(this.tokens[this.at]!.index));
        if (counted === null) return info; // RE2 reads a brace that starts no repeat count as a literal
        min = Number(counted[1]);
        max = counted[2] === undefined ? min : counted[3] === '' ? Infinity : Number(counted[3]);
        this.skipChars(counted[0].length - 1);
      } else return info;
      this.at++;
      if (this.plain() === '?') this.at++; // lazy: the same texts
      info = repeat(info, min, max);
    }
  }

  private atom(): Info {
    const token = this.tokens[this.at]!;
    if (token.kind === 'escape') {
      this.at++;
      return this.escape(token.text);
    }
    if (token.kind !== 'plain') {
      // A class matches one character of unknown shape: skip its members to the `]` that closes it.
      while (this.at < this.tokens.length && this.tokens[this.at]!.kind !== 'class-end') this.at++;
      if (this.at === this.tokens.length) throw new Unsupported('unclosed class');
      this.at++;
      return UNKNOWN;
    }
    switch (token.text) {
      case '(':
        return this.group();
      case '.':
        this.at++;
        return UNKNOWN;
      case '^':
      case '$':
        this.at++;
        return EMPTY;
      default:
        this.at++;
        return this.literal(token.text);
    }
  }

  private literal(char: string): Info {
    const code = char.charCodeAt(0);
    if (code >= 128) {
      // A surrogate pair is one character to RE2: consume its second half too.
      if (code >= 0xd800 && code <= 0xdbff && this.plain() !== undefined) this.at++;
      return UNKNOWN;
    }
    const lowered = char.toLowerCase();
    if (this.caseless && UNSAFE_CASELESS_LETTERS.has(lowered)) return UNKNOWN;
    return { exact: [lowered], required: null };
  }

  private group(): Info {
    const head = /^\((?:\?(?:P?<[A-Za-z0-9_]+>|[imsU-]*(:|\))))?/.exec(this.source.slice(this.tokens[this.at]!.index))!;
    if (head[0] === '(' && this.source[this.tokens[this.at]!.index + 1] === '?') throw new Unsupported('group syntax');
    this.skipChars(head[0].length);
    // `(?flags)` alone: a flag change, matching nothing (its effect on case is taken pattern-wide).
    if (head[1] === ')') return EMPTY;
    const inner = this.alternation();
    if (this.plain() !== ')') throw new Unsupported('unclosed group');
    this.at++;
    return inner;
  }

  /** An escape token: an assertion, a class of unknown shape, or an escaped punctuation character. */
  private escape(text: string): Info {
    const letter = text[1];
    if (letter === undefined) throw new Unsupported('trailing backslash');
    if (!/[A-Za-z0-9]/.test(letter)) return text.length === 2 ? this.literal(letter) : UNKNOWN;
    if ('bBAz'.includes(letter) && text.length === 2) return EMPTY;
    // A control character: caseless or not, it matches itself only (`\n\n\n` of the LNK padding rule).
    const control = CONTROL_ESCAPES[letter];
    if (control !== undefined && text.length === 2) return this.literal(control);
    if ('dDwWsSCxpP'.includes(letter)) return UNKNOWN;
    // \Q...\E, octal digits and anything else this reader does not know.
    throw new Unsupported(`escape ${text.slice(0, 2)}`);
  }
}

/** RE2's one-letter escapes for control characters. */
const CONTROL_ESCAPES: Readonly<Record<string, string>> = { a: '\x07', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };

/** Whether a `(?...)` flag group anywhere sets `i` (see the case note above). */
const INLINE_CASELESS = /\(\?[imsU-]*i[imsU-]*[:)]/;

/** The needles of an accepted `re` pattern, or null when none can be derived. */
export function regexNeedles(source: string, flags: RegexFlags): string[] | null {
  const caseless = flags.ignoreCase || INLINE_CASELESS.test(source);
  let info: Info;
  try {
    info = new Reader(source, caseless).read();
  } catch (error) {
    if (error instanceof Unsupported) return null;
    throw error;
  }
  return requiredOf(info);
}
