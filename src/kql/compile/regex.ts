// Sigma `re` values (JavaScript RegExp syntax without `u`, as the matcher runs them: src/match/scalar.ts) and
// wildcard strings, as RE2 patterns for KQL `matches regex`.
//
// A translation is `exact` when RE2 accepts exactly the strings the matcher's RegExp accepts, and otherwise a
// superset (RE2 accepts at least those strings) or refused. Per construct:
// - `.` without `s`: JS excludes \n \r U+2028 U+2029, RE2 only \n → written as `[^\n\r\x{2028}\x{2029}]` (exact).
// - `\s`: JS's set includes Unicode spaces RE2's `\s` lacks → written out as a class (exact). `\S` stays RE2's
//   `\S` (a superset of JS's: RE2's \s is smaller); a negated class holding `\s` is refused.
// - `\d \D \w \W \b \B`: ASCII in both (exact).
// - `i`: for ASCII letters RE2's simple case folding accepts what JS's canonicalisation accepts plus the Kelvin
//   sign and long s (superset); a non-ASCII letter under `i` folds differently → marked inexact.
// - `m`: JS's `^`/`$` also match at \r and U+2028/9, RE2's only at \n → inexact when the pattern has `^` or `$`.
// - back references, lookarounds and `\k<name>`: refused (RE2 has none). Named groups become `(?P<name>...)`.
// - JS counts UTF-16 code units, RE2 code points: a `.` or class against an astral character differs (not
//   modelled; Sigma rules hold no astral characters).

export type RegexTranslation = { ok: true; pattern: string; exact: boolean } | { ok: false; reason: string };

const JS_WHITESPACE = '\\t\\n\\x{0B}\\f\\r \\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}\\x{FEFF}';
const JS_DOT = '[^\\n\\r\\x{2028}\\x{2029}]';

function hex(code: number): string {
  return `\\x{${code.toString(16).toUpperCase()}}`;
}

/** One literal character for RE2, inside or outside a class. */
export function re2Literal(char: string): string {
  if (char.length > 1) return char; // an astral character (surrogate pair) from a for..of walk
  const code = char.charCodeAt(0);
  if (/[A-Za-z0-9]/.test(char)) return char;
  if (code < 0x20 || code === 0x7f) return hex(code);
  if (code < 0x80) return `\\${char}`; // any ASCII punctuation (and space) may be escaped in RE2
  if (code >= 0xd800 && code <= 0xdfff) return hex(code);
  return char;
}

export function translateRegex(source: string, flags: { ignoreCase: boolean; multiline: boolean; dotAll: boolean }): RegexTranslation {
  let out = '';
  let exact = true;
  let inClass = false;
  let classNegated = false;
  let hasAnchor = false;
  for (let index = 0; index < source.length; ) {
    const char = source[index]!;
    const code = char.charCodeAt(0);
    if (flags.ignoreCase && code >= 0x80 && /\p{L}/u.test(char)) exact = false;
    if (char === '\\') {
      const escape = translateEscape(source, index, inClass, classNegated);
      if (!escape.ok) return escape;
      if (!escape.exact) exact = false;
      out += escape.text;
      index += escape.length;
      continue;
    }
    if (inClass) {
      if (char === ']') {
        inClass = false;
        out += ']';
      } else if (char === '-') {
        out += '-';
      } else if (char === '^' ) {
        out += '\\^';
      } else {
        out += re2Literal(char);
      }
      index++;
      continue;
    }
    switch (char) {
      case '[': {
        inClass = true;
        classNegated = source[index + 1] === '^';
        out += classNegated ? '[^' : '[';
        index += classNegated ? 2 : 1;
        continue;
      }
      case '(': {
        const rest = source.slice(index + 1);
        if (rest.startsWith('?=') || rest.startsWith('?!') || rest.startsWith('?<=') || rest.startsWith('?<!')) {
          return { ok: false, reason: 'RE2 (KQL matches regex) has no lookaround assertions' };
        }
        const named = /^\?<([A-Za-z_][A-Za-z0-9_]*)>/.exec(rest);
        if (named) {
          out += `(?P<${named[1]}>`;
          index += 1 + named[0].length;
          continue;
        }
        if (rest.startsWith('?:')) {
          out += '(?:';
          index += 3;
          continue;
        }
        if (rest.startsWith('?')) return { ok: false, reason: `group '(${rest.slice(0, 2)}' is not supported in RE2` };
        out += '(';
        index++;
        continue;
      }
      case '{': {
        const quantifier = /^\{(\d+)(,(\d*))?\}/.exec(source.slice(index));
        if (quantifier && out !== '' && !out.endsWith('(') && !out.endsWith('|')) {
          const low = Number(quantifier[1]);
          const high = quantifier[3] ? Number(quantifier[3]) : low;
          if (low > 1000 || high > 1000) return { ok: false, reason: 'RE2 refuses repetition counts above 1000' };
          out += quantifier[0];
          index += quantifier[0].length;
        } else {
          out += '\\{'; // Annex B: a brace that is not a quantifier is a literal
          index++;
        }
        continue;
      }
      case '}':
      case ']':
        out += `\\${char}`;
        index++;
        continue;
      case '.':
        out += flags.dotAll ? '.' : JS_DOT;
        index++;
        continue;
      case '^':
      case '$':
        hasAnchor = true;
        out += char;
        index++;
        continue;
      case ')':
      case '|':
      case '*':
      case '+':
      case '?':
        out += char;
        index++;
        continue;
      default:
        out += re2Literal(char);
        index++;
    }
  }
  if (inClass) return { ok: false, reason: 'unterminated character class' };
  if (flags.multiline && hasAnchor) exact = false;
  const inline = (flags.ignoreCase ? 'i' : '') + (flags.multiline ? 'm' : '') + (flags.dotAll ? 's' : '');
  return { ok: true, pattern: (inline ? `(?${inline})` : '') + out, exact };
}

type EscapeTranslation = { ok: true; text: string; length: number; exact: boolean } | { ok: false; reason: string };

function translateEscape(source: string, index: number, inClass: boolean, classNegated: boolean): EscapeTranslation {
  const next = source[index + 1];
  if (next === undefined) return { ok: false, reason: 'the pattern ends with a lone backslash' };
  const done = (text: string, length: number, exact = true): EscapeTranslation => ({ ok: true, text, length, exact });
  switch (next) {
    case 'd':
    case 'D':
    case 'w':
    case 'W':
      return done(`\\${next}`, 2);
    case 'b':
    case 'B':
      if (inClass) return next === 'b' ? done(hex(8), 2) : { ok: false, reason: "'\\B' inside a character class" };
      return done(`\\${next}`, 2);
    case 's':
      if (inClass) {
        if (classNegated) return { ok: false, reason: "'\\s' inside a negated class cannot be written exactly in RE2" };
        return done(JS_WHITESPACE, 2);
      }
      return done(`[${JS_WHITESPACE}]`, 2);
    case 'S':
      if (inClass && classNegated) return { ok: false, reason: "'\\S' inside a negated class cannot be written as a superset in RE2" };
      return done('\\S', 2, false);
    case 'n':
    case 'r':
    case 't':
    case 'f':
      return done(`\\${next}`, 2);
    case 'v':
      return done(hex(0x0b), 2);
    case '0':
      return done(hex(0), 2);
    case 'x': {
      const digits = source.slice(index + 2, index + 4);
      return /^[0-9A-Fa-f]{2}$/.test(digits) ? done(hex(parseInt(digits, 16)), 4) : { ok: false, reason: "'\\x' needs two hex digits" };
    }
    case 'u': {
      const digits = source.slice(index + 2, index + 6);
      if (!/^[0-9A-Fa-f]{4}$/.test(digits)) return { ok: false, reason: "'\\u' needs four hex digits" };
      const code = parseInt(digits, 16);
      if (code >= 0xd800 && code <= 0xdfff) return { ok: false, reason: 'surrogate escapes have no RE2 equivalent' };
      return done(hex(code), 6);
    }
    case 'c': {
      const letter = source[index + 2];
      if (!letter || !/[A-Za-z]/.test(letter)) return { ok: false, reason: "'\\c' needs a letter" };
      return done(hex(letter.charCodeAt(0) % 32), 3);
    }
    case 'k':
      return { ok: false, reason: 'RE2 (KQL matches regex) has no back references' };
    default:
      if (/[1-9]/.test(next)) return { ok: false, reason: 'RE2 (KQL matches regex) has no back references' };
      if (/[A-Za-z0-9]/.test(next)) return { ok: false, reason: `'\\${next}' has no RE2 equivalent` };
      // An escaped non-alphanumeric character is itself (Annex B identity escape).
      return done(re2Literal(next), 2);
  }
}

/** A Sigma wildcard pattern as an anchored RE2 pattern, as the matcher's globToRegExp reads it: `*` any run of
 *  characters (newlines included), `?` exactly one character. */
export function globToRe2(parts: readonly ({ kind: 'literal'; text: string } | { kind: 'any' } | { kind: 'one' })[], cased: boolean): string {
  let body = '';
  for (const part of parts) {
    if (part.kind === 'any') body += '.*';
    else if (part.kind === 'one') body += '.';
    else for (const char of part.text) body += re2Literal(char);
  }
  return `(?${cased ? '' : 'i'}s)^${body}$`;
}
