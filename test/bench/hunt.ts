// Hunt section: one window returning 500,000 rows (the service's row limit) for the seed rule on asim, taken
// through everything the hunt does in-process before the Table writes: the SDK table converted to rows
// (tableToRows), the row adapter + Sigma matcher (verify) with grouping into incidents, the enrichment of each
// incident, and the store's preparation of every hit (groupHits, per group, as upsertHits runs it before writing).
// It runs in a child process, so that the peak RSS is this work's own; then the table writes of an incident
// store on Azurite, reported as entities per request.
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import type { LogsTable } from '@azure/monitor-query-logs';
import { groupHits, type HitGroup } from '../../src/incidents/grouping.js';
import { loadHuntRules } from '../../src/hunt/clients.js';
import { enrichWindow, hitBatchesOf, verifyWindow, type HuntRule } from '../../src/hunt/pipeline.js';
import { verifyRows } from '../../src/hunt/verify.js';
import { startAzurite } from '../../src/local/azurite.js';
import { tableToRows, type QueryRow } from '../../src/loganalytics/index.js';
import { entitiesPerRequest } from '../../src/store/batches.js';
import { IncidentStore } from '../../src/store/incident-store.js';
import { createTableClients } from '../../src/store/tables.js';
import { eventsPerSecond, type BenchContext, type BenchRow, type BenchSection } from './sections.js';

const WINDOW_ROWS = 500_000;
const CPU_TARGET_MS = 2_000;
const RSS_TARGET_BYTES = 512 * 1024 * 1024;
const ENTITIES_PER_REQUEST_TARGET = 90;
const GROUPING_WINDOW_MS = 24 * 3_600_000;
/** Incident partitions the hunt stores in parallel (HuntDependencies.storeConcurrency's default): that many
 *  groups' prepared hits are alive at once. */
const STORE_CONCURRENCY = 8;
const CHILD_FLAG = '--hunt-in-process-child';

const IMAGES = ['C:\\Users\\Public\\Downloads\\svchost.exe', 'C:\\PerfLogs\\x64.exe', 'c:\\windows\\fonts\\fontdrvhost64.exe', 'C:\\Users\\bob\\Music\\update.exe'];

/** The columns the compiled query projects for the seed rule on asim, with their Kusto types. */
const COLUMNS: readonly { name: string; type: string }[] = [
  { name: 'TimeGenerated', type: 'datetime' },
  ...['Dvc', 'EventProduct', 'EventOriginalUid', '_ItemId', 'InitiatingProcessFolderPath', 'SrcProcessName', 'DstProcessName', 'SrcUsername'].map((name) => ({ name, type: 'string' })),
  ...['DstUsername', 'SrcProcessId', 'DstProcessId', 'NetworkDirection', 'DstFQDN', 'DstHostname', 'DstIpAddr'].map((name) => ({ name, type: 'string' })),
  { name: 'DstPortNumber', type: 'int' },
  { name: 'IngestionTime', type: 'string' },
];

/** The cells of one row as the service sends them: 1 in 50 is an over-match the matcher drops (a domain the
 *  rule's filter excludes, as a hand-written override would return). */
function wireCells(index: number, count: number, start: number): unknown[] {
  const overMatch = index % 50 === 49;
  const time = start + Math.floor((index * 3_600_000) / count);
  return [
    new Date(time).toISOString(),
    `WKS-${String(index % 100).padStart(4, '0')}.corp.contoso.com`,
    'Sysmon',
    '',
    `00000000-0000-4000-8000-${index.toString(16).padStart(12, '0')}`,
    '',
    '',
    IMAGES[index % IMAGES.length],
    '',
    'CORP\\anna.schmidt',
    '',
    String(1000 + (index % 5000)),
    '',
    overMatch ? 'raw.githubusercontent.com' : `c2-${index % 10}.example.net`,
    overMatch ? 'raw' : `c2-${index % 10}`,
    `203.0.113.${index % 250}`,
    443,
    new Date(time + 60_000).toISOString(),
  ];
}

/**
 * The window as LogsQueryClient returns it: a table of cell arrays parsed from the response JSON (so every
 * string cell is its own string, as JSON.parse makes it), datetime cells turned into Dates by the SDK. Parsed
 * in slices so the bench does not hold the whole response text.
 */
function sdkTable(count: number, start: number): LogsTable {
  const rows: unknown[][] = [];
  const slice = 10_000;
  for (let from = 0; from < count; from += slice) {
    const cells: unknown[][] = [];
    for (let index = from; index < Math.min(count, from + slice); index++) cells.push(wireCells(index, count, start));
    for (const row of JSON.parse(JSON.stringify(cells)) as unknown[][]) {
      row[0] = new Date(row[0] as string);
      rows.push(row);
    }
  }
  return { name: 'PrimaryResult', columnDescriptors: COLUMNS.map((column) => ({ ...column })), rows } as LogsTable;
}

interface InProcessResult {
  rows: number;
  hits: number;
  kqlOverMatch: number;
  incidents: number;
  storedHits: number;
  cpuMs: number;
  wallMs: number;
  stages: { convertMs: number; verifyMs: number; enrichMs: number; prepareMs: number };
  /** CPU time (all threads: the GC's helpers count) per stage. */
  stagesCpuMs: { convertMs: number; verifyMs: number; enrichMs: number; prepareMs: number };
  /** RSS with the SDK table loaded, after a full GC: the reference the stages' peak is compared with. */
  tableRssBytes: number;
  /** Peak RSS from there to the end of the stages (the kernel's high-water mark, reset after the table was
   *  built); undefined where /proc/self/clear_refs cannot reset it. */
  stagesPeakRssBytes: number | undefined;
  /** Peak RSS of the whole child, building the table included. */
  peakRssBytes: number;
}

/** Resets the kernel's RSS high-water mark (Linux >= 4.0); false where that is not possible. */
function resetPeakRss(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

/** VmHWM of /proc/self/status, in bytes. */
function peakRssSinceReset(): number | undefined {
  const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
  return match ? Number(match[1]) * 1024 : undefined;
}

async function loadSeedRule(projectRoot: string): Promise<HuntRule> {
  const loaded = await loadHuntRules({ rulesPath: path.join(projectRoot, 'rules'), target: 'asim' }, { info: () => {}, warn: () => {}, error: () => {} });
  return loaded.rules[0]!;
}

/** The child's work: everything in-process, measured with its own CPU time and the process's peak RSS. */
async function inProcessChild(projectRoot: string): Promise<InProcessResult> {
  const rule = await loadSeedRule(projectRoot);
  let table: LogsTable | undefined = sdkTable(WINDOW_ROWS, Date.UTC(2026, 2, 2, 9, 0, 0));
  // The child runs with --expose-gc: the table's own RSS is measured without the garbage of building it.
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
  const rssBeforeBytes = process.memoryUsage().rss;
  const peakReset = resetPeakRss();

  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const rows: QueryRow[] = tableToRows(table).rows;
  // The pipeline never sees the SDK's table again (runQuery returns the rows only).
  table = undefined;
  const converted = performance.now();
  const convertedCpu = process.cpuUsage(cpuBefore);
  const verified = verifyWindow(rows, rule, { groupingWindowMs: GROUPING_WINDOW_MS });
  const verifiedAt = performance.now();
  const verifiedCpu = process.cpuUsage(cpuBefore);
  const groups = enrichWindow(verified, rule, { groupingWindowMs: GROUPING_WINDOW_MS, target: 'asim' });
  const enriched = performance.now();
  const enrichedCpu = process.cpuUsage(cpuBefore);
  // The store's preparation, group by group as upsertHits does it; the last STORE_CONCURRENCY groups' prepared
  // hits stay alive, as they would while their writes are in flight.
  const inFlight: HitGroup[][] = [];
  let storedHits = 0;
  for (const group of groups) {
    for (const hits of hitBatchesOf(verified, group)) {
      const prepared = groupHits(hits, GROUPING_WINDOW_MS);
      for (const incident of prepared) storedHits += incident.hits.length;
      inFlight.push(prepared);
      if (inFlight.length > STORE_CONCURRENCY) inFlight.shift();
    }
  }
  const finished = performance.now();
  const cpu = process.cpuUsage(cpuBefore);
  return {
    rows: rows.length,
    hits: verified.hits,
    kqlOverMatch: verified.kqlOverMatch,
    incidents: groups.length,
    storedHits,
    cpuMs: cpuMsOf(cpu),
    wallMs: finished - started,
    stages: { convertMs: converted - started, verifyMs: verifiedAt - converted, enrichMs: enriched - verifiedAt, prepareMs: finished - enriched },
    stagesCpuMs: {
      convertMs: cpuMsOf(convertedCpu),
      verifyMs: cpuMsOf(verifiedCpu) - cpuMsOf(convertedCpu),
      enrichMs: cpuMsOf(enrichedCpu) - cpuMsOf(verifiedCpu),
      prepareMs: cpuMsOf(cpu) - cpuMsOf(enrichedCpu),
    },
    tableRssBytes: rssBeforeBytes,
    stagesPeakRssBytes: peakReset ? peakRssSinceReset() : undefined,
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
  };
}

function cpuMsOf(usage: NodeJS.CpuUsage): number {
  return (usage.user + usage.system) / 1000;
}

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(0)} MB`;
}

async function inProcess(context: BenchContext): Promise<BenchRow[]> {
  const script = fileURLToPath(import.meta.url);
  const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', script, CHILD_FLAG, context.projectRoot], { maxBuffer: 1024 * 1024 });
  const result = JSON.parse(stdout) as InProcessResult;
  const { stages } = result;
  const stagesPeak = result.stagesPeakRssBytes ?? result.peakRssBytes;
  context.log(
    `hunt: ${result.rows} rows -> ${result.hits} hits, ${result.kqlOverMatch} over-matches, ${result.incidents} incidents, ${result.storedHits} hits prepared for the store; ` +
      `${result.wallMs.toFixed(0)} ms wall (convert ${stages.convertMs.toFixed(0)}, verify+group ${stages.verifyMs.toFixed(0)}, enrich ${stages.enrichMs.toFixed(0)}, ` +
      `store preparation ${stages.prepareMs.toFixed(0)}), ${result.cpuMs.toFixed(0)} ms CPU (convert ${result.stagesCpuMs.convertMs.toFixed(0)}, ` +
      `verify+group ${result.stagesCpuMs.verifyMs.toFixed(0)}, enrich ${result.stagesCpuMs.enrichMs.toFixed(0)}, store preparation ${result.stagesCpuMs.prepareMs.toFixed(0)}); RSS ${mb(result.tableRssBytes)} with the bare SDK table loaded, ` +
      `peak ${mb(stagesPeak)} during the stages (${mb(result.peakRssBytes)} counting the table's construction)`,
  );
  const cpuVerdict = result.cpuMs < CPU_TARGET_MS ? 'ok' : 'OVER TARGET';
  const rssVerdict = stagesPeak < RSS_TARGET_BYTES ? 'ok' : 'OVER TARGET';
  const beforeStoreMs = stages.convertMs + stages.verifyMs + stages.enrichMs;
  return [
    {
      label: 'convert + verify + group + enrich + store preparation, rows/s',
      eventsPerSecond: eventsPerSecond(result.rows, result.wallMs),
      note: `CPU ${result.cpuMs.toFixed(0)} ms (target < ${CPU_TARGET_MS}: ${cpuVerdict}), peak RSS ${mb(stagesPeak)} (target < 512 MB: ${rssVerdict}; the bare table: ${mb(result.tableRssBytes)})`,
    },
    { label: 'of which convert + verify + group + enrich', eventsPerSecond: eventsPerSecond(result.rows, beforeStoreMs), note: `${beforeStoreMs.toFixed(0)} ms wall` },
    { label: 'of which store preparation (groupHits)', eventsPerSecond: eventsPerSecond(result.storedHits, stages.prepareMs), note: `${stages.prepareMs.toFixed(0)} ms wall for ${result.storedHits} hits` },
  ];
}

async function tableWrites(context: BenchContext, rule: HuntRule): Promise<BenchRow[]> {
  const azurite = await startAzurite({ silent: true });
  try {
    const tables = await createTableClients({ connectionString: azurite.connectionString, incidentsTable: 'BenchIncidents', checkpointsTable: 'BenchCheckpoints' });
    const rows = tableToRows(sdkTable(20_000, Date.UTC(2026, 2, 2, 9, 0, 0))).rows.map((row, index) => ({ ...row, Dvc: `WKS-${index % 10}`, DstProcessName: IMAGES[0], DstFQDN: 'c2.example.net' }));
    const hits = verifyRows(rows, rule.mapping, rule.compiled).hits;
    const store = new IncidentStore(tables.incidents, { groupingWindowMs: GROUPING_WINDOW_MS });
    const started = performance.now();
    const report = await store.upsertHits(hits, () => ({}));
    const elapsedMs = performance.now() - started;
    const perRequest = entitiesPerRequest(store.stats);
    context.log(`hunt: stored ${report.hitsStored} hits in ${report.incidentsCreated} incidents with ${store.stats.requests} transactions (${perRequest.toFixed(1)} entities/request)`);
    return [
      {
        label: 'table writes (Azurite), hits/s',
        eventsPerSecond: eventsPerSecond(report.hitsStored, elapsedMs),
        note: `${perRequest.toFixed(1)} entities per request (target >= ${ENTITIES_PER_REQUEST_TARGET}: ${perRequest >= ENTITIES_PER_REQUEST_TARGET ? 'ok' : 'BELOW TARGET'})`,
      },
    ];
  } finally {
    await azurite.stop();
  }
}

export const huntSection: BenchSection = {
  name: 'hunt: a 500,000-row window through verify, enrich and group; table writes',
  async run(context) {
    const rule = await loadSeedRule(context.projectRoot);
    return [...(await inProcess(context)), ...(await tableWrites(context, rule))];
  },
};

if (process.argv[2] === CHILD_FLAG && import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  inProcessChild(process.argv[3] ?? process.cwd()).then(
    (result) => void process.stdout.write(JSON.stringify(result)),
    (error: unknown) => {
      process.stderr.write(`bench child: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
