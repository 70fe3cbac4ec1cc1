import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { startLogAnalyticsFake, type LogAnalyticsFake } from '../../src/local/log-analytics-fake.js';
import { defaultSampleTiming, oracleResponder, readSampleEvents, sampleWorkspace } from '../../src/local/sample-workspace.js';
import { projectRoot } from '../support/paths.js';
import { captureCli } from '../support/cli.js';

const capture = (cwd: string, env: NodeJS.ProcessEnv = {}) => captureCli({ cwd, env });

let fake: LogAnalyticsFake;
beforeAll(async () => {
  fake = await startLogAnalyticsFake();
  const events = await readSampleEvents(path.join(projectRoot, 'samples', 'sysmon-network-connection.jsonl'));
  const anchor = new Date();
  const workspace = sampleWorkspace('asim', events, (index, count) => defaultSampleTiming(anchor, index, count));
  fake.setRespond(oracleResponder({ mapping: workspace.mapping, rows: () => workspace.rows }));
});
afterAll(async () => fake?.close());

describe('sigma-hunt hunt', () => {
  it('runs one hunt against the given workspace endpoint, stores incidents locally and prints the JSON summary', async () => {
    const localDir = await mkdtemp(path.join(os.tmpdir(), 'sigma-hunt-cli-'));
    const run = capture(projectRoot);
    const code = await main(['hunt', '--workspace', '11111111-2222-4333-8444-555555555555', '--log-analytics-endpoint', fake.url, '--local-dir', localDir, '--format', 'json'], run.io);
    expect(code).toBe(0);
    const summary = JSON.parse(run.out()) as { totals: { incidentsCreated: number; verifiedHits: number } };
    expect(summary.totals).toMatchObject({ verifiedHits: 4, incidentsCreated: 4 });
    expect(fake.requests.at(-1)?.workspaceId).toBe('11111111-2222-4333-8444-555555555555');
  });

  it('--since hunts a window ending now that starts that far back, regardless of the watermark', async () => {
    const localDir = await mkdtemp(path.join(os.tmpdir(), 'sigma-hunt-cli-'));
    const args = ['hunt', '--workspace', '11111111-2222-4333-8444-555555555555', '--log-analytics-endpoint', fake.url, '--local-dir', localDir, '--format', 'json'];
    await main(args, capture(projectRoot).io);
    const again = capture(projectRoot);
    expect(await main([...args, '--since', '2h'], again.io)).toBe(0);
    const summary = JSON.parse(again.out()) as { totals: { verifiedHits: number; incidentsCreated: number } };
    expect(summary.totals).toMatchObject({ verifiedHits: 4, incidentsCreated: 0 });
  });

  it('refuses a workspace id that is not a GUID with the settings error (exit 2)', async () => {
    const run = capture(projectRoot);
    expect(await main(['hunt', '--workspace', 'my-workspace'], run.io)).toBe(2);
    expect(run.err()).toMatch(/LOG_ANALYTICS_WORKSPACE_ID=my-workspace: not a GUID/);
  });

  it('refuses an unparsable --since (exit 2)', async () => {
    const run = capture(projectRoot);
    expect(await main(['hunt', '--workspace', '11111111-2222-4333-8444-555555555555', '--since', 'yesterday'], run.io)).toBe(2);
    expect(run.err()).toMatch(/--since 'yesterday' is not a duration/);
  });
});
