/**
 * The hunt's settings: Function App application settings (environment variables) parsed into a typed
 * `HuntConfig`. Every setting is checked before any is used and all problems are reported together in one
 * `ConfigError`, so a deployment with three mistakes is fixed in one round, not three.
 *
 * `HUNT_SETTINGS` lists every setting with its default as data: the Bicep template's app settings are checked
 * against it by a structural test, so the two cannot drift apart.
 *
 * Storage is reached with a managed identity only. A connection string or account key in any setting is refused
 * (and never echoed back): a key in app settings is a secret anyone with read access to the site can use.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_GROUPING_WINDOW_MS, MAX_GROUPING_WINDOW_MS, MIN_GROUPING_WINDOW_MS } from '../incidents/grouping.js';
import { TARGET_NAMES, type TargetName } from '../targets/types.js';
import { DEFAULT_ROW_LIMIT_MS, MAX_ROW_LIMIT_MS, MIN_ROW_LIMIT_MS } from './verify-budget.js';
import { DEFAULT_PAGE_ROWS, MAX_PAGE_ROWS, MIN_PAGE_ROWS } from './window.js';

// ---------------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------------

export interface ConfigProblem {
  setting: string;
  /** The value as given (cut to 120 characters), or `<redacted>` when it looks like a secret; absent when unset. */
  value?: string;
  reason: string;
}

/** Stable code `config`: one or more settings are wrong; `problems` lists every one. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'config' as const;
  constructor(readonly problems: readonly ConfigProblem[]) {
    super(
      `invalid hunt settings (${problems.length}):\n` +
        problems.map((problem) => `  ${problem.setting}${problem.value === undefined ? ' (unset)' : `=${problem.value}`}: ${problem.reason}`).join('\n'),
    );
  }
}

// ---------------------------------------------------------------------------------------------------
// The settings
// ---------------------------------------------------------------------------------------------------

export type SettingRequirement = 'always' | 'azure' | 'optional';

export interface HuntSetting {
  name: string;
  /** The default as the setting would be written; undefined when there is none. */
  default?: string;
  /** When the default is not a fixed text (a path relative to the deployed app). */
  defaultDescription?: string;
  required: SettingRequirement;
  /** Another setting that is read when this one is unset. */
  fallback?: string;
  description: string;
}

export const DEFAULT_SCHEDULE = '0 */5 * * * *';
export const DEFAULT_LOG_ANALYTICS_ENDPOINT = 'https://api.loganalytics.azure.com/v1';
/** The token audience of the public-cloud Log Analytics query API (what the SDK itself requests). It stays the
 *  audience when the endpoint is the public one; a sovereign endpoint defaults to `<origin>/.default`. */
export const PUBLIC_LOG_ANALYTICS_SCOPE = 'https://api.loganalytics.io/.default';
/** host.json `functionTimeout`: the host kills a run past it, so the run budget must end before. */
export const HOST_FUNCTION_TIMEOUT_MS = 10 * 60_000;

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export const HUNT_SETTINGS: readonly HuntSetting[] = [
  { name: 'HUNT_SCHEDULE', default: DEFAULT_SCHEDULE, required: 'optional', description: 'NCRONTAB (6 fields, UTC) of the timer trigger.' },
  { name: 'LOG_ANALYTICS_WORKSPACE_ID', required: 'azure', description: 'Workspace (customer) id, a GUID.' },
  { name: 'HUNT_TARGET', default: 'asim', required: 'optional', description: 'Where events are read: asim, mde or sysmon.' },
  {
    name: 'HUNT_RULES_PATH',
    defaultDescription: '<app root>/rules (the rules bundled with the deployed app)',
    required: 'optional',
    description: 'Folder of Sigma rules; relative paths are resolved against the app root.',
  },
  { name: 'HUNT_LOOKBACK', default: '1h', required: 'optional', description: 'How far back the first run reads (5m..14d).' },
  { name: 'HUNT_INGESTION_DELAY', default: '5m', required: 'optional', description: 'How late an event may arrive and still be read (0..7d).' },
  { name: 'HUNT_SAFETY_LAG', default: '2m', required: 'optional', description: 'How far behind now the ingestion watermark stays (0..1h, < lookback).' },
  { name: 'HUNT_MAX_WINDOW', default: '1h', required: 'optional', description: 'Largest ingestion span per query when catching up (5m..1d).' },
  {
    name: 'HUNT_PAGE_ROWS',
    default: String(DEFAULT_PAGE_ROWS),
    required: 'optional',
    description: `Rows one query returns at most (${MIN_PAGE_ROWS}..${MAX_PAGE_ROWS}); a window with more is read in pages, which bounds a run's memory.`,
  },
  { name: 'HUNT_GROUPING_WINDOW', default: '24h', required: 'optional', description: 'Incident grouping bucket (5m..7d).' },
  { name: 'HUNT_INCIDENTS_TABLE', default: 'SigmaHuntIncidents', required: 'optional', description: 'Table of incidents.' },
  { name: 'HUNT_CHECKPOINTS_TABLE', default: 'SigmaHuntCheckpoints', required: 'optional', description: 'Table of ingestion watermarks.' },
  {
    name: 'HUNT_STORAGE_TABLE_ENDPOINT',
    required: 'azure',
    fallback: 'AzureWebJobsStorage__tableServiceUri',
    description: 'https URL of the table service (managed identity; no keys).',
  },
  { name: 'AzureWebJobsStorage__tableServiceUri', required: 'optional', description: 'Read when HUNT_STORAGE_TABLE_ENDPOINT is unset.' },
  { name: 'AZURE_CLIENT_ID', required: 'optional', description: 'Client id of a user-assigned managed identity (GUID).' },
  { name: 'HUNT_RUN_BUDGET', default: '8m', required: 'optional', description: 'Time a run may take (1m..<10m, the host functionTimeout).' },
  {
    name: 'HUNT_ROW_LIMIT_MS',
    default: String(DEFAULT_ROW_LIMIT_MS),
    required: 'optional',
    description: `Milliseconds (${MIN_ROW_LIMIT_MS}..${MAX_ROW_LIMIT_MS}) past which one row's Sigma verification is reported as slow (rule, hit id, field, length); its verdict stands.`,
  },
  {
    name: 'HUNT_LOG_EVENT_VALUES',
    default: 'false',
    required: 'optional',
    description: 'true: logs may carry event values (each cut to 200 characters, control characters escaped); false: hit ids and field names only.',
  },
  { name: 'HUNT_PLACEHOLDERS_PATH', required: 'optional', description: 'YAML/JSON file of placeholder values for `expand`.' },
  { name: 'HUNT_KQL_OVERRIDES_PATH', required: 'optional', description: 'Folder of hand-written KQL per rule, <ruleId>.kql.' },
  { name: 'HUNT_LOG_ANALYTICS_ENDPOINT', default: DEFAULT_LOG_ANALYTICS_ENDPOINT, required: 'optional', description: 'Query API base URL (sovereign clouds).' },
  {
    name: 'HUNT_LOG_ANALYTICS_SCOPE',
    defaultDescription: `${PUBLIC_LOG_ANALYTICS_SCOPE} for the public endpoint, else <endpoint origin>/.default`,
    required: 'optional',
    description: 'Token scope for the query API.',
  },
];

export interface HuntConfig {
  /** `azure` when the Functions host runs us (WEBSITE_INSTANCE_ID / WEBSITE_SITE_NAME set), else `local`. */
  environment: 'azure' | 'local';
  schedule: string;
  /** Lower-case GUID; absent locally when unset (the local run uses a fake). */
  workspaceId?: string;
  target: TargetName;
  rulesPath: string;
  lookbackMs: number;
  ingestionDelayMs: number;
  safetyLagMs: number;
  maxWindowMs: number;
  pageRows: number;
  groupingWindowMs: number;
  incidentsTable: string;
  checkpointsTable: string;
  /** https URL without a trailing slash; absent locally when unset (the local run uses Azurite). */
  tableEndpoint?: string;
  managedIdentityClientId?: string;
  runBudgetMs: number;
  rowLimitMs: number;
  logEventValues: boolean;
  placeholdersPath?: string;
  kqlOverridesPath?: string;
  logAnalyticsEndpoint: string;
  logAnalyticsScope: string;
}

export interface ParseHuntConfigOptions {
  /** Overrides the environment detection. */
  environment?: 'azure' | 'local';
  /** Where relative paths are resolved and `rules/` is found; default: the app root of this build. */
  appRoot?: string;
}

// ---------------------------------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------------------------------

export function parseHuntConfig(env: Readonly<Record<string, string | undefined>>, options: ParseHuntConfigOptions = {}): HuntConfig {
  const problems: ConfigProblem[] = [];
  const environment = options.environment ?? (env.WEBSITE_INSTANCE_ID || env.WEBSITE_SITE_NAME ? 'azure' : 'local');
  const appRoot = options.appRoot ?? defaultAppRoot();
  const inAzure = environment === 'azure';

  const refused = new Set<string>();
  const read = (name: string): string | undefined => {
    const raw = env[name];
    if (raw === undefined || raw.trim() === '') return undefined;
    if (looksLikeSecret(raw)) {
      if (refused.has(name)) return undefined;
      refused.add(name);
      problems.push({ setting: name, value: '<redacted>', reason: 'holds a connection string, account key or SAS token; use an https endpoint with a managed identity' });
      return undefined;
    }
    return raw.trim();
  };
  const fail = (setting: string, value: string | undefined, reason: string): void => {
    problems.push({ setting, ...(value !== undefined ? { value: shown(value) } : {}), reason });
  };

  // Schedule
  const schedule = read('HUNT_SCHEDULE') ?? DEFAULT_SCHEDULE;
  const scheduleProblem = ncrontabProblem(schedule);
  if (scheduleProblem) fail('HUNT_SCHEDULE', schedule, scheduleProblem);

  // Workspace
  const workspaceText = read('LOG_ANALYTICS_WORKSPACE_ID');
  let workspaceId: string | undefined;
  if (workspaceText === undefined) {
    if (inAzure && !refused.has('LOG_ANALYTICS_WORKSPACE_ID')) fail('LOG_ANALYTICS_WORKSPACE_ID', undefined, 'required in Azure: the workspace (customer) id');
  } else if (!GUID.test(workspaceText)) {
    fail('LOG_ANALYTICS_WORKSPACE_ID', workspaceText, 'not a GUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx): use the workspace id, not its name or resource id');
  } else {
    workspaceId = workspaceText.toLowerCase();
  }

  // Target
  const targetText = read('HUNT_TARGET') ?? 'asim';
  const target = TARGET_NAMES.find((name) => name === targetText.toLowerCase());
  if (!target) fail('HUNT_TARGET', targetText, `must be one of ${TARGET_NAMES.join(', ')}`);

  // Paths
  const pathSetting = (name: string): string | undefined => {
    const text = read(name);
    if (text === undefined) return undefined;
    if (text.includes('\u0000')) {
      fail(name, text, 'contains a NUL character');
      return undefined;
    }
    return path.resolve(appRoot, text);
  };
  const rulesPath = pathSetting('HUNT_RULES_PATH') ?? path.join(appRoot, 'rules');
  const placeholdersPath = pathSetting('HUNT_PLACEHOLDERS_PATH');
  const kqlOverridesPath = pathSetting('HUNT_KQL_OVERRIDES_PATH');

  // Durations
  const duration = (name: string, fallback: string, min: number, max: number, maxInclusive = true): number => {
    const text = read(name) ?? fallback;
    const ms = parseDuration(text);
    if (ms === undefined) {
      fail(name, text, 'not a duration: use ISO 8601 (PT5M, PT1H, P1D) or 30s / 5m / 1h / 1d');
      return parseDuration(fallback)!;
    }
    if (ms < min || (maxInclusive ? ms > max : ms >= max)) {
      fail(name, text, `must be from ${formatDuration(min)} to ${maxInclusive ? '' : 'less than '}${formatDuration(max)}`);
    }
    return ms;
  };
  const lookbackMs = duration('HUNT_LOOKBACK', '1h', 5 * MINUTE, 14 * DAY);
  const ingestionDelayMs = duration('HUNT_INGESTION_DELAY', '5m', 0, 7 * DAY);
  const safetyLagMs = duration('HUNT_SAFETY_LAG', '2m', 0, HOUR);
  const maxWindowMs = duration('HUNT_MAX_WINDOW', '1h', 5 * MINUTE, DAY);
  const groupingWindowMs = duration('HUNT_GROUPING_WINDOW', formatDuration(DEFAULT_GROUPING_WINDOW_MS), MIN_GROUPING_WINDOW_MS, MAX_GROUPING_WINDOW_MS);
  const runBudgetMs = duration('HUNT_RUN_BUDGET', '8m', MINUTE, HOST_FUNCTION_TIMEOUT_MS, false);
  const pageRowsText = read('HUNT_PAGE_ROWS') ?? String(DEFAULT_PAGE_ROWS);
  const pageRows = /^\d+$/.test(pageRowsText) ? Number(pageRowsText) : Number.NaN;
  if (!(pageRows >= MIN_PAGE_ROWS && pageRows <= MAX_PAGE_ROWS)) fail('HUNT_PAGE_ROWS', pageRowsText, `must be a whole number from ${MIN_PAGE_ROWS} to ${MAX_PAGE_ROWS}`);
  const rowLimitText = read('HUNT_ROW_LIMIT_MS') ?? String(DEFAULT_ROW_LIMIT_MS);
  const rowLimitMs = /^\d{1,9}$/.test(rowLimitText) ? Number(rowLimitText) : Number.NaN;
  if (!(rowLimitMs >= MIN_ROW_LIMIT_MS && rowLimitMs <= MAX_ROW_LIMIT_MS)) {
    fail('HUNT_ROW_LIMIT_MS', rowLimitText, `must be a whole number of milliseconds from ${MIN_ROW_LIMIT_MS} to ${MAX_ROW_LIMIT_MS}`);
  }
  const logEventValuesText = read('HUNT_LOG_EVENT_VALUES') ?? 'false';
  const logEventValues = logEventValuesText.toLowerCase() === 'true';
  if (!logEventValues && logEventValuesText.toLowerCase() !== 'false') fail('HUNT_LOG_EVENT_VALUES', logEventValuesText, 'must be true or false');
  const settled = (name: string) => !problems.some((problem) => problem.setting === name);
  if (settled('HUNT_LOOKBACK') && settled('HUNT_SAFETY_LAG') && safetyLagMs >= lookbackMs) {
    fail('HUNT_SAFETY_LAG', read('HUNT_SAFETY_LAG') ?? '2m', `must be shorter than HUNT_LOOKBACK (${formatDuration(lookbackMs)}): the first window would be empty`);
  }

  // Tables
  const table = (name: string, fallback: string): string => {
    const text = read(name) ?? fallback;
    if (!TABLE_NAME.test(text)) fail(name, text, 'an Azure table name is 3-63 letters and digits, starting with a letter');
    else if (text.toLowerCase() === 'tables') fail(name, text, '"tables" is reserved by Table Storage');
    return text;
  };
  const incidentsTable = table('HUNT_INCIDENTS_TABLE', 'SigmaHuntIncidents');
  const checkpointsTable = table('HUNT_CHECKPOINTS_TABLE', 'SigmaHuntCheckpoints');
  if (incidentsTable.toLowerCase() === checkpointsTable.toLowerCase()) {
    fail('HUNT_CHECKPOINTS_TABLE', checkpointsTable, 'must differ from HUNT_INCIDENTS_TABLE (table names are case-insensitive)');
  }

  // Storage endpoint
  let tableEndpoint: string | undefined;
  const endpointSetting = read('HUNT_STORAGE_TABLE_ENDPOINT') !== undefined ? 'HUNT_STORAGE_TABLE_ENDPOINT' : 'AzureWebJobsStorage__tableServiceUri';
  const endpointText = read(endpointSetting);
  if (endpointText === undefined) {
    if (inAzure && !refused.has('HUNT_STORAGE_TABLE_ENDPOINT') && !refused.has('AzureWebJobsStorage__tableServiceUri')) {
      fail('HUNT_STORAGE_TABLE_ENDPOINT', undefined, 'required in Azure (or AzureWebJobsStorage__tableServiceUri): https://<account>.table.core.windows.net');
    }
  } else {
    const problem = httpsUrlProblem(endpointText);
    if (problem) fail(endpointSetting, endpointText, problem);
    else tableEndpoint = endpointText.replace(/\/+$/, '');
  }

  // Identity
  const clientIdText = read('AZURE_CLIENT_ID');
  if (clientIdText !== undefined && !GUID.test(clientIdText)) fail('AZURE_CLIENT_ID', clientIdText, 'not a GUID: the client id of a user-assigned managed identity');

  // Log Analytics endpoint and scope
  let logAnalyticsEndpoint = DEFAULT_LOG_ANALYTICS_ENDPOINT;
  const laEndpointText = read('HUNT_LOG_ANALYTICS_ENDPOINT');
  if (laEndpointText !== undefined) {
    const problem = httpsUrlProblem(laEndpointText) ?? (/\/v1\/?$/.test(new URL(laEndpointText).pathname) ? undefined : 'must end with /v1 (the SDK uses the endpoint verbatim)');
    if (problem) fail('HUNT_LOG_ANALYTICS_ENDPOINT', laEndpointText, problem);
    else logAnalyticsEndpoint = laEndpointText.replace(/\/+$/, '');
  }
  let logAnalyticsScope =
    logAnalyticsEndpoint === DEFAULT_LOG_ANALYTICS_ENDPOINT || new URL(logAnalyticsEndpoint).host === 'api.loganalytics.io'
      ? PUBLIC_LOG_ANALYTICS_SCOPE
      : `${new URL(logAnalyticsEndpoint).origin}/.default`;
  const scopeText = read('HUNT_LOG_ANALYTICS_SCOPE');
  if (scopeText !== undefined) {
    const problem = httpsUrlProblem(scopeText) ?? (scopeText.endsWith('/.default') ? undefined : 'a token scope ends with /.default');
    if (problem) fail('HUNT_LOG_ANALYTICS_SCOPE', scopeText, problem);
    else logAnalyticsScope = scopeText;
  }

  if (problems.length > 0) throw new ConfigError(problems);
  return {
    environment,
    schedule,
    ...(workspaceId !== undefined ? { workspaceId } : {}),
    target: target!,
    rulesPath,
    lookbackMs,
    ingestionDelayMs,
    safetyLagMs,
    maxWindowMs,
    pageRows,
    groupingWindowMs,
    incidentsTable,
    checkpointsTable,
    ...(tableEndpoint !== undefined ? { tableEndpoint } : {}),
    ...(clientIdText !== undefined ? { managedIdentityClientId: clientIdText.toLowerCase() } : {}),
    runBudgetMs,
    rowLimitMs,
    logEventValues,
    ...(placeholdersPath !== undefined ? { placeholdersPath } : {}),
    ...(kqlOverridesPath !== undefined ? { kqlOverridesPath } : {}),
    logAnalyticsEndpoint,
    logAnalyticsScope,
  };
}

const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const TABLE_NAME = /^[A-Za-z][A-Za-z0-9]{2,62}$/;

/** Connection strings (`AccountKey=`, `SharedAccessSignature=`), SAS query strings (`sig=`) and `DefaultEndpointsProtocol=`. */
function looksLikeSecret(value: string): boolean {
  return /accountkey\s*=|sharedaccesssignature\s*=|sharedaccesskey\s*=|[?&]sig=|defaultendpointsprotocol\s*=/i.test(value);
}

function shown(value: string): string {
  const printable = JSON.stringify(value).slice(1, -1); // control characters escaped
  return printable.length > 120 ? `${printable.slice(0, 117)}...` : printable;
}

function httpsUrlProblem(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'not a URL';
  }
  if (url.protocol !== 'https:') return 'must be an https URL';
  if (url.username || url.password) return 'must not carry credentials';
  if (url.search || url.hash) return 'must not have a query string or fragment';
  return undefined;
}

/** The app root of this build: src/hunt/ → ../.. when run from source, dist/src/hunt/ → ../../.. when built. */
function defaultAppRoot(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const parts = here.split(path.sep);
  const distIndex = parts.lastIndexOf('dist');
  return distIndex >= 0 && parts[distIndex + 1] === 'src' ? parts.slice(0, distIndex).join(path.sep) || path.sep : path.resolve(here, '../..');
}

// ---------------------------------------------------------------------------------------------------
// Durations
// ---------------------------------------------------------------------------------------------------

const SHORT_UNITS: Readonly<Record<string, number>> = { s: 1000, m: MINUTE, h: HOUR, d: DAY };

/**
 * Milliseconds of `30s`, `5m`, `1h`, `1d` or an ISO 8601 duration with days, weeks, hours, minutes and seconds
 * (`PT5M`, `P1DT12H`, `P2W`). Years and months are refused: their length varies. Undefined when not a duration.
 */
export function parseDuration(text: string): number | undefined {
  if (text.trim() === '0') return 0;
  const short = /^(\d{1,9})\s*([smhd])$/i.exec(text.trim());
  if (short) return Number(short[1]) * SHORT_UNITS[short[2]!.toLowerCase()]!;
  const iso = /^P(?:(\d{1,9})W)?(?:(\d{1,9})D)?(?:T(?:(\d{1,9})H)?(?:(\d{1,9})M)?(?:(\d{1,9})S)?)?$/i.exec(text.trim());
  if (!iso || text.trim().toUpperCase() === 'P' || /T$/i.test(text.trim())) return undefined;
  const [weeks, days, hours, minutes, seconds] = iso.slice(1).map((part) => Number(part ?? 0)) as [number, number, number, number, number];
  const ms = (((weeks * 7 + days) * 24 + hours) * 60 + minutes) * MINUTE + seconds * 1000;
  return Number.isSafeInteger(ms) ? ms : undefined;
}

/** `5m`, `1h30m`, `14d`: for messages. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  let rest = ms;
  let text = '';
  for (const [unit, size] of [['d', DAY], ['h', HOUR], ['m', MINUTE], ['s', 1000]] as const) {
    const count = Math.floor(rest / size);
    if (count > 0) text += `${count}${unit}`;
    rest -= count * size;
  }
  return rest > 0 ? `${text}${rest}ms` : text;
}

// ---------------------------------------------------------------------------------------------------
// NCRONTAB
// ---------------------------------------------------------------------------------------------------

const NCRONTAB_FIELDS: readonly { name: string; min: number; max: number; names?: readonly string[] }[] = [
  { name: 'second', min: 0, max: 59 },
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'] },
  { name: 'day-of-week', min: 0, max: 6, names: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] },
];

/**
 * Why `expression` is not a 6-field NCRONTAB (`{second} {minute} {hour} {day} {month} {day-of-week}`), or
 * undefined. Checks the shape and the ranges of `*`, `n`, `a-b`, `*\/n`, `a-b/n` and lists, with month and day
 * names. The TimeSpan form (`00:05:00`) is refused: it works on App Service plans only, not Flex Consumption.
 */
export function ncrontabProblem(expression: string): string | undefined {
  if (/^\d{1,2}:\d{2}:\d{2}$/.test(expression)) return 'the TimeSpan form runs only on App Service plans; use NCRONTAB, e.g. 0 */5 * * * *';
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 6) {
    return `NCRONTAB needs 6 fields ({second} {minute} {hour} {day} {month} {day-of-week}), got ${fields.length}${fields.length === 5 ? ' (a 5-field cron lacks the seconds field)' : ''}`;
  }
  for (let index = 0; index < 6; index++) {
    const spec = NCRONTAB_FIELDS[index]!;
    const problem = cronFieldProblem(fields[index]!, spec);
    if (problem) return `${spec.name} field '${fields[index]}': ${problem}`;
  }
  return undefined;
}

function cronFieldProblem(field: string, spec: { min: number; max: number; names?: readonly string[] }): string | undefined {
  const value = (text: string): number | undefined => {
    if (/^\d{1,2}$/.test(text)) return Number(text);
    const named = spec.names?.indexOf(text.toUpperCase()) ?? -1;
    return named >= 0 ? named + spec.min : undefined;
  };
  for (const item of field.split(',')) {
    const match = /^(\*|([^-/]+)(?:-([^-/]+))?)(?:\/(\d{1,3}))?$/.exec(item);
    if (!match) return `'${item}' is not *, n, a-b or a step (*/n, a-b/n)`;
    if (match[4] !== undefined && Number(match[4]) < 1) return 'a step must be at least 1';
    if (match[1] === '*') continue;
    const from = value(match[2]!);
    const to = match[3] === undefined ? from : value(match[3]);
    if (from === undefined || to === undefined) return `'${item}' is not a number${spec.names ? ' or name' : ''}`;
    if (from < spec.min || to > spec.max) return `values must be from ${spec.min} to ${spec.max}`;
    if (from > to) return `range ${from}-${to} is reversed`;
  }
  return undefined;
}
