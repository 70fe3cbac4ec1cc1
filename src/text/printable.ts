// Attacker-written text (event fields, record text quoted in a parser's message) as it may appear in a log line,
// an error message or a terminal: bounded, one line, nothing a terminal or log viewer would act on. One escaping
// for every such place; two shapes of excerpt, for logs (the start, and how much was left out) and for error
// reasons (both ends around an ellipsis, where the end often names the problem).

/** Control characters (C0, DEL, C1), LRM/RLM, the line and paragraph separators, the bidirectional embeddings,
 *  overrides and isolates, and lone surrogates. */
// eslint-disable-next-line no-control-regex
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const NAMED_ESCAPES: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** `text` with every unprintable unit escaped as \n, \r, \t or \uXXXX. */
export function escapeUnprintable(text: string): string {
  return text.replace(UNPRINTABLE, (unit) => NAMED_ESCAPES[unit] ?? `\\u${unit.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** How much of a value a log line or an error message quotes by default. */
export const EXCERPT_MAX_CHARS = 200;

/** The start of `text`, cut to `max` UTF-16 code units (never inside a surrogate pair) and escaped, saying how
 *  much was left out: `abc...(+12 chars)`. Only the kept part is escaped. */
export function excerpt(text: string, max: number = EXCERPT_MAX_CHARS): string {
  let cut = Math.min(text.length, Math.max(0, max));
  const high = text.charCodeAt(cut - 1);
  if (cut < text.length && high >= 0xd800 && high <= 0xdbff) cut -= 1;
  const escaped = escapeUnprintable(text.slice(0, cut));
  return cut < text.length ? `${escaped}...(+${text.length - cut} chars)` : escaped;
}

/** `text` as one printable line of at most `max` characters; a long text keeps its start and end around an
 *  ellipsis. Only the kept ends are escaped, so a 16 MB field costs no more than a short one. */
export function printableExcerpt(text: string, max: number): string {
  if (text.length <= max) {
    const escaped = escapeUnprintable(text);
    if (escaped.length <= max) return escaped;
  }
  const head = Math.floor((max - 1) / 2);
  const tail = max - 1 - head;
  return `${escapeUnprintable(text.slice(0, head)).slice(0, head)}…${escapeUnprintable(text.slice(-tail)).slice(-tail)}`;
}
