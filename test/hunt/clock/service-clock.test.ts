// The run's "now" is the Log Analytics service's: the Date header of a probe's response, whatever its status.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { readServiceClock, SERVICE_CLOCK_PROBE_QUERY } from '../../../src/hunt/service-clock.js';
import { createLogsQueryClient } from '../../../src/loganalytics/index.js';
import { fakeReply, startLogAnalyticsFake, type LogAnalyticsFake } from '../../fakes/log-analytics-fake.js';

const WORKSPACE_ID = '11111111-2222-4333-8444-555555555555';
const SERVICE_NOW = new Date('2026-03-02T10:00:00.000Z');
const at = (ms: number) => new Date(SERVICE_NOW.getTime() + ms);

let fake: LogAnalyticsFake;
beforeAll(async () => {
  fake = await startLogAnalyticsFake({ clock: () => SERVICE_NOW });
});
afterAll(async () => fake?.close());

function collect() {
  const warnings: { message: string; fields?: Record<string, unknown> }[] = [];
  return { warnings, log: { info: () => {}, error: () => {}, warn: (message: string, fields?: Record<string, unknown>) => void warnings.push({ message, ...(fields ? { fields } : {}) }) } };
}

const options = { deadline: Number.MAX_SAFE_INTEGER, backoff: { baseDelayMs: 1, maxDelayMs: 2 }, sleep: async () => {} };

describe('readServiceClock', () => {
  test('reads the service\'s Date header with one cheap probe and reports the skew; a small skew is not warned about', async () => {
    fake.setRespond(() => fakeReply.success(fakeReply.table([{ name: 'ServiceTime', type: 'datetime' }], [[SERVICE_NOW]])));
    const { log, warnings } = collect();
    const client = createLogsQueryClient({ endpoint: fake.url, insecureLocal: true });
    const requests = fake.requests.length;
    const reading = await readServiceClock(client, WORKSPACE_ID, () => at(30_000), log, options);
    expect(reading).toEqual({ ok: true, now: SERVICE_NOW, summary: { serviceTime: SERVICE_NOW.toISOString(), hostTime: at(30_000).toISOString(), skewMs: 30_000 } });
    expect(fake.requests.slice(requests).map((request) => request.query)).toEqual([SERVICE_CLOCK_PROBE_QUERY]);
    expect(warnings).toEqual([]);
  });

  test('warns when the host is more than a minute ahead or behind', async () => {
    fake.setRespond(() => fakeReply.success(fakeReply.table([], [])));
    const client = createLogsQueryClient({ endpoint: fake.url, insecureLocal: true });
    for (const [skewMs, words] of [[10 * 60_000, '600 s ahead of'], [-90_000, '90 s behind']] as const) {
      const { log, warnings } = collect();
      const reading = await readServiceClock(client, WORKSPACE_ID, () => at(skewMs), log, options);
      expect(reading.ok && reading.now).toEqual(SERVICE_NOW);
      expect(warnings.map((warning) => warning.message)).toEqual([expect.stringContaining(`host clock is ${words} the Log Analytics service's`)]);
      expect(warnings[0]!.fields).toMatchObject({ skewMs });
    }
  });

  test('a throttled or failing service still tells its time', async () => {
    const client = createLogsQueryClient({ endpoint: fake.url, insecureLocal: true });
    for (const reply of [fakeReply.throttled(), fakeReply.serverError(503), fakeReply.badQuery()]) {
      fake.setRespond(() => reply);
      const reading = await readServiceClock(client, WORKSPACE_ID, () => SERVICE_NOW, collect().log, { ...options, maxAttempts: 1 });
      expect(reading.ok && reading.now).toEqual(SERVICE_NOW);
    }
  });

  test('no response at all is no clock: the reason says so', async () => {
    fake.setRespond(() => fakeReply.connectionReset());
    const client = createLogsQueryClient({ endpoint: fake.url, insecureLocal: true });
    const reading = await readServiceClock(client, WORKSPACE_ID, () => SERVICE_NOW, collect().log, { ...options, maxAttempts: 2 });
    expect(reading.ok).toBe(false);
    expect(reading.summary.error).toMatch(/^the service's clock could not be read: no response \(/);
  });
});
