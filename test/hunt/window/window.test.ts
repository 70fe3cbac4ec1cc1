import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_CLOCK_SKEW_MS,
  INGESTION_TIME_COLUMN,
  WindowError,
  assessIngestionTimes,
  ingestionTimeFilter,
  ingestionTimeProjection,
  laterWatermark,
  parserTimeArguments,
  planFullPage,
  planWindow,
  queryTimespanOf,
  splitWindow,
  timeGeneratedFilter,
  type HuntWindow,
} from '../../../src/hunt/window.js';
import { analyzeKql, kqlErrors } from '../../../src/kql/analysis.js';
import { parseKqlSyntax, type KqlExpression } from '../../../src/kql/syntax-tree.js';
import {
  formatKustoDatetime,
  kqlDatetime,
  parseKustoDatetime,
  ticksOfDate,
  type Ticks,
} from '../../../src/loganalytics/datetime.js';
import { LogAnalyticsError } from '../../../src/loganalytics/errors.js';
import { targetDatabase } from '../../../src/targets/index.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const NOW = new Date('2026-11-28T06:00:00.000Z');
const SETTINGS = { lookbackMs: HOUR, ingestionDelayMs: 5 * MINUTE, safetyLagMs: 2 * MINUTE };

/** Datetime text is refused by the datetime module (LogAnalyticsError), window settings by WindowError. */
function errorOf(action: () => unknown): WindowError | LogAnalyticsError {
  try {
    action();
  } catch (error) {
    if (error instanceof WindowError || error instanceof LogAnalyticsError) return error;
    throw error;
  }
  throw new Error('expected a WindowError or LogAnalyticsError');
}

const ticks = (iso: string): Ticks => parseKustoDatetime(iso);

describe('laterWatermark', () => {
  it('never moves a watermark backwards', () => {
    expect(laterWatermark('2026-11-28T06:00:00.0000002Z', '2026-11-28T06:00:00.0000001Z')).toBe('2026-11-28T06:00:00.0000002Z');
    expect(laterWatermark('2026-11-28T06:00:00Z', '2026-11-28T06:00:00.0000001Z')).toBe('2026-11-28T06:00:00.0000001Z');
    expect(laterWatermark(undefined, '2026-11-28T06:00:00Z')).toBe('2026-11-28T06:00:00.0000000Z');
  });
});

describe('planWindow', () => {
  it('starts the first run at now - lookback and ends it at now - safety lag', () => {
    const plan = planWindow({ now: NOW, ...SETTINGS });
    expect(plan.firstRun).toBe(true);
    expect(plan.windows).toEqual([
      {
        ingestionFrom: '2026-11-28T05:00:00.0000000Z',
        ingestionTo: '2026-11-28T05:58:00.0000000Z',
        timeFrom: '2026-11-28T04:55:00.0000000Z',
        timeTo: '2026-11-28T06:03:00.0000000Z',
        firstRun: true,
        ingestionDelayMs: 5 * MINUTE,
        clockSkewMs: DEFAULT_CLOCK_SKEW_MS,
      },
    ]);
  });

  it('continues from the stored watermark at full precision, reaching TimeGenerated back by the ingestion delay only', () => {
    const plan = planWindow({ now: NOW, watermark: '2026-11-28T05:53:00.1234567Z', ...SETTINGS });
    expect(plan.firstRun).toBe(false);
    expect(plan.windows).toHaveLength(1);
    const [window] = plan.windows;
    expect(window.ingestionFrom).toBe('2026-11-28T05:53:00.1234567Z');
    expect(window.ingestionTo).toBe('2026-11-28T05:58:00.0000000Z');
    // Not watermark - delay - lookback: the lookback is only the first run's reach.
    expect(window.timeFrom).toBe('2026-11-28T05:48:00.1234567Z');
    expect(window.firstRun).toBe(false);
  });

  it('catches up after a long outage in contiguous windows no longer than the max span', () => {
    const plan = planWindow({ now: NOW, watermark: '2026-11-25T06:00:00Z', ...SETTINGS, maxSpanMs: 6 * HOUR });
    const spans = plan.windows.map((window) => ticks(window.ingestionTo) - ticks(window.ingestionFrom));
    expect(plan.windows).toHaveLength(12); // 3 days - 2 min in 6 h pieces
    expect(spans.every((span) => span <= BigInt(6 * HOUR) * 10_000n)).toBe(true);
    expect(plan.windows[0].ingestionFrom).toBe('2026-11-25T06:00:00.0000000Z');
    expect(plan.windows.at(-1)!.ingestionTo).toBe('2026-11-28T05:58:00.0000000Z');
    for (let index = 1; index < plan.windows.length; index++) {
      expect(plan.windows[index].ingestionFrom).toBe(plan.windows[index - 1].ingestionTo);
    }
  });

  it('plans nothing when the watermark is already at now - safety lag', () => {
    const plan = planWindow({ now: NOW, watermark: '2026-11-28T05:58:00Z', ...SETTINGS });
    expect(plan).toEqual({ windows: [], firstRun: false, watermarkAhead: false });
  });

  it('plans nothing and flags it when the watermark is ahead of now - safety lag (clock stepped back)', () => {
    const plan = planWindow({ now: NOW, watermark: '2026-11-28T05:59:00Z', ...SETTINGS });
    expect(plan).toEqual({ windows: [], firstRun: false, watermarkAhead: true });
  });

  it('refuses a lookback that does not exceed the safety lag', () => {
    expect(errorOf(() => planWindow({ now: NOW, ...SETTINGS, lookbackMs: 2 * MINUTE })).code).toBe('window');
  });

  it('refuses a malformed stored watermark with code datetime', () => {
    expect(errorOf(() => planWindow({ now: NOW, watermark: 'yesterday', ...SETTINGS })).code).toBe('datetime');
  });

  it('covers (watermark, now - lag] exactly, in contiguous windows within the max span (property)', () => {
    const base = ticksOfDate(NOW);
    fc.assert(
      fc.property(
        fc.bigInt({ min: 1n, max: BigInt(10 * DAY) * 10_000n }),
        fc.integer({ min: 5, max: 24 * 60 }),
        fc.integer({ min: 0, max: 60 }),
        (behind, maxSpanMinutes, lagMinutes) => {
          const watermark = formatKustoDatetime(base - BigInt(lagMinutes * MINUTE) * 10_000n - behind);
          const plan = planWindow({ now: NOW, watermark, lookbackMs: 2 * HOUR, ingestionDelayMs: 5 * MINUTE, safetyLagMs: lagMinutes * MINUTE, maxSpanMs: maxSpanMinutes * MINUTE });
          expect(plan.windows[0].ingestionFrom).toBe(watermark);
          expect(plan.windows.at(-1)!.ingestionTo).toBe(formatKustoDatetime(base - BigInt(lagMinutes * MINUTE) * 10_000n));
          for (const [index, window] of plan.windows.entries()) {
            const span = ticks(window.ingestionTo) - ticks(window.ingestionFrom);
            expect(span > 0n && span <= BigInt(maxSpanMinutes * MINUTE) * 10_000n).toBe(true);
            if (index > 0) expect(window.ingestionFrom).toBe(plan.windows[index - 1].ingestionTo);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});

/** A row as the service holds it: when it happened (TimeGenerated) and when it was ingested (null: the source
 *  drops ingestion_time()). */
interface SimulatedRow {
  timeGenerated: Ticks;
  ingestionTime: Ticks | null;
}

/** What the query `<timeGeneratedFilter> | <ingestionTimeFilter keep>` selects, evaluated in JS. */
function selects(window: HuntWindow, row: SimulatedRow, mode: 'keep' | 'drop' = 'keep'): boolean {
  const inTime = row.timeGenerated >= ticks(window.timeFrom) && row.timeGenerated <= ticks(window.timeTo);
  if (row.ingestionTime === null) return inTime && mode === 'keep';
  return inTime && row.ingestionTime > ticks(window.ingestionFrom) && row.ingestionTime <= ticks(window.ingestionTo);
}

/** Runs the hunt every 5 minutes for a day, storing each window's end as the watermark, and returns the
 *  windows in which each row was visible (a row is visible once its ingestion/arrival time has passed). */
function simulateRuns(rows: readonly (SimulatedRow & { arrival: Ticks })[]): number[] {
  const seen = rows.map(() => 0);
  let watermark: string | undefined;
  for (let run = 0; run < 288; run++) {
    const now = new Date(NOW.getTime() + run * 5 * MINUTE);
    const plan = planWindow({ now, watermark, ...SETTINGS });
    for (const window of plan.windows) {
      rows.forEach((row, index) => {
        if (row.arrival <= ticksOfDate(now) && selects(window, row)) seen[index] += 1;
      });
      watermark = window.ingestionTo;
    }
  }
  return seen;
}

describe('window math across runs', () => {
  const start = ticksOfDate(NOW) + BigInt(2 * HOUR) * 10_000n;

  it('reads every row with an ingestion time exactly once when it arrives within the ingestion delay', () => {
    const rows = Array.from({ length: 300 }, (_, index) => {
      const timeGenerated = start + BigInt(index * 4 * MINUTE + index * 37) * 10_000n;
      const lateness = BigInt((index * 7919) % (5 * MINUTE)) * 10_000n + BigInt(index % 10_000);
      const ingestionTime = timeGenerated + lateness;
      return { timeGenerated, ingestionTime, arrival: ingestionTime };
    });
    expect(simulateRuns(rows).every((count) => count === 1)).toBe(true);
  });

  it('reads a row arriving later than the ingestion delay in no run (the documented limit)', () => {
    const timeGenerated = start;
    const ingestionTime = start + BigInt(30 * MINUTE) * 10_000n;
    expect(simulateRuns([{ timeGenerated, ingestionTime, arrival: ingestionTime }])).toEqual([0]);
  });

  it('reads every row without an ingestion time at least once and at most 1 + (delay + skew) / period times (TimeGenerated fallback, overlap deduplicated)', () => {
    const rows = Array.from({ length: 300 }, (_, index) => {
      const timeGenerated = start + BigInt(index * 4 * MINUTE + index * 53) * 10_000n;
      const arrival = timeGenerated + BigInt((index * 104_729) % (5 * MINUTE)) * 10_000n;
      return { timeGenerated, ingestionTime: null, arrival };
    });
    const counts = simulateRuns(rows);
    expect(Math.min(...counts)).toBeGreaterThanOrEqual(1);
    // 5 min delay + 5 min skew over a 5 min period: a row sits in up to 3 consecutive TimeGenerated windows.
    expect(Math.max(...counts)).toBe(3);
  });

  it('loses every row without an ingestion time under the strict filter, which is why keep is the default', () => {
    const [window] = planWindow({ now: NOW, ...SETTINGS }).windows;
    const row = { timeGenerated: ticks(window.ingestionTo), ingestionTime: null };
    expect(selects(window, row, 'drop')).toBe(false);
    expect(selects(window, row, 'keep')).toBe(true);
  });

  it('keeps a row whose source clock runs ahead of the ingestion time by less than the clock skew', () => {
    const [window] = planWindow({ now: NOW, ...SETTINGS }).windows;
    const ingestionTime = ticks(window.ingestionTo);
    expect(selects(window, { timeGenerated: ingestionTime + BigInt(4 * MINUTE) * 10_000n, ingestionTime })).toBe(true);
  });
});

describe('splitWindow', () => {
  const [window] = planWindow({ now: NOW, watermark: '2026-11-28T04:00:00.0000001Z', ...SETTINGS, maxSpanMs: 4 * HOUR }).windows;

  it('halves the ingestion range into two contiguous windows with their own TimeGenerated bounds', () => {
    const [first, second] = splitWindow(window);
    expect(first.ingestionFrom).toBe(window.ingestionFrom);
    expect(first.ingestionTo).toBe(second.ingestionFrom);
    expect(second.ingestionTo).toBe(window.ingestionTo);
    expect(first.ingestionTo).toBe('2026-11-28T04:59:00.0000000Z');
    expect(first.timeTo).toBe('2026-11-28T05:04:00.0000000Z');
    expect(second.timeFrom).toBe('2026-11-28T04:54:00.0000000Z');
    expect(first.timeFrom).toBe(window.timeFrom);
    expect(second.timeTo).toBe(window.timeTo);
  });

  it('refuses to split below the minimum span with code too-small', () => {
    let pieces = [window];
    let error: WindowError | undefined;
    for (let round = 0; round < 64 && !error; round++) {
      try {
        pieces = splitWindow(pieces[0]);
      } catch (caught) {
        if (!(caught instanceof WindowError)) throw caught;
        error = caught;
      }
    }
    expect(error?.code).toBe('too-small');
    const span = ticks(pieces[0].ingestionTo) - ticks(pieces[0].ingestionFrom);
    expect(span >= BigInt(MINUTE) * 10_000n && span < BigInt(2 * MINUTE) * 10_000n).toBe(true);
  });
});

describe('KQL fragments', () => {
  const window: HuntWindow = {
    ingestionFrom: '2026-11-28T05:53:00.1234567Z',
    ingestionTo: '2026-11-28T05:58:00Z',
    timeFrom: '2026-11-28T05:48:00.1234567Z',
    timeTo: '2026-11-28T06:03:00Z',
    firstRun: false,
    ingestionDelayMs: 5 * MINUTE,
    clockSkewMs: 5 * MINUTE,
  };

  it('prints the TimeGenerated filter with 100 ns datetime literals', () => {
    expect(timeGeneratedFilter(window)).toBe(
      'where TimeGenerated between (datetime(2026-11-28T05:48:00.1234567Z) .. datetime(2026-11-28T06:03:00.0000000Z))',
    );
  });

  it('prints the null-tolerant ingestion filter by default and the strict one on request', () => {
    expect(ingestionTimeFilter(window)).toBe(
      'where isnull(ingestion_time()) or (ingestion_time() > datetime(2026-11-28T05:53:00.1234567Z) and ingestion_time() <= datetime(2026-11-28T05:58:00.0000000Z))',
    );
    expect(ingestionTimeFilter(window, { rowsWithoutIngestionTime: 'drop' })).toBe(
      'where ingestion_time() > datetime(2026-11-28T05:53:00.1234567Z) and ingestion_time() <= datetime(2026-11-28T05:58:00.0000000Z)',
    );
  });

  it('parses without errors after a table and after an ASIM parser call', () => {
    const tableQuery = ['Event', timeGeneratedFilter(window), ingestionTimeFilter(window), ingestionTimeProjection()].join('\n| ');
    const parserQuery = [`_Im_NetworkSession(${parserTimeArguments(window)})`, ingestionTimeFilter(window), ingestionTimeProjection()].join('\n| ');
    expect(kqlErrors(analyzeKql(tableQuery, targetDatabase('sysmon')))).toEqual([]);
    expect(kqlErrors(analyzeKql(parserQuery, targetDatabase('asim')))).toEqual([]);
  });

  it('makes Kusto read the same 100 ns ticks the window holds', () => {
    const tree = parseKqlSyntax(`print ${kqlDatetime(window.ingestionFrom)}`);
    const statement = tree.statements[0];
    const column = statement.kind === 'expression' && statement.expression.kind === 'print' ? statement.expression.columns[0] : undefined;
    const literal = column as KqlExpression | undefined;
    expect(literal?.kind === 'literal' && literal.type === 'datetime' ? literal.value : undefined).toBe(ticks(window.ingestionFrom));
  });

  it('refuses datetime text that carries KQL', () => {
    expect(errorOf(() => kqlDatetime('2026-11-28T06:00:00Z) | take 1 //')).code).toBe('datetime');
    expect(errorOf(() => timeGeneratedFilter({ timeFrom: '2026-11-28T06:00:00Z', timeTo: '") or true //' })).code).toBe('datetime');
  });

  it('gives the query API a millisecond timespan that contains the TimeGenerated window', () => {
    const timespan = queryTimespanOf(window);
    expect(timespan.startTime.toISOString()).toBe('2026-11-28T05:48:00.123Z');
    expect(ticksOfDate(timespan.startTime) <= ticks(window.timeFrom)).toBe(true);
    expect(ticksOfDate(timespan.endTime) > ticks(window.timeTo)).toBe(true);
  });
});

describe('assessIngestionTimes', () => {
  it('reports ingestion mode when every row carries an ingestion time', () => {
    expect(assessIngestionTimes([{ [INGESTION_TIME_COLUMN]: '2026-11-28T05:55:00.1234567Z' }]).mode).toBe('ingestion');
  });

  it('reports time-only mode when no row does (null, missing or the empty text tostring gives a null)', () => {
    const assessment = assessIngestionTimes([{ [INGESTION_TIME_COLUMN]: null }, { [INGESTION_TIME_COLUMN]: '' }, {}]);
    expect(assessment).toEqual({ total: 3, withIngestionTime: 0, withoutIngestionTime: 3, mode: 'time-only' });
  });

  it('reports mixed mode for a union whose legs differ, and empty for no rows', () => {
    expect(assessIngestionTimes([{ [INGESTION_TIME_COLUMN]: '2026-11-28T05:55:00Z' }, { [INGESTION_TIME_COLUMN]: '' }]).mode).toBe('mixed');
    expect(assessIngestionTimes([]).mode).toBe('empty');
  });
});

describe('planFullPage (keyset paging on ingestion time)', () => {
  const window = planWindow({ now: NOW, ...SETTINGS }).windows[0]!; // (05:00, 05:58]
  const row = (id: string, ingested: string) => ({ id, [INGESTION_TIME_COLUMN]: ingested });

  it('keeps the rows before the last instant as a complete page and reads on from one tick before it', () => {
    const rows = [row('untimed', ''), row('a', '2026-11-28T05:10:00.0000000Z'), row('b', '2026-11-28T05:20:00.0000001Z'), row('c', '2026-11-28T05:20:00.0000001Z')];
    const plan = planFullPage(window, rows);
    expect(plan.kind).toBe('page');
    if (plan.kind !== 'page') return;
    expect(plan.rows.map((kept) => kept.id)).toEqual(['untimed', 'a']);
    expect(plan.page.ingestionFrom).toBe(window.ingestionFrom);
    expect(plan.page.ingestionTo).toBe('2026-11-28T05:20:00.0000000Z');
    expect(plan.rest.ingestionFrom).toBe('2026-11-28T05:20:00.0000000Z');
    expect(plan.rest.ingestionTo).toBe(window.ingestionTo);
    // Each part gets its own TimeGenerated bounds (delay before, skew after).
    expect(plan.page.timeTo).toBe('2026-11-28T05:25:00.0000000Z');
    expect(plan.rest.timeFrom).toBe('2026-11-28T05:15:00.0000000Z');
  });

  it('reads an instant on its own when every timed row of the page shares the first instant after the start', () => {
    const first = formatKustoDatetime(ticks(window.ingestionFrom) + 1n);
    const plan = planFullPage(window, [row('a', first), row('b', first), row('untimed', '')]);
    expect(plan).toMatchObject({ kind: 'instant', instant: { ingestionFrom: window.ingestionFrom, ingestionTo: first }, rest: { ingestionFrom: first, ingestionTo: window.ingestionTo } });
    const atEnd = planFullPage({ ...window, ingestionFrom: formatKustoDatetime(ticks(window.ingestionTo) - 1n) }, [row('z', window.ingestionTo)]);
    expect(atEnd).toEqual({ kind: 'instant', instant: expect.objectContaining({ ingestionTo: window.ingestionTo }) });
  });

  it('cannot page a page without ingestion times', () => {
    expect(planFullPage(window, [row('a', ''), { id: 'b' }])).toEqual({ kind: 'untimed' });
  });

  it('never loses or repeats a timed row: pages of any size cover every row exactly once, in order', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 80 }), fc.integer({ min: 1, max: 12 }), (offsets, pageRows) => {
        const start = ticks(window.ingestionFrom);
        const all = offsets.map((offset, index) => row(`r${index}`, formatKustoDatetime(start + BigInt(offset))));
        // The service: the first pageRows rows by ingestion time inside (from, to].
        const query = (part: HuntWindow) =>
          all
            .filter((candidate) => ticks(candidate[INGESTION_TIME_COLUMN]) > ticks(part.ingestionFrom) && ticks(candidate[INGESTION_TIME_COLUMN]) <= ticks(part.ingestionTo))
            .sort((left, right) => (left[INGESTION_TIME_COLUMN] < right[INGESTION_TIME_COLUMN] ? -1 : left[INGESTION_TIME_COLUMN] > right[INGESTION_TIME_COLUMN] ? 1 : 0));
        const seen: string[] = [];
        const pending: { part: HuntWindow; paged: boolean }[] = [{ part: window, paged: true }];
        let watermark = window.ingestionFrom;
        for (let guard = 0; pending.length > 0; guard++) {
          expect(guard).toBeLessThan(1000);
          const { part, paged } = pending.shift()!;
          expect(part.ingestionFrom).toBe(watermark);
          const result = query(part);
          const page = paged ? result.slice(0, pageRows) : result;
          if (!paged || page.length < pageRows) {
            seen.push(...page.map((kept) => kept.id));
            watermark = part.ingestionTo;
            continue;
          }
          const plan = planFullPage(part, page);
          if (plan.kind === 'page') {
            seen.push(...plan.rows.map((kept) => kept.id));
            watermark = plan.page.ingestionTo;
            pending.unshift({ part: plan.rest, paged: true });
          } else if (plan.kind === 'instant') {
            pending.unshift({ part: plan.instant, paged: false }, ...(plan.rest ? [{ part: plan.rest, paged: true }] : []));
          } else {
            throw new Error('every row is timed');
          }
        }
        expect(watermark).toBe(window.ingestionTo);
        expect([...seen].sort()).toEqual(all.map((kept) => kept.id).sort());
        expect(new Set(seen).size).toBe(seen.length);
      }),
      { numRuns: 300 },
    );
  });
});
