import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { VerifiedHit } from '../../src/incidents/model.js';
import { startAzurite, type RunningAzurite } from '../../src/local/azurite.js';
import { submitTransaction } from '../../src/store/batches.js';
import { StoreError } from '../../src/store/errors.js';
import { IncidentStore } from '../../src/store/incident-store.js';
import { dumpTable, ENRICHMENT, freshTables, makeHits } from './helpers.js';

let azurite: RunningAzurite;
beforeAll(async () => {
  azurite = await startAzurite({ silent: true });
});
afterAll(async () => {
  await azurite?.stop();
});

async function cleanDumpOf(hits: VerifiedHit[]): Promise<Record<string, unknown>[]> {
  const { incidents } = await freshTables(azurite);
  await new IncidentStore(incidents).upsertHits(hits, ENRICHMENT);
  return dumpTable(incidents);
}

// One incident: every hit shares rule, host, image, destination and bucket.
const ALL = makeHits(400, { prefix: 'row' });
const FIRST = ALL.slice(0, 250);
const SECOND = ALL.slice(150); // 100 hits overlap

describe('concurrent writers on one incident', () => {
  test('a writer whose summary changed under it retries and counts every hit once', async () => {
    const { incidents } = await freshTables(azurite);
    const other = new IncidentStore(incidents);
    let interfered = false;
    const store = new IncidentStore(incidents, {
      submitTransaction: async (client, partitionKey, actions) => {
        if (!interfered) {
          interfered = true;
          await other.upsertHits(SECOND, ENRICHMENT); // lands between our read and our first write
        }
        return submitTransaction(client, partitionKey, actions);
      },
    });
    const report = await store.upsertHits(FIRST, ENRICHMENT);
    expect(report.conflictRetries).toBeGreaterThanOrEqual(1);
    expect(report.hitsStored + report.hitsAlreadyStored).toBe(FIRST.length);
    const [incident] = await store.listIncidents();
    expect(incident!.hitCount).toBe(ALL.length);
    expect(await dumpTable(incidents)).toEqual(await cleanDumpOf(ALL));
  });

  test('a writer that interleaves between the transactions of another leaves exact counts', async () => {
    const { incidents } = await freshTables(azurite);
    const other = new IncidentStore(incidents);
    let transactions = 0;
    const store = new IncidentStore(incidents, {
      submitTransaction: async (client, partitionKey, actions) => {
        transactions += 1;
        if (transactions === 2) await other.upsertHits(SECOND, ENRICHMENT); // after our first chunk committed
        return submitTransaction(client, partitionKey, actions);
      },
    });
    const report = await store.upsertHits(FIRST, ENRICHMENT);
    expect(transactions).toBeGreaterThanOrEqual(3);
    expect(report.conflictRetries).toBeGreaterThanOrEqual(1);
    expect(report.hitsStored + report.hitsAlreadyStored).toBe(FIRST.length);
    expect(report.incidentsCreated).toBe(1); // our first chunk created it, before the other writer came
    expect((await store.listIncidents())[0]!.hitCount).toBe(ALL.length);
    expect(await dumpTable(incidents)).toEqual(await cleanDumpOf(ALL));
  });

  test('two writers racing on overlapping hits end with the tables of one clean run', async () => {
    const { incidents } = await freshTables(azurite);
    const reports = await Promise.all([
      new IncidentStore(incidents).upsertHits(FIRST, ENRICHMENT),
      new IncidentStore(incidents).upsertHits([...SECOND].reverse(), ENRICHMENT),
    ]);
    expect(reports[0]!.hitsStored + reports[1]!.hitsStored).toBe(ALL.length);
    expect(await dumpTable(incidents)).toEqual(await cleanDumpOf(ALL));
  });

  test('a writer that keeps losing the race gives up with a conflict error', async () => {
    const { incidents } = await freshTables(azurite);
    const other = new IncidentStore(incidents);
    let extra = 0;
    const store = new IncidentStore(incidents, {
      maxAttempts: 3,
      submitTransaction: async (client, partitionKey, actions) => {
        extra += 1;
        await other.upsertHits(makeHits(1, { prefix: `other-${extra}` }), ENRICHMENT);
        return submitTransaction(client, partitionKey, actions);
      },
    });
    const failure = await store.upsertHits(makeHits(5), ENRICHMENT).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(StoreError);
    expect((failure as StoreError).code).toBe('conflict');
    // Whatever landed is still counted exactly.
    const [incident] = await store.listIncidents();
    expect(incident!.hitCount).toBe((await store.listHits(incident!.incidentKey)).length);
  });
});
