// RE2 patterns (KQL `matches regex`, `parse-kv ... with (regex=...)`) as JavaScript RegExps with the same
// language, for the subset of RE2 syntax we can map exactly. Anything else is refused (KqlOracleError
// 'unsupported'), never approximated.
//
// The JS RegExp uses the `u` flag: RE2 matches code points (UTF-8), and `u` mode is the JS mode that does.
// Per construct (RE2 syntax: github.com/google/re2/wiki/Syntax):
// - `.`: RE2 excludes only \n (with (?s) nothing) → `[^\n]` / `[\s\S]`. JS's `.` would also exclude \r, U+2028/9.
// - `^`/`$`: without (?m) beginning/end of text (RE2's `$` does not match before a final \n, like JS without m);
//   with (?m) also after/before \n only → lookarounds on \n (JS's `m` would also use \r and U+2028/9).
// - `\d \w \s`: RE2's are ASCII ([0-9], [0-9A-Za-z_], [\t\n\f\r ]); JS's \s is larger → written out.
//   Under (?i) RE2 case-folds these classes (Go's regexp/syntax, which mirrors RE2, folds Perl classes), and
//   JS `iu` folds them too: both add U+017F and U+212A to \w.
// - `\b \B`: RE2's are ASCII; JS `iu` counts U+017F/U+212A as word characters → refused under (?i).
// - (?i): JS `iu` canonicalises by Unicode simple case folding, RE2 folds by simple case folding orbits: the same
//   equivalence (up to Unicode version differences).
// - Flags: only a leading `(?flags)` group for the whole pattern (i, m, s); inline flag changes elsewhere, `(?U)`,
//   `\Q..\E`, `\p{..}`, `\C`, POSIX `[[:alpha:]]` and octal escapes are refused.
// - Repetition counts above 1000 are an error in RE2 (so the query fails): refused.
import { KqlOracleError } from './errors.js';

export interface Re2Flags {
  ignoreCase: boolean;
  multiline: boolean;
  dotAll: boolean;
}

const RE2_SPACE = '\\t\\n\\f\\r ';
const RE2_WORD = '0-9A-Za-z_';

export function re2ToRegExp(pattern: string, extraFlags = ''): RegExp {
  const { body, flags } = translate(pattern);
  try {
    return new RegExp(body, 'u' + (flags.ignoreCase ? 'i' : '') + extraFlags);
  } catch (error) {
    throw new KqlOracleError('unsupported', `regex ${JSON.stringify(pattern)} → ${body}: ${(error as Error).message}`);
  }
}

function refuse(pattern: string, why: string): never {
  throw new KqlOracleError('unsupported', `RE2 pattern ${JSON.stringify(pattern)}: ${why}`);
}

function codePointEscape(code: number): string {
  return `\\u{${code.toString(16)}}`;
}

/** A literal code point in JS `u` syntax, inside or outside a class. */
function literal(code: number): string {
  const character = String.fromCodePoint(code);
  return /[A-Za-z0-9]/.test(character) ? character : codePointEscape(code);
}

function translate(pattern: string): { body: string; flags: Re2Flags } {
  const flags: Re2Flags = { ignoreCase: false, multiline: false, dotAll: false };
  const points = Array.from(pattern, (character) => character.codePointAt(0)!);
  let index = 0;
  const leading = /^\(\?([imsU]+)\)/.exec(pattern);
  if (leading) {
    for (const flag of leading[1]!) {
      if (flag === 'i') flags.ignoreCase = true;
      else if (flag === 'm') flags.multiline = true;
      else if (flag === 's') flags.dotAll = true;
      else refuse(pattern, `flag ${flag} is not modelled`);
    }
    index = Array.from(leading[0]).length;
  }
  const at = (offset = 0): string | undefined => {
    const code = points[index + offset];
    return code === undefined ? undefined : String.fromCodePoint(code);
  };
  let out = '';
  let groupDepth = 0;
  let lastWasAtom = false;
  while (index < points.length) {
    const character = at()!;
    switch (character) {
      case '\\': {
        const escape = translateEscape(pattern, points, index, false, flags);
        out += escape.text;
        index += escape.length;
        lastWasAtom = escape.atom;
        continue;
      }
      case '[': {
        const klass = translateClass(pattern, points, index, flags);
        out += klass.text;
        index += klass.length;
        lastWasAtom = true;
        continue;
      }
      case '(': {
        if (at(1) === '?') {
          const rest = String.fromCodePoint(...points.slice(index, index + 40));
          const named = /^\(\?P?<([A-Za-z_][A-Za-z0-9_]*)>/.exec(rest);
          if (rest.startsWith('(?:')) {
            out += '(?:';
            index += 3;
          } else if (named) {
            out += `(?<${named[1]}>`;
            index += named[0].length;
          } else {
            refuse(pattern, `group ${rest.slice(0, 5)}... is not modelled`);
          }
        } else {
          out += '(';
          index += 1;
        }
        groupDepth++;
        lastWasAtom = false;
        continue;
      }
      case ')':
        if (groupDepth === 0) refuse(pattern, 'unbalanced )');
        groupDepth--;
        out += ')';
        index++;
        lastWasAtom = true;
        continue;
      case '|':
        out += '|';
        index++;
        lastWasAtom = false;
        continue;
      case '*':
      case '+':
      case '?': {
        if (!lastWasAtom) refuse(pattern, `missing argument to repetition operator ${character}`);
        out += character;
        index++;
        if (at() === '?') {
          out += '?';
          index++;
        }
        if (at() === '*' || at() === '+' || at() === '?') refuse(pattern, 'bad repetition operator');
        lastWasAtom = false;
        continue;
      }
      case '{': {
        const rest = String.fromCodePoint(...points.slice(index, index + 24));
        const repeat = /^\{(\d+)(,(\d*))?\}/.exec(rest);
        if (!repeat) {
          // RE2: a brace that does not start a valid repetition is a literal.
          out += codePointEscape(0x7b);
          index++;
          lastWasAtom = true;
          continue;
        }
        if (!lastWasAtom) refuse(pattern, 'missing argument to repetition operator {');
        const low = Number(repeat[1]);
        const high = repeat[3] === undefined ? low : repeat[3] === '' ? undefined : Number(repeat[3]);
        if (low > 1000 || (high !== undefined && (high > 1000 || high < low))) refuse(pattern, 'bad repetition count');
        out += repeat[0];
        index += repeat[0].length;
        if (at() === '?') {
          out += '?';
          index++;
        }
        lastWasAtom = false;
        continue;
      }
      case '.':
        out += flags.dotAll ? '[\\s\\S]' : '[^\\n]';
        index++;
        lastWasAtom = true;
        continue;
      case '^':
        out += flags.multiline ? '(?:^|(?<=\\n))' : '^';
        index++;
        lastWasAtom = true;
        continue;
      case '$':
        out += flags.multiline ? '(?:$|(?=\\n))' : '$';
        index++;
        lastWasAtom = true;
        continue;
      default:
        out += literal(points[index]!);
        index++;
        lastWasAtom = true;
    }
  }
  if (groupDepth !== 0) refuse(pattern, 'missing )');
  return { body: out, flags };
}

interface Piece {
  text: string;
  length: number;
  atom: boolean;
  /** For class members: the single code point this escape stands for, if any. */
  code?: number;
}

function translateEscape(pattern: string, points: number[], index: number, inClass: boolean, flags: Re2Flags): Piece {
  const next = points[index + 1];
  if (next === undefined) refuse(pattern, 'trailing backslash');
  const character = String.fromCodePoint(next);
  const single = (code: number, length = 2): Piece => ({ text: literal(code), length, atom: true, code });
  switch (character) {
    case 'd':
      return { text: inClass ? '0-9' : '[0-9]', length: 2, atom: true };
    case 'D':
      if (inClass) refuse(pattern, '\\D inside a class');
      return { text: '[^0-9]', length: 2, atom: true };
    case 'w':
      return { text: inClass ? RE2_WORD : `[${RE2_WORD}]`, length: 2, atom: true };
    case 'W':
      if (inClass) refuse(pattern, '\\W inside a class');
      return { text: `[^${RE2_WORD}]`, length: 2, atom: true };
    case 's':
      return { text: inClass ? RE2_SPACE : `[${RE2_SPACE}]`, length: 2, atom: true };
    case 'S':
      if (inClass) refuse(pattern, '\\S inside a class');
      return { text: `[^${RE2_SPACE}]`, length: 2, atom: true };
    case 'b':
    case 'B':
      if (inClass) refuse(pattern, `\\${character} inside a class`);
      if (flags.ignoreCase) refuse(pattern, `\\${character} under (?i): JS would count U+017F/U+212A as word characters`);
      return { text: `\\${character}`, length: 2, atom: false };
    case 'A':
      if (inClass) refuse(pattern, '\\A inside a class');
      return { text: '^', length: 2, atom: false };
    case 'z':
      if (inClass) refuse(pattern, '\\z inside a class');
      return { text: '$', length: 2, atom: false };
    case 'n':
      return single(0x0a);
    case 'r':
      return single(0x0d);
    case 't':
      return single(0x09);
    case 'f':
      return single(0x0c);
    case 'v':
      return single(0x0b);
    case 'a':
      return single(0x07);
    case 'x': {
      const rest = String.fromCodePoint(...points.slice(index + 2, index + 12));
      const braced = /^\{([0-9A-Fa-f]{1,6})\}/.exec(rest);
      if (braced) {
        const code = parseInt(braced[1]!, 16);
        if (code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) refuse(pattern, `bad \\x{${braced[1]}}`);
        return single(code, 2 + braced[0].length);
      }
      const two = /^[0-9A-Fa-f]{2}/.exec(rest);
      if (two) return single(parseInt(two[0], 16), 4);
      return refuse(pattern, 'bad \\x escape');
    }
    default:
      // RE2 takes any escaped punctuation as itself; letters and digits are refused unless listed above.
      if (next < 0x80 && !/[A-Za-z0-9]/.test(character)) return single(next);
      return refuse(pattern, `escape \\${character} is not modelled`);
  }
}

function translateClass(pattern: string, points: number[], start: number, flags: Re2Flags): Piece {
  let index = start + 1;
  let negated = false;
  if (points[index] === 0x5e /* ^ */) {
    negated = true;
    index++;
  }
  let body = '';
  let first = true;
  for (;;) {
    const code = points[index];
    if (code === undefined) refuse(pattern, 'missing ]');
    if (code === 0x5d /* ] */ && !first) {
      index++;
      break;
    }
    if (code === 0x5b /* [ */ && points[index + 1] === 0x3a /* : */) refuse(pattern, 'POSIX classes are not modelled');
    let low: Piece;
    if (code === 0x5c) {
      low = translateEscape(pattern, points, index, true, flags);
    } else {
      low = { text: literal(code), length: 1, atom: true, code };
    }
    index += low.length;
    first = false;
    // A range: low-high (a '-' before the closing ']' is a literal).
    if (low.code !== undefined && points[index] === 0x2d && points[index + 1] !== undefined && points[index + 1] !== 0x5d) {
      const highCode = points[index + 1]!;
      let high: Piece;
      if (highCode === 0x5c) high = translateEscape(pattern, points, index + 1, true, flags);
      else high = { text: literal(highCode), length: 1, atom: true, code: highCode };
      if (high.code === undefined) refuse(pattern, 'a class range ends in a class');
      if (high.code < low.code) refuse(pattern, 'bad class range');
      body += `${low.text}-${high.text}`;
      index += 1 + high.length;
      continue;
    }
    body += low.text;
  }
  return { text: `[${negated ? '^' : ''}${body}]`, length: index - start, atom: true };
}
