/**
 * `npm start`, fan-out part: two sample workspaces (samples/fanout-workspaces.json, or HUNT_WORKSPACES /
 * HUNT_WORKSPACES_PATH when set) hunted through the queue path on this machine: Azurite's table and queue
 * services (data in `.local/fanout/`, git-ignored), the Log Analytics fake serving each workspace its own rows
 * (the bundled Sysmon samples; the second workspace's hosts renamed to its own domain), one planner tick, then
 * two hunters taking the messages off the queue as the Functions host would (queue-host.ts), with the global
 * query slots in the LogsQueryClient pipeline. A second run finds the first run's incidents and checkpoints and
 * creates nothing.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { formatIncidentTable } from '../hunt/incident-table.js';
import type { HuntLog } from '../hunt/pipeline.js';
import type { HuntSummary } from '../hunt/summary.js';
import type { Incident } from '../incidents/model.js';
import { startAzurite } from '../local/azurite.js';
import { fakeReply, startLogAnalyticsFake, type FakeRespond } from '../local/log-analytics-fake.js';
import { consoleLog, projectRootOf, SAMPLE_EVENTS_FILE, sampleAnchor } from '../local/run-local.js';
import { defaultSampleTiming, oracleResponder, readSampleEvents, sampleWorkspace, type SampleEvent } from '../local/sample-workspace.js';
import { IncidentStore } from '../store/incident-store.js';
import { localFanoutClients } from './clients.js';
import { parseFanoutConfig, type FanoutConfig } from './config.js';
import { huntMessage } from './hunter.js';
import { RulePacks } from './packs.js';
import { runPlanner, type PlanSummary } from './planner.js';
import { drainQueue } from './queue-host.js';
import { peekPoison } from './queues.js';

export const SAMPLE_WORKSPACES_FILE = path.join('samples', 'fanout-workspaces.json');
/** Hunters taking messages at once in the local run. */
const LOCAL_HUNTERS = 2;

export interface FanoutLocalOptions {
  localDir?: string;
  env?: Readonly<Record<string, string | undefined>>;
  out?: Writable;
  now?: () => Date;
}

export interface FanoutLocalResult {
  plan: PlanSummary;
  runs: (HuntSummary & { fanout: { workspace?: string; batch?: string } })[];
  incidents: Incident[];
}

/** The sample rows of the n-th workspace: the bundled events, hosts moved to the workspace's own domain after the first. */
export function workspaceEvents(events: readonly SampleEvent[], index: number, name: string): SampleEvent[] {
  if (index === 0) return [...events];
  return events.map((event) => Object.fromEntries(Object.entries(event).map(([key, value]) => [key, typeof value === 'string' ? value.replace(/contoso/gi, name) : value])));
}

export async function runFanoutLocal(options: FanoutLocalOptions = {}): Promise<FanoutLocalResult> {
  const root = projectRootOf();
  const localDir = options.localDir ?? path.join(root, '.local', 'fanout');
  const env = options.env ?? process.env;
  const out = options.out ?? process.stdout;
  const now = options.now ?? (() => new Date());
  const withSamples = env.HUNT_WORKSPACES || env.HUNT_WORKSPACES_PATH ? env : { ...env, HUNT_WORKSPACES_PATH: SAMPLE_WORKSPACES_FILE };
  const config = parseFanoutConfig(withSamples, { environment: 'local', appRoot: root }) as FanoutConfig;
  await mkdir(localDir, { recursive: true });

  const [tablesService, queueService, fake] = await Promise.all([
    startAzurite({ location: path.join(localDir, 'azurite-tables'), silent: true }),
    startAzurite({ location: path.join(localDir, 'azurite-queues'), silent: true, service: 'queue' }),
    startLogAnalyticsFake(),
  ]);
  const log = consoleLog(out);
  try {
    const clients = await localFanoutClients(config, {
      tableConnectionString: tablesService.connectionString,
      queueConnectionString: queueService.connectionString,
      logAnalyticsUrl: fake.url,
      log,
    });
    const anchor = await sampleAnchor(localDir, now(), config.hunt.lookbackMs, (await new IncidentStore(clients.tables.incidents).listIncidents()).length === 0, 'sample-workspaces.json');
    const events = await readSampleEvents(path.join(root, SAMPLE_EVENTS_FILE));
    const responders = new Map<string, FakeRespond>();
    config.workspaces.forEach((workspace, index) => {
      const sample = sampleWorkspace(workspace.target, workspaceEvents(events, index, workspace.name), (row, count) => defaultSampleTiming(anchor, row, count));
      responders.set(workspace.workspaceId, oracleResponder({ mapping: sample.mapping, rows: () => sample.rows }));
    });
    fake.setRespond((request) => responders.get(request.workspaceId.toLowerCase())?.(request) ?? fakeReply.forbidden());

    const packs = new RulePacks(log);
    const plan = await runPlanner(config, {
      packs,
      send: async (wire) => void (await clients.queues.work.sendMessage(wire)),
      peekPoison: () => peekPoison(clients.queues.poison),
      log,
      now,
    });
    out.write(`${JSON.stringify(plan)}\n`);
    const runs: FanoutLocalResult['runs'] = [];
    const quiet: HuntLog = { info: () => undefined, warn: log.warn, error: log.error };
    await Promise.all(
      Array.from({ length: LOCAL_HUNTERS }, () =>
        drainQueue({
          queues: clients.queues,
          maxDequeueCount: config.maxDequeueCount,
          visibilityTimeoutSeconds: 60,
          handler: async (text, delivery) => {
            const result = await huntMessage(text, delivery, {
              config,
              packs,
              logsClient: clients.logsClient,
              tables: clients.tables,
              sendPoison: async (record) => void (await clients.queues.poison.sendMessage(Buffer.from(record).toString('base64'))),
              log: quiet,
              now,
            });
            if (result.outcome === 'hunted') runs.push(result.summary);
          },
        }),
      ),
    );
    const incidents = await new IncidentStore(clients.tables.incidents).listIncidents();
    for (const run of runs) {
      out.write(`${run.fanout.workspace} ${run.fanout.batch}: ${run.outcome}, ${run.totals.rows} rows, ${run.totals.verifiedHits} hits, ${run.totals.incidentsCreated} incidents created, ${run.totals.incidentsUpdated} updated\n`);
    }
    for (const workspace of config.workspaces) {
      const own = incidents.filter((incident) => incident.workspaceId === workspace.workspaceId);
      out.write(`\n${workspace.name} (${workspace.workspaceId}): ${own.length} incident(s)\n${formatIncidentTable(own)}\n`);
    }
    out.write(`\nlocal data: ${path.relative(process.cwd(), localDir) || '.'} (delete it to start over)\n`);
    return { plan, runs, incidents };
  } finally {
    await Promise.all([fake.close(), tablesService.stop(), queueService.stop()]);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  runFanoutLocal().then(
    ({ runs }) => {
      process.exitCode = runs.some((run) => run.outcome === 'failed') ? 1 : 0;
    },
    (error: unknown) => {
      process.stderr.write(`sigma-hunt local fan-out run: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
