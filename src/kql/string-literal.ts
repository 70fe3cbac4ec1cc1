/**
 * A double-quoted KQL string literal that decodes to exactly `value`, whatever it holds.
 *
 * Only `\\`, `\"`, `\n`, `\r`, `\t` and `\uXXXX` are emitted: the first five are the escapes the KQL docs list,
 * `\uXXXX` covers what must not appear raw. Raw is fine for any other character, including `|`, `//` (a comment
 * only outside a literal) and non-ASCII text. `\uXXXX` is used for:
 * - the other C0/C1 control characters and DEL (a raw NUL or ESC in a query is asking for trouble in transit);
 * - U+2028/U+2029: Kusto.Language ends a "..." literal only at CR/LF, but counts these as line breaks elsewhere
 *   (TokenParser.IsLineBreakStart), so the service's own lexer may too;
 * - lone surrogates, which cannot travel as UTF-8 (paired surrogates, i.e. astral characters, stay raw).
 * Kusto.Language decodes `\uXXXX` as one UTF-16 code unit (KustoFacts.DecodeEscapes), like .NET.
 */
export function kqlString(value: string): string {
  let literal = '"';
  for (let index = 0; index < value.length; index++) {
    const unit = value.charCodeAt(index);
    const character = value[index]!;
    if (character === '\\') literal += '\\\\';
    else if (character === '"') literal += '\\"';
    else if (character === '\n') literal += '\\n';
    else if (character === '\r') literal += '\\r';
    else if (character === '\t') literal += '\\t';
    else if (unit < 0x20 || (unit >= 0x7f && unit <= 0x9f) || unit === 0x2028 || unit === 0x2029) {
      literal += unicodeEscape(unit);
    } else if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = value.charCodeAt(index + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        literal += character + value[index + 1];
        index += 1;
      } else {
        literal += unicodeEscape(unit);
      }
    } else if (unit >= 0xdc00 && unit <= 0xdfff) {
      literal += unicodeEscape(unit); // a low surrogate without its high half
    } else {
      literal += character;
    }
  }
  return literal + '"';
}

function unicodeEscape(unit: number): string {
  return '\\u' + unit.toString(16).padStart(4, '0');
}

/**
 * The shorter of a verbatim literal (`@"..."`: backslashes stand as written, a quote is doubled) and kqlString, for
 * text of printable ASCII only, such as a regex pattern full of backslashes; anything else gets kqlString.
 */
export function kqlStringShortest(value: string): string {
  if (!/^[\x20-\x7e]*$/.test(value)) return kqlString(value);
  const verbatim = `@"${value.replace(/"/g, '""')}"`;
  const escaped = kqlString(value);
  return verbatim.length < escaped.length ? verbatim : escaped;
}
