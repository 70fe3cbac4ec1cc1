// The local ingestion endpoint behind the real LogsIngestionClient, and the custom table read back through the
// real LogsQueryClient from the Log Analytics fake.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogsQueryClient } from '../../src/loganalytics/index.js';
import { customTableResponder, startIngestionFake, type IngestionFake } from '../../src/local/ingestion-fake.js';
import { fakeReply, startLogAnalyticsFake, type LogAnalyticsFake } from '../../src/local/log-analytics-fake.js';
import { createIngestionSink } from '../../src/sentinel/ingestion.js';
import { MemorySentLedger } from '../../src/sentinel/ledger.js';
import { LATEST_INCIDENTS_QUERY, readLatestIncidentVersions } from '../../src/sentinel/read-back.js';
import { HITS_TABLE, INCIDENTS_TABLE } from '../../src/sentinel/schema.js';
import { writeBackToSentinel, type IncidentSource, type IngestionSink } from '../../src/sentinel/write-back.js';
import type { Incident } from '../../src/incidents/model.js';

const WORKSPACE = '00000000-0000-4000-8000-000000000077';

function incident(key: string, hitCount: number): Incident {
  return {
    incidentKey: key, ruleId: 'r1', ruleTitle: 'Rule one', severity: 'medium', host: 'ws1', processImage: 'C:\\a.exe',
    destination: { ip: '10.0.0.1', port: 8080 }, bucketStart: new Date('2025-11-03T00:00:00Z'), groupingWindowMs: 86_400_000,
    firstSeen: new Date('2025-11-03T10:00:00Z'), lastSeen: new Date('2025-11-03T10:05:00Z'), hitCount, sampleHits: [],
    explanation: { matchedSearches: ['selection'], unmatchedSearches: [], reasons: [] }, enrichment: {}, status: 'new', truncated: [],
  };
}

function sourceOf(incidents: Incident[]): IncidentSource {
  return {
    listIncidents: async () => incidents,
    listHits: async (key) => [{ hitId: `${key}-h`, eventTime: new Date('2025-11-03T10:00:00Z'), destination: {}, event: { a: 1 }, explanation: incidents[0]!.explanation }],
  };
}

describe('ingestion fake with LogsIngestionClient', () => {
  let ingestion: IngestionFake;
  let logAnalytics: LogAnalyticsFake;
  beforeAll(async () => {
    ingestion = await startIngestionFake();
    logAnalytics = await startLogAnalyticsFake();
    logAnalytics.setRespond(customTableResponder(ingestion, () => fakeReply.badQuery('not a custom table')));
  });
  afterAll(async () => {
    await ingestion.close();
    await logAnalytics.close();
  });

  it('accepts the writer\'s rows (gzipped by the client), and the query API reads back the latest version per incident', async () => {
    const sink = createIngestionSink({ ingestionEndpoint: ingestion.url, dcrImmutableId: ingestion.dcrImmutableId }, { insecureLocal: true });
    const ledger = new MemorySentLedger();
    const first = await writeBackToSentinel({ source: sourceOf([incident('k1', 1), incident('k2', 3)]), ledger, sink });
    expect(first).toMatchObject({ incidentVersionsSent: 2, hitsSent: 2, failed: 0 });
    const second = await writeBackToSentinel({ source: sourceOf([incident('k1', 2), incident('k2', 3)]), ledger, sink });
    expect(second).toMatchObject({ incidentVersionsSent: 1, upToDate: 1, failed: 0 });
    expect(ingestion.rows(INCIDENTS_TABLE.table)).toHaveLength(3);
    expect(ingestion.rows(HITS_TABLE.table)).toHaveLength(3);

    const client = createLogsQueryClient({ endpoint: logAnalytics.url, insecureLocal: true });
    const latest = await readLatestIncidentVersions(client, WORKSPACE);
    expect(latest.sort((a, b) => a.incidentKey.localeCompare(b.incidentKey))).toEqual([
      { incidentKey: 'k1', version: 2 },
      { incidentKey: 'k2', version: 3 },
    ]);
    expect(logAnalytics.requests.at(-1)!.query).toBe(LATEST_INCIDENTS_QUERY);
  });

  it('refuses a payload that violates the DCR stream schema with 400, keeps none of it, and the run reports it', async () => {
    const real = createIngestionSink({ ingestionEndpoint: ingestion.url, dcrImmutableId: ingestion.dcrImmutableId }, { insecureLocal: true });
    const before = ingestion.rows(INCIDENTS_TABLE.table).length;
    const breaking: IngestionSink = { upload: (table, rows) => real.upload(table, table === INCIDENTS_TABLE ? rows.map((row) => ({ ...row, Verdict: 'extra' })) : rows) };
    const report = await writeBackToSentinel({ source: sourceOf([incident('k9', 1)]), ledger: new MemorySentLedger(), sink: breaking });
    expect(report).toMatchObject({ incidentVersionsSent: 0, failed: 1, failures: [{ incidentKey: 'k9', stage: 'incident' }] });
    expect(report.failures[0]!.reason).toMatch(/^400 .*Verdict: not declared in Custom-SigmaHuntIncidents_CL/);
    expect(ingestion.rows(INCIDENTS_TABLE.table)).toHaveLength(before);
    expect(ingestion.requests.at(-1)).toMatchObject({ stream: INCIDENTS_TABLE.stream, status: 400 });
  });

  it('refuses an unknown data collection rule and an undeclared stream', async () => {
    const wrongRule = createIngestionSink({ ingestionEndpoint: ingestion.url, dcrImmutableId: 'dcr-ffffffffffffffffffffffffffffffff' }, { insecureLocal: true });
    await expect(wrongRule.upload(INCIDENTS_TABLE, [])).resolves.toBeUndefined(); // nothing to send: no request
    await expect(wrongRule.upload(HITS_TABLE, [{ TimeGenerated: new Date().toISOString(), HitId: 'h' }])).rejects.toMatchObject({ errors: [expect.anything()] });
    const sink = createIngestionSink({ ingestionEndpoint: ingestion.url, dcrImmutableId: ingestion.dcrImmutableId }, { insecureLocal: true });
    await expect(sink.upload({ ...HITS_TABLE, stream: 'Custom-Other_CL' }, [{ TimeGenerated: new Date().toISOString() }])).rejects.toBeDefined();
    expect(ingestion.requests.at(-1)).toMatchObject({ stream: 'Custom-Other_CL', status: 400 });
  });

  it('refuses queries of a custom table that the fake cannot evaluate, rather than answering wrongly', async () => {
    const client = createLogsQueryClient({ endpoint: logAnalytics.url, insecureLocal: true });
    await expect(client.queryWorkspace(WORKSPACE, `${INCIDENTS_TABLE.table} | where Severity == 'high'`, { duration: 'P1D' })).rejects.toMatchObject({ statusCode: 400 });
  });
});
