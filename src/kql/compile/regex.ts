// Sigma `re` values (RE2 syntax, as the matcher runs them: src/rule/values/regex.ts) and wildcard strings, as
// RE2 patterns for KQL `matches regex`.
//
// The matcher runs `re` with RE2 (re2js) and Kusto's `matches regex` is RE2, so a pattern keeps its text and
// meaning; the translation only
// - moves the rule's i/m/s flags into a leading `(?ims)` group (KQL has no separate flag argument), and
// - spells named groups `(?P<name>...)`, the form every RE2 release reads (`(?<name>` is recent in RE2).
// It is `exact`: both sides are RE2 on the same code points (re2js decodes UTF-16 into code points, Kusto reads
// UTF-8; they differ only on lone surrogates, which a Kusto string cannot hold). Case folding is RE2's simple
// case folding on both sides (up to the Unicode version each was built with).

import { checkRegex, regexTokens, type RegexFlags } from '../../rule/values/regex.js';

export type RegexTranslation = { ok: true; pattern: string; exact: boolean } | { ok: false; reason: string };

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

export function translateRegex(source: string, flags: RegexFlags): RegexTranslation {
  const refusal = checkRegex(source, flags);
  if (refusal !== null) return { ok: false, reason: refusal };
  let out = '';
  let namedGroupAt = -1;
  for (const token of regexTokens(source)) {
    if (token.kind === 'plain' && token.text === '(' && /^\(\?<[A-Za-z_]/.test(source.slice(token.index, token.index + 4))) namedGroupAt = token.index;
    // `(?<name>` → `(?P<name>`: the `?` after the group's `(` gains a `P`.
    out += namedGroupAt >= 0 && token.index === namedGroupAt + 1 ? '?P' : token.text;
  }
  const inline = (flags.ignoreCase ? 'i' : '') + (flags.multiline ? 'm' : '') + (flags.dotAll ? 's' : '');
  return { ok: true, pattern: (inline ? `(?${inline})` : '') + out, exact: true };
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
