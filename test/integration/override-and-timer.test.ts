import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { InvocationContext } from '@azure/functions';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadHuntRules } from '../../src/hunt/clients.js';
import { huntTimerHandler, setUpHuntTimer } from '../../src/hunt/timer.js';
import { createLogsQueryClient } from '../../src/loganalytics/index.js';
import { IncidentStore } from '../../src/store/incident-store.js';
import { seedKql } from '../kql/lint/seed.js';
import { ANCHOR, RULES_PATH, WORKSPACE_ID, collectingLog, dumpTables, freshTables, huntRunner, sampleRows, serveWorkspace, startServices, type Services } from './harness.js';

let services: Services;
beforeAll(async () => {
  services = await startServices();
  serveWorkspace(services.fake, await sampleRows());
});
afterAll(async () => services?.stop());

const SEED_RULE_ID = '7b434893-c57d-4f41-908d-6a17bf1ae98f';

async function overridesWith(kql: string): Promise<string> {
  const folder = await mkdtemp(path.join(os.tmpdir(), 'sigma-hunt-overrides-'));
  await writeFile(path.join(folder, `${SEED_RULE_ID}.kql`), kql);
  return folder;
}

describe('hand-written KQL per rule', () => {
  test('the seed\'s hand-written query is linted, its findings logged, and it is run (finding nothing: NetworkDirection is never "true")', async () => {
    const log = collectingLog();
    const loaded = await loadHuntRules({ rulesPath: RULES_PATH, target: 'asim', kqlOverridesPath: await overridesWith(seedKql()) }, log);
    expect(loaded.rules[0]?.query.source).toBe('override');
    expect(log.lines.filter((line) => line.level === 'warn' && /lint-kql .*NetworkDirection/.test(line.message)).length).toBeGreaterThan(0);
    const tables = await freshTables(services.azurite);
    const summary = await huntRunner(services, tables, loaded.rules).run(ANCHOR);
    expect(summary.outcome).toBe('ok');
    expect(summary.rules[0]?.querySource).toBe('override');
    expect(summary.totals.rows).toBe(0);
  });

  test('an override that reads too much is re-verified: the extra rows are kqlOverMatch, logged with a sample, and never stored', async () => {
    const broad = 'imNetworkSession\n| where DstProcessName contains ":\\\\Users\\\\Public\\\\" or DstProcessName contains "\\\\AppData\\\\" or isnotempty(DstProcessName)';
    const loaded = await loadHuntRules({ rulesPath: RULES_PATH, target: 'asim', kqlOverridesPath: await overridesWith(broad) }, collectingLog());
    const tables = await freshTables(services.azurite);
    const log = collectingLog();
    const summary = await huntRunner(services, tables, loaded.rules).run(ANCHOR, { log });
    expect(summary.totals.verifiedHits).toBe(4);
    expect(summary.totals.kqlOverMatch).toBe(summary.totals.rows - 4);
    expect(summary.totals.kqlOverMatch).toBeGreaterThan(0);
    const warning = log.lines.find((line) => /kqlOverMatch/.test(line.message));
    expect((warning?.fields?.sample as unknown[]).length).toBeGreaterThan(0);
    expect(await new IncidentStore(tables.incidents).listIncidents()).toHaveLength(4);
  });
});

describe('timer handler', () => {
  test('bad settings are reported in one error listing every bad setting', async () => {
    const setup = setUpHuntTimer({ WEBSITE_SITE_NAME: 'app', HUNT_SCHEDULE: '*/5 * * * *', HUNT_LOOKBACK: 'forever' });
    expect(setup.ok).toBe(false);
    const log = collectingLog();
    await expect(huntTimerHandler(setup)(log)).rejects.toMatchObject({ code: 'config' });
    const message = log.lines[0]!.message;
    for (const setting of ['HUNT_SCHEDULE', 'HUNT_LOOKBACK', 'LOG_ANALYTICS_WORKSPACE_ID', 'HUNT_STORAGE_TABLE_ENDPOINT']) expect(message).toContain(setting);
  });

  test('a tick runs the hunt and ends with one JSON summary line in the function log', async () => {
    const setup = setUpHuntTimer({ LOG_ANALYTICS_WORKSPACE_ID: WORKSPACE_ID, HUNT_RULES_PATH: RULES_PATH });
    const tables = await freshTables(services.azurite);
    const handler = huntTimerHandler(setup, { clients: { logsClient: createLogsQueryClient({ endpoint: services.fake.url, insecureLocal: true }), tables }, now: () => ANCHOR });
    const logged: unknown[][] = [];
    const context = new InvocationContext({ invocationId: 'test', functionName: 'sigmaHunt', logHandler: (_level, ...args) => void logged.push(args) });
    const summary = await handler({ info: (message) => context.log(message), warn: (message) => context.warn(message), error: (message) => context.error(message) });
    expect(summary.totals.incidentsCreated).toBe(4);
    const summaryLines = logged.map((args) => String(args[0])).filter((line) => line.startsWith('{"event":"sigma-hunt.run"'));
    expect(summaryLines).toHaveLength(1);
    expect(JSON.parse(summaryLines[0]!)).toMatchObject({ outcome: 'ok', totals: { rows: 4, verifiedHits: 4, kqlOverMatch: 0, incidentsCreated: 4, incidentsUpdated: 0 } });
    expect((await dumpTables(tables)).checkpoints).toHaveLength(1);
  });
});
