/**
 * Kusto datetime text and ticks: the one place that parses and prints them.
 *
 * Kusto datetimes carry 100 ns ticks (7 fractional digits). On the wire the query API trims trailing zeros:
 * a live recording of `make_datetime("2000-01-02 03:04:05Z")` came back as "2000-01-02T03:04:05Z", another
 * as "2022-06-03T19:50:29.043Z" (Azure/azure-sdk-for-js sdk/monitor/monitor-query-logs/recordings/node/
 * logsqueryclient_live_tests/recording_querylogsbatch_with_types.json; Azure/azure-sdk-for-java
 * .../session-records/LogsQueryClientTest.testLogsQueryAllowPartialSuccess.json), while `tostring(dt)`
 * always prints 7 digits ("...05.0000000Z"). The SDK turns datetime columns into `Date`, which keeps
 * milliseconds only, so a watermark must travel as a string: project `tostring(ingestion_time())`. In code a
 * full-precision datetime is a bigint of ticks; `Date` is only for what the SDK or the clock hands us.
 */

import { LogAnalyticsError } from './errors.js';
import { excerpt } from '../text/printable.js';

/** 100 ns ticks since 1970-01-01T00:00:00Z. */
export type Ticks = bigint;

export const TICKS_PER_MS = 10_000n;
export const TICKS_PER_SECOND = 10_000_000n;

const KUSTO_DATETIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))?Z$/;

/** Ticks of a Kusto datetime text, or undefined when the text is not one (or names no real date and time). */
function ticksOfText(text: string): Ticks | undefined {
  const match = KUSTO_DATETIME.exec(text);
  if (!match) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const epochMs = Date.UTC(year, month - 1, day, hour, minute, second);
  const check = new Date(epochMs);
  // Date.UTC rolls 2026-02-30 over to March: a round trip tells a real calendar date from a rolled one.
  if (
    year < 1 ||
    check.getUTCFullYear() !== year ||
    check.getUTCMonth() !== month - 1 ||
    check.getUTCDate() !== day ||
    hour > 23 ||
    minute > 59 ||
    second > 59
  ) {
    return undefined;
  }
  const fraction = BigInt((match[7] ?? '').padEnd(7, '0'));
  return (BigInt(epochMs) / 1000n) * TICKS_PER_SECOND + fraction;
}

/** Ticks of an ISO 8601 UTC datetime with 0 to 7 fractional digits (`2026-11-28T06:00:00.1234567Z`), the wire
 *  and the `tostring()` form. Throws `LogAnalyticsError('datetime')` for anything else. */
export function parseKustoDatetime(text: string): Ticks {
  const ticks = ticksOfText(text);
  if (ticks === undefined) {
    throw new LogAnalyticsError(
      'datetime',
      `'${excerpt(text, 64)}' is not an ISO 8601 UTC datetime (YYYY-MM-DDTHH:MM:SS[.fffffff]Z) with a valid calendar date and time`,
    );
  }
  return ticks;
}

/** True for text in the wire or `tostring()` form (UTC, 0 to 7 fractional digits, a real date and time). */
export function isKustoDatetimeText(text: string): boolean {
  return ticksOfText(text) !== undefined;
}

/**
 * The text of `ticks`. `tostring` (default): all 7 fractional digits, which compares correctly as text and is
 * what `tostring(datetime)` prints. `wire`: trailing fractional zeros trimmed, as the query API sends cells.
 */
export function formatKustoDatetime(ticks: Ticks, form: 'tostring' | 'wire' = 'tostring'): string {
  const seconds = floorDiv(ticks, TICKS_PER_SECOND);
  const fraction = (ticks - seconds * TICKS_PER_SECOND).toString().padStart(7, '0');
  const iso = new Date(Number(seconds) * 1000).toISOString(); // YYYY-MM-DDTHH:MM:SS.000Z
  const digits = form === 'wire' ? fraction.replace(/0+$/, '') : fraction;
  return digits ? `${iso.slice(0, 19)}.${digits}Z` : `${iso.slice(0, 19)}Z`;
}

/** The 7-digit form of a Kusto datetime text, or undefined when the text is not one. Normalised texts compare
 *  correctly as strings, which is what a watermark needs. */
export function normalizeKustoDatetime(text: string): string | undefined {
  const ticks = ticksOfText(text);
  return ticks === undefined ? undefined : formatKustoDatetime(ticks);
}

/** Orders two datetime texts by their full 100 ns value (texts of different widths compare correctly). */
export function compareKustoDatetimes(left: string, right: string): -1 | 0 | 1 {
  const a = parseKustoDatetime(left);
  const b = parseKustoDatetime(right);
  return a < b ? -1 : a > b ? 1 : 0;
}

export function ticksOfDate(date: Date): Ticks {
  const ms = date.getTime();
  if (!Number.isFinite(ms)) throw new LogAnalyticsError('datetime', 'invalid Date');
  return BigInt(ms) * TICKS_PER_MS;
}

/** The Date at or before `ticks` (Date holds milliseconds only). */
export function dateOfTicks(ticks: Ticks): Date {
  return new Date(Number(floorDiv(ticks, TICKS_PER_MS)));
}

/** The first millisecond Date strictly after `ticks`: an exclusive millisecond end that still contains it. */
export function dateAfterTicks(ticks: Ticks): Date {
  return new Date(Number(floorDiv(ticks, TICKS_PER_MS)) + 1);
}

export function ticksOfMs(ms: number): Ticks {
  return BigInt(Math.round(ms)) * TICKS_PER_MS;
}

/** `datetime(2026-11-28T06:00:00.1234567Z)`: the text is validated and normalised, so it cannot carry KQL. */
export function kqlDatetime(value: string | Ticks | Date): string {
  const ticks = typeof value === 'bigint' ? value : value instanceof Date ? ticksOfDate(value) : parseKustoDatetime(value);
  return `datetime(${formatKustoDatetime(ticks)})`;
}

function floorDiv(value: bigint, divisor: bigint): bigint {
  const quotient = value / divisor;
  return value % divisor < 0n ? quotient - 1n : quotient;
}
