// `sigma-hunt scan --target`: exported rows of a target's tables, read as the hunt reads them. The fixture's
// Defender rows (Windows and Linux devices) through mde, and the same rows after the ASIM Defender parser through
// asim: no Windows rule matches a Linux device's row, a Linux rule does, and both targets agree.
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { loadRules } from '../../src/rule/load.js';
import { captureCli } from '../support/cli.js';
import { sharedRoot } from '../support/paths.js';
import { asimProcessRowOfDefender, defenderProcessRows, DEFENDER_PROCESS_FIXTURE } from './defender-asim.js';

const RULES = ['windows', 'linux'].map((os) => path.join(sharedRoot, 'sigma-rules', 'rules', os, 'process_creation'));
const LINUX_LINES = new Set(defenderProcessRows().flatMap((row, index) => (String(row.FolderPath).startsWith('/') ? [index] : [])));

let asimFile: string;
let productOf: Map<string, string>;
beforeAll(async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sigma-hunt-scan-target-'));
  asimFile = path.join(dir, 'im-process-create.jsonl');
  await writeFile(asimFile, defenderProcessRows().map((row) => JSON.stringify(asimProcessRowOfDefender(row))).join('\n') + '\n');
  productOf = new Map((await loadRules(RULES)).rules.map((rule) => [rule.id ?? '', rule.logsource.product ?? '']));
}, 120_000);

async function scan(target: string, events: string): Promise<{ code: number; matches: { ruleId: string; line: number }[]; err: string }> {
  const cli = captureCli({ cwd: process.cwd() });
  const code = await main(['scan', '--rule', ...RULES, '--events', events, '--target', target], cli.io);
  const matches = cli
    .out()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { ruleId: string; line: number });
  return { code, matches, err: cli.err() };
}

describe('scan --target on exported Defender rows', () => {
  const runs = new Map<string, Promise<Awaited<ReturnType<typeof scan>>>>();
  const run = (target: 'mde' | 'asim') => {
    if (!runs.has(target)) runs.set(target, scan(target, target === 'mde' ? DEFENDER_PROCESS_FIXTURE : asimFile));
    return runs.get(target)!;
  };

  for (const target of ['mde', 'asim'] as const) {
    it(`${target}: Windows rules match only Windows devices' rows, Linux rules only Linux devices'`, async () => {
      const { code, matches, err } = await run(target);
      expect(code, err).toBe(0);
      const onLinux = matches.filter((match) => LINUX_LINES.has(match.line));
      expect(onLinux.filter((match) => productOf.get(match.ruleId) === 'windows')).toEqual([]);
      expect(onLinux.filter((match) => productOf.get(match.ruleId) === 'linux').length).toBeGreaterThan(0);
      const onWindows = matches.filter((match) => !LINUX_LINES.has(match.line));
      expect(onWindows.length).toBeGreaterThan(0);
      expect(onWindows.filter((match) => productOf.get(match.ruleId) === 'linux')).toEqual([]);
      console.log(JSON.stringify({ target, matches: matches.length, onLinux: onLinux.length, onWindows: onWindows.length }));
    }, 300_000);
  }

  it('mde and asim give the same matches on the same rows', async () => {
    const key = (matches: { ruleId: string; line: number }[]) => matches.map((match) => `${match.ruleId}@${match.line}`).sort();
    expect(key((await run('asim')).matches)).toEqual(key((await run('mde')).matches));
  }, 300_000);

  it('refuses --target with --logsource, and an unknown target', async () => {
    const cli = captureCli({ cwd: process.cwd() });
    expect(await main(['scan', '--rule', RULES[1]!, '--events', DEFENDER_PROCESS_FIXTURE, '--target', 'mde', '--logsource', 'product=linux'], cli.io)).toBe(2);
    expect(await main(['scan', '--rule', RULES[1]!, '--events', DEFENDER_PROCESS_FIXTURE, '--target', 'splunk'], captureCli({ cwd: process.cwd() }).io)).toBe(2);
  });
});
