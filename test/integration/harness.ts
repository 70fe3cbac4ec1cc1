// Integration fixtures: one Azurite and one Log Analytics fake per test file, a sample workspace whose rows the
// fake serves through the KQL oracle, and helpers to run hunts and dump the tables.
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { createLogsQueryClient } from '../../src/loganalytics/index.js';
import { startAzurite, type RunningAzurite } from '../../src/local/azurite.js';
import { startLogAnalyticsFake, type FakeRespond, type LogAnalyticsFake } from '../../src/local/log-analytics-fake.js';
import { defaultSampleTiming, oracleResponder, readSampleEvents, sampleWorkspace, type SampleWorkspace } from '../../src/local/sample-workspace.js';
import { loadHuntRules } from '../../src/hunt/clients.js';
import { runHunt, type HuntDependencies, type HuntLog, type HuntRule, type HuntSettings } from '../../src/hunt/pipeline.js';
import type { HuntSummary } from '../../src/hunt/summary.js';
import { CheckpointStore } from '../../src/store/checkpoint-store.js';
import { IncidentStore, type IncidentStoreOptions } from '../../src/store/incident-store.js';
import { createTableClients, type TableClients } from '../../src/store/tables.js';
import type { TargetName } from '../../src/targets/types.js';
import { projectRoot } from '../support/paths.js';
import { virtualTime, type VirtualTime } from '../support/virtual-time.js';
import { dumpTable } from '../store/helpers.js';

export const SAMPLE_FILE = path.join(projectRoot, 'samples', 'sysmon-network-connection.jsonl');
export const RULES_PATH = path.join(projectRoot, 'rules');
export const WORKSPACE_ID = '11111111-2222-4333-8444-555555555555';
/** The instant the sample rows are placed around (their ingestion times end 5 min before it). */
export const ANCHOR = new Date('2026-03-02T10:00:00.000Z');

export interface Services {
  azurite: RunningAzurite;
  fake: LogAnalyticsFake;
  stop(): Promise<void>;
}

export async function startServices(): Promise<Services> {
  // The service's clock: each run sets it (huntRunner); ANCHOR for hunts run some other way.
  const [azurite, fake] = await Promise.all([startAzurite({ silent: true }), startLogAnalyticsFake({ clock: () => ANCHOR })]);
  return {
    azurite,
    fake,
    async stop() {
      await Promise.all([fake.close(), azurite.stop()]);
    },
  };
}

export async function freshTables(azurite: RunningAzurite): Promise<TableClients> {
  const suffix = randomUUID().replace(/-/g, '').slice(0, 16);
  return createTableClients({ connectionString: azurite.connectionString, incidentsTable: `inc${suffix}`, checkpointsTable: `chk${suffix}` });
}

export async function sampleRows(target: TargetName = 'asim', anchor = ANCHOR): Promise<SampleWorkspace> {
  return sampleWorkspace(target, await readSampleEvents(SAMPLE_FILE), (index, count) => defaultSampleTiming(anchor, index, count));
}

/** The workspace rows the fake serves; tests push late rows into `rows`. */
export function serveWorkspace(fake: LogAnalyticsFake, workspace: SampleWorkspace): FakeRespond {
  const respond = oracleResponder({ mapping: workspace.mapping, rows: () => workspace.rows });
  fake.setRespond(respond);
  return respond;
}

export interface CollectedLog extends HuntLog {
  lines: { level: string; message: string; fields?: Record<string, unknown> }[];
}

export function collectingLog(): CollectedLog {
  const lines: CollectedLog['lines'] = [];
  const push = (level: string) => (message: string, fields?: Record<string, unknown>) => void lines.push({ level, message, ...(fields ? { fields } : {}) });
  return { lines, info: push('info'), warn: push('warn'), error: push('error') };
}

export async function seedRules(target: TargetName = 'asim', options: { kqlOverridesPath?: string } = {}): Promise<HuntRule[]> {
  const loaded = await loadHuntRules({ rulesPath: RULES_PATH, target, ...options }, collectingLog());
  return loaded.rules;
}

export function settingsFor(overrides: Partial<HuntSettings> = {}): HuntSettings {
  return {
    workspaceId: WORKSPACE_ID,
    target: 'asim',
    lookbackMs: 3_600_000,
    ingestionDelayMs: 300_000,
    safetyLagMs: 120_000,
    maxWindowMs: 3_600_000,
    groupingWindowMs: 24 * 3_600_000,
    runBudgetMs: 60_000,
    storeReserveMs: 5_000,
    ...overrides,
  };
}

/** A fault that crashes the run right after `step` (one of HUNT_STEPS). */
export function crashAfter(step: string): NonNullable<HuntDependencies['faults']> {
  return (at) => {
    if (at === step) throw new Error(`injected crash after ${step}`);
  };
}

export interface HuntRunOptions {
  faults?: HuntDependencies['faults'];
  settings?: Partial<HuntSettings>;
  store?: IncidentStoreOptions;
  log?: HuntLog;
  /** The Log Analytics service's clock during the run; default: the host's `now` (no skew). */
  serviceNow?: Date;
  /** The run's time: its budget clock, the matcher's row clock, the queries' waits between attempts and their
   *  attempt timers. Default: a fresh virtual time (test/support/virtual-time.ts) per run, so no outcome depends
   *  on how long the run really takes: the budget is spent only by waits and timeouts the test arranges. */
  time?: VirtualTime;
  /** Overrides `time` for the budget clock, the row clock or the waits alone. */
  budgetClock?: () => number;
  rowClock?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** Batch members checkpointed at once (default: the pipeline's). */
  checkpointConcurrency?: number;
}

export interface HuntRunner {
  /** One hunt with the host clock at `now`. */
  run(now: Date, options?: HuntRunOptions): Promise<HuntSummary>;
  tables: TableClients;
}

export function huntRunner(services: Services, tables: TableClients, rules: HuntRule[]): HuntRunner {
  const logsClient = createLogsQueryClient({ endpoint: services.fake.url, insecureLocal: true });
  return {
    tables,
    run(now, options = {}) {
      const serviceNow = options.serviceNow ?? now;
      services.fake.setClock(() => serviceNow);
      const time = options.time ?? virtualTime(now.getTime());
      return runHunt(rules, settingsFor(options.settings), {
        logsClient,
        incidents: new IncidentStore(tables.incidents, { groupingWindowMs: settingsFor(options.settings).groupingWindowMs, ...options.store }),
        checkpoints: new CheckpointStore(tables.checkpoints),
        log: options.log ?? collectingLog(),
        now: () => now,
        ...(options.faults ? { faults: options.faults } : {}),
        budgetClock: options.budgetClock ?? time.now,
        rowClock: options.rowClock ?? time.now,
        ...(options.checkpointConcurrency !== undefined ? { checkpointConcurrency: options.checkpointConcurrency } : {}),
        queryOptions: { backoff: { baseDelayMs: 10, maxDelayMs: 50 }, serverTimeoutSeconds: 30, sleep: options.sleep ?? time.sleep, attemptTimer: time.attemptTimer },
      });
    },
  };
}

export async function dumpTables(tables: TableClients): Promise<{ incidents: Record<string, unknown>[]; checkpoints: Record<string, unknown>[] }> {
  return { incidents: await dumpTable(tables.incidents), checkpoints: await dumpTable(tables.checkpoints) };
}

/** What a fault-suite file starts from: the services, the seed rules, the sample workspace served by the fake,
 *  and the tables one clean run over it at ANCHOR leaves (what every scenario must converge to). */
export interface HuntFixture {
  services: Services;
  rules: HuntRule[];
  workspace: SampleWorkspace;
  cleanTables: Awaited<ReturnType<typeof dumpTables>>;
}

export async function startHuntFixture(): Promise<HuntFixture> {
  const services = await startServices();
  const rules = await seedRules();
  const workspace = await sampleRows();
  serveWorkspace(services.fake, workspace);
  const tables = await freshTables(services.azurite);
  await huntRunner(services, tables, rules).run(ANCHOR);
  return { services, rules, workspace, cleanTables: await dumpTables(tables) };
}
