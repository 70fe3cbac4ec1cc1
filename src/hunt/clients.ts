/**
 * Wiring: settings → rules, clients and stores → `runHunt`. The timer function, the CLI and the local run all
 * come through here, so they run the same pipeline and differ only in where Log Analytics and the tables are.
 *
 * Azure: LogsQueryClient and TableClients with DefaultAzureCredential (the managed identity, or
 * AZURE_CLIENT_ID's user-assigned one). Local: a Log Analytics fake over plain http on loopback and Azurite
 * (src/local/run-local.ts builds those and passes them in).
 */
import { DefaultAzureCredential, type TokenCredential } from '@azure/identity';
import type { LogsQueryClient } from '@azure/monitor-query-logs';
import { enrichRule } from '../enrich/incident-enrichment.js';
import { createLogsQueryClient } from '../loganalytics/index.js';
import { compileRule } from '../match/compile.js';
import { loadPlaceholderValues, loadRules } from '../rule/load.js';
import { CheckpointStore } from '../store/checkpoint-store.js';
import { IncidentStore } from '../store/incident-store.js';
import { activeSuppressor } from '../review/exceptions.js';
import { createTableClients, type TableClients } from '../store/tables.js';
import { categoryMapping } from '../targets/index.js';
import type { TargetName } from '../targets/types.js';
import { ConfigError, type HuntConfig } from './config.js';
import { runHunt, type HuntDependencies, type HuntLog, type HuntRule, type HuntSettings } from './pipeline.js';
import { QueryPlanError, ruleQueryOf } from './query-plan.js';
import type { HuntSummary } from './summary.js';

export interface LoadedHuntRules {
  rules: HuntRule[];
  skipped: HuntSummary['skippedRules'];
}

export interface LoadHuntRulesOptions {
  rulesPath: string;
  target: TargetName;
  placeholdersPath?: string;
  kqlOverridesPath?: string;
  useWorkspaceParser?: boolean;
}

/** Loads and prepares every rule; a rule that cannot be hunted on the target is skipped with its reason (and
 *  logged), never fatal for the others. */
export async function loadHuntRules(options: LoadHuntRulesOptions, log: HuntLog): Promise<LoadedHuntRules> {
  const placeholders = options.placeholdersPath ? await loadPlaceholderValues(options.placeholdersPath) : undefined;
  const loaded = await loadRules([options.rulesPath], placeholders ? { placeholders } : {});
  const skipped: HuntSummary['skippedRules'] = [];
  for (const outcome of loaded.outcomes) {
    if (!outcome.ok) skipped.push({ ruleId: outcome.ruleId ?? `${outcome.path}#${outcome.document}`, reason: outcome.error?.message ?? 'not loaded' });
  }
  const rules: HuntRule[] = [];
  for (const rule of loaded.rules) {
    if (!rule.id) {
      skipped.push({ ruleId: `${rule.source.file}: ${rule.title}`, reason: 'a rule needs an id: it keys the rule\'s checkpoint and incidents' });
      continue;
    }
    const mapping = categoryMapping(options.target, rule.logsource.category ?? '');
    try {
      const query = await ruleQueryOf(rule, options.target, {
        ...(options.kqlOverridesPath ? { overridesPath: options.kqlOverridesPath } : {}),
        ...(options.useWorkspaceParser ? { useWorkspaceParser: true } : {}),
      });
      if (!mapping) throw new QueryPlanError('refused', `logsource category ${rule.logsource.category ?? '(none)'} has no mapping on ${options.target}`);
      if (query.source === 'override') {
        log.info(`rule ${rule.id}: using hand-written KQL ${query.file}`, { lintFindings: query.lint.length });
        for (const finding of query.lint) {
          log.warn(`lint-kql ${query.file}:${finding.line}:${finding.character} ${finding.severity} ${finding.code}: ${finding.message}`, { fix: finding.fix });
        }
      }
      rules.push({ rule, ruleId: rule.id, compiled: compileRule(rule), query, mapping, enrichment: enrichRule(rule) });
    } catch (error) {
      if (!(error instanceof QueryPlanError)) throw error;
      skipped.push({ ruleId: rule.id, reason: error.reason });
    }
  }
  for (const skip of skipped) log.warn(`rule ${skip.ruleId} skipped: ${skip.reason}`);
  return { rules, skipped };
}

export function huntSettingsOf(config: HuntConfig, workspaceId: string, overrides: Partial<HuntSettings> = {}): HuntSettings {
  return {
    workspaceId,
    target: config.target,
    lookbackMs: config.lookbackMs,
    ingestionDelayMs: config.ingestionDelayMs,
    safetyLagMs: config.safetyLagMs,
    maxWindowMs: config.maxWindowMs,
    pageRows: config.pageRows,
    groupingWindowMs: config.groupingWindowMs,
    runBudgetMs: config.runBudgetMs,
    rowLimitMs: config.rowLimitMs,
    logEventValues: config.logEventValues,
    ...overrides,
  };
}

export interface HuntClients {
  logsClient: LogsQueryClient;
  tables: TableClients;
}

/** The Azure clients of a configuration: managed identity (or the developer's login) for both services. */
export async function azureHuntClients(config: HuntConfig, credential?: TokenCredential): Promise<HuntClients> {
  const identity = credential ?? new DefaultAzureCredential(config.managedIdentityClientId ? { managedIdentityClientId: config.managedIdentityClientId } : {});
  const logsClient = createLogsQueryClient({ endpoint: config.logAnalyticsEndpoint, scopes: [config.logAnalyticsScope], credential: identity, userAgentPrefix: 'sigma-hunt' });
  if (!config.tableEndpoint) throw new ConfigError([{ setting: 'HUNT_STORAGE_TABLE_ENDPOINT', reason: 'required to write incidents to Azure: https://<account>.table.core.windows.net' }]);
  const tables = await createTableClients({
    endpoint: config.tableEndpoint,
    credential: identity,
    incidentsTable: config.incidentsTable,
    checkpointsTable: config.checkpointsTable,
  });
  return { logsClient, tables };
}

export interface ConfiguredHuntOptions {
  workspaceId: string;
  settings?: Partial<HuntSettings>;
  faults?: HuntDependencies['faults'];
  queryOptions?: HuntDependencies['queryOptions'];
  now?: () => Date;
}

/** Loads the rules of a configuration and runs one hunt with the given clients. */
export async function runConfiguredHunt(config: HuntConfig, clients: HuntClients, log: HuntLog, options: ConfiguredHuntOptions): Promise<HuntSummary> {
  const loaded = await loadHuntRules(
    {
      rulesPath: config.rulesPath,
      target: config.target,
      ...(config.placeholdersPath ? { placeholdersPath: config.placeholdersPath } : {}),
      ...(config.kqlOverridesPath ? { kqlOverridesPath: config.kqlOverridesPath } : {}),
    },
    log,
  );
  // Review exceptions (src/review/exceptions.ts) active at the run's start; none: nothing is suppressed.
  const suppress = await activeSuppressor(clients.tables.incidents, options.now?.() ?? new Date(), (message) => log.warn(message));
  return runHunt(
    loaded.rules,
    huntSettingsOf(config, options.workspaceId, options.settings),
    {
      logsClient: clients.logsClient,
      incidents: new IncidentStore(clients.tables.incidents, { groupingWindowMs: config.groupingWindowMs }),
      checkpoints: new CheckpointStore(clients.tables.checkpoints),
      log,
      ...(options.faults ? { faults: options.faults } : {}),
      ...(options.queryOptions ? { queryOptions: options.queryOptions } : {}),
      ...(options.now ? { now: options.now } : {}),
      ...(suppress ? { suppress } : {}),
    },
    loaded.skipped,
  );
}
