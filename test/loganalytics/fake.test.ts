import { afterEach, describe, expect, it } from 'vitest';
import {
  datasetResponder,
  fakeReply,
  parseTimespan,
  replySequence,
  startLogAnalyticsFake,
  type FakeColumn,
  type LogAnalyticsFake,
} from '../fakes/log-analytics-fake.js';

let fake: LogAnalyticsFake | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

interface RawReply {
  status: number;
  json: unknown;
  text: string;
  headers: Headers;
}

async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<RawReply> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, json, text, headers: response.headers };
}

const COLUMNS: FakeColumn[] = [
  { name: 'TimeGenerated', type: 'datetime' },
  { name: 'Count', type: 'long' },
  { name: 'Allowed', type: 'bool' },
  { name: 'Extra', type: 'dynamic' },
];

describe('Log Analytics fake: wire format', () => {
  it('answers POST {url}/workspaces/{id}/query with typed columns and positional rows', async () => {
    fake = await startLogAnalyticsFake({
      respond: () => fakeReply.success(fakeReply.table(COLUMNS, [[new Date('2024-05-01T10:00:00.250Z'), 3, true, { port: 443 }]])),
    });
    const reply = await post(`${fake.url}/workspaces/ws-1/query`, { query: 'T', timespan: '2024-05-01T00:00:00.000Z/2024-05-02T00:00:00.000Z' });
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toContain('application/json');
    expect(reply.json).toEqual({
      tables: [{ name: 'PrimaryResult', columns: COLUMNS, rows: [['2024-05-01T10:00:00.25Z', 3, true, '{"port":443}']] }],
    });
    expect(fake.requests[0]).toMatchObject({ workspaceId: 'ws-1', query: 'T', timespan: '2024-05-01T00:00:00.000Z/2024-05-02T00:00:00.000Z' });
    expect(fake.requests[0].window?.end.toISOString()).toBe('2024-05-02T00:00:00.000Z');
  });

  it('adds statistics only when the request prefers include-statistics=true', async () => {
    fake = await startLogAnalyticsFake({ respond: () => fakeReply.success(fakeReply.table(COLUMNS, [[null, 1, false, null]])) });
    const plain = await post(`${fake.url}/workspaces/w/query`, { query: 'T' });
    const withStats = await post(`${fake.url}/workspaces/w/query`, { query: 'T' }, { prefer: 'wait=30,include-statistics=true' });
    expect(plain.json).not.toHaveProperty('statistics');
    expect(withStats.json).toMatchObject({ statistics: { query: { datasetStatistics: [{ tableRowCount: 1 }] } } });
    expect(fake.requests[1].prefer).toEqual({ waitSeconds: 30, includeStatistics: true, includeRender: false });
  });

  it('sends a partial result as tables plus a PartialError with details[].innererror', async () => {
    fake = await startLogAnalyticsFake({ respond: () => fakeReply.resultTooLarge(fakeReply.table(COLUMNS, []), 'size') });
    const reply = await post(`${fake.url}/workspaces/w/query`, { query: 'T' });
    expect(reply.status).toBe(200);
    expect(reply.json).toMatchObject({
      tables: [{ name: 'PrimaryResult' }],
      error: { code: 'PartialError', details: [{ code: 'EngineError', innererror: { code: '-2133196797' } }] },
    });
  });

  it('sends 429 with Retry-After and a JSON error body', async () => {
    fake = await startLogAnalyticsFake({ respond: () => fakeReply.throttled(3) });
    const reply = await post(`${fake.url}/workspaces/w/query`, { query: 'T' });
    expect(reply.status).toBe(429);
    expect(reply.headers.get('retry-after')).toBe('3');
    expect(reply.json).toMatchObject({ error: { code: 'ThrottledError' } });
  });

  it('sends 204 and an empty 200 without a body', async () => {
    fake = await startLogAnalyticsFake({ respond: replySequence(fakeReply.noContent(), fakeReply.emptyBody()) });
    const noContent = await post(`${fake.url}/workspaces/w/query`, { query: 'T' });
    const empty = await post(`${fake.url}/workspaces/w/query`, { query: 'T' });
    expect([noContent.status, noContent.text]).toEqual([204, '']);
    expect([empty.status, empty.text]).toEqual([200, '']);
  });

  it('answers 504 GatewayTimeout after Prefer wait=N when the reply is slower', async () => {
    const waits: number[] = [];
    fake = await startLogAnalyticsFake({ respond: () => fakeReply.delayed(10_000, fakeReply.success(fakeReply.table(COLUMNS, []))), wait: async (ms) => void waits.push(ms) });
    const reply = await post(`${fake.url}/workspaces/w/query`, { query: 'T' }, { prefer: 'wait=1' });
    expect(reply.status).toBe(504);
    expect(reply.json).toMatchObject({ error: { code: 'GatewayTimeout', innererror: { message: 'Kusto query timed out' } } });
    expect(waits).toEqual([1_000]);
  });

  it('drops the connection for a reset reply', async () => {
    fake = await startLogAnalyticsFake({ respond: () => fakeReply.connectionReset() });
    await expect(post(`${fake.url}/workspaces/w/query`, { query: 'T' })).rejects.toThrow();
  });

  it('refuses a missing query with the BadArgumentError shape and an unknown path with 404', async () => {
    fake = await startLogAnalyticsFake();
    const bad = await post(`${fake.url}/workspaces/w/query`, { timespan: 'PT1H' });
    const unknown = await post(`${fake.url}/workspaces/w/search`, { query: 'T' });
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({ error: { code: 'BadArgumentError', innererror: { code: 'QueryValidationError' } } });
    expect(unknown.status).toBe(404);
    expect(fake.requests).toHaveLength(0);
  });

  it('closes while a delayed reply is pending', async () => {
    // The reply waits forever: closing has to end it, or this test runs into its timeout.
    let waiting!: () => void;
    const replyWaiting = new Promise<void>((resolve) => (waiting = resolve));
    fake = await startLogAnalyticsFake({ respond: () => fakeReply.delayed(60_000, fakeReply.emptyBody()), wait: () => (waiting(), new Promise<void>(() => {})) });
    const pending = post(`${fake.url}/workspaces/w/query`, { query: 'T' }).catch(() => 'aborted');
    await replyWaiting;
    await fake.close();
    fake = undefined;
    expect(await pending).toBe('aborted');
  });
});

describe('Log Analytics fake: dataset mode', () => {
  const rows = [0, 10, 20, 30, 40].map((minute) => ({
    TimeGenerated: new Date(Date.UTC(2024, 4, 1, 10, minute)),
    Count: minute,
    Allowed: minute % 20 === 0,
    Extra: { minute },
  }));

  it('keeps the rows inside the request window, start inclusive and end exclusive', async () => {
    fake = await startLogAnalyticsFake({ respond: datasetResponder({ columns: COLUMNS, rows, timeColumn: 'TimeGenerated' }) });
    const reply = await post(`${fake.url}/workspaces/w/query`, { query: 'T', timespan: '2024-05-01T10:10:00Z/2024-05-01T10:30:00Z' });
    expect((reply.json as { tables: { rows: unknown[][] }[] }).tables[0].rows.map((r) => r[1])).toEqual([10, 20]);
  });

  it('applies select after the window filter', async () => {
    fake = await startLogAnalyticsFake({
      respond: datasetResponder({
        columns: COLUMNS,
        rows,
        timeColumn: 'TimeGenerated',
        select: (req, rs) => (req.query.includes('Allowed') ? rs.filter((r) => r.Allowed) : rs),
      }),
    });
    const reply = await post(`${fake.url}/workspaces/w/query`, { query: 'T | where Allowed', timespan: '2024-05-01T00:00:00Z/2024-05-02T00:00:00Z' });
    expect((reply.json as { tables: { rows: unknown[][] }[] }).tables[0].rows.map((r) => r[1])).toEqual([0, 20, 40]);
  });

  it('answers past the row limit with the first rows and a result-too-large partial error', async () => {
    fake = await startLogAnalyticsFake({ respond: datasetResponder({ columns: COLUMNS, rows, rowLimit: 3 }) });
    const reply = await post(`${fake.url}/workspaces/w/query`, { query: 'T' });
    const body = reply.json as { tables: { rows: unknown[][] }[]; error: { details: { innererror: { message: string } }[] } };
    expect(body.tables[0].rows).toHaveLength(3);
    expect(body.error.details[0].innererror.message).toContain('record count limit');
  });
});

describe('parseTimespan', () => {
  const now = new Date('2024-05-01T12:00:00Z');
  it('reads the interval forms the SDK sends', () => {
    expect(parseTimespan('2024-05-01T10:00:00Z/2024-05-01T11:00:00Z', now)?.start.toISOString()).toBe('2024-05-01T10:00:00.000Z');
    expect(parseTimespan('2024-05-01T10:00:00Z/PT30M', now)?.end.toISOString()).toBe('2024-05-01T10:30:00.000Z');
    expect(parseTimespan('P1D/2024-05-02T00:00:00Z', now)?.start.toISOString()).toBe('2024-05-01T00:00:00.000Z');
    expect(parseTimespan('PT1H', now)?.start.toISOString()).toBe('2024-05-01T11:00:00.000Z');
    expect(parseTimespan('yesterday', now)).toBeUndefined();
  });
});
