/**
 * Which rows one hunt run reads: an ingestion-time window (the cursor) inside a TimeGenerated window (the
 * partition filter that keeps the query cheap). Pure functions; the clock is passed in.
 *
 * The math, with W = the stored watermark (exclusive lower bound of ingestion time):
 *
 *   ingestionFrom = W                      (first run: now - lookback)
 *   ingestionTo   = now - safetyLag        (the new watermark, stored only after the incidents are written)
 *   timeFrom      = ingestionFrom - ingestionDelay
 *   timeTo        = ingestionTo + clockSkew
 *
 * Why timeFrom does not subtract the lookback as well: a row ingested after ingestionFrom that arrived at most
 * `ingestionDelay` late has TimeGenerated >= ingestionFrom - ingestionDelay. That is Microsoft's own guidance
 * (`TimeGenerated >= ago(delay + lookback) | where ingestion_time() > ago(lookback)`), whose `ago(lookback)` is
 * our ingestionFrom; subtracting the lookback again would double it and scan more data for no extra row. The
 * lookback only decides where the first run (no watermark) starts. Rows that arrive later than ingestionDelay
 * are missed, exactly as in Sentinel: raise HUNT_INGESTION_DELAY for sources that batch (it costs TimeGenerated
 * range scanned per query, not extra rows).
 *
 * Why timeTo is past ingestionTo: TimeGenerated comes from the source's clock; a source that runs fast writes
 * TimeGenerated after the ingestion time. `clockSkew` (default 5 min) keeps such rows.
 *
 * Why safetyLag: `ingestion_time()` is approximate, not a strict cursor; a row stamped with an ingestion time
 * just before `now` may not be queryable yet. Rows stamped within the lag are left for the next run.
 *
 * Missing ingestion times: `ingestion_time()` is null for rows that are not read straight from a table (a
 * parser whose union or projection drops it). A strict `ingestion_time() > W` filter would then drop EVERY row
 * and the hunt would report nothing, silently. So the default filter keeps rows whose ingestion time is null
 * (`isnull(ingestion_time()) or (...)`): those rows are bounded by the TimeGenerated window only, and
 * consecutive windows' TimeGenerated ranges overlap by ingestionDelay + clockSkew, so such a row is seen by at
 * least one and at most 1 + (ingestionDelay + clockSkew) / run period runs, and deduplicated by its hit key.
 * Its late-arrival limit is about the cursor's (ingestionDelay, plus up to one run period). The query projects
 * `IngestionTime = tostring(ingestion_time())` and `assessIngestionTimes` counts the rows without one, so the
 * run can report that it ran in that mode.
 *
 * Datetimes are 100 ns ticks (bigint, ../loganalytics/datetime.ts) and travel as 7-digit ISO text: `Date` keeps
 * milliseconds only, so a watermark read back from Kusto (`2026-11-28T06:00:00.1234567Z`) would otherwise be
 * rounded and rows re-read or skipped. Datetime text that is not one throws `LogAnalyticsError('datetime')`.
 */

import {
  compareKustoDatetimes,
  dateAfterTicks,
  dateOfTicks,
  formatKustoDatetime,
  kqlDatetime,
  parseKustoDatetime,
  ticksOfDate,
  ticksOfMs,
  type Ticks,
} from '../loganalytics/datetime.js';

export type WindowErrorCode =
  | 'window' // window settings that cannot produce a window (negative durations, lookback within the lag...)
  | 'too-small'; // a window that would have to be split below the minimum span

export class WindowError extends Error {
  override readonly name = 'WindowError';
  constructor(
    readonly code: WindowErrorCode,
    readonly reason: string,
  ) {
    super(`hunt window ${code}: ${reason}`);
  }
}

/** The later of two watermarks: a watermark never moves backwards (a clock that steps back, a lag raised). */
export function laterWatermark(current: string | undefined, candidate: string): string {
  const normalized = normalizeWatermark(candidate);
  if (current === undefined) return normalized;
  return compareKustoDatetimes(current, normalized) >= 0 ? normalizeWatermark(current) : normalized;
}

/** Any accepted datetime text in the 7-digit form (throws for text that is not one). */
function normalizeWatermark(text: string): string {
  return formatKustoDatetime(parseKustoDatetime(text));
}

// ---------------------------------------------------------------------------------------------------
// Planning
// ---------------------------------------------------------------------------------------------------

/** Largest ingestion span one query reads; a longer catch-up is cut into windows of at most this span. */
export const DEFAULT_MAX_WINDOW_SPAN_MS = 60 * 60_000;
/** How far TimeGenerated may run ahead of the ingestion time (fast source clocks). */
export const DEFAULT_CLOCK_SKEW_MS = 5 * 60_000;
/** Rows one query returns at most (HUNT_PAGE_ROWS): what bounds a run's memory, whatever a window holds. With
 *  it, the seed rule's 500,000-row bench window runs within a 512 MB memory cgroup (npm run bench, hunt). */
export const DEFAULT_PAGE_ROWS = 50_000;
/** Below this a busy window costs many queries; above, one page alone needs hundreds of MB (the SDK holds the
 *  response text and the parsed rows at once). */
export const MIN_PAGE_ROWS = 1_000;
export const MAX_PAGE_ROWS = 250_000;
/** A window whose result still hits the service limits is not split below this ingestion span. */
export const DEFAULT_MIN_SPLIT_SPAN_MS = 60_000;

export interface WindowPlanInput {
  /** The run's clock reading. */
  now: Date;
  /** The stored ingestion watermark (0-7 fractional digits), or undefined before the first run. */
  watermark?: string;
  /** First-run reach: the first window starts at now - lookback. */
  lookbackMs: number;
  /** How late a row may arrive after its TimeGenerated and still be read. */
  ingestionDelayMs: number;
  /** How far behind `now` the watermark stays (ingestion times near `now` are not final yet). */
  safetyLagMs: number;
  maxSpanMs?: number;
  clockSkewMs?: number;
}

export interface HuntWindow {
  /** Exclusive lower bound of ingestion time (the previous watermark), 7-digit ISO. */
  ingestionFrom: string;
  /** Inclusive upper bound of ingestion time: the watermark to store once this window's incidents are written. */
  ingestionTo: string;
  /** Inclusive TimeGenerated bounds. */
  timeFrom: string;
  timeTo: string;
  /** True when there was no watermark (the window starts at now - lookback). */
  firstRun: boolean;
  /** Kept so that a split recomputes the TimeGenerated bounds of each half. */
  ingestionDelayMs: number;
  clockSkewMs: number;
}

export interface WindowPlan {
  /** In ingestion order; process them in order and advance the watermark after each. Empty when up to date. */
  windows: HuntWindow[];
  firstRun: boolean;
  /** The stored watermark is later than now - safetyLag (clock stepped back, lag raised): nothing to read, and
   *  the watermark must not be moved back. */
  watermarkAhead: boolean;
}

/** The windows a run reads, from the stored watermark (or the lookback) up to now - safetyLag. */
export function planWindow(input: WindowPlanInput): WindowPlan {
  const maxSpanMs = input.maxSpanMs ?? DEFAULT_MAX_WINDOW_SPAN_MS;
  const clockSkewMs = input.clockSkewMs ?? DEFAULT_CLOCK_SKEW_MS;
  checkDuration('lookbackMs', input.lookbackMs, false);
  checkDuration('ingestionDelayMs', input.ingestionDelayMs, true);
  checkDuration('safetyLagMs', input.safetyLagMs, true);
  checkDuration('maxSpanMs', maxSpanMs, false);
  checkDuration('clockSkewMs', clockSkewMs, true);
  if (input.lookbackMs <= input.safetyLagMs) {
    throw new WindowError('window', `lookback (${input.lookbackMs} ms) must be longer than the safety lag (${input.safetyLagMs} ms)`);
  }

  const now = ticksOfDate(input.now);
  const ingestionTo = now - ticksOfMs(input.safetyLagMs);
  const firstRun = input.watermark === undefined;
  const start = firstRun ? now - ticksOfMs(input.lookbackMs) : parseKustoDatetime(input.watermark!);
  if (start >= ingestionTo) {
    return { windows: [], firstRun, watermarkAhead: start > ingestionTo };
  }

  const bounds = { ingestionDelayMs: input.ingestionDelayMs, clockSkewMs, firstRun };
  const maxSpan = ticksOfMs(maxSpanMs);
  const windows: HuntWindow[] = [];
  for (let from = start; from < ingestionTo; from += maxSpan) {
    const to = from + maxSpan < ingestionTo ? from + maxSpan : ingestionTo;
    windows.push(windowOf(from, to, bounds));
  }
  return { windows, firstRun, watermarkAhead: false };
}

/**
 * Halves a window whose result hit the service limits (500,000 rows / ~64 MB), on the ingestion range. Each half
 * gets its own TimeGenerated bounds; for rows without an ingestion time the halves' TimeGenerated ranges overlap
 * by ingestionDelay + clockSkew, which deduplication absorbs.
 */
export function splitWindow(window: HuntWindow, minSpanMs: number = DEFAULT_MIN_SPLIT_SPAN_MS): [HuntWindow, HuntWindow] {
  checkDuration('minSpanMs', minSpanMs, false);
  const from = parseKustoDatetime(window.ingestionFrom);
  const to = parseKustoDatetime(window.ingestionTo);
  const half = (to - from) / 2n;
  if (half < ticksOfMs(minSpanMs)) {
    throw new WindowError(
      'too-small',
      `ingestion window ${window.ingestionFrom} .. ${window.ingestionTo} cannot be split: halves would be shorter than ${minSpanMs} ms; ` +
        'the query returns too many rows even for a minimal window (the rule is too broad for this workspace)',
    );
  }
  const bounds = { ingestionDelayMs: window.ingestionDelayMs, clockSkewMs: window.clockSkewMs, firstRun: window.firstRun };
  return [windowOf(from, from + half, bounds), windowOf(from + half, to, bounds)];
}

/** The part of `window` from `from` (exclusive) to `to` (inclusive) ingestion time, with its own TimeGenerated
 *  bounds. */
export function subWindow(window: HuntWindow, from: Ticks, to: Ticks): HuntWindow {
  return windowOf(from, to, { ingestionDelayMs: window.ingestionDelayMs, clockSkewMs: window.clockSkewMs, firstRun: window.firstRun });
}

/** What to do after a page came back full (as many rows as asked for: more may follow). */
export type FullPagePlan<R> =
  /** Rows strictly before the page's last ingestion instant are complete: `page` holds exactly those (and the
   *  rows without an ingestion time, which sort first); reading goes on from `rest`. */
  | { kind: 'page'; page: HuntWindow; rows: R[]; rest: HuntWindow }
  /** Every timed row of the page shares one ingestion instant, just after the window's start: that instant must be
   *  read whole (`instant`, unpaged), then paging goes on from `rest` (absent when the instant ends the window). */
  | { kind: 'instant'; instant: HuntWindow; rest?: HuntWindow }
  /** No row of the page has an ingestion time: paging by ingestion time cannot advance. */
  | { kind: 'untimed' };

type Row = Readonly<Record<string, unknown>>;

/**
 * Keyset paging on ingestion time. A page is the query's first N rows by IngestionTime ascending; when it is
 * full, the rows at its last instant T may continue past the page, but every row ingested before T is in it.
 * So the page stands for the window (from, T - 1 tick], which is complete, and the next page reads (T - 1 tick,
 * to]. Ingestion times are 100 ns ticks and several rows of one ingestion batch can share one; if all the page's
 * timed rows share the window's first instant, that instant is read on its own without a page limit.
 */
export function planFullPage<R extends Row>(window: HuntWindow, rows: readonly R[], column = INGESTION_TIME_COLUMN): FullPagePlan<R> {
  const from = parseKustoDatetime(window.ingestionFrom);
  const to = parseKustoDatetime(window.ingestionTo);
  const ticks = rows.map((row) => ingestionTicksOf(row[column]));
  let last: Ticks | undefined;
  for (const tick of ticks) if (tick !== undefined && (last === undefined || tick > last)) last = tick;
  if (last === undefined) return { kind: 'untimed' };
  const boundary = last - 1n;
  if (boundary <= from) {
    return { kind: 'instant', instant: subWindow(window, from, last), ...(last < to ? { rest: subWindow(window, last, to) } : {}) };
  }
  const kept = rows.filter((_row, index) => ticks[index] === undefined || ticks[index]! < last!);
  return { kind: 'page', page: subWindow(window, from, boundary), rows: kept, rest: subWindow(window, boundary, to) };
}

/** A row's IngestionTime cell as ticks; undefined when it has none ('' is `tostring` of a null datetime). */
function ingestionTicksOf(value: unknown): Ticks | undefined {
  if (value === null || value === undefined || value === '') return undefined;
  if (typeof value !== 'string') throw new WindowError('window', `IngestionTime cell is a ${typeof value}, not text`);
  return parseKustoDatetime(value);
}

function windowOf(from: Ticks, to: Ticks, bounds: { ingestionDelayMs: number; clockSkewMs: number; firstRun: boolean }): HuntWindow {
  return {
    ingestionFrom: formatKustoDatetime(from),
    ingestionTo: formatKustoDatetime(to),
    timeFrom: formatKustoDatetime(from - ticksOfMs(bounds.ingestionDelayMs)),
    timeTo: formatKustoDatetime(to + ticksOfMs(bounds.clockSkewMs)),
    firstRun: bounds.firstRun,
    ingestionDelayMs: bounds.ingestionDelayMs,
    clockSkewMs: bounds.clockSkewMs,
  };
}

function checkDuration(name: string, ms: number, zeroAllowed: boolean): void {
  if (!Number.isSafeInteger(ms) || ms < 0 || (!zeroAllowed && ms === 0)) {
    throw new WindowError('window', `${name} must be a whole number of milliseconds ${zeroAllowed ? '>= 0' : '> 0'}, got ${ms}`);
  }
}

// ---------------------------------------------------------------------------------------------------
// KQL fragments and the query API timespan
// ---------------------------------------------------------------------------------------------------

/** The column the hunt query projects with the row's ingestion time as text (`tostring` keeps 100 ns). */
export const INGESTION_TIME_COLUMN = 'IngestionTime';

/** `where TimeGenerated between (datetime(A) .. datetime(B))` (inclusive on both ends). */
export function timeGeneratedFilter(window: Pick<HuntWindow, 'timeFrom' | 'timeTo'>, column = 'TimeGenerated'): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(column)) throw new WindowError('window', `not a plain column name: ${JSON.stringify(column)}`);
  return `where ${column} between (${kqlDatetime(window.timeFrom)} .. ${kqlDatetime(window.timeTo)})`;
}

export interface IngestionFilterOptions {
  /** `keep` (default): rows whose ingestion_time() is null pass, bounded by the TimeGenerated window only (see
   *  the module comment). `drop`: the strict cursor, for sources known to carry ingestion times. */
  rowsWithoutIngestionTime?: 'keep' | 'drop';
}

/** `where ingestion_time() > datetime(W_prev) and ingestion_time() <= datetime(W_new)` (null-tolerant by default).
 *  Place it directly after the table or parser call, before any operator that could drop ingestion_time(). */
export function ingestionTimeFilter(window: Pick<HuntWindow, 'ingestionFrom' | 'ingestionTo'>, options: IngestionFilterOptions = {}): string {
  const range = `ingestion_time() > ${kqlDatetime(window.ingestionFrom)} and ingestion_time() <= ${kqlDatetime(window.ingestionTo)}`;
  return (options.rowsWithoutIngestionTime ?? 'keep') === 'keep' ? `where isnull(ingestion_time()) or (${range})` : `where ${range}`;
}

/** `extend IngestionTime = tostring(ingestion_time())`: the text is empty when the row has no ingestion time. */
export function ingestionTimeProjection(): string {
  return `extend ${INGESTION_TIME_COLUMN} = tostring(ingestion_time())`;
}

/** The ASIM parser time arguments: `starttime=datetime(A), endtime=datetime(B)`. */
export function parserTimeArguments(window: Pick<HuntWindow, 'timeFrom' | 'timeTo'>, names = { start: 'starttime', end: 'endtime' }): string {
  return `${names.start}=${kqlDatetime(window.timeFrom)}, ${names.end}=${kqlDatetime(window.timeTo)}`;
}

/** The query API `timespan` that contains the TimeGenerated window: the service applies it to TimeGenerated
 *  with millisecond Dates, so the start is floored and the end rounded up past the inclusive bound. */
export function queryTimespanOf(window: Pick<HuntWindow, 'timeFrom' | 'timeTo'>): { startTime: Date; endTime: Date } {
  const start = parseKustoDatetime(window.timeFrom);
  const end = parseKustoDatetime(window.timeTo);
  return { startTime: dateOfTicks(start), endTime: dateAfterTicks(end) };
}

// ---------------------------------------------------------------------------------------------------
// The fallback: rows without an ingestion time
// ---------------------------------------------------------------------------------------------------

export interface IngestionTimeAssessment {
  total: number;
  withIngestionTime: number;
  withoutIngestionTime: number;
  /** `ingestion`: every row carries one; `time-only`: none does (the source drops ingestion_time(), so the run
   *  relied on the TimeGenerated window and overlap dedup); `mixed`: some legs of a union do; `empty`: no rows. */
  mode: 'ingestion' | 'time-only' | 'mixed' | 'empty';
}

/** Counts result rows with and without an ingestion time (null, undefined or '' mean none: `tostring` of a
 *  null datetime is the empty string). */
export function assessIngestionTimes(rows: readonly Readonly<Record<string, unknown>>[], column = INGESTION_TIME_COLUMN): IngestionTimeAssessment {
  let withIngestionTime = 0;
  for (const row of rows) {
    const value = row[column];
    if (value !== null && value !== undefined && value !== '') withIngestionTime += 1;
  }
  const total = rows.length;
  const withoutIngestionTime = total - withIngestionTime;
  const mode = total === 0 ? 'empty' : withoutIngestionTime === 0 ? 'ingestion' : withIngestionTime === 0 ? 'time-only' : 'mixed';
  return { total, withIngestionTime, withoutIngestionTime, mode };
}
