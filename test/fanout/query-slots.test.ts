import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { slotsTableClient, withQuerySlots } from '../../src/fanout/clients.js';
import { CLOCK_SKEW_TOLERANCE_MS, MAX_PAUSE_MS, QuerySlots, QuerySlotTimeout } from '../../src/fanout/query-slots.js';
import { createLogsQueryClient, runQuery } from '../../src/loganalytics/index.js';
import { startAzurite, type RunningAzurite } from '../../src/local/azurite.js';
import { fakeReply, startLogAnalyticsFake, type LogAnalyticsFake } from '../../src/local/log-analytics-fake.js';

let azurite: RunningAzurite;
let fake: LogAnalyticsFake;
beforeAll(async () => {
  [azurite, fake] = await Promise.all([startAzurite({ silent: true }), startLogAnalyticsFake()]);
});
afterAll(async () => {
  await Promise.all([azurite?.stop(), fake?.close()]);
});

const table = () => slotsTableClient({ connectionString: azurite.connectionString, tableName: `slots${randomUUID().replace(/-/g, '').slice(0, 12)}` });

describe('query slots (Table Storage leases)', () => {
  test('never more holders than slots, across instances sharing the table', async () => {
    const client = await table();
    const instances = Array.from({ length: 6 }, (_, index) => new QuerySlots(client, { slots: 2, holder: `i${index}`, pollMs: 10 }));
    let inside = 0;
    let most = 0;
    await Promise.all(
      instances.flatMap((slots) =>
        [0, 1].map(async () => {
          const lease = await slots.acquire();
          inside += 1;
          most = Math.max(most, inside);
          await new Promise((resolve) => setTimeout(resolve, 15));
          inside -= 1;
          await slots.release(lease);
        }),
      ),
    );
    expect(most).toBe(2);
    expect(instances.reduce((sum, slots) => sum + slots.stats.acquired, 0)).toBe(12);
  });

  test('a dead holder keeps its slot until the lease ends, then another instance takes it over', async () => {
    const client = await table();
    let now = 1_000_000;
    const dead = new QuerySlots(client, { slots: 1, holder: 'dead', leaseMs: 60_000, clock: () => now });
    await dead.acquire(); // never released
    const waiting = new QuerySlots(client, { slots: 1, holder: 'alive', leaseMs: 60_000, clock: () => now, maxWaitMs: 1_000, sleep: async (ms) => void (now += ms), pollMs: 100 });
    await expect(waiting.acquire()).rejects.toThrow(QuerySlotTimeout);
    now += 60_000;
    await waiting.acquire();
    expect(waiting.stats.takenOver).toBe(1);
  });

  test('a 429 pauses every instance for its Retry-After; a query waiting past maxWait is answered as throttled', async () => {
    const client = await table();
    const slots = new QuerySlots(client, { slots: 1, maxWaitMs: 400, pollMs: 20 });
    const logsClient = withQuerySlots(createLogsQueryClient({ endpoint: fake.url, insecureLocal: true }), slots);
    let calls = 0;
    fake.setRespond(() => (++calls === 1 ? { kind: 'error', status: 429, headers: { 'retry-after-ms': '200' }, error: { code: 'ThrottledError', message: 'throttled' } } : fakeReply.success(fakeReply.table([{ name: 'x', type: 'long' }], [[1]]))));
    const started = Date.now();
    const retrySleeps: number[] = [];
    const outcome = await runQuery(logsClient, '00000000-0000-4000-8000-000000000001', 'print x = 1', { startTime: new Date(0), endTime: new Date(1000) }, {
      deadline: Date.now() + 10_000,
      backoff: { baseDelayMs: 1, maxDelayMs: 2 },
      sleep: (ms) => (retrySleeps.push(ms), new Promise((resolve) => setTimeout(resolve, ms))),
    });
    expect(outcome.kind).toBe('complete');
    // The second attempt waited for the Retry-After, not the 1-2 ms backoff.
    expect(retrySleeps).toEqual([200]);
    // ...and every other instance sees the pause the 429 set, for as long as the service asked.
    const pause = await client.getEntity<{ until: number; pauseMs: number }>('pause', '429');
    expect(pause.until).toBeGreaterThanOrEqual(started + 200);
    expect(pause.pauseMs).toBe(200);
    let now = pause.until - 100;
    const sleeps: number[] = [];
    const another = new QuerySlots(client, { slots: 1, holder: 'another', clock: () => now, sleep: async (ms) => void (sleeps.push(ms), (now += ms)) });
    await another.release(await another.acquire());
    expect(sleeps[0]).toBe(100);
    expect(another.stats.pauses).toBe(1);

    const other = new QuerySlots(client, { slots: 1, holder: 'hog' });
    const held = await other.acquire();
    const throttled = await runQuery(logsClient, '00000000-0000-4000-8000-000000000001', 'print x = 1', { startTime: new Date(0), endTime: new Date(1000) }, { deadline: Date.now() + 1_500, maxAttempts: 1 });
    expect(throttled.kind).not.toBe('complete');
    expect(JSON.stringify(throttled)).toMatch(/429|QuerySlotTimeout|throttl/i);
    await other.release(held);
  });

  test("a reader whose clock is behind the pause setter's waits the pause's length, not the length plus the skew", async () => {
    const client = await table();
    const service = 5_000_000;
    let ahead = service + CLOCK_SKEW_TOLERANCE_MS;
    const setter = new QuerySlots(client, { slots: 1, holder: 'ahead', clock: () => ahead });
    await setter.pause(300);
    let behind = service - CLOCK_SKEW_TOLERANCE_MS;
    const sleeps: number[] = [];
    const reader = new QuerySlots(client, { slots: 1, holder: 'behind', clock: () => behind, maxWaitMs: 1_000, sleep: async (ms) => void (sleeps.push(ms), (behind += ms)) });
    await reader.release(await reader.acquire());
    // Its own clock still reads the pause as 120 s away; it waited 300 ms once and then took its slot.
    expect(sleeps).toEqual([300]);
    expect(reader.stats.pauses).toBe(1);
    expect(reader.stats.timeouts).toBe(0);

    // A later pause is waited for again.
    ahead += 1_000;
    await setter.pause(50);
    await reader.release(await reader.acquire());
    expect(sleeps).toEqual([300, 50]);
  });

  test('a pause written without its length is bounded by the longest pause', async () => {
    const client = await table();
    await client.createEntity({ partitionKey: 'pause', rowKey: '429', until: 10 * MAX_PAUSE_MS, holder: 'old' });
    let now = 0;
    const sleeps: number[] = [];
    const reader = new QuerySlots(client, { slots: 1, clock: () => now, maxWaitMs: 2 * MAX_PAUSE_MS, sleep: async (ms) => void (sleeps.push(ms), (now += ms)) });
    await reader.release(await reader.acquire());
    expect(sleeps).toEqual([MAX_PAUSE_MS]);
  });
});
