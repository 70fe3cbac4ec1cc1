// re (modifiers appendix "Regular Expression"): the specification names a PCRE subset. We run it with RE2
// (the re2js port), for two reasons:
// - event values are attacker-controlled, and a backtracking engine (V8's irregexp, PCRE) can be made to spend
//   seconds to hours on one short value (`(a+)+$` on 30 `a`s and a `!`); RE2 decides every pattern in time
//   linear in the value, so no row can stall a hunt;
// - Kusto's `matches regex` is RE2, so the matcher and the KQL pre-filter read a pattern the same way.
//
// A pattern is accepted when RE2 compiles it and it means in RE2 what it means in PCRE. RE2 refuses what needs
// backtracking (back references, lookaround, atomic groups, possessive quantifiers) and PCRE-only escapes; we
// refuse in addition the two spellings RE2 accepts with another meaning:
// - `\v`: PCRE's vertical-space class (LF, VT, FF, CR, NEL, U+2028/9), RE2's vertical tab alone;
// - `{,n}`: a quantifier in PCRE2 10.43+, literal text in RE2.
// Differences kept and documented (src/match/README.md): RE2's `\s` lacks VT, and its `$` without `m` matches
// only at the very end (PCRE's also before a final newline).
import { LibraryNotLoaded, re2LibraryNow } from '../libraries.js';
import type { Re2Library } from '../libraries.js';

export interface RegexFlags {
  ignoreCase: boolean;
  multiline: boolean;
  dotAll: boolean;
}

/** A compiled `re` pattern: unanchored search. */
export interface CompiledRegex {
  test(text: string): boolean;
}

function re2FlagBits({ RE2JS }: typeof Re2Library, flags: RegexFlags): number {
  return (flags.ignoreCase ? RE2JS.CASE_INSENSITIVE : 0) | (flags.multiline ? RE2JS.MULTILINE : 0) | (flags.dotAll ? RE2JS.DOTALL : 0);
}

/** Compiled patterns by flags and source: the loader's check, the matcher and the KQL translation each need a
 *  pattern compiled, and a hunt reloads its rules every tick; a compiled RE2 is immutable to its callers, so one
 *  per distinct pattern serves them all (the SigmaHQ corpus has 149). */
const compiled = new Map<string, CompiledRegex>();

/** Compiles an accepted pattern (see checkRegex); throws on a pattern RE2 refuses, and LibraryNotLoaded until
 *  `re2js` is loaded (src/rule/libraries.ts). */
export function compileRe2(source: string, flags: RegexFlags): CompiledRegex {
  const re2 = re2LibraryNow();
  const key = `${re2FlagBits(re2, flags)}/${source}`;
  let regex = compiled.get(key);
  if (regex === undefined) {
    regex = re2.RE2JS.compile(source, re2FlagBits(re2, flags));
    compiled.set(key, regex);
  }
  return regex;
}

/** Why RE2 refused a pattern, in the terms a rule author can act on. */
function re2Refusal(source: string, message: string): string {
  const detail = message.replace(/^error parsing regexp: /, '');
  if (/\(\?<?[=!]/.test(source) && /unsupported Perl syntax: `\(\?[=!]`|invalid named capture: `\(\?<[=!]/.test(message)) {
    return `lookaround assertions need a backtracking engine; RE2 runs in linear time and has none (${detail})`;
  }
  if (/invalid escape sequence: `\\[1-9]`|invalid escape sequence: `\\k`/.test(message)) {
    return `back references need a backtracking engine; RE2 runs in linear time and has none (${detail})`;
  }
  if (/`\(\?>`|nested repetition operator: `[*+?}][+]`/.test(message)) {
    return `atomic groups and possessive quantifiers are PCRE-only; RE2 has neither (${detail})`;
  }
  return `not a valid RE2 pattern: ${detail}`;
}

/** A piece of pattern text: an escape (`\\d`, `\\x41`, `\\x{263A}`, `\\pL`, `\\p{Greek}`, a whole `\\Q...\\E`), a
 *  character-class member, or plain syntax. */
export interface RegexToken {
  /** `class`: a class's opening `[` or `[^`, or a member; `class-end`: the `]` that closes it. */
  kind: 'escape' | 'class' | 'class-end' | 'plain';
  index: number;
  text: string;
}

/** Splits a pattern into escapes, class contents and plain syntax, as RE2 (and PCRE) read it: a `]` first in
 *  a class is a member, `[:alpha:]` inside a class is one member. Enough structure to find a construct by kind. */
export function* regexTokens(source: string): Generator<RegexToken> {
  let classStart = -1;
  for (let index = 0; index < source.length; ) {
    const char = source[index]!;
    let length = 1;
    let kind: RegexToken['kind'] = classStart >= 0 ? 'class' : 'plain';
    if (char === '\\') {
      kind = 'escape';
      if (source[index + 1] === 'Q') {
        const end = source.indexOf('\\E', index + 2);
        length = (end < 0 ? source.length : end + 2) - index;
      } else length = Math.min(escapeLength(source, index), source.length - index);
    } else if (classStart >= 0) {
      const posix = char === '[' ? /^\[:[a-z]+:\]/.exec(source.slice(index, index + 16)) : null;
      if (posix) length = posix[0].length;
      else if (char === ']' && index > classStart) {
        classStart = -1;
        kind = 'class-end';
      }
    } else if (char === '[') {
      kind = 'class';
      classStart = index + (source[index + 1] === '^' ? 2 : 1);
      length = classStart - index;
    }
    yield { kind, index, text: source.slice(index, index + length) };
    index += length;
  }
}

/** The length of the escape at `index` (not `\\Q`): `\\x` takes two hex digits or a braced number, `\\p`/`\\P` a letter
 *  or a braced class name, anything else one character. */
function escapeLength(source: string, index: number): number {
  const letter = source[index + 1];
  if (letter !== 'x' && letter !== 'p' && letter !== 'P') return 2;
  if (source[index + 2] === '{') {
    const end = source.indexOf('}', index + 3);
    return end < 0 ? source.length - index : end + 1 - index;
  }
  return letter === 'x' ? 4 : 3;
}

/** The two PCRE spellings RE2 accepts with another meaning, or null. */
function divergentConstruct(source: string): string | null {
  for (const token of regexTokens(source)) {
    if (token.kind === 'escape' && token.text === '\\v') {
      return "'\\v' is PCRE's vertical-space class but a vertical tab alone in RE2; write the characters, e.g. [\\n\\x0B\\f\\r]";
    }
    if (token.kind === 'plain' && token.text === '{') {
      const empty = /^\{,[0-9]+\}/.exec(source.slice(token.index));
      if (empty) return `'${empty[0]}' is a quantifier in recent PCRE but literal text in RE2; write '{0,n}' or escape the brace`;
    }
  }
  return null;
}

/** Returns null when `source` is accepted, else the reason it is refused. */
export function checkRegex(source: string, flags: RegexFlags): string | null {
  const divergent = divergentConstruct(source);
  if (divergent !== null) return divergent;
  try {
    compileRe2(source, flags);
  } catch (error) {
    if (error instanceof LibraryNotLoaded) throw error;
    return re2Refusal(source, error instanceof Error ? error.message : String(error));
  }
  return null;
}

/** A leading `(?i)`, `(?m)`, `(?s)` (or a combination) sets that flag for the whole pattern, exactly what the re
 *  sub-modifiers do; SigmaHQ rules written before `re|i` existed use it (16 rules). It is moved into the flags
 *  so one pattern has one spelling in the model (and one flag prefix in KQL); RE2 reads inline flags anywhere
 *  else itself. */
export function liftLeadingInlineFlags(source: string, flags: RegexFlags): { source: string; flags: RegexFlags } {
  const leading = /^\(\?([ims]+)\)/.exec(source);
  if (!leading) return { source, flags };
  const letters = leading[1];
  return {
    source: source.slice(leading[0].length),
    flags: {
      ignoreCase: flags.ignoreCase || letters.includes('i'),
      multiline: flags.multiline || letters.includes('m'),
      dotAll: flags.dotAll || letters.includes('s'),
    },
  };
}
