import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { fakeReply, replySequence, startLogAnalyticsFake, type LogAnalyticsFake } from '../../src/local/log-analytics-fake.js';
import { defaultSampleTiming, oracleResponder, readSampleEvents, sampleWorkspace } from '../../src/local/sample-workspace.js';
import { projectRoot } from '../support/paths.js';
import { captureCli } from '../support/cli.js';

const capture = (cwd: string, env: NodeJS.ProcessEnv = {}) => captureCli({ cwd, env });

let fake: LogAnalyticsFake;
beforeAll(async () => {
  // The service's clock stands still at the anchor: the hunt's windows end at the service's now, so which sample
  // rows they hold cannot depend on how long the tests before took (the host clock only measures the skew).
  const anchor = new Date();
  fake = await startLogAnalyticsFake({ clock: () => anchor });
  const events = await readSampleEvents(path.join(projectRoot, 'samples', 'sysmon-network-connection.jsonl'));
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

  it('refuses a --workspace that is not a GUID naming the flag and why (exit 2)', async () => {
    const run = capture(projectRoot);
    expect(await main(['hunt', '--workspace', 'my-workspace'], run.io)).toBe(2);
    expect(run.err()).toMatch(/^sigma-hunt hunt: --workspace 'my-workspace': not a GUID \(x{8}-x{4}-x{4}-x{4}-x{12}\): use the workspace id, not its name or resource id\n/);
    expect(run.err().split('\n')[0]).not.toContain('LOG_ANALYTICS_WORKSPACE_ID'); // the usage below mentions it as the default
  });

  it('still names the variable when the bad workspace id came from the environment', async () => {
    const run = capture(projectRoot, { LOG_ANALYTICS_WORKSPACE_ID: 'my-workspace' });
    expect(await main(['hunt'], run.io)).toBe(2);
    expect(run.err()).toContain('LOG_ANALYTICS_WORKSPACE_ID=my-workspace: not a GUID');
  });

  it('reports a workspace it could not query as a service failure (exit 3), never as nothing to read, and lists no other run\'s incidents', async () => {
    const localDir = await mkdtemp(path.join(os.tmpdir(), 'sigma-hunt-cli-'));
    // The store already holds incidents of an earlier run, as the local store holds the sample's.
    await main(['hunt', '--workspace', '11111111-2222-4333-8444-555555555555', '--log-analytics-endpoint', fake.url, '--local-dir', localDir, '--format', 'json'], capture(projectRoot).io);
    const refusing = await startLogAnalyticsFake();
    refusing.setRespond(replySequence(fakeReply.forbidden()));
    try {
      const run = capture(projectRoot);
      const code = await main(['hunt', '--workspace', '99999999-2222-4333-8444-555555555555', '--log-analytics-endpoint', refusing.url, '--local-dir', localDir], run.io);
      expect(code).toBe(3);
      expect(run.out()).toMatch(/^no incident created or updated by this run\n\nhunt incomplete: /);
      expect(run.out()).toContain('window:     none read: 1 of 1 rules stopped before their first window');
      expect(run.err()).toMatch(/sigma-hunt hunt: workspace 99999999-2222-4333-8444-555555555555 could not be hunted in full \(nothing was read; the next run resumes\):\n {2}7b434893-c57d-4f41-908d-6a17bf1ae98f .*: query-failed: /);
      expect(run.out() + run.err()).not.toContain('nothing new to read');
    } finally {
      await refusing.close();
    }
  });

  it('prints only the incidents the run created in text format', async () => {
    const localDir = await mkdtemp(path.join(os.tmpdir(), 'sigma-hunt-cli-'));
    const args = ['hunt', '--workspace', '11111111-2222-4333-8444-555555555555', '--log-analytics-endpoint', fake.url, '--local-dir', localDir];
    const first = capture(projectRoot);
    expect(await main(args, first.io)).toBe(0);
    expect(first.out().split('\n').filter((line) => line.startsWith('Network Connection'))).toHaveLength(4);
    const again = capture(projectRoot);
    expect(await main(args, again.io)).toBe(0);
    expect(again.out()).toMatch(/^no incident created or updated by this run\n\nhunt ok: /);
  });

  it('refuses a missing --rules path as input (exit 1), naming the flag', async () => {
    const run = capture(projectRoot);
    expect(await main(['hunt', '--workspace', '11111111-2222-4333-8444-555555555555', '--rules', 'no-such-rules', '--log-analytics-endpoint', fake.url], run.io)).toBe(1);
    expect(run.err()).toBe(`sigma-hunt hunt: --rules ${path.join(projectRoot, 'no-such-rules')}: no such file\n`);
  });

  it('refuses an unparsable --since (exit 2)', async () => {
    const run = capture(projectRoot);
    expect(await main(['hunt', '--workspace', '11111111-2222-4333-8444-555555555555', '--since', 'yesterday'], run.io)).toBe(2);
    expect(run.err()).toMatch(/--since 'yesterday' is not a duration/);
  });
});
