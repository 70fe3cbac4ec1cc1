import { odata } from '@azure/data-tables';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { HIT_ROW_KEY_PREFIX, INCIDENT_ROW_KEY } from '../../src/incidents/keys.js';
import { startAzurite, type RunningAzurite } from '../../src/local/azurite.js';
import { entitiesPerRequest } from '../../src/store/batches.js';
import { IncidentStore } from '../../src/store/incident-store.js';
import { BASE_TIME, dumpTable, ENRICHMENT, freshTables, makeHit, makeHits } from './helpers.js';

let azurite: RunningAzurite;
beforeAll(async () => {
  azurite = await startAzurite({ silent: true });
});
afterAll(async () => {
  await azurite?.stop();
});

describe('incident store', () => {
  test('stores one summary per incident and one entity per hit, with exact counts', async () => {
    const { incidents } = await freshTables(azurite);
    const store = new IncidentStore(incidents);
    const hits = makeHits(250, { incidents: 3 });
    const report = await store.upsertHits(hits, ENRICHMENT);
    expect(report).toMatchObject({ hitsReceived: 250, hitsDistinct: 250, hitsStored: 250, hitsAlreadyStored: 0, incidentsCreated: 3 });

    const listed = await store.listIncidents();
    expect(listed).toHaveLength(3);
    expect(listed.map((incident) => incident.hitCount).sort()).toEqual([83, 83, 84]);
    for (const incident of listed) {
      const stored = await store.listHits(incident.incidentKey);
      expect(stored).toHaveLength(incident.hitCount);
      expect(incident.firstSeen.getTime()).toBe(Math.min(...stored.map((hit) => hit.eventTime.getTime())));
      expect(incident.lastSeen.getTime()).toBe(Math.max(...stored.map((hit) => hit.eventTime.getTime())));
      expect(incident.sampleHits.map((sample) => sample.hitId)).toEqual(stored.slice(0, 5).map((hit) => hit.hitId));
      expect(incident.enrichment).toEqual(JSON.parse(JSON.stringify(ENRICHMENT(incident.ruleId))));
      expect(incident.status).toBe('new');
      expect(incident.severity).toBe('high');
    }
  });

  test('lists incidents by lastSeen descending, then key', async () => {
    const { incidents } = await freshTables(azurite);
    const store = new IncidentStore(incidents);
    await store.upsertHits(
      [
        makeHit({ hitId: 'a', host: 'A', eventTime: new Date(BASE_TIME + 1000) }),
        makeHit({ hitId: 'b', host: 'B', eventTime: new Date(BASE_TIME + 5000) }),
        makeHit({ hitId: 'c', host: 'C', eventTime: new Date(BASE_TIME + 5000) }),
      ],
      ENRICHMENT,
    );
    const listed = await store.listIncidents();
    expect(listed.map((incident) => incident.lastSeen.getTime())).toEqual([BASE_TIME + 5000, BASE_TIME + 5000, BASE_TIME + 1000]);
    expect(listed[0]!.incidentKey < listed[1]!.incidentKey).toBe(true);
    expect(await store.getIncident(listed[2]!.incidentKey)).toEqual(listed[2]);
    expect(await store.getIncident('0'.repeat(32))).toBeUndefined();
    expect(await store.getIncident('not a key')).toBeUndefined();
  });

  test('a re-run of stored hits sends no transaction', async () => {
    const { incidents } = await freshTables(azurite);
    const store = new IncidentStore(incidents);
    const hits = makeHits(120, { incidents: 2 });
    await store.upsertHits(hits, ENRICHMENT);
    const before = { ...store.stats };
    const report = await store.upsertHits(hits, ENRICHMENT);
    expect(report).toMatchObject({ hitsStored: 0, hitsAlreadyStored: 120, incidentsUnchanged: 2 });
    expect(store.stats.requests).toBe(before.requests);
  });

  test('a changed enrichment updates the summary without touching the hit count', async () => {
    const { incidents } = await freshTables(azurite);
    const store = new IncidentStore(incidents);
    const hits = makeHits(10);
    await store.upsertHits(hits, ENRICHMENT);
    const report = await store.upsertHits(hits, () => ({ attack: [{ id: 'T1071' }] }));
    expect(report.incidentsUpdated).toBe(1);
    const [incident] = await store.listIncidents();
    expect(incident!.enrichment).toEqual({ attack: [{ id: 'T1071' }] });
    expect(incident!.hitCount).toBe(10);
  });

  test('a status set by triage survives new hits', async () => {
    const { incidents } = await freshTables(azurite);
    const store = new IncidentStore(incidents);
    await store.upsertHits(makeHits(5), ENRICHMENT);
    const [incident] = await store.listIncidents();
    await incidents.updateEntity({ partitionKey: incident!.incidentKey, rowKey: INCIDENT_ROW_KEY, status: 'closed' }, 'Merge');
    await store.upsertHits(makeHits(8), ENRICHMENT);
    const after = await store.getIncident(incident!.incidentKey);
    expect(after).toMatchObject({ status: 'closed', hitCount: 8 });
  });

  test('a few new hits against a large incident are looked up by key, not by scanning the partition', async () => {
    const { incidents } = await freshTables(azurite);
    const store = new IncidentStore(incidents);
    const stored = makeHits(3000, { spreadMs: 3_600_000 });
    await store.upsertHits(stored, ENRICHMENT);
    const reads = store.stats.readRequests;
    const rerun = [...stored.slice(0, 10), ...makeHits(4, { prefix: 'late' })];
    const report = await store.upsertHits(rerun, ENRICHMENT);
    expect(report).toMatchObject({ hitsStored: 4, hitsAlreadyStored: 10 });
    // One summary read plus one lookup of 14 keys; a scan would take at least 3 pages.
    expect(store.stats.readRequests - reads).toBe(2);
    const [incident] = await store.listIncidents();
    expect(incident!.hitCount).toBe(3004);
    let hitRows = 0;
    for await (const _ of incidents.listEntities({ queryOptions: { filter: odata`RowKey ge ${HIT_ROW_KEY_PREFIX} and RowKey lt ${'hit`'}`, select: ['RowKey'] } })) hitRows += 1;
    expect(hitRows).toBe(3004);
  });

  test('large batches write at least 90 entities per request', async () => {
    const { incidents } = await freshTables(azurite);
    const store = new IncidentStore(incidents);
    await store.upsertHits(makeHits(10_000, { incidents: 4 }), ENRICHMENT);
    const figure = entitiesPerRequest(store.stats);
    console.info(`entities per request, 10,000 hits in 4 incidents: ${figure.toFixed(1)} (${store.stats.operations} operations / ${store.stats.requests} requests)`);
    expect(figure).toBeGreaterThanOrEqual(90);
    expect((await dumpTable(incidents)).length).toBe(10_004);
  });

  test('hits spread over many small incidents cost one request per incident (reported, not a target)', async () => {
    const { incidents } = await freshTables(azurite);
    const store = new IncidentStore(incidents);
    await store.upsertHits(makeHits(2000, { incidents: 200 }), ENRICHMENT);
    console.info(`entities per request, 2,000 hits in 200 incidents: ${entitiesPerRequest(store.stats).toFixed(1)}`);
    expect(store.stats.requests).toBe(200);
  });
});
