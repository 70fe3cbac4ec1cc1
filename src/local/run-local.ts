/**
 * `npm start`: the hunt pipeline on this machine, with nothing to configure. Azurite (table service, loopback,
 * a free port) keeps its data in `.local/azurite/` of the checkout (git-ignored); the bundled Sysmon samples are
 * served as Log Analytics rows by the local fake of the query API, whose responder evaluates the hunt's real KQL
 * with the KQL oracle, so the real LogsQueryClient, the pre-filter and the time and ingestion windows all run.
 *
 * The sample rows are placed relative to an anchor instant stored in `.local/sample-workspace.json`: a second
 * run sees the same rows, finds the first run's incidents and checkpoint, and creates nothing. When the store
 * is empty and the anchor has fallen out of the lookback (a fresh `.local/azurite/`), the anchor moves to now so
 * that a run always finds data.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseHuntConfig } from '../hunt/config.js';
import { runConfiguredHunt } from '../hunt/clients.js';
import { formatIncidentTable } from '../hunt/incident-table.js';
import type { HuntLog } from '../hunt/pipeline.js';
import { formatSummary, type HuntSummary } from '../hunt/summary.js';
import type { Incident } from '../incidents/model.js';
import { createLogsQueryClient } from '../loganalytics/index.js';
import { IncidentStore } from '../store/incident-store.js';
import { createTableClients } from '../store/tables.js';
import { startAzurite } from './azurite.js';
import { localWriteBack, type LocalWriteBackResult } from './ingestion-fake.js';
import { startLogAnalyticsFake } from './log-analytics-fake.js';
import { defaultSampleTiming, defenderWorkspace, oracleResponder, readDefenderRows, readSampleEvents, sampleWorkspace } from './sample-workspace.js';

/** The workspace id the local run uses when LOG_ANALYTICS_WORKSPACE_ID is unset (checkpoints are keyed by it). */
export const LOCAL_WORKSPACE_ID = '00000000-0000-4000-8000-00000000510c';
export const SAMPLE_EVENTS_FILE = path.join('samples', 'sysmon-network-connection.jsonl');
/** Defender for Endpoint process rows from a Windows and a Linux device, hunted on target mde with their rules. */
export const DEFENDER_SAMPLE_FILE = path.join('samples', 'defender', 'DeviceProcessEvents.jsonl');
export const DEFENDER_SAMPLE_RULES = path.join('samples', 'defender', 'rules');

/** The checkout: the folder above this module that holds package.json. */
export function projectRootOf(moduleUrl: string = import.meta.url): string {
  let dir = path.dirname(fileURLToPath(moduleUrl));
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) return process.cwd();
    dir = parent;
  }
  return dir;
}

export interface RunLocalOptions {
  /** Default `<checkout>/.local`. */
  localDir?: string;
  env?: Readonly<Record<string, string | undefined>>;
  out?: Writable;
  now?: () => Date;
}

export interface LocalRunResult {
  summary: HuntSummary;
  /** The second hunt: the Defender sample rows (Windows and Linux devices) on target mde. */
  defenderSummary: HuntSummary;
  incidents: Incident[];
  sentinel: LocalWriteBackResult;
}

export async function runLocal(options: RunLocalOptions = {}): Promise<LocalRunResult> {
  const root = projectRootOf();
  const localDir = options.localDir ?? path.join(root, '.local');
  const env = options.env ?? process.env;
  const out = options.out ?? process.stdout;
  const now = options.now ?? (() => new Date());
  const config = parseHuntConfig(env, { environment: 'local', appRoot: root });
  const workspaceId = config.workspaceId ?? LOCAL_WORKSPACE_ID;
  await mkdir(localDir, { recursive: true });

  const azurite = await startAzurite({ location: path.join(localDir, 'azurite'), silent: true });
  const fake = await startLogAnalyticsFake();
  try {
    const tables = await createTableClients({
      connectionString: azurite.connectionString,
      incidentsTable: config.incidentsTable,
      checkpointsTable: config.checkpointsTable,
    });
    const store = new IncidentStore(tables.incidents, { groupingWindowMs: config.groupingWindowMs });
    const anchor = await sampleAnchor(localDir, now(), config.lookbackMs, (await store.listIncidents()).length === 0);
    const events = await readSampleEvents(path.join(root, SAMPLE_EVENTS_FILE));
    const workspace = sampleWorkspace(config.target, events, (index, count) => defaultSampleTiming(anchor, index, count));
    const respond = oracleResponder({ mapping: workspace.mapping, rows: () => workspace.rows });
    fake.setRespond(respond);

    const logsClient = createLogsQueryClient({ endpoint: fake.url, insecureLocal: true });
    const log = consoleLog(out);
    const summary = await runConfiguredHunt(config, { logsClient, tables }, log, { workspaceId, now });

    // A second hunt shows the Defender case: process rows of a Windows and a Linux device on target mde, where
    // each rule meets only its product's devices (src/targets/README.md, Products).
    const defender = defenderWorkspace(await readDefenderRows(path.join(root, DEFENDER_SAMPLE_FILE)), anchor);
    fake.setRespond(oracleResponder({ mapping: defender.mapping, rows: () => defender.rows }));
    out.write('\nDefender for Endpoint sample (DeviceProcessEvents from a Windows and a Linux device, target mde):\n');
    const defenderConfig = { ...config, target: 'mde' as const, rulesPath: path.join(root, DEFENDER_SAMPLE_RULES) };
    const defenderSummary = await runConfiguredHunt(defenderConfig, { logsClient, tables }, log, { workspaceId, now });

    const incidents = await store.listIncidents();
    out.write(`\n${formatIncidentTable(incidents)}\n\n${formatSummary(summary)}\n\n${formatSummary(defenderSummary)}\n`);
    // Write-back to Sentinel: the real LogsIngestionClient to a local ingestion endpoint, read back by query.
    const sentinel = await localWriteBack({ logAnalytics: fake, respond, logsClient, workspaceId, source: store, ledgerTable: tables.checkpoints, storeFile: path.join(localDir, 'sentinel-workspace.jsonl'), now });
    out.write(`\n${sentinel.line}\n`);
    out.write(`\nlocal data: ${path.relative(process.cwd(), localDir) || '.'} (delete it to start over)\n`);
    return { summary, defenderSummary, incidents, sentinel };
  } finally {
    await fake.close();
    await azurite.stop();
  }
}

/** The stored anchor (in `fileName` under `localDir`), or now when there is none or it is stale and nothing was
 *  stored yet. Shared with the local fan-out run (src/fanout/local-run.ts). */
export async function sampleAnchor(localDir: string, now: Date, lookbackMs: number, storeEmpty: boolean, fileName = 'sample-workspace.json'): Promise<Date> {
  const file = path.join(localDir, fileName);
  let anchor: Date | undefined;
  try {
    const stored = JSON.parse(await readFile(file, 'utf8')) as { anchor?: unknown };
    const parsed = typeof stored.anchor === 'string' ? new Date(stored.anchor) : undefined;
    if (parsed && !Number.isNaN(parsed.getTime())) anchor = parsed;
  } catch {
    // missing or unreadable: a new anchor
  }
  // The oldest sample row is ingested ~43 min before the anchor; it must stay inside the lookback.
  const stale = anchor === undefined || now.getTime() - anchor.getTime() > lookbackMs - 45 * 60_000;
  if (anchor === undefined || (stale && storeEmpty)) {
    anchor = now;
    await writeFile(file, JSON.stringify({ anchor: anchor.toISOString() }, null, 2) + '\n');
  }
  return anchor;
}

export function consoleLog(out: Writable): HuntLog {
  const write = (level: string) => (message: string) => void out.write(`${level === 'info' ? '' : `${level}: `}${message}\n`);
  return { info: write('info'), warn: write('warning'), error: write('error') };
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  runLocal().then(
    ({ summary }) => {
      process.exitCode = summary.outcome === 'failed' ? 1 : 0;
    },
    (error: unknown) => {
      process.stderr.write(`sigma-hunt local run: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
