// The summary and the progress line of `sigma-hunt scan` (issue 9, item 5), as functions and through the CLI
// with a fake terminal and a clock the test steps.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { formatDuration, progressLine, ScanProgress } from '../../src/cli/scan-progress.js';
import { formatScanSummary, type ScanTotals } from '../../src/cli/scan-summary.js';
import type { SigmaLevel, SigmaRule } from '../../src/rule/model.js';
import { captureCli } from '../support/cli.js';

const root = process.cwd();
const SEED_RULE = path.join(root, 'rules/windows/network_connection/net_connection_win_susp_initiated_uncommon_or_suspicious_locations.yml');
const SAMPLE_JSONL = path.join(root, 'samples/sysmon-network-connection.jsonl');

function fakeRule(k: number, level: SigmaLevel | undefined): SigmaRule {
  return { id: `rule-${k}`, title: `Rule ${k}`, level } as SigmaRule;
}

function totals(matches: number[]): ScanTotals {
  return { records: 100, skipped: 10, refused: 0, unknownSource: 0, matches, seconds: 2, inputs: [{ name: 'a.jsonl', format: 'jsonl', stoppedEarly: false }], outputError: null };
}

describe('scan summary', () => {
  it('lists the top 20 of many matching rules, most matches first, and says how many more there are', () => {
    const rules = Array.from({ length: 30 }, (_, k) => fakeRule(k, k % 2 === 0 ? 'high' : 'low'));
    // Rules 0..24 match k+1 times, 25..29 never.
    const summary = formatScanSummary(totals(rules.map((_, k) => (k < 25 ? k + 1 : 0))), rules, { top: 20, refusedRules: 0, belowMinLevel: 0 });
    expect(summary).toContain('matches: 325 from 25 rules; 5 rules matched nothing');
    expect(summary).toContain('top 20 of 25 matching rules (5 more not shown; --top <n> lists more):');
    const listed = summary.split('\n').filter((line) => /^ {4} +\d+ {2}/.test(line));
    expect(listed).toHaveLength(20);
    expect(listed[0]).toMatch(/^ +25 {2}high {11}rule-24 {2}Rule 24$/);
    expect(listed[19]).toMatch(/^ +6 {2}low {12}rule-5 {2}Rule 5$/);
    expect(summary).toContain('by level: critical 0, high 169 (13 rules), medium 0, low 156 (12 rules), informational 0');
  });

  it('counts matches of rules without a level apart, and keeps equal counts in load order', () => {
    const rules = [fakeRule(0, undefined), fakeRule(1, 'medium'), fakeRule(2, 'medium')];
    const summary = formatScanSummary(totals([2, 2, 0]), rules, { top: 20, refusedRules: 1, belowMinLevel: 0 });
    expect(summary).toContain('by level: critical 0, high 0, medium 2 (1 rule), low 0, informational 0, no level 2 (1 rule)');
    expect(summary).toMatch(/most matches first:\n +2 {2}- +rule-0 {2}Rule 0\n +2 {2}medium +rule-1/);
    expect(summary).toContain('rules: 3 run, 1 refused\n');
  });

  it('prints no level or rule list when nothing matched', () => {
    const summary = formatScanSummary(totals([0, 0]), [fakeRule(0, 'high'), fakeRule(1, 'low')], { top: 20, refusedRules: 0, belowMinLevel: 0 });
    expect(summary).toContain('matches: 0 from 0 rules; 2 rules matched nothing\n');
    expect(summary).not.toContain('by level');
  });
});

describe('scan progress line', () => {
  it('shows percent, file position and time left when the size is known', () => {
    const line = progressLine({ records: 5000, matches: 3, bytesRead: 250_000_000, totalBytes: 1_000_000_000, file: 2, files: 5 }, 10);
    expect(line).toBe('25% of 1.0 GB, file 2 of 5, 5000 events, 3 matches, 500 events/s, ETA 30 s');
  });

  it('shows events and rate only when the size is unknown (standard input)', () => {
    expect(progressLine({ records: 40, matches: 0, bytesRead: null, totalBytes: null, file: 1, files: 1 }, 2)).toBe('40 events, 0 matches, 20 events/s');
  });

  it.each([
    [0.2, '1 s'],
    [59, '59 s'],
    [61, '1 min 01 s'],
    [3725, '1 h 02 min'],
  ])('writes %d seconds left as %s', (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });

  it('redraws at most once per interval and clears the line it drew', () => {
    const terminal = new PassThrough();
    let written = '';
    terminal.on('data', (chunk) => (written += chunk));
    let now = 0;
    const progress = new ScanProgress(terminal, () => now, 250);
    const snapshot = () => ({ records: now, matches: 0, bytesRead: null, totalBytes: null, file: 1, files: 1 });
    progress.update(snapshot);
    now = 100;
    progress.update(snapshot);
    now = 300;
    progress.update(snapshot);
    now = 400;
    progress.update(snapshot);
    progress.clear();
    expect(written).toBe('\r\x1b[K300 events, 0 matches, 1000 events/s\r\x1b[K');
  });
});

describe('scan progress through the CLI', () => {
  it('shows percent, file position and time left on a terminal for several files, and clears it before the summary', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'sigma-hunt-progress-'));
    const sample = await readFile(SAMPLE_JSONL, 'utf8');
    const first = path.join(dir, 'a.jsonl');
    const second = path.join(dir, 'b.jsonl');
    await writeFile(first, sample);
    await writeFile(second, sample + sample);
    // Every clock reading is 1 s after the previous one, so every batch is past the redraw interval.
    let now = 0;
    const c = captureCli({ cwd: root, tty: true, clock: () => (now += 1000) });
    const code = await main(['scan', '--rule', SEED_RULE, '--events', first, second], c.io);
    expect(code).toBe(0);
    const size = Buffer.byteLength(sample);
    const redraws = c.err().split('\r\x1b[K').filter((part) => part !== '' && !part.startsWith('sigma-hunt scan:'));
    // One batch per file: after the first, a third of the bytes; after the second, all of them.
    expect(redraws).toEqual([
      `33% of ${(3 * size / 1000).toFixed(1)} kB, file 1 of 2, 20 events, 4 matches, 20 events/s, ETA 2 s`,
      `100% of ${(3 * size / 1000).toFixed(1)} kB, file 2 of 2, 60 events, 12 matches, 30 events/s, ETA 0 s`,
    ]);
    expect(c.err()).toMatch(/\r\x1b\[Ksigma-hunt scan: 60 events read from 2 files \(jsonl 2\)/);
  });
});
