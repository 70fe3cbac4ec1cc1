// Hostile event values through the whole hunt: the real LogsQueryClient against the Log Analytics fake, the
// incident store against Azurite. A row whose host name is 2,000,000 characters must be hunted like any other:
// its verdict stored, every stored entity within Table Storage limits, and re-runs converging on one clean run.
import type { TableClient } from '@azure/data-tables';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { HUNT_STEPS, type HuntRule } from '../../src/hunt/pipeline.js';
import { analyzeKql, kqlErrors } from '../../src/kql/analysis.js';
import type { SampleWorkspace } from '../../src/local/sample-workspace.js';
import { isValidTableKey } from '../../src/incidents/keys.js';
import { DISPLAY_MAX_CHARS } from '../../src/incidents/grouping.js';
import { IncidentStore } from '../../src/store/incident-store.js';
import { assertEntityWithinLimits, int32, TABLE_LIMITS, type StoredEntity, type StoredValue } from '../../src/store/limits.js';
import { targetDatabase } from '../../src/targets/index.js';
import { ANCHOR, crashAfter, dumpTables, freshTables, huntRunner, sampleRows, seedRules, serveWorkspace, startServices, type Services } from './harness.js';

const MINUTE = 60_000;
const LONG_HOST_CHARS = 2_000_000;
/** Starts like a real FQDN, then carries what could break a query or a key: quotes, backslashes, a pipe, a
 *  comment, control characters, U+2028/U+2029 (which Azurite's batch parser once cut a transaction at, see
 *  src/store/line-separators.ts), non-ASCII, a lone surrogate; then padding to 2,000,000 characters. */
const HOSTILE_HEAD = 'WS-LONG.corp"\\| // \u0000\u0007\n\u2028\u2029Kelvin\u212A \ud800 ';
const LONG_HOST = HOSTILE_HEAD + 'a'.repeat(LONG_HOST_CHARS - HOSTILE_HEAD.length);
const LONG_ROW_ID = 'long-host-row-1';

let services: Services;
let rules: HuntRule[];
/** The sample workspace plus one matching row on the long host. */
let hostile: SampleWorkspace;
/** Tables of one clean run over the sample workspace alone. */
let sampleTables: Awaited<ReturnType<typeof dumpTables>>;
/** Tables of one clean run over the hostile workspace: what every scenario must converge to. */
let cleanTables: Awaited<ReturnType<typeof dumpTables>>;

beforeAll(async () => {
  services = await startServices();
  rules = await seedRules();
  const workspace = await sampleRows();
  serveWorkspace(services.fake, workspace);
  const plain = await freshTables(services.azurite);
  await huntRunner(services, plain, rules).run(ANCHOR);
  sampleTables = await dumpTables(plain);

  const matching = workspace.rows.find((row) => row.DstProcessName === 'C:\\PerfLogs\\x64.exe')!;
  hostile = { ...workspace, rows: [...workspace.rows, { ...matching, _ItemId: LONG_ROW_ID, Dvc: LONG_HOST }] };
  serveWorkspace(services.fake, hostile);
  const tables = await freshTables(services.azurite);
  const summary = await huntRunner(services, tables, rules).run(ANCHOR);
  expect(summary.outcome).toBe('ok');
  expect(summary.totals).toMatchObject({ verifiedHits: 5, incidentsCreated: 5 });
  cleanTables = await dumpTables(tables);
});
afterAll(async () => services?.stop());

/** Every entity as the service would size it (numbers read back as Int32, as the store writes them). */
async function storedEntities(client: TableClient): Promise<StoredEntity[]> {
  const entities: StoredEntity[] = [];
  for await (const entity of client.listEntities<Record<string, unknown>>()) {
    const { etag: _etag, timestamp: _timestamp, 'odata.metadata': _metadata, partitionKey, rowKey, ...properties } = entity as Record<string, unknown>;
    const stored: Record<string, StoredValue> = {};
    for (const [name, value] of Object.entries(properties)) stored[name] = typeof value === 'number' ? int32(value) : (value as StoredValue);
    entities.push({ partitionKey: String(partitionKey), rowKey: String(rowKey), ...stored });
  }
  return entities;
}

function withoutLongHost(dump: Awaited<ReturnType<typeof dumpTables>>, longIncidentKey: string): Awaited<ReturnType<typeof dumpTables>> {
  return { ...dump, incidents: dump.incidents.filter((entity) => entity.partitionKey !== longIncidentKey) };
}

describe('a row whose host name is 2,000,000 characters', () => {
  test('is stored as a hit of its own incident, with the host cut for display and the cut recorded', async () => {
    const tables = await freshTables(services.azurite);
    serveWorkspace(services.fake, hostile);
    await huntRunner(services, tables, rules).run(ANCHOR);
    const store = new IncidentStore(tables.incidents);
    const incidents = await store.listIncidents();
    const long = incidents.filter((incident) => incident.host.startsWith('WS-LONG.corp'));
    expect(long).toHaveLength(1);
    const incident = long[0]!;
    expect(incident.host.length).toBeLessThanOrEqual(DISPLAY_MAX_CHARS);
    expect(incident.truncated).toContain('host');
    expect(incident.hitCount).toBe(1);
    const hits = await store.listHits(incident.incidentKey);
    expect(hits.map((hit) => hit.hitId)).toEqual([expect.stringContaining(LONG_ROW_ID)]);
  });

  test('leaves every other incident exactly as a run without that row stores it', async () => {
    const longKey = cleanTables.incidents.find((entity) => entity.rowKey === 'incident' && String(entity.host).startsWith('WS-LONG.corp'))?.partitionKey;
    expect(longKey).toEqual(expect.any(String));
    expect(withoutLongHost(cleanTables, String(longKey)).incidents).toEqual(sampleTables.incidents);
    expect(cleanTables.checkpoints).toEqual(sampleTables.checkpoints);
  });

  test('stores nothing over a Table Storage limit, and no key holds the raw value', async () => {
    const tables = await freshTables(services.azurite);
    serveWorkspace(services.fake, hostile);
    await huntRunner(services, tables, rules).run(ANCHOR);
    for (const client of [tables.incidents, tables.checkpoints]) {
      for (const entity of await storedEntities(client)) {
        expect(() => assertEntityWithinLimits(entity)).not.toThrow();
        expect(isValidTableKey(entity.partitionKey) && isValidTableKey(entity.rowKey)).toBe(true);
        for (const value of Object.values(entity)) {
          if (typeof value === 'string') expect(value.length).toBeLessThanOrEqual(TABLE_LIMITS.maxStringChars);
        }
      }
    }
  });

  test('gets pivot queries that are bounded, valid KQL and say that they match the host by prefix', async () => {
    const tables = await freshTables(services.azurite);
    serveWorkspace(services.fake, hostile);
    await huntRunner(services, tables, rules).run(ANCHOR);
    const incident = (await new IncidentStore(tables.incidents).listIncidents()).find((each) => each.host.startsWith('WS-LONG.corp'))!;
    expect(incident.truncated).not.toContain('enrichment');
    const pivots = (incident.enrichment as { pivots: { name: string; title: string; query: string }[] }).pivots;
    expect(pivots.map((pivot) => pivot.name)).toEqual(['host-connections', 'process-history', 'process-connections']);
    for (const pivot of pivots) {
      expect(pivot.query.length).toBeLessThan(8_192);
      expect(kqlErrors(analyzeKql(pivot.query, targetDatabase('asim'))), pivot.name).toEqual([]);
      expect(pivot.query).toContain('Dvc startswith "WS-LONG.corp\\"\\\\| // \\u0000\\u0007\\n\\u2028\\u2029Kelvin\u212A \\ud800 aaa');
    }
    expect(pivots[0]!.title).toMatch(/host name over \d+ characters: matched by its first \d+/);
  });

  test('re-running the window from scratch leaves the tables of one clean run', async () => {
    serveWorkspace(services.fake, hostile);
    const tables = await freshTables(services.azurite);
    const runner = huntRunner(services, tables, rules);
    await runner.run(ANCHOR);
    const again = await runner.run(ANCHOR, { settings: { sinceMs: 60 * MINUTE } });
    expect(again.totals).toMatchObject({ verifiedHits: 5, incidentsCreated: 0 });
    expect(await dumpTables(tables)).toEqual(cleanTables);
  });

  for (const step of HUNT_STEPS) {
    test(`a crash after ${step}, then a clean run, leaves the tables of one clean run`, async () => {
      serveWorkspace(services.fake, hostile);
      const tables = await freshTables(services.azurite);
      const runner = huntRunner(services, tables, rules);
      const crashed = await runner.run(ANCHOR, { faults: crashAfter(step) });
      expect(crashed.outcome).toBe('failed');
      await runner.run(ANCHOR);
      expect(await dumpTables(tables)).toEqual(cleanTables);
    });
  }
});
