import type { TableClient } from '@azure/data-tables';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { VerifiedHit } from '../../src/incidents/model.js';
import { startAzurite, type RunningAzurite } from '../../src/local/azurite.js';
import { submitTransaction, type TransactionSubmitter } from '../../src/store/batches.js';
import { IncidentStore } from '../../src/store/incident-store.js';
import { BASE_TIME, dumpTable, ENRICHMENT, freshTables, makeHit } from './helpers.js';

class InjectedCrash extends Error {}

/** Lets `allowed` transactions through, then crashes: before sending the next one, or after the service has
 *  committed it but before the store sees the answer. */
function crashingSubmitter(allowed: number, when: 'before-send' | 'after-commit'): TransactionSubmitter {
  let submitted = 0;
  return async (client, partitionKey, actions) => {
    if (submitted >= allowed) {
      if (when === 'after-commit') await submitTransaction(client, partitionKey, actions);
      throw new InjectedCrash(`crash after ${allowed} transactions`);
    }
    submitted += 1;
    return submitTransaction(client, partitionKey, actions);
  };
}

const HITS: VerifiedHit[] = Array.from({ length: 600 }, (_, index) =>
  makeHit({
    hitId: `row-${index}`,
    host: index % 5 === 0 ? 'WS02' : 'WS01',
    eventTime: new Date(BASE_TIME + ((index * 997_331) % (2 * 86_400_000))),
    account: index % 3 === 0 ? `CONTOSO\\user${index % 4}` : undefined,
    event: { Row: index },
    explanation: {
      matchedSearches: ['selection'], unmatchedSearches: [],
      reasons: [{ identifier: 'selection', field: 'Url', modifiers: ['contains'], ruleValue: '/raw/', eventValue: `https://x/raw/${index % 70}` }],
    },
  }),
);

let azurite: RunningAzurite;
let cleanDump: Record<string, unknown>[];
let cleanTransactions: number;

beforeAll(async () => {
  azurite = await startAzurite({ silent: true });
  const { incidents } = await freshTables(azurite);
  const store = new IncidentStore(incidents);
  await store.upsertHits(HITS, ENRICHMENT);
  cleanDump = await dumpTable(incidents);
  cleanTransactions = store.stats.transactions;
  console.info(`clean run: ${cleanTransactions} transactions, ${cleanDump.length} entities`);
});
afterAll(async () => {
  await azurite?.stop();
});

/** Every summary's hitCount equals the hit entities in its partition: what a crash must never break. */
async function expectCountsConsistent(incidents: TableClient): Promise<void> {
  const rows = await dumpTable(incidents);
  const hitsPerPartition = new Map<string, number>();
  for (const row of rows) {
    if (String(row.rowKey).startsWith('hit_')) hitsPerPartition.set(String(row.partitionKey), (hitsPerPartition.get(String(row.partitionKey)) ?? 0) + 1);
  }
  const summaries = rows.filter((row) => row.rowKey === 'incident');
  for (const summary of summaries) expect(summary.hitCount).toBe(hitsPerPartition.get(String(summary.partitionKey)));
  expect([...hitsPerPartition.keys()].every((key) => summaries.some((summary) => summary.partitionKey === key))).toBe(true);
}

describe('crash and re-run', () => {
  test('the input needs several transactions, some incidents more than one', () => {
    const summaries = cleanDump.filter((row) => row.rowKey === 'incident');
    expect(cleanTransactions).toBeGreaterThan(summaries.length);
    expect(cleanTransactions).toBeGreaterThanOrEqual(6);
  });

  for (const when of ['before-send', 'after-commit'] as const) {
    test(`a crash ${when} after every possible number of transactions leaves consistent counts, and a re-run gives the clean tables`, async () => {
      for (let allowed = 0; allowed < cleanTransactions; allowed += 1) {
        const { incidents } = await freshTables(azurite);
        const crashing = new IncidentStore(incidents, { submitTransaction: crashingSubmitter(allowed, when) });
        await expect(crashing.upsertHits(HITS, ENRICHMENT)).rejects.toBeInstanceOf(InjectedCrash);
        await expectCountsConsistent(incidents);
        await new IncidentStore(incidents).upsertHits(HITS, ENRICHMENT);
        expect(await dumpTable(incidents), `crash ${when} after ${allowed}`).toEqual(cleanDump);
      }
    });
  }

  test('runs that each crash after one transaction converge on the clean tables', async () => {
    const { incidents } = await freshTables(azurite);
    let runs = 0;
    for (;;) {
      runs += 1;
      const store = new IncidentStore(incidents, { submitTransaction: crashingSubmitter(1, 'after-commit'), concurrency: 1 });
      try {
        await store.upsertHits(HITS, ENRICHMENT);
        break;
      } catch (error) {
        expect(error).toBeInstanceOf(InjectedCrash);
      }
      expect(runs).toBeLessThanOrEqual(cleanTransactions + 1);
    }
    expect(await dumpTable(incidents)).toEqual(cleanDump);
  });

  test('no transaction is sent after a crash in another partition', async () => {
    const { incidents } = await freshTables(azurite);
    let sentAfterCrash = 0;
    let crashed = false;
    const store = new IncidentStore(incidents, {
      concurrency: 8,
      submitTransaction: async (client, partitionKey, actions) => {
        if (crashed) sentAfterCrash += 1;
        if (!crashed && actions.length > 50) {
          crashed = true;
          throw new InjectedCrash('first large transaction');
        }
        return submitTransaction(client, partitionKey, actions);
      },
    });
    await expect(store.upsertHits(HITS, ENRICHMENT)).rejects.toBeInstanceOf(InjectedCrash);
    expect(sentAfterCrash).toBe(0);
  });
});
