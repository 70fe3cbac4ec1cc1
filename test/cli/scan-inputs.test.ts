// `sigma-hunt scan` over several event files and folders, and `--min-level` (issue 9, item 5).
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { captureCli } from '../support/cli.js';

const root = process.cwd();
const SEED_RULE = path.join(root, 'rules/windows/network_connection/net_connection_win_susp_initiated_uncommon_or_suspicious_locations.yml');
const SAMPLE_JSONL = path.join(root, 'samples/sysmon-network-connection.jsonl');
const SAMPLE_HITS = [3, 9, 13, 16];

interface Run {
  code: number;
  out: string;
  err: string;
  lines: Array<Record<string, unknown>>;
}

async function scan(args: string[], cwd = root): Promise<Run> {
  const c = captureCli({ cwd });
  const code = await main(['scan', ...args], c.io);
  const out = c.out();
  return { code, out, err: c.err(), lines: out.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>) };
}

let dir: string;
let hit: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'sigma-hunt-scan-inputs-'));
  [hit] = (await readFile(SAMPLE_JSONL, 'utf8')).split('\n').slice(3, 4);
});

async function file(name: string, text: string | Buffer): Promise<string> {
  const full = path.join(dir, name);
  await mkdir(path.dirname(full), { recursive: true });
  await writeFile(full, text);
  return full;
}

function rule(id: string, level: string | null, keyword: string): string {
  return `title: ${keyword} rule\nid: ${id}\nlogsource: {}\ndetection:\n  keywords: [${keyword}]\n  condition: keywords\n${level === null ? '' : `level: ${level}\n`}`;
}

describe('sigma-hunt scan --events with several files and folders', () => {
  it('reads files in the order given and a folder recursively in path order, naming each file in its match lines', async () => {
    await file('tree/b.jsonl', `${hit}\n`);
    await file('tree/a/z.json', `[${hit}]`);
    await file('tree/a/notes.txt', `${hit}\n`);
    await file('tree/c.log', `${hit}\n`);
    const first = await file('first.jsonl', `{"x":1}\n${hit}\n`);
    const run = await scan(['--rule', SEED_RULE, '--events', first, 'tree', '--events', 'tree/c.log'], dir);
    expect(run.code).toBe(0);
    expect(run.lines.map((line) => [line.file, line.line])).toEqual([
      [first, 1],
      [path.join('tree', 'a', 'z.json'), 0],
      [path.join('tree', 'b.jsonl'), 0],
      ['tree/c.log', 0],
    ]);
    expect(Object.keys(run.lines[0])).toEqual(['ruleId', 'title', 'level', 'file', 'line', 'event', 'matched']);
    expect(run.err).toMatch(/5 events read from 4 files \(jsonl 3, json-array 1\)/);
  });

  it('keeps one-file output exactly as it was: no file key', async () => {
    const run = await scan(['--rule', SEED_RULE, '--events', SAMPLE_JSONL]);
    expect(run.lines.map((line) => line.line)).toEqual(SAMPLE_HITS);
    expect(Object.keys(run.lines[0])).toEqual(['ruleId', 'title', 'level', 'line', 'event', 'matched']);
  });

  it('names the file and line of a refused record in any of the files', async () => {
    const good = await file('mixed/1-good.jsonl', `${hit}\n`);
    await file('mixed/2-bad.jsonl', `${hit}\n${hit.slice(0, -1)}, "x": \n`);
    const run = await scan(['--rule', SEED_RULE, '--no-prefilter', '--events', good, path.join(dir, 'mixed/2-bad.jsonl')]);
    expect(run.code).toBe(1);
    expect(run.err).toContain(`skipped: ${path.join(dir, 'mixed/2-bad.jsonl')}:2: invalid JSON`);
    expect(run.lines).toHaveLength(2);
    expect(run.err).toContain('refused 1');
  });

  it('refuses a missing file among several by its name before reading any, exit 1', async () => {
    const present = await file('present.jsonl', `${hit}\n`);
    const run = await scan(['--rule', SEED_RULE, '--events', present, 'missing-one.jsonl'], dir);
    expect(run.code).toBe(1);
    expect(run.err).toBe('sigma-hunt scan: missing-one.jsonl: cannot read events: no such file\n');
    expect(run.out).toBe('');
  });

  it('reports a binary file among several, scans the others and exits 1', async () => {
    const binary = await file('several/0.json', Buffer.from([0x7b, 0, 1, 2, 0x7d]));
    const good = await file('several/1.jsonl', `${hit}\n`);
    const run = await scan(['--rule', SEED_RULE, '--events', binary, good]);
    expect(run.code).toBe(1);
    expect(run.err).toMatch(/0\.json: not JSON lines, JSON or CSV: a NUL byte/);
    expect(run.lines.map((line) => line.file)).toEqual([good]);
    expect(run.err).toContain('stopped early: 1 file could not be read to the end (the errors above)');
  });

  it("refuses '-' together with files as a usage error", async () => {
    const run = await scan(['--rule', SEED_RULE, '--events', '-', SAMPLE_JSONL]);
    expect(run.code).toBe(2);
    expect(run.err).toContain("--events '-' (standard input) cannot be combined with files");
  });
});

describe('sigma-hunt scan --min-level and --top', () => {
  const ids = { critical: '10000000-0000-4000-8000-000000000001', medium: '10000000-0000-4000-8000-000000000002', none: '10000000-0000-4000-8000-000000000003' };

  it('runs only rules at or above the level, and the summary says how many were left out', async () => {
    const rules = [
      await file('levels/critical.yml', rule(ids.critical, 'critical', 'alpha')),
      await file('levels/medium.yml', rule(ids.medium, 'medium', 'alpha')),
      await file('levels/none.yml', rule(ids.none, null, 'alpha')),
    ];
    const events = await file('levels.jsonl', '{"x":"alpha"}\n{"x":"alpha beta"}\n');
    const all = await scan(['--rule', ...rules, '--events', events]);
    expect(all.lines).toHaveLength(6);
    const high = await scan(['--rule', ...rules, '--events', events, '--min-level', 'high']);
    expect(high.code).toBe(0);
    expect(high.lines.map((line) => line.ruleId)).toEqual([ids.critical, ids.critical]);
    expect(high.err).toContain('rules: 1 run, 0 refused, 2 below --min-level high not run');
    expect(high.err).toContain('by level: critical 2 (1 rule), high 0, medium 0, low 0, informational 0');
  });

  it('lists the top rules by matches and says how many more matched', async () => {
    const rules: string[] = [];
    for (let k = 0; k < 4; k++) rules.push(await file(`top/r${k}.yml`, rule(`20000000-0000-4000-8000-00000000000${k}`, 'low', `word${k}`)));
    // word3 matches 3 events, word2 2, word1 1, word0 none.
    const events = await file('top.jsonl', '{"x":"word3 word2 word1"}\n{"x":"word3 word2"}\n{"x":"word3"}\n');
    const run = await scan(['--rule', ...rules, '--events', events, '--top', '2']);
    expect(run.err).toContain('matches: 6 from 3 rules; 1 rule matched nothing');
    expect(run.err).toMatch(/top 2 of 3 matching rules \(1 more not shown; --top <n> lists more\):\n +3 +low +20000000-0000-4000-8000-000000000003 +word3 rule\n +2 +low +20000000-0000-4000-8000-000000000002 +word2 rule\n/);
    expect(run.err).not.toContain('word1 rule');
  });

  it.each([
    [['--min-level', 'severe'], '--min-level must be one of informational, low, medium, high, critical'],
    [['--top', '-3'], "--top must be a whole number of rules, not '-3'"],
    [['--top', 'ten'], "--top must be a whole number of rules, not 'ten'"],
  ])('exits 2 with the usage for %j', async (extra, message) => {
    const run = await scan(['--rule', SEED_RULE, '--events', SAMPLE_JSONL, ...extra]);
    expect(run.code).toBe(2);
    expect(run.err).toContain(message);
  });
});
