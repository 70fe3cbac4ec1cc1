/**
 * A local fake of the Logs Ingestion endpoint of a data collection endpoint (DCE), for `npm start` and the tests:
 * `POST /dataCollectionRules/{immutableId}/streams/{stream}?api-version=2023-01-01` with a gzipped JSON array,
 * as the real `LogsIngestionClient` sends it. The payload is checked against the stream declaration of
 * src/sentinel/schema.ts (the one the Bicep DCR declares): an unknown rule or stream, a column the stream does
 * not declare or a value of the wrong type is refused with 400 and an error body, before any row is kept.
 * Accepted rows land in the custom table the DCR's data flow names, with the service's TimeGenerated as sent.
 *
 * {@link customTableResponder} lets the Log Analytics fake answer queries of those custom tables, so the round
 * trip (hunt → ingestion → query) runs through both real clients.
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { gunzipSync } from 'node:zlib';
import type { AddressInfo } from 'node:net';
import { KQL_COLUMN_TYPE, SENTINEL_TABLES, streamProblems, tableOfStream, type SentinelRow, type SentinelTable } from '../sentinel/schema.js';
import type { TableClient } from '@azure/data-tables';
import type { LogsQueryClient } from '@azure/monitor-query-logs';
import { createIngestionSink } from '../sentinel/ingestion.js';
import { TableSentLedger } from '../sentinel/ledger.js';
import { readLatestIncidentVersions } from '../sentinel/read-back.js';
import { INCIDENTS_TABLE } from '../sentinel/schema.js';
import { formatWriteBack, writeBackToSentinel, type IncidentSource, type WriteBackReport } from '../sentinel/write-back.js';
import { fakeReply, type FakeColumn, type FakeRespond } from './log-analytics-fake.js';

export const LOCAL_DCR_IMMUTABLE_ID = 'dcr-00000000000000000000000000005100';

export interface IngestionFake {
  /** The DCE logs ingestion endpoint to give the client, e.g. "http://127.0.0.1:41234". */
  readonly url: string;
  readonly dcrImmutableId: string;
  /** Rows received per custom table, in arrival order. */
  rows(table: string): readonly SentinelRow[];
  /** Every request: status and, for a refusal, the error message. */
  readonly requests: { stream: string; status: number; rows: number; error?: string }[];
  close(): Promise<void>;
}

export interface IngestionFakeOptions {
  dcrImmutableId?: string;
  port?: number;
  /** JSON lines `{"table", "row"}`: read at start and appended to, so the local workspace outlives a run as
   *  Azurite's tables do. Absent: in memory. */
  storeFile?: string;
}

export async function startIngestionFake(options: IngestionFakeOptions = {}): Promise<IngestionFake> {
  const dcrImmutableId = options.dcrImmutableId ?? LOCAL_DCR_IMMUTABLE_ID;
  const stored = new Map<string, SentinelRow[]>(SENTINEL_TABLES.map((table) => [table.table, []]));
  if (options.storeFile && existsSync(options.storeFile)) {
    for (const line of readFileSync(options.storeFile, 'utf8').split('\n')) {
      if (line.trim() === '') continue;
      const { table, row } = JSON.parse(line) as { table: string; row: SentinelRow };
      stored.get(table)?.push(row);
    }
  }
  const requests: IngestionFake['requests'] = [];
  const route = /^\/dataCollectionRules\/([^/]+)\/streams\/([^/?]+)$/;

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const reply = (status: number, code?: string, message?: string, stream = '', rows = 0): void => {
        requests.push({ stream, status, rows, ...(message ? { error: message } : {}) });
        if (code) {
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: { code, message } }));
        } else {
          res.writeHead(status);
          res.end();
        }
      };
      const url = new URL(req.url ?? '/', 'http://fake');
      const match = route.exec(url.pathname);
      if (req.method !== 'POST' || !match) return reply(404, 'NotFound', `no route ${req.method} ${url.pathname}`);
      const [, ruleId, streamName] = match.map((part) => decodeURIComponent(part ?? ''));
      if (!url.searchParams.get('api-version')) return reply(400, 'MissingApiVersionParameter', 'api-version is required', streamName);
      if (ruleId !== dcrImmutableId) return reply(404, 'InvalidDataCollectionRule', `data collection rule ${ruleId} not found`, streamName);
      const table: SentinelTable | undefined = tableOfStream(streamName!);
      if (!table) return reply(400, 'InvalidStream', `stream ${streamName} is not declared in the data collection rule`, streamName);
      let payload: unknown;
      try {
        const body = Buffer.concat(chunks);
        const text = (req.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body).toString('utf8');
        payload = JSON.parse(text);
      } catch (error) {
        return reply(400, 'InvalidPayload', `the body is not (gzipped) JSON: ${(error as Error).message}`, streamName);
      }
      const problems = streamProblems(table, payload);
      if (problems.length > 0) {
        const first = problems.slice(0, 3).map((problem) => `row ${problem.row} ${problem.column}: ${problem.reason}`).join('; ');
        return reply(400, 'InvalidStream', `payload does not match ${table.stream}: ${first}${problems.length > 3 ? ` (+${problems.length - 3} more)` : ''}`, streamName);
      }
      const rows = payload as SentinelRow[];
      stored.get(table.table)!.push(...rows);
      if (options.storeFile) appendFileSync(options.storeFile, rows.map((row) => `${JSON.stringify({ table: table.table, row })}\n`).join(''));
      reply(204, undefined, undefined, streamName, rows.length);
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    dcrImmutableId,
    rows: (table) => stored.get(table) ?? [],
    requests,
    close: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}

const ARG_MAX = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*\|\s*summarize\s+arg_max\(\s*([A-Za-z_][A-Za-z0-9_]*)\s*,\s*\*\s*\)\s+by\s+([A-Za-z_][A-Za-z0-9_]*)\s*$/;
const WHOLE_TABLE = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*$/;

/**
 * Answers queries of the custom tables from what the ingestion fake received, and hands every other query to
 * `fallback`. Two shapes only, the ones the README documents for reading the tables: `<table>` and
 * `<table> | summarize arg_max(<column>, *) by <column>`; anything else on a custom table is refused as the
 * service refuses a query it cannot run, so a test cannot believe the fake evaluated what it did not.
 */
export function customTableResponder(ingestion: IngestionFake, fallback: FakeRespond): FakeRespond {
  const byName = new Map(SENTINEL_TABLES.map((table) => [table.table, table]));
  return (request) => {
    const head = /^\s*([A-Za-z_][A-Za-z0-9_]*)/.exec(request.query)?.[1];
    const table = head ? byName.get(head) : undefined;
    if (!table) return fallback(request);
    const columns: FakeColumn[] = table.columns.map((declared) => ({ name: declared.name, type: KQL_COLUMN_TYPE[declared.type] }));
    const rows = ingestion.rows(table.table);
    if (WHOLE_TABLE.test(request.query)) return fakeReply.success(fakeReply.tableFromObjects(columns, [...rows]));
    const argMax = ARG_MAX.exec(request.query);
    if (!argMax) return fakeReply.badQuery(`the local fake answers only '${table.table}' and '${table.table} | summarize arg_max(<column>, *) by <column>'`);
    const [, , maxColumn, byColumn] = argMax;
    const known = new Set(table.columns.map((declared) => declared.name));
    for (const name of [maxColumn!, byColumn!]) if (!known.has(name)) return fakeReply.badQuery(`'${name}' is not a column of ${table.table}`);
    const latest = new Map<string, SentinelRow>();
    for (const row of rows) {
      const key = JSON.stringify(row[byColumn!] ?? null);
      const current = latest.get(key);
      if (!current || compareCells(row[maxColumn!], current[maxColumn!]) > 0) latest.set(key, row);
    }
    // summarize ... by puts the grouping column first, then the arg_max column, then the others.
    const ordered = [byColumn!, maxColumn!, ...table.columns.map((declared) => declared.name).filter((name) => name !== byColumn && name !== maxColumn)];
    const summarized = ordered.map((name) => columns.find((candidate) => candidate.name === name)!);
    return fakeReply.success(fakeReply.tableFromObjects(summarized, [...latest.values()]));
  };
}

function compareCells(left: unknown, right: unknown): number {
  if (typeof left === 'number' && typeof right === 'number') return left - right;
  return String(left ?? '') < String(right ?? '') ? -1 : String(left ?? '') > String(right ?? '') ? 1 : 0;
}

// ---------------------------------------------------------------------------------------------------------------
// The local run's write-back: `npm start` calls this after the hunt.

export interface LocalWriteBackOptions {
  /** The Log Analytics fake the hunt queried, and the responder it used: custom tables are answered in front of it. */
  logAnalytics: { setRespond(respond: FakeRespond): void };
  respond: FakeRespond;
  logsClient: LogsQueryClient;
  workspaceId: string;
  source: IncidentSource;
  ledgerTable: TableClient;
  /** Where the fake keeps the rows it received (`.local/sentinel-workspace.jsonl`). */
  storeFile: string;
  now?: () => Date;
}

export interface LocalWriteBackResult {
  report: WriteBackReport;
  /** Stored incidents whose latest version, read back through the query API, is the stored one. */
  readBack: number;
  line: string;
}

/** Hunt → ingestion → query of the custom table, through the real LogsIngestionClient and LogsQueryClient. */
export async function localWriteBack(options: LocalWriteBackOptions): Promise<LocalWriteBackResult> {
  const ingestion = await startIngestionFake({ storeFile: options.storeFile });
  try {
    options.logAnalytics.setRespond(customTableResponder(ingestion, options.respond));
    const sink = createIngestionSink({ ingestionEndpoint: ingestion.url, dcrImmutableId: ingestion.dcrImmutableId }, { insecureLocal: true });
    const report = await writeBackToSentinel({ source: options.source, ledger: new TableSentLedger(options.ledgerTable), sink, ...(options.now ? { now: options.now } : {}) });
    const latest = await readLatestIncidentVersions(options.logsClient, options.workspaceId);
    const latestByKey = new Map(latest.map((entry) => [entry.incidentKey, entry.version]));
    const incidents = await options.source.listIncidents();
    const readBack = incidents.filter((incident) => latestByKey.get(incident.incidentKey) === incident.hitCount).length;
    return { report, readBack, line: `${formatWriteBack(report, readBack)} (latest version of ${readBack}/${incidents.length} stored incidents in ${INCIDENTS_TABLE.table})` };
  } finally {
    await ingestion.close();
  }
}
