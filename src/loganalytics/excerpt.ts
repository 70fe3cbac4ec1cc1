/**
 * Row text (an event field, a cell) as it may appear in a log line or an error message. Event fields are
 * written by attackers: a value can be megabytes long, hold terminal escapes or forge a log line with a line
 * break. An excerpt is cut to `max` UTF-16 code units (never inside a surrogate pair), says how much was left
 * out, and escapes control characters (C0, DEL, C1, U+2028/U+2029) and lone surrogates as `\uXXXX`.
 */
export const EXCERPT_MAX_CHARS = 200;

const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

export function excerpt(text: string, max: number = EXCERPT_MAX_CHARS): string {
  let cut = Math.min(text.length, Math.max(0, max));
  const high = text.charCodeAt(cut - 1);
  if (cut < text.length && high >= 0xd800 && high <= 0xdbff) cut -= 1;
  const escaped = text.slice(0, cut).replace(UNPRINTABLE, (unit) => `\\u${unit.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return cut < text.length ? `${escaped}...(+${text.length - cut} chars)` : escaped;
}
