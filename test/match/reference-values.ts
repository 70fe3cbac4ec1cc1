// The reference evaluator's own reading of numbers, date-times and IP networks, written apart from src/match so
// that the property tests compare two implementations of src/match/README.md rather than one with itself.
// Deliberately plain: character scans instead of regular expressions, civil-calendar arithmetic instead of
// Date, and addresses as arrays of bits instead of integers.

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';

/** gt/gte/lt/lte read a JSON number, or a string that is exactly a decimal number: optional sign, digits with
 *  an optional point (at least one digit on some side), optional exponent. Anything else, or a value that is
 *  not finite, is NaN. */
export function referenceNumber(value: string | number | boolean): number {
  if (typeof value === 'boolean') return Number.NaN;
  if (typeof value === 'number') return Number.isFinite(value) ? value : Number.NaN;
  let k = 0;
  if (value[k] === '+' || value[k] === '-') k++;
  let digits = 0;
  while (isDigit(value[k])) (k++, digits++);
  if (value[k] === '.') {
    k++;
    while (isDigit(value[k])) (k++, digits++);
  }
  if (digits === 0) return Number.NaN;
  if (value[k] === 'e' || value[k] === 'E') {
    k++;
    if (value[k] === '+' || value[k] === '-') k++;
    if (!isDigit(value[k])) return Number.NaN;
    while (isDigit(value[k])) k++;
  }
  if (k !== value.length) return Number.NaN;
  const parsed = Number(value);
  return Number.isFinite(parsed) ? parsed : Number.NaN;
}

// ---------------------------------------------------------------------------------------------------
// Date-times: YYYY-MM-DD[(T|t|space)HH:MM[:SS[(.|,)fraction]][Z|z|±HH[:]MM]], UTC when no offset
// ---------------------------------------------------------------------------------------------------

const isLeap = (year: number): boolean => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const daysIn = (year: number, month: number): number => (month === 2 && isLeap(year) ? 29 : MONTH_DAYS[month - 1]);

/** Days since 1970-01-01 of a proleptic Gregorian date, counted year by year and month by month. */
function daysSinceEpoch(year: number, month: number, day: number): number {
  let days = 0;
  if (year >= 1970) for (let y = 1970; y < year; y++) days += isLeap(y) ? 366 : 365;
  else for (let y = year; y < 1970; y++) days -= isLeap(y) ? 366 : 365;
  for (let m = 1; m < month; m++) days += daysIn(year, m);
  return days + day - 1;
}

/** Reads `count` digits at `at`, or null. */
function digitsAt(text: string, at: number, count: number): number | null {
  let value = 0;
  for (let k = at; k < at + count; k++) {
    if (!isDigit(text[k])) return null;
    value = value * 10 + (text.charCodeAt(k) - 48);
  }
  return value;
}


export function referenceDateTime(text: string): number | null {
  const year = digitsAt(text, 0, 4);
  const month = digitsAt(text, 5, 2);
  const day = digitsAt(text, 8, 2);
  if (year === null || month === null || day === null || text[4] !== '-' || text[7] !== '-') return null;
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return null;
  let hour = 0;
  let minute = 0;
  let second = 0;
  let millis = 0;
  let offsetMinutes = 0;
  let k = 10;
  if (k < text.length) {
    if (text[k] !== 'T' && text[k] !== 't' && text[k] !== ' ') return null;
    const h = digitsAt(text, k + 1, 2);
    const mi = digitsAt(text, k + 4, 2);
    if (h === null || mi === null || text[k + 3] !== ':') return null;
    [hour, minute] = [h, mi];
    k += 6;
    if (text[k] === ':') {
      const s = digitsAt(text, k + 1, 2);
      if (s === null) return null;
      second = s;
      k += 3;
      if (text[k] === '.' || text[k] === ',') {
        k++;
        const start = k;
        while (isDigit(text[k])) k++;
        if (k === start) return null;
        // Truncated to the millisecond: the first three digits, padded.
        millis = Number(text.slice(start, Math.min(k, start + 3)).padEnd(3, '0'));
      }
    }
    if (text[k] === 'Z' || text[k] === 'z') k++;
    else if (text[k] === '+' || text[k] === '-') {
      const sign = text[k] === '-' ? -1 : 1;
      const oh = digitsAt(text, k + 1, 2);
      let at = k + 3;
      if (text[at] === ':') at++;
      const om = digitsAt(text, at, 2);
      if (oh === null || om === null || oh > 23 || om > 59) return null;
      offsetMinutes = sign * (oh * 60 + om);
      k = at + 2;
    }
    if (k !== text.length) return null;
  }
  if (hour > 23 || minute > 59 || second > 59) return null;
  const minutes = (daysSinceEpoch(year, month, day) * 24 + hour) * 60 + minute - offsetMinutes;
  return (minutes * 60 + second) * 1000 + millis;
}

const MINUTE = 60_000;
const DAY = 86_400_000;

/** Year, month, day of the day `days` after 1970-01-01. */
function civil(days: number): { year: number; month: number; day: number } {
  let year = 1970;
  while (days < 0) days += isLeap(--year) ? 366 : 365;
  while (days >= (isLeap(year) ? 366 : 365)) days -= isLeap(year++) ? 366 : 365;
  let month = 1;
  while (days >= daysIn(year, month)) days -= daysIn(year, month++);
  return { year, month, day: days + 1 };
}

/** ISO 8601 week: weeks start on Monday, and week 1 is the one holding the year's first Thursday. */
function isoWeekOf(days: number): number {
  const mondayBased = (((days + 3) % 7) + 7) % 7; // 1970-01-01 was a Thursday
  const thursday = days - mondayBased + 3;
  const { year } = civil(thursday);
  return Math.floor((thursday - daysSinceEpoch(year, 1, 1)) / 7) + 1;
}

export function referenceTimePart(millis: number, part: 'minute' | 'hour' | 'day' | 'week' | 'month' | 'year'): number {
  const days = Math.floor(millis / DAY);
  const inDay = millis - days * DAY;
  switch (part) {
    case 'minute':
      return Math.floor(inDay / MINUTE) % 60;
    case 'hour':
      return Math.floor(inDay / (60 * MINUTE));
    case 'day':
      return civil(days).day;
    case 'month':
      return civil(days).month;
    case 'year':
      return civil(days).year;
    case 'week':
      return isoWeekOf(days);
  }
}

// ---------------------------------------------------------------------------------------------------
// IP networks, as bit arrays
// ---------------------------------------------------------------------------------------------------

type Bits = number[];

function bitsOf(value: number, width: number): Bits {
  const bits: Bits = [];
  for (let k = width - 1; k >= 0; k--) bits.push(Math.floor(value / 2 ** k) % 2);
  return bits;
}

function ipv4Bits(text: string): Bits | null {
  const octets = text.split('.');
  if (octets.length !== 4) return null;
  const bits: Bits = [];
  for (const octet of octets) {
    if (octet.length < 1 || octet.length > 3 || ![...octet].every((c) => isDigit(c))) return null;
    const value = Number(octet);
    if (value > 255) return null;
    bits.push(...bitsOf(value, 8));
  }
  return bits;
}

const HEX = '0123456789abcdefABCDEF';

function ipv6Bits(text: string): Bits | null {
  const percent = text.indexOf('%');
  const address = percent < 0 ? text : text.slice(0, percent);
  if (percent >= 0 && percent === text.length - 1) return null;
  const sides = address.split('::');
  if (address === '' || sides.length > 2) return null;
  const groupsOf = (side: string, last: boolean): Bits[] | null => {
    if (side === '') return [];
    const pieces = side.split(':');
    const groups: Bits[] = [];
    for (let k = 0; k < pieces.length; k++) {
      const piece = pieces[k];
      if (last && k === pieces.length - 1 && piece.includes('.')) {
        const v4 = ipv4Bits(piece);
        if (v4 === null) return null;
        groups.push(v4.slice(0, 16), v4.slice(16));
      } else if (piece.length >= 1 && piece.length <= 4 && [...piece].every((c) => HEX.includes(c))) {
        groups.push(bitsOf(parseInt(piece, 16), 16));
      } else return null;
    }
    return groups;
  };
  const head = groupsOf(sides[0], sides.length === 1);
  const tail = sides.length === 2 ? groupsOf(sides[1], true) : [];
  if (head === null || tail === null) return null;
  const present = head.length + tail.length;
  if (sides.length === 1 ? present !== 8 : present > 7) return null;
  const zeros: Bits[] = Array.from({ length: 8 - present }, () => bitsOf(0, 16));
  return [...head, ...zeros, ...tail].flat();
}

const samePrefix = (a: Bits, b: Bits, length: number): boolean => a.slice(0, length).every((bit, k) => bit === b[k]);
const MAPPED_PREFIX = [...bitsOf(0, 80), ...bitsOf(0xffff, 16)];

/** Whether `text` is an address inside `network/prefixLength`; null for a network the matcher refuses. An IPv4
 *  network also holds the IPv4-mapped IPv6 addresses of its IPv4 addresses. */
export function referenceInNetwork(family: 4 | 6, network: string, prefixLength: number, text: string): boolean | null {
  const width = family === 4 ? 32 : 128;
  const base = family === 4 ? ipv4Bits(network) : ipv6Bits(network);
  if (base === null || !Number.isInteger(prefixLength) || prefixLength < 0 || prefixLength > width) return null;
  if (family === 4) {
    const v4 = ipv4Bits(text);
    if (v4 !== null) return samePrefix(v4, base, prefixLength);
    if (!text.includes(':')) return false;
    const v6 = ipv6Bits(text);
    return v6 !== null && samePrefix(v6, MAPPED_PREFIX, 96) && samePrefix(v6.slice(96), base, prefixLength);
  }
  if (!text.includes(':')) return false;
  const v6 = ipv6Bits(text);
  return v6 !== null && samePrefix(v6, base, prefixLength);
}
