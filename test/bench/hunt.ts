// Hunt section: one window of 500,000 matching rows (the service's row limit) for the seed rule on asim, hunted
// by the real pipeline (runHunt) in a child process, so that the peak RSS is the hunt's own: the real
// LogsQueryClient reads the window in pages from the Log Analytics fake (served by this process), every page goes
// through the row adapter + Sigma matcher with grouping (verify), enrichment, the store (real IncidentStore on
// Azurite, whose transactions go to a counting sink: writing 490,000 hit entities to Azurite would measure
// Azurite) and the checkpoint. CPU is attributed to the pipeline's steps through its `faults` hook, which runs
// after each step. Then the table writes of an incident store on Azurite, reported as entities per request.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { getHeapStatistics } from 'node:v8';
import type { TableTransactionResponse } from '@azure/data-tables';
import type { LogsTable } from '@azure/monitor-query-logs';
import { loadHuntRules } from '../../src/hunt/clients.js';
import { HUNT_STEPS, runHunt, type HuntRule, type HuntStep } from '../../src/hunt/pipeline.js';
import { isServiceClockProbe } from '../../src/hunt/service-clock.js';
import { verifyRows } from '../../src/hunt/verify.js';
import { startAzurite } from '../../src/local/azurite.js';
import { fakeReply, startLogAnalyticsFake, type FakeRespond, type WireCell } from '../../src/local/log-analytics-fake.js';
import { createLogsQueryClient, tableToRows } from '../../src/loganalytics/index.js';
import { formatKustoDatetime, parseKustoDatetime } from '../../src/loganalytics/datetime.js';
import { entitiesPerRequest } from '../../src/store/batches.js';
import { CheckpointStore } from '../../src/store/checkpoint-store.js';
import { IncidentStore } from '../../src/store/incident-store.js';
import { createTableClients } from '../../src/store/tables.js';
import { eventsPerSecond, type BenchContext, type BenchRow, type BenchSection } from './sections.js';

const WINDOW_ROWS = 500_000;
/** Rows of one ingestion batch: they share an ingestion time, as rows ingested together do. */
const ROWS_PER_INSTANT = 4;
const WINDOW_START = Date.UTC(2026, 2, 2, 9, 0, 0);
const WINDOW_MS = 3_600_000;
const SAFETY_LAG_MS = 120_000;
const CPU_TARGET_MS = 2_000;
const RSS_TARGET_BYTES = 512 * 1024 * 1024;
const ENTITIES_PER_REQUEST_TARGET = 90;
const GROUPING_WINDOW_MS = 24 * 3_600_000;
const CHILD_FLAG = '--hunt-in-process-child';

const IMAGES = ['C:\\Users\\Public\\Downloads\\svchost.exe', 'C:\\PerfLogs\\x64.exe', 'c:\\windows\\fonts\\fontdrvhost64.exe', 'C:\\Users\\bob\\Music\\update.exe'];

/** The columns the compiled query projects for the seed rule on asim, with their Kusto types. */
const COLUMNS: readonly { name: string; type: 'datetime' | 'string' | 'int' }[] = [
  { name: 'TimeGenerated', type: 'datetime' },
  ...['Dvc', 'EventProduct', 'EventOriginalUid', '_ItemId', 'InitiatingProcessFolderPath', 'SrcProcessName', 'DstProcessName', 'SrcUsername'].map((name) => ({ name, type: 'string' as const })),
  ...['DstUsername', 'SrcProcessId', 'DstProcessId', 'NetworkDirection', 'DstFQDN', 'DstHostname', 'DstIpAddr'].map((name) => ({ name, type: 'string' as const })),
  { name: 'DstPortNumber', type: 'int' },
  { name: 'IngestionTime', type: 'string' },
];

const TICKS_PER_MS = 10_000n;
const START_TICKS = BigInt(WINDOW_START) * TICKS_PER_MS;
const INSTANTS = Math.ceil(WINDOW_ROWS / ROWS_PER_INSTANT);
/** Ticks between two ingestion instants: the window's hour spread evenly. */
const INSTANT_STEP = (BigInt(WINDOW_MS) * TICKS_PER_MS) / BigInt(INSTANTS);

/** Ingestion time of row `index`: instant k = floor(index / ROWS_PER_INSTANT) + 1 of the window (start, end]. */
function ingestionTicksOf(index: number): bigint {
  return START_TICKS + BigInt(Math.floor(index / ROWS_PER_INSTANT) + 1) * INSTANT_STEP;
}

/** The cells of one row as the service sends them: 1 in 50 is an over-match the matcher drops (a domain the
 *  rule's filter excludes, as a hand-written override would return). TimeGenerated is 30 s before ingestion. */
function wireCells(index: number): WireCell[] {
  const overMatch = index % 50 === 49;
  const ingested = ingestionTicksOf(index);
  return [
    formatKustoDatetime(ingested - 30_000n * TICKS_PER_MS, 'wire'),
    `WKS-${String(index % 100).padStart(4, '0')}.corp.contoso.com`,
    'Sysmon',
    '',
    `00000000-0000-4000-8000-${index.toString(16).padStart(12, '0')}`,
    '',
    '',
    IMAGES[index % IMAGES.length]!,
    '',
    'CORP\\anna.schmidt',
    '',
    String(1000 + (index % 5000)),
    '',
    overMatch ? 'raw.githubusercontent.com' : `c2-${index % 10}.example.net`,
    overMatch ? 'raw' : `c2-${index % 10}`,
    `203.0.113.${index % 250}`,
    443,
    formatKustoDatetime(ingested),
  ];
}

const INGESTION_RANGE = /ingestion_time\(\) > datetime\(([^)]+)\) and ingestion_time\(\) <= datetime\(([^)]+)\)/;
const PAGE = /\| top (\d+) by column_ifexists\("IngestionTime", ""\) asc\s*$/;

/**
 * The service for the window: the rows whose ingestion time lies in the query's (from, to], in ingestion order,
 * the first N of them for a page (`top N by IngestionTime asc`), all of them up to the 500,000-row limit
 * otherwise. The hunt's query text is fixed by src/hunt/query-plan.ts, so reading its bounds by pattern is exact.
 */
function windowResponder(): FakeRespond {
  return (request) => {
    // The run's service clock probe: its reply's Date header is what the hunt reads (src/hunt/service-clock.ts).
    if (isServiceClockProbe(request.query)) return fakeReply.success(fakeReply.table([], []));
    const range = INGESTION_RANGE.exec(request.query);
    if (!range) return fakeReply.badQuery('the bench fake needs the hunt\'s ingestion-time filter');
    const from = parseKustoDatetime(range[1]!);
    const to = parseKustoDatetime(range[2]!);
    const page = PAGE.exec(request.query);
    // Instants k with START + k * STEP in (from, to], k from 1 to INSTANTS.
    const firstInstant = from < START_TICKS ? 1n : (from - START_TICKS) / INSTANT_STEP + 1n;
    const lastInstant = to < START_TICKS ? 0n : (to - START_TICKS) / INSTANT_STEP;
    const firstRow = Math.max(0, Number(firstInstant - 1n) * ROWS_PER_INSTANT);
    const endRow = Math.min(WINDOW_ROWS, Number(lastInstant) * ROWS_PER_INSTANT);
    const limit = page ? Number(page[1]) : WINDOW_ROWS;
    const rows: WireCell[][] = [];
    for (let index = firstRow; index < endRow && rows.length < limit; index++) rows.push(wireCells(index));
    const table = { name: 'PrimaryResult', columns: COLUMNS.map((column) => ({ ...column })), rows };
    return !page && endRow - firstRow >= WINDOW_ROWS ? fakeReply.resultTooLarge(table) : fakeReply.success(table);
  };
}

interface InProcessResult {
  rows: number;
  hits: number;
  kqlOverMatch: number;
  incidentsCreated: number;
  incidentsUpdated: number;
  queries: number;
  pages: number;
  outcome: string;
  /** Operations the store sent to the sink (hit entities + summaries), in this many transactions. */
  sinkOperations: number;
  sinkTransactions: number;
  wallMs: number;
  /** CPU time (all threads: the GC's helpers count) per pipeline step, over every page. */
  cpuMs: Record<HuntStep, number>;
  /** RSS after loading the rule and a full GC: the process before the hunt. */
  startRssBytes: number;
  /** Peak RSS of the hunt (the kernel's high-water mark, reset before it); undefined where /proc/self/clear_refs
   *  cannot reset it. */
  huntPeakRssBytes: number | undefined;
  /** Peak RSS of the whole child. */
  peakRssBytes: number;
  /** V8's heap limit in the child (what Node chose for the memory it was given). */
  heapLimitBytes: number;
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

/** The child's work: one run of the hunt over the window, with its CPU per step and its peak RSS. */
async function inProcessChild(projectRoot: string, endpoint: string, connectionString: string): Promise<InProcessResult> {
  const rule = await loadSeedRule(projectRoot);
  const suffix = randomUUID().replace(/-/g, '').slice(0, 12);
  const tables = await createTableClients({ connectionString, incidentsTable: `BenchHunt${suffix}`, checkpointsTable: `BenchHuntChk${suffix}` });
  const sink = { operations: 0, transactions: 0 };
  const incidents = new IncidentStore(tables.incidents, {
    groupingWindowMs: GROUPING_WINDOW_MS,
    submitTransaction: async (_client, _partitionKey, actions) => {
      sink.transactions += 1;
      sink.operations += actions.length;
      const subResponses = actions.map((action, index) => ({ status: 204, rowKey: action[1].rowKey as string, etag: `W/"bench-${sink.transactions}-${index}"` }));
      return { status: 202, subResponses, getResponseForEntity: (rowKey: string) => subResponses.find((response) => response.rowKey === rowKey) } as TableTransactionResponse;
    },
  });
  const logsClient = createLogsQueryClient({ endpoint, insecureLocal: true });
  const now = new Date(WINDOW_START + WINDOW_MS + SAFETY_LAG_MS);
  const settings = {
    workspaceId: '11111111-2222-4333-8444-555555555555',
    target: 'asim' as const,
    lookbackMs: WINDOW_MS + SAFETY_LAG_MS,
    ingestionDelayMs: 5 * 60_000,
    safetyLagMs: SAFETY_LAG_MS,
    maxWindowMs: 2 * WINDOW_MS,
    groupingWindowMs: GROUPING_WINDOW_MS,
    runBudgetMs: 9 * 60_000,
  };
  // The child runs with --expose-gc: the hunt's peak is measured from a collected heap.
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
  const startRssBytes = process.memoryUsage().rss;
  const peakReset = resetPeakRss();

  const cpuMs = Object.fromEntries(HUNT_STEPS.map((step) => [step, 0])) as Record<HuntStep, number>;
  let mark = process.cpuUsage();
  const started = performance.now();
  const summary = await runHunt([rule], settings, {
    logsClient,
    incidents,
    checkpoints: new CheckpointStore(tables.checkpoints),
    log: { info: () => {}, warn: () => {}, error: (message) => void process.stderr.write(`${message}\n`) },
    now: () => now,
    faults: (step) => {
      const usage = process.cpuUsage(mark);
      cpuMs[step] += (usage.user + usage.system) / 1000;
      mark = process.cpuUsage();
    },
  });
  const wallMs = performance.now() - started;
  const totals = summary.totals;
  return {
    rows: totals.rows,
    hits: totals.verifiedHits,
    kqlOverMatch: totals.kqlOverMatch,
    incidentsCreated: totals.incidentsCreated,
    incidentsUpdated: totals.incidentsUpdated,
    queries: totals.queries,
    pages: totals.pages,
    outcome: summary.outcome,
    sinkOperations: sink.operations,
    sinkTransactions: sink.transactions,
    wallMs,
    cpuMs,
    startRssBytes,
    huntPeakRssBytes: peakReset ? peakRssSinceReset() : undefined,
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
    heapLimitBytes: getHeapStatistics().heap_size_limit,
  };
}

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(0)} MB`;
}

/**
 * V8 sizes its heap from the memory it is given (Node reads the cgroup limit: inside a 512 MB memory cgroup it
 * picks a 259 MB heap, measured here). Left at this machine's default, V8 lets garbage pile up long before it
 * collects, so that peak says how lazy the collector may be, not what the hunt needs. So the hunt runs twice:
 * inside a 512 MB memory cgroup where the machine allows one (the kernel enforces it: a hunt that needed more
 * would be killed), else with the heap Node would pick there (--max-old-space-size=256); then with the default.
 */
const INSTANCE_BYTES = 512 * 1024 * 1024;
const INSTANCE_HEAP_FLAGS = ['--max-old-space-size=256'];

interface MemoryLimit {
  /** How the child was limited, for the report. */
  mode: string;
  /** Runs the command inside the limit. */
  wrap(command: string, args: string[]): [string, string[]];
  remove(): void;
}

/** A 512 MB memory cgroup under this process's own (cgroup v1 or v2), or undefined where none can be made. */
function instanceCgroup(): MemoryLimit | undefined {
  try {
    const lines = readFileSync('/proc/self/cgroup', 'utf8').split('\n');
    const v1 = lines.find((line) => /^\d+:memory:/.test(line));
    const v2 = lines.find((line) => line.startsWith('0::'));
    let dir: string;
    if (v1) {
      dir = path.join('/sys/fs/cgroup/memory', v1.split(':')[2]!, `sigma-hunt-bench-${process.pid}`);
      mkdirSync(dir);
      writeFileSync(path.join(dir, 'memory.limit_in_bytes'), String(INSTANCE_BYTES));
    } else if (v2) {
      dir = path.join('/sys/fs/cgroup', v2.slice(3), `sigma-hunt-bench-${process.pid}`);
      mkdirSync(dir);
      writeFileSync(path.join(dir, 'memory.max'), String(INSTANCE_BYTES));
    } else {
      return undefined;
    }
    const procs = path.join(dir, 'cgroup.procs');
    return {
      mode: 'a 512 MB memory cgroup',
      wrap: (command, args) => ['/bin/sh', ['-c', 'echo $$ > "$0" && exec "$@"', procs, command, ...args]],
      remove: () => rmdirSync(dir),
    };
  } catch {
    return undefined;
  }
}

function heapFlagLimit(): MemoryLimit {
  return { mode: INSTANCE_HEAP_FLAGS.join(' '), wrap: (command, args) => [command, [...INSTANCE_HEAP_FLAGS, ...args]], remove: () => {} };
}

const NO_LIMIT: MemoryLimit = { mode: 'default heap', wrap: (command, args) => [command, args], remove: () => {} };

async function runChild(context: BenchContext, limit: MemoryLimit): Promise<InProcessResult> {
  // The service's clock is the child's `now`: the hunt plans its windows on the service's clock.
  const fake = await startLogAnalyticsFake({ respond: windowResponder(), clock: () => new Date(WINDOW_START + WINDOW_MS + SAFETY_LAG_MS) });
  const azurite = await startAzurite({ silent: true });
  try {
    const script = fileURLToPath(import.meta.url);
    const [command, args] = limit.wrap(process.execPath, ['--expose-gc', script, CHILD_FLAG, context.projectRoot, fake.url, azurite.connectionString]);
    const { stdout } = await promisify(execFile)(command, args, { maxBuffer: 1024 * 1024 });
    const result = JSON.parse(stdout) as InProcessResult;
    if (result.outcome !== 'ok' || result.rows !== WINDOW_ROWS) throw new Error(`the bench hunt did not read the window: ${JSON.stringify(result)}`);
    const cpu = result.cpuMs;
    context.log(
      `hunt (${limit.mode}, heap limit ${mb(result.heapLimitBytes)}): ${result.rows} rows in ${result.pages} pages (${result.queries} queries) -> ${result.hits} hits, ` +
        `${result.kqlOverMatch} over-matches, ${result.incidentsCreated} incidents created + ${result.incidentsUpdated} updated; ` +
        `${result.sinkOperations} entities in ${result.sinkTransactions} transactions to the sink; ${result.wallMs.toFixed(0)} ms wall; CPU ` +
        HUNT_STEPS.map((step) => `${step} ${cpu[step].toFixed(0)}`).join(', ') +
        ` ms (query includes the fake's replies and the SDK's parsing); RSS ${mb(result.startRssBytes)} before the hunt, peak ${mb(peakOf(result))} during it`,
    );
    return result;
  } finally {
    await fake.close();
    await azurite.stop();
  }
}

function peakOf(result: InProcessResult): number {
  return result.huntPeakRssBytes ?? result.peakRssBytes;
}

async function inProcess(context: BenchContext): Promise<BenchRow[]> {
  const limit = instanceCgroup() ?? heapFlagLimit();
  let instance: InProcessResult;
  try {
    instance = await runChild(context, limit);
  } finally {
    limit.remove();
  }
  const unbounded = await runChild(context, NO_LIMIT);
  const cpu = instance.cpuMs;
  const targetCpuMs = cpu.verify + cpu.enrich;
  const totalCpuMs = HUNT_STEPS.reduce((sum, step) => sum + cpu[step], 0);
  const cpuVerdict = targetCpuMs < CPU_TARGET_MS ? 'ok' : 'OVER TARGET';
  const rssVerdict = peakOf(instance) < RSS_TARGET_BYTES ? 'ok' : 'OVER TARGET';
  return [
    {
      label: 'adapter + verify + group + enrich, rows/s (CPU)',
      eventsPerSecond: eventsPerSecond(instance.rows, targetCpuMs),
      note: `CPU ${targetCpuMs.toFixed(0)} ms (target < ${CPU_TARGET_MS}: ${cpuVerdict})`,
    },
    {
      label: 'the whole hunt in 512 MB, rows/s',
      eventsPerSecond: eventsPerSecond(instance.rows, instance.wallMs),
      note: `peak RSS ${mb(peakOf(instance))} (target < 512 MB: ${rssVerdict}) in ${limit.mode}; ${totalCpuMs.toFixed(0)} ms CPU, ${instance.pages} pages`,
    },
    {
      label: 'the whole hunt, default heap, rows/s',
      eventsPerSecond: eventsPerSecond(unbounded.rows, unbounded.wallMs),
      note: `peak RSS ${mb(peakOf(unbounded))}: garbage V8 had no reason to collect yet`,
    },
    { label: 'of which store (encode, size, Azurite reads), hits/s (CPU)', eventsPerSecond: eventsPerSecond(instance.hits, cpu.store), note: `${cpu.store.toFixed(0)} ms CPU` },
  ];
}

/** Rows of the window as the SDK returns them (datetime cells as Dates). */
function writesTable(count: number): LogsTable {
  const rows = Array.from({ length: count }, (_, index) => {
    const cells: unknown[] = wireCells(index);
    cells[0] = new Date(cells[0] as string);
    return cells;
  });
  return { name: 'PrimaryResult', columnDescriptors: COLUMNS.map((column) => ({ ...column })), rows } as LogsTable;
}

async function tableWrites(context: BenchContext, rule: HuntRule): Promise<BenchRow[]> {
  const azurite = await startAzurite({ silent: true });
  try {
    const tables = await createTableClients({ connectionString: azurite.connectionString, incidentsTable: 'BenchIncidents', checkpointsTable: 'BenchCheckpoints' });
    const rows = tableToRows(writesTable(20_000)).rows.map((row, index) => ({ ...row, Dvc: `WKS-${index % 10}`, DstProcessName: IMAGES[0], DstFQDN: 'c2.example.net' }));
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
  inProcessChild(process.argv[3] ?? process.cwd(), process.argv[4] ?? '', process.argv[5] ?? '').then(
    (result) => void process.stdout.write(JSON.stringify(result)),
    (error: unknown) => {
      process.stderr.write(`bench child: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
