import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  DEFAULT_LOG_ANALYTICS_ENDPOINT,
  HUNT_SETTINGS,
  PUBLIC_LOG_ANALYTICS_SCOPE,
  ncrontabProblem,
  parseDuration,
  parseHuntConfig,
  type HuntConfig,
} from '../../../src/hunt/config.js';
import { projectRoot } from '../../support/paths.js';

const APP_ROOT = path.resolve('/home/site/wwwroot');
const WORKSPACE = '0F8FAD5B-D9CB-469F-A165-70867728950E';
const AZURE_ENV = {
  WEBSITE_INSTANCE_ID: 'abc',
  LOG_ANALYTICS_WORKSPACE_ID: WORKSPACE,
  HUNT_STORAGE_TABLE_ENDPOINT: 'https://sthunt.table.core.windows.net/',
};

function configError(env: Record<string, string | undefined>, options: Parameters<typeof parseHuntConfig>[1] = { appRoot: APP_ROOT }): ConfigError {
  try {
    parseHuntConfig(env, options);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

const local = (env: Record<string, string | undefined>): HuntConfig => parseHuntConfig(env, { appRoot: APP_ROOT });

describe('parseHuntConfig defaults', () => {
  it('gives every default for an empty local environment', () => {
    expect(local({})).toEqual({
      environment: 'local',
      schedule: '0 */5 * * * *',
      target: 'asim',
      rulesPath: path.join(APP_ROOT, 'rules'),
      lookbackMs: 60 * 60_000,
      ingestionDelayMs: 5 * 60_000,
      safetyLagMs: 2 * 60_000,
      maxWindowMs: 60 * 60_000,
      pageRows: 50_000,
      groupingWindowMs: 24 * 60 * 60_000,
      incidentsTable: 'SigmaHuntIncidents',
      checkpointsTable: 'SigmaHuntCheckpoints',
      runBudgetMs: 8 * 60_000,
      rowLimitMs: 100,
      logEventValues: false,
      logAnalyticsEndpoint: DEFAULT_LOG_ANALYTICS_ENDPOINT,
      logAnalyticsScope: PUBLIC_LOG_ANALYTICS_SCOPE,
    });
  });

  it('reads a complete Azure environment, normalising the GUIDs and the endpoint', () => {
    const config = local({ ...AZURE_ENV, AZURE_CLIENT_ID: 'A1B2C3D4-0000-4000-8000-000000000001' });
    expect(config.environment).toBe('azure');
    expect(config.workspaceId).toBe(WORKSPACE.toLowerCase());
    expect(config.tableEndpoint).toBe('https://sthunt.table.core.windows.net');
    expect(config.managedIdentityClientId).toBe('a1b2c3d4-0000-4000-8000-000000000001');
  });

  it('finds the rules folder beside src/ when run from the source tree', () => {
    expect(parseHuntConfig({}).rulesPath).toBe(path.join(projectRoot, 'rules'));
  });

  it('resolves relative paths against the app root and keeps absolute ones', () => {
    const config = local({ HUNT_RULES_PATH: 'my-rules', HUNT_PLACEHOLDERS_PATH: '/etc/hunt/placeholders.yml', HUNT_KQL_OVERRIDES_PATH: './kql' });
    expect(config.rulesPath).toBe(path.join(APP_ROOT, 'my-rules'));
    expect(config.placeholdersPath).toBe(path.resolve('/etc/hunt/placeholders.yml'));
    expect(config.kqlOverridesPath).toBe(path.join(APP_ROOT, 'kql'));
  });

  it('treats blank settings as unset', () => {
    expect(local({ HUNT_TARGET: '  ', HUNT_LOOKBACK: '' })).toEqual(local({}));
  });

  it('falls back to AzureWebJobsStorage__tableServiceUri for the table endpoint', () => {
    const config = local({ ...AZURE_ENV, HUNT_STORAGE_TABLE_ENDPOINT: undefined, AzureWebJobsStorage__tableServiceUri: 'https://stfunc.table.core.windows.net' });
    expect(config.tableEndpoint).toBe('https://stfunc.table.core.windows.net');
  });
});

describe('parseHuntConfig refusals', () => {
  it('lists every bad setting in one error, each with its name, value and reason', () => {
    const error = configError({
      HUNT_SCHEDULE: '*/5 * * * *',
      LOG_ANALYTICS_WORKSPACE_ID: 'my-workspace',
      HUNT_TARGET: 'splunk',
      HUNT_LOOKBACK: '30s',
      HUNT_INCIDENTS_TABLE: 'sigma-incidents',
      HUNT_RUN_BUDGET: '10m',
    });
    expect(error.code).toBe('config');
    expect(error.problems.map((problem) => problem.setting)).toEqual([
      'HUNT_SCHEDULE',
      'LOG_ANALYTICS_WORKSPACE_ID',
      'HUNT_TARGET',
      'HUNT_LOOKBACK',
      'HUNT_RUN_BUDGET',
      'HUNT_INCIDENTS_TABLE',
    ]);
    expect(error.message).toContain('HUNT_SCHEDULE=*/5 * * * *: NCRONTAB needs 6 fields');
    expect(error.message).toContain('(a 5-field cron lacks the seconds field)');
    expect(error.message).toContain('HUNT_TARGET=splunk: must be one of asim, mde, sysmon');
    expect(error.message).toContain('HUNT_LOOKBACK=30s: must be from 5m to 14d');
    expect(error.message).toContain('HUNT_RUN_BUDGET=10m: must be from 1m to less than 10m');
  });

  it('requires the workspace id and the table endpoint in Azure, not locally', () => {
    const error = configError({ WEBSITE_SITE_NAME: 'func-hunt' });
    expect(error.problems.map((problem) => [problem.setting, problem.value])).toEqual([
      ['LOG_ANALYTICS_WORKSPACE_ID', undefined],
      ['HUNT_STORAGE_TABLE_ENDPOINT', undefined],
    ]);
    expect(error.message).toContain('LOG_ANALYTICS_WORKSPACE_ID (unset): required in Azure');
    expect(local({}).workspaceId).toBeUndefined();
  });

  it.each([
    ['a connection string with an account key', 'DefaultEndpointsProtocol=https;AccountName=st;AccountKey=c2VjcmV0a2V5;EndpointSuffix=core.windows.net'],
    ['a SAS URL', 'https://st.table.core.windows.net/?sv=2022-11-02&ss=t&sig=c2VjcmV0c2ln'],
    ['a bare AccountKey pair', 'AccountKey=c2VjcmV0a2V5'],
  ])('refuses %s for the table endpoint without echoing it', (_what, value) => {
    const error = configError({ ...AZURE_ENV, HUNT_STORAGE_TABLE_ENDPOINT: value });
    expect(error.problems).toEqual([
      { setting: 'HUNT_STORAGE_TABLE_ENDPOINT', value: '<redacted>', reason: expect.stringContaining('managed identity') },
    ]);
    expect(error.message).not.toContain('c2VjcmV0');
  });

  it('refuses a key in the fallback setting too', () => {
    const error = configError({ ...AZURE_ENV, HUNT_STORAGE_TABLE_ENDPOINT: undefined, AzureWebJobsStorage__tableServiceUri: 'AccountKey=c2VjcmV0a2V5' });
    expect(error.problems.map((problem) => problem.setting)).toEqual(['AzureWebJobsStorage__tableServiceUri']);
    expect(error.message).not.toContain('c2VjcmV0');
  });

  it('refuses a plain-http table endpoint', () => {
    const error = configError({ ...AZURE_ENV, HUNT_STORAGE_TABLE_ENDPOINT: 'http://sthunt.table.core.windows.net' });
    expect(error.problems).toEqual([{ setting: 'HUNT_STORAGE_TABLE_ENDPOINT', value: 'http://sthunt.table.core.windows.net', reason: 'must be an https URL' }]);
  });

  it.each([
    ['too short', 'ab'],
    ['starting with a digit', '1Incidents'],
    ['with a dash', 'Sigma-Incidents'],
    ['64 characters', 'A'.repeat(64)],
    ['the reserved name', 'Tables'],
  ])('refuses a table name %s', (_what, name) => {
    expect(configError({ HUNT_INCIDENTS_TABLE: name }).problems.map((problem) => problem.setting)).toEqual(['HUNT_INCIDENTS_TABLE']);
  });

  it('refuses the same table for incidents and checkpoints, ignoring case', () => {
    const error = configError({ HUNT_INCIDENTS_TABLE: 'HuntData', HUNT_CHECKPOINTS_TABLE: 'huntdata' });
    expect(error.problems[0].reason).toContain('must differ');
  });

  it('refuses a safety lag that is not shorter than the lookback', () => {
    const error = configError({ HUNT_LOOKBACK: '5m', HUNT_SAFETY_LAG: '5m' });
    expect(error.problems.map((problem) => problem.setting)).toEqual(['HUNT_SAFETY_LAG']);
  });

  it.each([
    ['grouping window below 5 minutes', 'HUNT_GROUPING_WINDOW', '4m'],
    ['grouping window above 7 days', 'HUNT_GROUPING_WINDOW', 'P8D'],
    ['lookback above 14 days', 'HUNT_LOOKBACK', 'P15D'],
    ['ingestion delay above 7 days', 'HUNT_INGESTION_DELAY', '8d'],
    ['max window above a day', 'HUNT_MAX_WINDOW', '25h'],
    ['run budget below a minute', 'HUNT_RUN_BUDGET', '30s'],
    ['page below 1,000 rows', 'HUNT_PAGE_ROWS', '999'],
    ['page above 250,000 rows', 'HUNT_PAGE_ROWS', '250001'],
    ['page size that is not a whole number', 'HUNT_PAGE_ROWS', '5e4'],
    ['row limit of 0 ms', 'HUNT_ROW_LIMIT_MS', '0'],
    ['row limit above a minute', 'HUNT_ROW_LIMIT_MS', '60001'],
    ['row limit given as a duration', 'HUNT_ROW_LIMIT_MS', '100ms'],
    ['log-event-values switch that is not true or false', 'HUNT_LOG_EVENT_VALUES', 'yes'],
  ])('refuses a %s', (_what, setting, value) => {
    expect(configError({ [setting]: value }).problems.map((problem) => [problem.setting, problem.value])).toEqual([[setting, value]]);
  });

  it('reads the row limit and the opt-in to event values in logs', () => {
    expect(local({ HUNT_ROW_LIMIT_MS: '250', HUNT_LOG_EVENT_VALUES: 'TRUE' })).toMatchObject({ rowLimitMs: 250, logEventValues: true });
    expect(local({ HUNT_LOG_EVENT_VALUES: 'false' }).logEventValues).toBe(false);
  });

  it('refuses a workspace given by name or resource id, and a client id that is not a GUID', () => {
    const error = configError({
      LOG_ANALYTICS_WORKSPACE_ID: '/subscriptions/x/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/law',
      AZURE_CLIENT_ID: 'hunt-identity',
    });
    expect(error.problems.map((problem) => problem.setting)).toEqual(['LOG_ANALYTICS_WORKSPACE_ID', 'AZURE_CLIENT_ID']);
  });

  it('escapes control characters and cuts long values in the message', () => {
    const error = configError({ HUNT_TARGET: 'asim\n' + 'x'.repeat(500) });
    expect(error.problems[0].value).toMatch(/^asim\\nx+\.\.\.$/);
    expect(error.problems[0].value!.length).toBe(120);
  });
});

describe('Log Analytics endpoint and scope', () => {
  it('uses the sovereign endpoint and derives its scope from the endpoint origin', () => {
    const config = local({ HUNT_LOG_ANALYTICS_ENDPOINT: 'https://api.loganalytics.azure.cn/v1/' });
    expect(config.logAnalyticsEndpoint).toBe('https://api.loganalytics.azure.cn/v1');
    expect(config.logAnalyticsScope).toBe('https://api.loganalytics.azure.cn/.default');
  });

  it('keeps an explicit scope', () => {
    const config = local({ HUNT_LOG_ANALYTICS_SCOPE: 'https://api.loganalytics.us/.default' });
    expect(config.logAnalyticsScope).toBe('https://api.loganalytics.us/.default');
  });

  it('refuses an endpoint without /v1 and a scope without /.default', () => {
    const error = configError({ HUNT_LOG_ANALYTICS_ENDPOINT: 'https://api.loganalytics.azure.cn', HUNT_LOG_ANALYTICS_SCOPE: 'https://api.loganalytics.azure.cn' });
    expect(error.problems.map((problem) => [problem.setting, problem.reason])).toEqual([
      ['HUNT_LOG_ANALYTICS_ENDPOINT', 'must end with /v1 (the SDK uses the endpoint verbatim)'],
      ['HUNT_LOG_ANALYTICS_SCOPE', 'a token scope ends with /.default'],
    ]);
  });
});

describe('HUNT_SETTINGS', () => {
  it('names exactly the settings parseHuntConfig reads (besides the host variables that tell Azure from local)', () => {
    const read = new Set<string>();
    const env = new Proxy({} as Record<string, string | undefined>, {
      get(_target, key) {
        if (typeof key === 'string') read.add(key);
        return undefined;
      },
    });
    parseHuntConfig(env, { appRoot: APP_ROOT });
    read.delete('WEBSITE_INSTANCE_ID');
    read.delete('WEBSITE_SITE_NAME');
    expect([...read].sort()).toEqual(HUNT_SETTINGS.map((setting) => setting.name).sort());
  });

  it('lists defaults that parse to the same configuration as leaving the settings unset', () => {
    const explicit = Object.fromEntries(HUNT_SETTINGS.filter((setting) => setting.default !== undefined).map((setting) => [setting.name, setting.default]));
    expect(Object.keys(explicit).length).toBe(14);
    expect(local(explicit)).toEqual(local({}));
  });

  it('describes every setting and gives each one without a fixed default either a description of it or none', () => {
    for (const setting of HUNT_SETTINGS) {
      expect(setting.description.length).toBeGreaterThan(10);
      expect(setting.default !== undefined && setting.defaultDescription !== undefined).toBe(false);
    }
  });
});

describe('parseDuration', () => {
  it.each([
    ['5m', 5 * 60_000],
    ['1h', 60 * 60_000],
    ['1d', 24 * 60 * 60_000],
    ['30s', 30_000],
    ['0', 0],
    ['PT5M', 5 * 60_000],
    ['P1DT12H', 36 * 60 * 60_000],
    ['P2W', 14 * 24 * 60 * 60_000],
    ['pt90s', 90_000],
  ])('reads %s', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['P1M', 'P1Y', 'P', 'PT', 'P1DT', '5 minutes', '1.5h', '-5m', 'PT0.5S'])('refuses %s', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});

describe('ncrontabProblem', () => {
  it.each(['0 */5 * * * *', '0 0 * * * *', '30 15 9 * * MON-FRI', '0 0,30 8-18 1 JAN-DEC 0-6', '0 0 */2 * * sun'])('accepts %s', (expression) => {
    expect(ncrontabProblem(expression)).toBeUndefined();
  });

  it.each([
    ['00:05:00', 'App Service plans'],
    ['0 60 * * * *', 'minute field'],
    ['0 0 24 * * *', 'hour field'],
    ['0 0 0 0 * *', 'day field'],
    ['0 0 0 * 13 *', 'month field'],
    ['0 0 0 * * 7', 'day-of-week field'],
    ['0 */0 * * * *', 'step must be at least 1'],
    ['0 30-10 * * * *', 'reversed'],
    ['0 5 * * * * *', 'got 7'],
    ['0 x * * * *', 'not a number'],
  ])('refuses %s', (expression, reason) => {
    expect(ncrontabProblem(expression)).toContain(reason);
  });
});
