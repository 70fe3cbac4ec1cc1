import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { VerifiedHit } from '../../src/incidents/model.js';
import { startAzurite, type RunningAzurite } from '../../src/local/azurite.js';
import { IncidentStore } from '../../src/store/incident-store.js';
import { BASE_TIME, dumpTable, ENRICHMENT, freshTables, makeHit } from './helpers.js';

let azurite: RunningAzurite;
let cleanDump: Record<string, unknown>[];

/** Hits that exercise every fold: several incidents and buckets, many reasons (over the bound), accounts on
 *  some hits only, a few oversized events, multi-transaction incidents. */
const HITS: VerifiedHit[] = Array.from({ length: 420 }, (_, index) =>
  makeHit({
    hitId: `row-${index}`,
    host: index % 7 === 0 ? 'WS02' : index % 2 === 0 ? 'ws01' : 'WS01',
    eventTime: new Date(BASE_TIME + ((index * 997_331) % (2 * 86_400_000))),
    account: index % 4 === 0 ? `CONTOSO\\user${index % 9}` : undefined,
    event: index % 97 === 0 ? { CommandLine: 'A'.repeat(50_000), Row: index } : { Row: index, DestinationPort: 443 },
    explanation: {
      matchedSearches: index % 3 === 0 ? ['selection', 'selection_cli'] : ['selection'],
      unmatchedSearches: index % 3 === 0 ? [] : ['selection_cli'],
      reasons: [{ identifier: 'selection', field: 'Url', modifiers: ['contains'], ruleValue: '/raw/', eventValue: `https://x/raw/${index}` }],
    },
  }),
);

async function apply(calls: VerifiedHit[][]): Promise<Record<string, unknown>[]> {
  const { incidents } = await freshTables(azurite);
  const store = new IncidentStore(incidents);
  for (const call of calls) await store.upsertHits(call, ENRICHMENT);
  return dumpTable(incidents);
}

beforeAll(async () => {
  azurite = await startAzurite({ silent: true });
  cleanDump = await apply([HITS]);
});
afterAll(async () => {
  await azurite?.stop();
});

describe('idempotent incident writes', () => {
  test('the clean run stores every distinct hit and one summary per incident', () => {
    const summaries = cleanDump.filter((row) => row.rowKey === 'incident');
    const hitRows = cleanDump.filter((row) => String(row.rowKey).startsWith('hit_'));
    expect(hitRows).toHaveLength(HITS.length);
    expect(summaries.reduce((sum, row) => sum + Number(row.hitCount), 0)).toBe(HITS.length);
    expect(summaries.length).toBeGreaterThanOrEqual(4); // two hosts x at least two buckets
    expect(summaries.some((row) => String(row.truncated ?? '').includes('explanation'))).toBe(true);
    expect(summaries.some((row) => String(row.truncated ?? '').includes('sampleHits'))).toBe(true);
  });

  test('applying the same hits twice gives the tables of one run', async () => {
    expect(await apply([HITS, HITS])).toEqual(cleanDump);
  });

  test('applying the hits in reverse order gives the tables of one run', async () => {
    expect(await apply([[...HITS].reverse()])).toEqual(cleanDump);
  });

  test('applying the hits one by one gives the tables of one run', async () => {
    const slice = HITS.slice(0, 60);
    expect(await apply(slice.map((hit) => [hit]))).toEqual(await apply([slice]));
  });

  test('any split of a shuffled, partly repeated input gives the tables of one run', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.shuffledSubarray(HITS.map((_, index) => index), { minLength: HITS.length, maxLength: HITS.length }),
        fc.array(fc.integer({ min: 1, max: 250 }), { minLength: 1, maxLength: 5 }),
        fc.array(fc.nat(HITS.length - 1), { maxLength: 60 }),
        async (order, splitSizes, repeats) => {
          const sequence = [...order.map((index) => HITS[index]!), ...repeats.map((index) => HITS[index]!)];
          const calls: VerifiedHit[][] = [];
          for (let start = 0, part = 0; start < sequence.length; part += 1) {
            const size = splitSizes[part % splitSizes.length]!;
            calls.push(sequence.slice(start, start + size));
            start += size;
          }
          expect(await apply(calls)).toEqual(cleanDump);
        },
      ),
      { numRuns: 12 },
    );
  });
});
