/**
 * The real LogsQueryClient (@azure/monitor-query-logs) over plain http to the local fake: what `runQuery`
 * makes of each reply the service can send.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { LogsQueryClient } from '@azure/monitor-query-logs';
import {
  createLogsQueryClient,
  fullPrecisionDatetime,
  LogAnalyticsError,
  runQuery,
  type QueryOutcome,
  type QueryRetryEvent,
  type RunQueryOptions,
} from '../../src/loganalytics/index.js';
import {
  fakeReply,
  replySequence,
  startLogAnalyticsFake,
  type FakeColumn,
  type FakeReply,
  type LogAnalyticsFake,
} from '../fakes/log-analytics-fake.js';
import { virtualTime as sharedVirtualTime } from '../support/virtual-time.js';

const WORKSPACE = '11111111-2222-3333-4444-555555555555';
const QUERY = '_Im_NetworkSession(starttime=datetime(2024-05-01T10:00:00Z)) | where DstPortNumber == 4444';
const WINDOW = { startTime: new Date('2024-05-01T10:00:00.000Z'), endTime: new Date('2024-05-01T11:00:00.000Z') };
const T0 = Date.UTC(2024, 4, 1, 11, 5, 0);

const COLUMNS: FakeColumn[] = [
  { name: 'TimeGenerated', type: 'datetime' },
  { name: 'IngestedAt', type: 'string' },
  { name: 'DstPortNumber', type: 'int' },
  { name: 'EventCount', type: 'long' },
  { name: 'AdditionalFields', type: 'dynamic' },
  { name: 'SrcIpAddr', type: 'string' },
];
const ROW = [new Date('2024-05-01T10:15:00.123Z'), '2024-05-01T10:16:00.1234567Z', 4444, 2, { Proto: 'tcp' }, '10.0.0.5'];

let fake: LogAnalyticsFake;
let client: LogsQueryClient;

/** What the fake does when a delayed or stalled reply starts to wait: by default the test's virtual attempt
 *  timer runs out there (see `virtualTime`), so a timeout happens exactly once the reply is known to be late. */
let onFakeWait: (ms: number) => Promise<void> = () => Promise.resolve();

beforeAll(async () => {
  fake = await startLogAnalyticsFake({ wait: (ms) => onFakeWait(ms) });
  client = createLogsQueryClient({ endpoint: fake.url, insecureLocal: true });
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => {
  fake.requests.length = 0;
});

/** A clock that only moves when `runQuery` sleeps or an attempt's timer runs out, so waits are asserted exactly
 *  and tests do not wait. The attempt's timer runs out when the fake starts to hold a reply back (and only then):
 *  the client gives up on a late reply whatever the machine's load, and never on a prompt one. The held reply
 *  waits until the client hangs up. */
function virtualTime(start = T0) {
  const time = sharedVirtualTime(start);
  onFakeWait = () => {
    time.expireAttempt();
    return new Promise<void>(() => {});
  };
  return {
    sleeps: time.sleeps,
    now: time.now,
    options: {
      clock: time.now,
      sleep: time.sleep,
      attemptTimer: time.attemptTimer,
      random: () => 0.5,
    } satisfies Partial<RunQueryOptions>,
  };
}

function respondWith(...replies: FakeReply[]): void {
  fake.setRespond(replySequence(...replies));
}

function query(options: Partial<RunQueryOptions> = {}): Promise<QueryOutcome> {
  const time = virtualTime();
  return runQuery(client, WORKSPACE, QUERY, WINDOW, { deadline: T0 + 120_000, ...time.options, ...options });
}

describe('runQuery against the fake', () => {
  it('returns a complete result with rows keyed by column and the SDK conversions', async () => {
    respondWith(fakeReply.success(fakeReply.table(COLUMNS, [ROW])));
    const outcome = await query();
    expect(outcome.kind).toBe('complete');
    if (outcome.kind !== 'complete') return;
    expect(outcome.columns.map((c) => `${c.name}:${c.type}`)).toEqual(COLUMNS.map((c) => `${c.name}:${c.type}`));
    const [row] = outcome.rows;
    expect(row.TimeGenerated).toEqual(new Date('2024-05-01T10:15:00.123Z'));
    expect(row).toMatchObject({ DstPortNumber: 4444, EventCount: 2, AdditionalFields: { Proto: 'tcp' }, SrcIpAddr: '10.0.0.5' });
    expect(fullPrecisionDatetime(row, 'IngestedAt')).toBe('2024-05-01T10:16:00.1234567Z');
    expect(outcome.attempts).toBe(1);
  });

  it('sends the query, the ISO interval, the server wait and the request id we chose', async () => {
    respondWith(fakeReply.success(fakeReply.table(COLUMNS, [])));
    const outcome = await query({ serverTimeoutSeconds: 90 });
    expect(fake.requests).toHaveLength(1);
    const [request] = fake.requests;
    expect(request.workspaceId).toBe(WORKSPACE);
    expect(request.query).toBe(QUERY);
    expect(request.timespan).toBe('2024-05-01T10:00:00.000Z/2024-05-01T11:00:00.000Z');
    expect(request.prefer).toEqual({ waitSeconds: 90, includeStatistics: false, includeRender: false });
    expect(request.headers['x-ms-client-request-id']).toBe(outcome.requestIds[0]);
    expect(request.headers.authorization).toBeUndefined();
  });

  it('lowers the server wait to the budget left', async () => {
    respondWith(fakeReply.success(fakeReply.table(COLUMNS, [])));
    await query({ deadline: T0 + 42_500 });
    expect(fake.requests[0].prefer.waitSeconds).toBe(42);
  });

  it('asks for statistics and returns them', async () => {
    respondWith(fakeReply.success(fakeReply.table(COLUMNS, [ROW, ROW])));
    const outcome = await query({ includeStatistics: true });
    expect(fake.requests[0].prefer.includeStatistics).toBe(true);
    expect(outcome).toMatchObject({ kind: 'complete', statistics: { query: { datasetStatistics: [{ tableRowCount: 2 }] } } });
  });

  it('reports a PartialError for another reason as partial, with its rows and inner error', async () => {
    respondWith(
      fakeReply.partial(fakeReply.table(COLUMNS, [ROW]), [
        {
          code: 'EngineError',
          message: 'Something went wrong processing your query on the server.',
          innererror: { code: '-2133196799', message: 'Query execution was aborted (E_RUNAWAY_QUERY)' },
        },
      ]),
    );
    const outcome = await query();
    expect(outcome).toMatchObject({ kind: 'partial', code: 'E_RUNAWAY_QUERY', innerError: { code: '-2133196799' }, attempts: 1 });
    if (outcome.kind === 'partial') expect(outcome.rows).toHaveLength(1);
  });

  it('reports the recorded result-too-large partial error as truncated, with the reason the SDK drops', async () => {
    respondWith(fakeReply.resultTooLarge(fakeReply.table(COLUMNS, [ROW, ROW, ROW]), 'size'));
    const outcome = await query();
    expect(outcome).toMatchObject({ kind: 'truncated', code: 'E_QUERY_RESULT_SET_TOO_LARGE', limit: 'size', innerError: { code: '-2133196797' } });
    if (outcome.kind !== 'truncated') return;
    expect(outcome.reason).toContain('internal data size limit');
    expect(outcome.rows).toHaveLength(3);
  });

  it('reports a successful reply of exactly 500,000 rows as truncated', async () => {
    const columns: FakeColumn[] = [{ name: 'N', type: 'long' }, { name: 'Host', type: 'string' }];
    const table = { name: 'PrimaryResult', columns, rows: Array.from({ length: 500_000 }, (_, i) => [i, 'h']) };
    respondWith(fakeReply.success(table));
    const outcome = await query();
    expect(outcome).toMatchObject({ kind: 'truncated', limit: 'records' });
    if (outcome.kind === 'truncated') {
      expect(outcome.rows).toHaveLength(500_000);
      expect(outcome.rows[499_999]).toEqual({ N: 499_999, Host: 'h' });
    }
  }, 30_000);

  it('waits the Retry-After seconds of a 429, then retries', async () => {
    respondWith(fakeReply.throttled(4), fakeReply.success(fakeReply.table(COLUMNS, [ROW])));
    const time = virtualTime();
    const events: QueryRetryEvent[] = [];
    const outcome = await runQuery(client, WORKSPACE, QUERY, WINDOW, { deadline: T0 + 60_000, ...time.options, log: (e) => events.push(e) });
    expect(outcome).toMatchObject({ kind: 'complete', attempts: 2 });
    expect(time.sleeps).toEqual([4_000]);
    expect(events).toMatchObject([{ attempt: 1, statusCode: 429, delayMs: 4_000 }]);
    expect(fake.requests).toHaveLength(2);
  });

  it('waits until the HTTP-date of a Retry-After', async () => {
    respondWith(fakeReply.throttled(new Date(T0 + 7_000)), fakeReply.success(fakeReply.table(COLUMNS, [])));
    const time = virtualTime();
    const outcome = await runQuery(client, WORKSPACE, QUERY, WINDOW, { deadline: T0 + 60_000, ...time.options });
    expect(outcome.kind).toBe('complete');
    expect(time.sleeps).toEqual([7_000]);
  });

  it('gives up at once, retryable, when Retry-After passes the deadline', async () => {
    respondWith(fakeReply.throttled(300), fakeReply.success(fakeReply.table(COLUMNS, [])));
    const time = virtualTime();
    const outcome = await runQuery(client, WORKSPACE, QUERY, WINDOW, { deadline: T0 + 60_000, ...time.options });
    expect(outcome).toMatchObject({ kind: 'failed', retryable: true, statusCode: 429, attempts: 1 });
    expect(time.sleeps).toEqual([]);
    expect(fake.requests).toHaveLength(1);
  });

  it('retries 503 and 500 with exponential backoff, then returns the result', async () => {
    respondWith(fakeReply.serverError(503), fakeReply.serverError(500), fakeReply.success(fakeReply.table(COLUMNS, [ROW])));
    const time = virtualTime();
    const outcome = await runQuery(client, WORKSPACE, QUERY, WINDOW, { deadline: T0 + 60_000, ...time.options });
    expect(outcome).toMatchObject({ kind: 'complete', attempts: 3 });
    expect(time.sleeps).toEqual([750, 1_500]); // random 0.5: step/2 + step/4 for steps 1 s and 2 s
    expect(new Set(fake.requests.map((r) => r.headers['x-ms-client-request-id'])).size).toBe(3);
  });

  it('keeps retrying 5xx until the deadline and then fails, retryable, without passing it', async () => {
    respondWith(fakeReply.serverError(502));
    const time = virtualTime();
    const deadline = T0 + 20_000;
    const outcome = await runQuery(client, WORKSPACE, QUERY, WINDOW, { deadline, maxAttempts: 100, ...time.options, random: () => 1 });
    expect(outcome).toMatchObject({ kind: 'failed', retryable: true, statusCode: 502, code: 'BadGateway' });
    expect(time.sleeps).toEqual([1_000, 2_000, 4_000, 8_000]);
    expect(time.now()).toBeLessThanOrEqual(deadline);
    expect(outcome.attempts).toBe(5);
    expect(fake.requests).toHaveLength(5);
  });

  it('stops after maxAttempts even with budget left', async () => {
    respondWith(fakeReply.gatewayTimeout());
    const outcome = await query({ maxAttempts: 2 });
    expect(outcome).toMatchObject({ kind: 'failed', retryable: true, statusCode: 504, code: 'GatewayTimeout', attempts: 2 });
    if (outcome.kind === 'failed') expect(outcome.reason).toContain('Kusto query timed out');
  });

  it('does not retry a query the service rejects, and says why', async () => {
    respondWith(fakeReply.badQuery("Query could not be parsed at 'whre' on line [1,5]"));
    const outcome = await query();
    expect(outcome).toMatchObject({
      kind: 'failed',
      retryable: false,
      statusCode: 400,
      code: 'BadArgumentError',
      innerError: { code: 'SyntaxError' },
      attempts: 1,
    });
    if (outcome.kind === 'failed') expect(outcome.reason).toContain("parsed at 'whre'");
  });

  it('does not retry 403', async () => {
    respondWith(fakeReply.forbidden());
    expect(await query()).toMatchObject({ kind: 'failed', retryable: false, statusCode: 403, code: 'InsufficientAccessError' });
  });

  it('turns a 204 reply into an empty complete result', async () => {
    respondWith(fakeReply.noContent());
    expect(await query()).toMatchObject({ kind: 'complete', columns: [], rows: [], attempts: 1 });
  });

  it('turns an empty 200 reply into an empty complete result', async () => {
    respondWith(fakeReply.emptyBody());
    expect(await query()).toMatchObject({ kind: 'complete', columns: [], rows: [], attempts: 1 });
  });

  it('retries a 503 whose body is an HTML page instead of failing on it', async () => {
    respondWith(
      fakeReply.raw(503, '<html>Service Unavailable</html>', { 'content-type': 'text/html' }),
      fakeReply.success(fakeReply.table(COLUMNS, [])),
    );
    const time = virtualTime();
    const events: QueryRetryEvent[] = [];
    const outcome = await runQuery(client, WORKSPACE, QUERY, WINDOW, { deadline: T0 + 60_000, ...time.options, log: (e) => events.push(e) });
    expect(outcome).toMatchObject({ kind: 'complete', attempts: 2 });
    expect(events[0]).toMatchObject({ statusCode: 503 });
    expect(events[0].reason).toContain('Service Unavailable');
  });

  it('retries after a connection reset', async () => {
    respondWith(fakeReply.connectionReset(), fakeReply.success(fakeReply.table(COLUMNS, [ROW])));
    const time = virtualTime();
    const events: QueryRetryEvent[] = [];
    const outcome = await runQuery(client, WORKSPACE, QUERY, WINDOW, { deadline: T0 + 60_000, ...time.options, log: (e) => events.push(e) });
    expect(outcome).toMatchObject({ kind: 'complete', attempts: 2 });
    expect(events[0].code).toBe('ECONNRESET');
  });

  // The three tests below test the request timeout on the virtual clock too: the attempt's timer runs out when
  // the fake holds a reply back (virtualTime), and is charged its length, so how many attempts fit in the budget
  // is a fact of the budget, not of the machine's speed.

  it('times out a slow reply and retries it', async () => {
    respondWith(fakeReply.delayed(5_000, fakeReply.success(fakeReply.table(COLUMNS, []))), fakeReply.success(fakeReply.table(COLUMNS, [ROW])));
    const time = virtualTime();
    const events: QueryRetryEvent[] = [];
    const outcome = await runQuery(client, WORKSPACE, QUERY, WINDOW, {
      deadline: T0 + 60_000,
      requestTimeoutMs: 1_000,
      ...time.options,
      log: (e) => events.push(e),
    });
    expect(outcome).toMatchObject({ kind: 'complete', attempts: 2 });
    expect(events).toMatchObject([{ attempt: 1, code: 'ClientTimeout' }]);
    expect(time.sleeps).toEqual([750]);
  });

  it('times out a reply whose body stalls after the headers, and retries it', async () => {
    respondWith(fakeReply.stalledBody(5_000, fakeReply.table(COLUMNS, [ROW])), fakeReply.success(fakeReply.table(COLUMNS, [ROW])));
    const time = virtualTime();
    const events: QueryRetryEvent[] = [];
    const outcome = await runQuery(client, WORKSPACE, QUERY, WINDOW, {
      deadline: T0 + 60_000,
      requestTimeoutMs: 1_000,
      ...time.options,
      log: (e) => events.push(e),
    });
    expect(outcome).toMatchObject({ kind: 'complete', attempts: 2 });
    expect(events).toMatchObject([{ attempt: 1, code: 'ClientTimeout' }]);
  });

  it('fails, retryable, within the budget when every reply is too slow', async () => {
    respondWith(fakeReply.delayed(5_000, fakeReply.success(fakeReply.table(COLUMNS, []))));
    const time = virtualTime();
    const deadline = T0 + 5_000;
    const requestTimeoutMs = 200;
    const outcome = await runQuery(client, WORKSPACE, QUERY, WINDOW, {
      deadline,
      requestTimeoutMs,
      minAttemptMs: 100,
      maxAttempts: 100,
      backoff: { baseDelayMs: 500, maxDelayMs: 1_000 },
      ...time.options,
    });
    expect(outcome).toMatchObject({ kind: 'failed', retryable: true, code: 'ClientTimeout' });
    expect(outcome.attempts).toBe(fake.requests.length);
    // No wait or attempt was started that would end past the deadline: six attempts of 200 ms and the five
    // waits between them (random 0.5: 3/4 of steps 500 ms, then 1 s capped) fit; a seventh would not.
    expect(time.now()).toBeLessThanOrEqual(deadline);
    expect(time.sleeps).toEqual([375, 750, 750, 750, 750]);
    expect(outcome.attempts).toBe(6);
    expect(time.now()).toBe(T0 + 6 * requestTimeoutMs + 375 + 4 * 750);
  });

  it('does not send a request when the deadline has already passed', async () => {
    respondWith(fakeReply.success(fakeReply.table(COLUMNS, [])));
    const outcome = await query({ deadline: T0 - 1 });
    expect(outcome).toMatchObject({ kind: 'failed', retryable: true, code: 'DeadlineExceeded', attempts: 0 });
    expect(fake.requests).toHaveLength(0);
  });

  it('refuses a window that ends before it starts', async () => {
    await expect(
      runQuery(client, WORKSPACE, QUERY, { startTime: WINDOW.endTime, endTime: WINDOW.startTime }, { deadline: T0 + 10_000, clock: () => T0 }),
    ).rejects.toThrow(LogAnalyticsError);
  });
});
