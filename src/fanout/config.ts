/**
 * The fan-out's settings: the list of workspaces (HUNT_WORKSPACES as JSON, or HUNT_WORKSPACES_PATH naming a
 * JSON file), each with its resource id, workspace (customer) id, target schema and rule pack, and the queue and
 * query-slot settings. Parsed at start like the hunt's own settings (src/hunt/config.ts): every problem is
 * collected and reported together in one ConfigError, each naming the entry and field
 * (`HUNT_WORKSPACES[2].resourceId: ...`).
 *
 * Why both ids: Azure RBAC (infra/, Log Analytics Reader) is granted on the resource id, while the query API the
 * hunt uses (`queryWorkspace`) takes the workspace id. Neither can be derived from the other without a call to
 * Azure Resource Manager, which the hunter should not need on every message.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, parseHuntConfig, type ConfigProblem, type HuntConfig, type HuntSetting, type ParseHuntConfigOptions } from '../hunt/config.js';
import { TARGET_NAMES, type TargetName } from '../targets/types.js';

/** One workspace the deployment hunts. */
export interface WorkspaceSpec {
  /** Short stable name (`contoso-prod`): what messages, logs and the poison queue say. */
  name: string;
  /** `/subscriptions/<guid>/resourceGroups/<rg>/providers/Microsoft.OperationalInsights/workspaces/<name>`. */
  resourceId: string;
  /** The workspace (customer) id, lower-case GUID: what the query API takes, and what keys the workspace's
   *  checkpoints and incidents. */
  workspaceId: string;
  target: TargetName;
  /** Absolute path of the workspace's rule pack (a folder of Sigma rules). */
  rulesPath: string;
  placeholdersPath?: string;
  kqlOverridesPath?: string;
}

export interface FanoutConfig {
  /** The hunt's own settings (windows, tables, budgets...), shared by every workspace. */
  hunt: HuntConfig;
  workspaces: WorkspaceSpec[];
  /** Work queue; the Functions host's poison queue is `<queueName>-poison`. */
  queueName: string;
  poisonQueueName: string;
  /** Rules of one source per message at most (a message is one batch of the pack, hunted as runHunt hunts it). */
  batchRules: number;
  /** Log Analytics queries in flight at once across every instance (one managed identity is one user). */
  querySlots: number;
  slotsTable: string;
  /** https URL of the queue service (managed identity); absent locally (Azurite). */
  queueEndpoint?: string;
  /** host.json extensions.queues.maxDequeueCount: the delivery after which a failing message is poisoned. */
  maxDequeueCount: number;
}

export const DEFAULT_QUEUE_NAME = 'sigma-hunt-batches';
export const DEFAULT_BATCH_RULES = 200;
/** Log Analytics allows 5 concurrent queries per user (docs/research/log-analytics-limits.md). */
export const DEFAULT_QUERY_SLOTS = 5;
export const MAX_QUERY_SLOTS = 5;
export const DEFAULT_SLOTS_TABLE = 'SigmaHuntQuerySlots';
/** Must equal host.json extensions.queues.maxDequeueCount (a test checks). */
export const MAX_DEQUEUE_COUNT = 5;
/** Workspaces one deployment hunts at most: docs/fanout-capacity.md sizes 500; beyond, deploy another app. */
export const MAX_WORKSPACES = 2000;

export const FANOUT_SETTINGS: readonly HuntSetting[] = [
  {
    name: 'HUNT_WORKSPACES',
    required: 'optional',
    description:
      'JSON array of workspaces to hunt through the queue: {"name","resourceId","workspaceId","target","rulesPath"[,"placeholdersPath","kqlOverridesPath"]}. Set: the planner and hunter functions hunt every listed workspace and the single-workspace timer stands down.',
  },
  { name: 'HUNT_WORKSPACES_PATH', required: 'optional', description: 'A JSON file holding the same array (relative to the app root); used when HUNT_WORKSPACES is unset.' },
  { name: 'HUNT_QUEUE_NAME', default: DEFAULT_QUEUE_NAME, required: 'optional', description: 'Storage queue of hunt batches (3-63 lower-case letters, digits, single hyphens).' },
  { name: 'HUNT_BATCH_RULES', default: String(DEFAULT_BATCH_RULES), required: 'optional', description: 'Rules of one source per queue message (1..500).' },
  { name: 'HUNT_QUERY_SLOTS', default: String(DEFAULT_QUERY_SLOTS), required: 'optional', description: `Log Analytics queries in flight across all instances (1..${MAX_QUERY_SLOTS}).` },
  { name: 'HUNT_SLOTS_TABLE', default: DEFAULT_SLOTS_TABLE, required: 'optional', description: 'Table of query-slot leases and the shared 429 pause.' },
  {
    name: 'AzureWebJobsStorage__queueServiceUri',
    required: 'optional',
    description: 'https URL of the queue service (identity-based connection of the queue trigger; the planner sends with it).',
  },
];

export function fanoutConfigured(env: Readonly<Record<string, string | undefined>>): boolean {
  return Boolean(env.HUNT_WORKSPACES?.trim() || env.HUNT_WORKSPACES_PATH?.trim());
}

const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const RESOURCE_ID = /^\/subscriptions\/([0-9a-fA-F-]{36})\/resourceGroups\/([-\w._()]{1,90})\/providers\/Microsoft\.OperationalInsights\/workspaces\/([A-Za-z0-9][A-Za-z0-9-]{2,61}[A-Za-z0-9])$/i;
const NAME = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const QUEUE_NAME = /^[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){2,62}$/;
const TABLE_NAME = /^[A-Za-z][A-Za-z0-9]{2,62}$/;
const WORKSPACE_FIELDS = new Set(['name', 'resourceId', 'workspaceId', 'target', 'rulesPath', 'placeholdersPath', 'kqlOverridesPath']);

/**
 * The fan-out configuration, or undefined when neither HUNT_WORKSPACES nor HUNT_WORKSPACES_PATH is set (the
 * single-workspace hunt). Throws one ConfigError listing every problem, the hunt's settings' included.
 */
export function parseFanoutConfig(env: Readonly<Record<string, string | undefined>>, options: ParseHuntConfigOptions & { readFile?: (file: string) => string } = {}): FanoutConfig | undefined {
  if (!fanoutConfigured(env)) return undefined;
  const problems: ConfigProblem[] = [];
  const fail = (setting: string, value: string | undefined, reason: string) =>
    problems.push({ setting, ...(value !== undefined ? { value: value.length > 120 ? `${value.slice(0, 117)}...` : value } : {}), reason });
  const appRoot = options.appRoot;

  // The list
  let listText = env.HUNT_WORKSPACES?.trim();
  let listSetting = 'HUNT_WORKSPACES';
  if (!listText) {
    listSetting = 'HUNT_WORKSPACES_PATH';
    const file = path.resolve(appRoot ?? process.cwd(), env.HUNT_WORKSPACES_PATH!.trim());
    try {
      listText = (options.readFile ?? ((name: string) => readFileSync(name, 'utf8')))(file);
    } catch (error) {
      fail('HUNT_WORKSPACES_PATH', env.HUNT_WORKSPACES_PATH, `cannot be read: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
  }
  const workspaces: WorkspaceSpec[] = [];
  if (listText !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(listText);
    } catch (error) {
      fail(listSetting, listSetting === 'HUNT_WORKSPACES' ? listText : env.HUNT_WORKSPACES_PATH, `not JSON: ${(error as Error).message}`);
    }
    if (parsed !== undefined) {
      if (!Array.isArray(parsed) || parsed.length === 0) fail(listSetting, undefined, 'must be a non-empty JSON array of workspaces');
      else if (parsed.length > MAX_WORKSPACES) fail(listSetting, undefined, `lists ${parsed.length} workspaces; one deployment hunts at most ${MAX_WORKSPACES} (docs/fanout-capacity.md)`);
      else parsed.forEach((entry, index) => {
        const spec = workspaceOf(entry, `HUNT_WORKSPACES[${index}]`, fail, appRoot);
        if (spec) workspaces.push(spec);
      });
    }
  }
  const seen = (key: (spec: WorkspaceSpec) => string, what: string) => {
    const first = new Map<string, string>();
    for (const spec of workspaces) {
      const value = key(spec);
      const earlier = first.get(value);
      if (earlier !== undefined) fail(`HUNT_WORKSPACES[${spec.name}]`, value, `${what} already listed as '${earlier}'`);
      else first.set(value, spec.name);
    }
  };
  seen((spec) => spec.name, 'name');
  seen((spec) => spec.workspaceId, 'workspaceId');
  seen((spec) => spec.resourceId.toLowerCase(), 'resourceId');

  // Queue, batches, slots
  const queueName = (env.HUNT_QUEUE_NAME?.trim() || DEFAULT_QUEUE_NAME);
  if (!QUEUE_NAME.test(queueName) || queueName.length > 57) {
    fail('HUNT_QUEUE_NAME', queueName, 'a queue name is 3-57 lower-case letters, digits and single hyphens (57: "-poison" is appended for the poison queue)');
  }
  const whole = (name: string, fallback: number, min: number, max: number): number => {
    const text = env[name]?.trim() || String(fallback);
    const value = /^\d{1,6}$/.test(text) ? Number(text) : Number.NaN;
    if (!(value >= min && value <= max)) fail(name, text, `must be a whole number from ${min} to ${max}`);
    return value;
  };
  const batchRules = whole('HUNT_BATCH_RULES', DEFAULT_BATCH_RULES, 1, 500);
  const querySlots = whole('HUNT_QUERY_SLOTS', DEFAULT_QUERY_SLOTS, 1, MAX_QUERY_SLOTS);
  const slotsTable = env.HUNT_SLOTS_TABLE?.trim() || DEFAULT_SLOTS_TABLE;
  if (!TABLE_NAME.test(slotsTable) || slotsTable.toLowerCase() === 'tables') fail('HUNT_SLOTS_TABLE', slotsTable, 'an Azure table name is 3-63 letters and digits, starting with a letter');
  const queueText = env.AzureWebJobsStorage__queueServiceUri?.trim();
  let queueEndpoint: string | undefined;
  if (queueText) {
    if (!/^https:\/\/[^/?#@]+\/?$/.test(queueText)) fail('AzureWebJobsStorage__queueServiceUri', queueText, 'must be an https URL of a queue service, e.g. https://<account>.queue.core.windows.net');
    else queueEndpoint = queueText.replace(/\/+$/, '');
  }

  // The hunt's own settings, shared by every workspace. LOG_ANALYTICS_WORKSPACE_ID is required in Azure for the
  // single-workspace hunt only: here the workspaces come from the list.
  let hunt: HuntConfig | undefined;
  try {
    hunt = parseHuntConfig({ ...env, LOG_ANALYTICS_WORKSPACE_ID: env.LOG_ANALYTICS_WORKSPACE_ID ?? workspaces[0]?.workspaceId ?? '00000000-0000-4000-8000-000000000000' }, options);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems.push(...error.problems);
  }
  const slotsProblem = hunt && [hunt.incidentsTable, hunt.checkpointsTable].some((name) => name.toLowerCase() === slotsTable.toLowerCase());
  if (slotsProblem) fail('HUNT_SLOTS_TABLE', slotsTable, 'must differ from the incidents and checkpoints tables');
  if (hunt?.environment === 'azure' && !queueEndpoint) {
    fail('AzureWebJobsStorage__queueServiceUri', undefined, 'required in Azure with HUNT_WORKSPACES: the queue service the planner sends to');
  }

  if (problems.length > 0) throw new ConfigError(problems);
  return {
    hunt: hunt!,
    workspaces,
    queueName,
    poisonQueueName: `${queueName}-poison`,
    batchRules,
    querySlots,
    slotsTable,
    ...(queueEndpoint ? { queueEndpoint } : {}),
    maxDequeueCount: MAX_DEQUEUE_COUNT,
  };
}

function workspaceOf(
  entry: unknown,
  where: string,
  fail: (setting: string, value: string | undefined, reason: string) => void,
  appRoot: string | undefined,
): WorkspaceSpec | undefined {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
    fail(where, undefined, 'must be an object {"name","resourceId","workspaceId","target","rulesPath"}');
    return undefined;
  }
  const fields = entry as Record<string, unknown>;
  let ok = true;
  for (const key of Object.keys(fields)) {
    if (!WORKSPACE_FIELDS.has(key)) {
      fail(`${where}.${key}`, undefined, `unknown field (known: ${[...WORKSPACE_FIELDS].join(', ')})`);
      ok = false;
    }
  }
  const text = (key: string, required: boolean): string | undefined => {
    const value = fields[key];
    if (value === undefined || value === null || value === '') {
      if (required) {
        fail(`${where}.${key}`, undefined, 'required');
        ok = false;
      }
      return undefined;
    }
    if (typeof value !== 'string') {
      fail(`${where}.${key}`, JSON.stringify(value), 'must be a string');
      ok = false;
      return undefined;
    }
    return value.trim();
  };
  const name = text('name', true);
  if (name !== undefined && !NAME.test(name)) {
    fail(`${where}.name`, name, '1-63 lower-case letters, digits and hyphens, not starting or ending with a hyphen');
    ok = false;
  }
  const resourceId = text('resourceId', true);
  if (resourceId !== undefined && !RESOURCE_ID.test(resourceId)) {
    fail(`${where}.resourceId`, resourceId, 'not a Log Analytics workspace resource id: /subscriptions/<guid>/resourceGroups/<rg>/providers/Microsoft.OperationalInsights/workspaces/<name>');
    ok = false;
  }
  const workspaceId = text('workspaceId', true);
  if (workspaceId !== undefined && !GUID.test(workspaceId)) {
    fail(`${where}.workspaceId`, workspaceId, 'not a GUID: the workspace (customer) id, `az monitor log-analytics workspace show --query customerId`');
    ok = false;
  }
  const targetText = text('target', true);
  const target = TARGET_NAMES.find((candidate) => candidate === targetText?.toLowerCase());
  if (targetText !== undefined && !target) {
    fail(`${where}.target`, targetText, `must be one of ${TARGET_NAMES.join(', ')}`);
    ok = false;
  }
  const resolved = (key: string, required: boolean): string | undefined => {
    const value = text(key, required);
    if (value === undefined) return undefined;
    if (value.includes('\u0000')) {
      fail(`${where}.${key}`, value, 'contains a NUL character');
      ok = false;
      return undefined;
    }
    return path.resolve(appRoot ?? process.cwd(), value);
  };
  const rulesPath = resolved('rulesPath', true);
  const placeholdersPath = resolved('placeholdersPath', false);
  const kqlOverridesPath = resolved('kqlOverridesPath', false);
  if (!ok) return undefined;
  return {
    name: name!,
    resourceId: resourceId!,
    workspaceId: workspaceId!.toLowerCase(),
    target: target!,
    rulesPath: rulesPath!,
    ...(placeholdersPath ? { placeholdersPath } : {}),
    ...(kqlOverridesPath ? { kqlOverridesPath } : {}),
  };
}
