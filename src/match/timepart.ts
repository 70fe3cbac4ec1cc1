// Date-time parts for the minute/hour/day/week/month/year modifiers.
//
// Accepted event values (src/match/README.md): ISO 8601 `YYYY-MM-DD`, optionally followed by `T` or a space
// and `HH:MM[:SS[.fff]]`, optionally followed by `Z` or an offset `±HH:MM` / `±HHMM`. Without an offset the
// time is UTC, which is how Windows event logs write `SystemTime` ('2024-03-01 12:34:56.789'). Parts are
// taken in UTC; `day` is the day of the month and `week` the ISO 8601 week number. Anything else (epoch
// numbers, month names, out-of-range fields) does not parse, and the test is false.

export type TimePart = 'minute' | 'hour' | 'day' | 'week' | 'month' | 'year';

const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?([Zz]|[+-]\d{2}:?\d{2})?)?$/;

/** Milliseconds since the epoch in UTC, or null when the text is not an accepted date-time. */
export function parseDateTime(text: string): number | null {
  const fields = DATE_TIME.exec(text);
  if (!fields) return null;
  const [, y, mo, d, h, mi, s, fraction, offset] = fields;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = h === undefined ? 0 : Number(h);
  const minute = mi === undefined ? 0 : Number(mi);
  const second = s === undefined ? 0 : Number(s);
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return null;
  // setUTCFullYear, not Date.UTC, which reads years 0-99 as 1900-1999 (and 1900 has no 29 February where the
  // year 0 has one). A day past the month's end rolls over into the next month.
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  if (date.getUTCDate() !== day) return null;
  let millis = date.setUTCHours(hour, minute, second, 0);
  if (fraction !== undefined) millis += Math.floor(Number(`0.${fraction}`) * 1000);
  if (offset !== undefined && offset !== 'Z' && offset !== 'z') {
    const sign = offset[0] === '-' ? -1 : 1;
    const digits = offset.slice(1).replace(':', '');
    const offsetHours = Number(digits.slice(0, 2));
    const offsetMinutes = Number(digits.slice(2));
    if (offsetHours > 23 || offsetMinutes > 59) return null;
    millis -= sign * (offsetHours * 60 + offsetMinutes) * 60_000;
  }
  return millis;
}

/** ISO 8601 week number: the week (Monday-based) that holds the year's first Thursday is week 1. */
export function isoWeek(millis: number): number {
  const date = new Date(millis);
  const weekday = (date.getUTCDay() + 6) % 7; // Monday = 0
  const thursday = utcDay(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate() - weekday + 3);
  const thursdayYearStart = utcDay(new Date(thursday).getUTCFullYear(), 0, 1);
  return 1 + Math.floor((thursday - thursdayYearStart) / (7 * 86_400_000));
}

/** Midnight UTC of a day (the day may run past the month, as in Date.UTC), for any year: Date.UTC reads years
 *  0-99 as 1900-1999, which put the week of 0100-01-01 (whose Thursday is in the year 99) at -99085. */
function utcDay(year: number, month: number, day: number): number {
  const date = new Date(0);
  return date.setUTCFullYear(year, month, day);
}

export function timePartOf(millis: number, part: TimePart): number {
  const date = new Date(millis);
  switch (part) {
    case 'minute':
      return date.getUTCMinutes();
    case 'hour':
      return date.getUTCHours();
    case 'day':
      return date.getUTCDate();
    case 'week':
      return isoWeek(millis);
    case 'month':
      return date.getUTCMonth() + 1;
    case 'year':
      return date.getUTCFullYear();
  }
}
