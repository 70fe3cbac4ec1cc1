// U+2028/U+2029 in event values: Azurite cuts a transaction's entity JSON at a raw line separator; the store's
// clients send them as JSON escapes, so such a hit is stored and read back byte for byte.
import { TableClient } from '@azure/data-tables';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startAzurite, type RunningAzurite } from '../../src/local/azurite.js';
import { StoreError, statusOf } from '../../src/store/errors.js';
import { IncidentStore } from '../../src/store/incident-store.js';
import { ESCAPE_LINE_SEPARATORS_PHASE, ESCAPE_LINE_SEPARATORS_POLICY_NAME, escapeLineSeparators, escapeLineSeparatorsPolicy } from '../../src/store/line-separators.js';
import { ENRICHMENT, freshTables, makeHit } from './helpers.js';

let azurite: RunningAzurite;
beforeAll(async () => {
  azurite = await startAzurite({ silent: true });
});
afterAll(async () => {
  await azurite?.stop();
});

const SEPARATED = ['line\u2028separator', 'paragraph\u2029separator', '\u2028\u2029', 'both \u2028 and \u2029 and a quote " and \\u2028 spelled out'];

async function rawClient(): Promise<TableClient> {
  const name = `raw${Math.random().toString(36).slice(2, 12)}`;
  const client = TableClient.fromConnectionString(azurite.connectionString, name, { allowInsecureConnection: true });
  await client.createTable();
  return client;
}

describe('line separators in a transaction (an Azurite quirk, not a Table Storage limit)', () => {
  test('Azurite refuses a transaction whose JSON holds a raw U+2028, but accepts the same entity inserted alone', async () => {
    const client = await rawClient();
    const value = SEPARATED[0]!;
    const refused = await client.submitTransaction([['create', { partitionKey: 'p', rowKey: 'batch', value }]]).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refused, 'the raw transaction should fail in Azurite 3.35; if it passes, Azurite fixed its parser').toBeDefined();
    expect(statusOf(refused)).toBeGreaterThanOrEqual(400);
    await client.createEntity({ partitionKey: 'p', rowKey: 'single', value });
    expect((await client.getEntity<{ value: string }>('p', 'single')).value).toBe(value);
  });

  test('the same transaction with the separators written as JSON escapes is accepted and stores the same value', async () => {
    const client = await rawClient();
    client.pipeline.addPolicy(escapeLineSeparatorsPolicy, { phase: ESCAPE_LINE_SEPARATORS_PHASE });
    await client.submitTransaction(SEPARATED.map((value, index) => ['create', { partitionKey: 'p', rowKey: `r${index}`, value }]));
    for (const [index, value] of SEPARATED.entries()) {
      expect((await client.getEntity<{ value: string }>('p', `r${index}`)).value).toBe(value);
    }
  });

  test('escaping is JSON-neutral: the escaped text parses to the same value, other text is untouched', () => {
    for (const value of [...SEPARATED, '<a href="data:text/html,<script>alert(1)</script>">x</a>', 'plain']) {
      const json = JSON.stringify({ value });
      const escaped = escapeLineSeparators(json);
      expect(escaped).not.toMatch(/[\u2028\u2029]/);
      expect(JSON.parse(escaped)).toEqual({ value });
    }
    expect(escapeLineSeparators('no separators')).toBe('no separators');
  });

  test('the store clients carry the policy, and a hit with separators in every value is stored and read back', async () => {
    const { incidents } = await freshTables(azurite);
    expect(incidents.pipeline.getOrderedPolicies().map((policy) => policy.name)).toContain(ESCAPE_LINE_SEPARATORS_POLICY_NAME);
    const store = new IncidentStore(incidents);
    const hits = SEPARATED.map((value, index) =>
      makeHit({ hitId: `sep-${index}`, host: `H${index}${value}`, processImage: value, account: value, event: { Image: value, CommandLine: value }, destination: { fqdn: value, port: 443 } }),
    );
    const report = await store.upsertHits(hits, ENRICHMENT);
    expect(report.hitsStored).toBe(SEPARATED.length);
    const incidentsStored = await store.listIncidents();
    expect(new Set(incidentsStored.map((incident) => incident.processImage))).toEqual(new Set(SEPARATED));
    for (const incident of incidentsStored) {
      const [hit] = await store.listHits(incident.incidentKey);
      expect(hit!.event.Image).toBe(incident.processImage);
      expect(hit!.event.CommandLine).toBe(incident.processImage);
    }
  });
});

describe('a transaction the service refuses for another reason', () => {
  test('fails the call with a StoreError naming the incident and the hits, the service\'s status and message kept', async () => {
    const { incidents } = await freshTables(azurite);
    // The raw client (no escaping policy) stands in for any body the service cannot take.
    const raw = TableClient.fromConnectionString(azurite.connectionString, incidents.tableName, { allowInsecureConnection: true });
    const store = new IncidentStore(raw);
    const error = await store.upsertHits([makeHit({ hitId: 'refused-hit', event: { Image: SEPARATED[0]! } })], ENRICHMENT).then(
      () => undefined,
      (failure: unknown) => failure,
    );
    expect(error).toBeInstanceOf(StoreError);
    expect(error).toMatchObject({ code: 'refused' });
    expect((error as StoreError).message).toMatch(/incident [0-9a-f]+: the table service refused a transaction of 2 operations \(1 hits: "refused-hit"\) with status \d{3}: /);
    expect(statusOf((error as StoreError).cause)).toBeGreaterThanOrEqual(400);
    // Nothing half-written: the incident's summary and hit went in one transaction, which did not commit.
    expect(await new IncidentStore(incidents).listIncidents()).toEqual([]);
  });
});
