import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { LogsQueryClient } from '@azure/monitor-query-logs';
import type { CliCommand, CliIo } from '../command.js';
import { CommandFailure, serviceFailureOr, UsageError } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { describeFileError } from '../../events/read.js';
import { ConfigError, formatDuration, parseDuration, parseHuntConfig, type ConfigProblem, type HuntConfig } from '../../hunt/config.js';
import { runConfiguredHunt, type HuntClients } from '../../hunt/clients.js';
import { formatIncidentTable } from '../../hunt/incident-table.js';
import type { HuntLog } from '../../hunt/pipeline.js';
import { formatSummary } from '../../hunt/summary.js';
import { createLogsQueryClient } from '../../loganalytics/index.js';
import { openHuntTables } from '../../local/local-store.js';
import { projectRootOf } from '../../local/run-local.js';
import { IncidentStore } from '../../store/incident-store.js';
import { isTargetName } from '../../targets/index.js';
import { HUNT_SUMMARY, HUNT_USAGE } from './help.js';


interface HuntArgs {
  workspace?: string;
  sinceMs?: number;
  rules?: string;
  target?: string;
  format: 'text' | 'json';
  localDir?: string;
  endpoint?: string;
}

const OPTIONS = ['workspace', 'since', 'rules', 'target', 'format', 'local-dir', 'log-analytics-endpoint'] as const;

function parseArgs(args: string[], cwd: string): HuntArgs {
  const parsed: HuntArgs = { format: 'text' };
  for (let index = 0; index < args.length; index++) {
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(args[index]!);
    const name = match?.[1] as (typeof OPTIONS)[number] | undefined;
    if (!match || !name || !OPTIONS.includes(name)) throw new UsageError(`unknown argument '${args[index]}'`);
    const value = match[2] ?? args[++index];
    if (value === undefined || value === '') throw new UsageError(`--${name} needs a value`);
    switch (name) {
      case 'workspace':
        parsed.workspace = value;
        break;
      case 'since': {
        const ms = parseDuration(value);
        if (ms === undefined || ms <= 0) throw new UsageError(`--since '${value}' is not a duration (5m, 2h, 1d, PT30M)`);
        parsed.sinceMs = ms;
        break;
      }
      case 'rules':
        parsed.rules = path.resolve(cwd, value);
        break;
      case 'target':
        if (!isTargetName(value)) throw new UsageError(`unknown target '${value}' (asim, mde or sysmon)`);
        parsed.target = value;
        break;
      case 'format':
        if (value !== 'text' && value !== 'json') throw new UsageError(`unknown format '${value}' (text or json)`);
        parsed.format = value;
        break;
      case 'local-dir':
        parsed.localDir = path.resolve(cwd, value);
        break;
      case 'log-analytics-endpoint':
        parsed.endpoint = value;
        break;
    }
  }
  return parsed;
}

function isLoopbackHttp(endpoint: string): boolean {
  try {
    const url = new URL(endpoint);
    return url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  } catch {
    return false;
  }
}

/** The settings a flag supplied, so a refusal names the flag the user typed rather than the variable. */
function flagsOf(options: HuntArgs): Map<string, string> {
  const flags = new Map<string, string>();
  if (options.workspace !== undefined) flags.set('LOG_ANALYTICS_WORKSPACE_ID', '--workspace');
  if (options.rules !== undefined) flags.set('HUNT_RULES_PATH', '--rules');
  if (options.target !== undefined) flags.set('HUNT_TARGET', '--target');
  if (options.endpoint !== undefined) flags.set('HUNT_LOG_ANALYTICS_ENDPOINT', '--log-analytics-endpoint');
  return flags;
}

function describeProblem(problem: ConfigProblem, flags: ReadonlyMap<string, string>): string {
  const flag = flags.get(problem.setting);
  if (flag !== undefined) return `${flag} '${problem.value ?? ''}': ${problem.reason}`;
  return `${problem.setting}${problem.value === undefined ? ' (unset)' : `=${problem.value}`}: ${problem.reason}`;
}

/** Incident key to hit count: what the store held before the run, to tell which incidents the run touched. */
async function hitCounts(store: IncidentStore): Promise<Map<string, number>> {
  return new Map((await store.listIncidents()).map((incident) => [incident.incidentKey, incident.hitCount]));
}

export const huntCommand: CliCommand = {
  name: 'hunt',
  summary: HUNT_SUMMARY,
  usage: HUNT_USAGE,
  async run(args: string[], io: CliIo): Promise<number> {
    const options = parseArgs(args, io.cwd);
    const local = options.endpoint !== undefined && isLoopbackHttp(options.endpoint);
    const env: Record<string, string | undefined> = {
      ...io.env,
      ...(options.workspace !== undefined ? { LOG_ANALYTICS_WORKSPACE_ID: options.workspace } : {}),
      ...(options.rules !== undefined ? { HUNT_RULES_PATH: options.rules } : {}),
      ...(options.target !== undefined ? { HUNT_TARGET: options.target } : {}),
      ...(options.endpoint !== undefined && !local ? { HUNT_LOG_ANALYTICS_ENDPOINT: options.endpoint } : {}),
    };
    const flags = flagsOf(options);
    let config;
    try {
      config = parseHuntConfig(env, { environment: 'local', appRoot: projectRootOf() });
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      const problems = error.problems.map((problem) => describeProblem(problem, flags));
      if (error.problems.every((problem) => flags.has(problem.setting))) throw new UsageError(problems.join('\n'));
      io.stderr.write(`sigma-hunt hunt: invalid settings:\n${problems.map((problem) => `  ${problem}\n`).join('')}`);
      return EXIT.usage;
    }
    if (!config.workspaceId) throw new UsageError('--workspace is required (or set LOG_ANALYTICS_WORKSPACE_ID)');
    const rulesWhere = `${flags.get('HUNT_RULES_PATH') ?? 'HUNT_RULES_PATH'} ${config.rulesPath}`;
    await stat(config.rulesPath).catch((error: unknown) => {
      throw new CommandFailure(EXIT.input, `${rulesWhere}: ${describeFileError(error)}`);
    });
    const logsClient = local
      ? createLogsQueryClient({ endpoint: options.endpoint!, insecureLocal: true })
      : createLogsQueryClient({ endpoint: config.logAnalyticsEndpoint, scopes: [config.logAnalyticsScope], userAgentPrefix: 'sigma-hunt-cli' });
    try {
      return await huntWith(config, logsClient, options, io, rulesWhere);
    } catch (error) {
      throw serviceFailureOr(error);
    }
  },
};

async function huntWith(config: HuntConfig, logsClient: LogsQueryClient, options: HuntArgs, io: CliIo, rulesWhere: string): Promise<number> {
  const opened = await openHuntTables(config, options.localDir ? { localDir: options.localDir } : {});
  try {
    const clients: HuntClients = { logsClient, tables: opened.tables };
    const log: HuntLog = {
      info: (message) => void io.stderr.write(`${message}\n`),
      warn: (message) => void io.stderr.write(`warning: ${message}\n`),
      error: (message) => void io.stderr.write(`error: ${message}\n`),
    };
    const store = new IncidentStore(opened.tables.incidents, { groupingWindowMs: config.groupingWindowMs });
    // The store may hold other runs' incidents (the local store holds `npm start`'s sample ones): the table
    // shows only those this run created or added hits to.
    const before = options.format === 'text' ? await hitCounts(store) : undefined;
    if (options.sinceMs !== undefined) io.stderr.write(`hunting from now - ${formatDuration(options.sinceMs)}\n`);
    const summary = await runConfiguredHunt(config, clients, log, {
      workspaceId: config.workspaceId!,
      ...(options.sinceMs !== undefined ? { settings: { sinceMs: options.sinceMs } } : {}),
    });
    if (before === undefined) {
      io.stdout.write(JSON.stringify(summary) + '\n');
    } else {
      const touched = (await store.listIncidents()).filter((incident) => before.get(incident.incidentKey) !== incident.hitCount);
      io.stdout.write(touched.length > 0 ? `${formatIncidentTable(touched)}\n\n` : 'no incident created or updated by this run\n\n');
      io.stdout.write(`${formatSummary(summary)}\n`);
    }
    const stopped = summary.rules.filter((rule) => rule.stopped !== undefined);
    const sharedStops = summary.sharedStops ?? [];
    if (stopped.length > 0 || sharedStops.length > 0) {
      const read = summary.window === undefined ? 'nothing was read' : 'the windows above were read';
      io.stderr.write(`sigma-hunt hunt: workspace ${summary.workspaceId} could not be hunted in full (${read}; the next run resumes):\n`);
      for (const rule of stopped) io.stderr.write(`  ${rule.ruleId} ${rule.title}: ${rule.stopped!.reason}: ${rule.stopped!.detail}\n`);
      for (const stop of sharedStops) io.stderr.write(`  ${stop.rules} rules (${stop.ruleIds.join(', ')}, ...): ${stop.reason}: ${stop.detail}\n`);
      return EXIT.service;
    }
    if (summary.totals.rules === 0) {
      io.stderr.write(`sigma-hunt hunt: no rule in ${rulesWhere} can be hunted on ${summary.target}\n`);
      return EXIT.input;
    }
    return EXIT.ok;
  } finally {
    await opened.close();
  }
}
