import { mkdtemp, readFile, writeFile, mkdir, copyFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, Readable, Writable } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { captureCli } from '../support/cli.js';

const root = process.cwd();
const SEED_RULE = path.join(root, 'rules/windows/network_connection/net_connection_win_susp_initiated_uncommon_or_suspicious_locations.yml');
const SAMPLE_JSONL = path.join(root, 'samples/sysmon-network-connection.jsonl');
const SAMPLE_CSV = path.join(root, 'samples/sysmon-network-connection.csv');
/** The sample's hits (0-based lines): Users\Public, PerfLogs, Windows\Fonts (lower case), a user's Music
 *  folder (non-ASCII user name, JSON-escaped, no DestinationHostname). */
const SAMPLE_HITS = [3, 9, 13, 16];

interface Run {
  code: number;
  out: string;
  err: string;
  lines: Array<Record<string, unknown>>;
}

const capture = (options: { stdin?: Readable; stdout?: Writable; tty?: boolean; cwd?: string; clock?: () => number } = {}) => captureCli({ ...options, cwd: options.cwd ?? root });

async function scan(args: string[], options: Parameters<typeof capture>[0] = {}): Promise<Run> {
  const c = capture(options);
  const code = await main(['scan', ...args], c.io);
  const out = c.out();
  return { code, out, err: c.err(), lines: out.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>) };
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'sigma-hunt-scan-'));
});

async function file(name: string, text: string): Promise<string> {
  const full = path.join(dir, name);
  await mkdir(path.dirname(full), { recursive: true });
  await writeFile(full, text);
  return full;
}

describe('sigma-hunt scan', () => {
  it('prints one JSON line per match of the sample, in the documented shape, and exits 0', async () => {
    const run = await scan(['--rule', 'rules/', '--events', 'samples/sysmon-network-connection.jsonl']);
    expect(run.code).toBe(0);
    expect(run.lines.map((line) => line.line)).toEqual(SAMPLE_HITS);
    const first = run.lines[0];
    expect(Object.keys(first)).toEqual(['ruleId', 'title', 'level', 'line', 'event', 'matched']);
    expect(first).toMatchObject({ ruleId: '7b434893-c57d-4f41-908d-6a17bf1ae98f', level: 'high', event: { Image: 'C:\\Users\\Public\\Downloads\\svchost.exe' } });
    expect(first.matched).toMatchObject({
      matchedSearches: ['selection'],
      reasons: expect.arrayContaining([expect.objectContaining({ field: 'Image', ruleValue: ':\\Users\\Public\\', eventValue: 'C:\\Users\\Public\\Downloads\\svchost.exe' })]),
    });
    expect(run.lines[3].event).toMatchObject({ Image: 'C:\\Users\\jürgen.müller\\Music\\spotify_update.exe' });
  });

  it('summarises on stderr: events read, matching rules with their level, counts by level, refusals and time', async () => {
    const run = await scan(['--rule', SEED_RULE, '--events', SAMPLE_JSONL]);
    expect(run.err).toMatch(/20 events read from .*sysmon-network-connection\.jsonl \(jsonl\) in \d+\.\d\d s/);
    expect(run.err).toContain('refused 0');
    expect(run.err).toContain('  matches: 4 from 1 rule; 0 rules matched nothing\n');
    expect(run.err).toContain('  by level: critical 0, high 4 (1 rule), medium 0, low 0, informational 0\n');
    expect(run.err).toMatch(/most matches first:\n +4 +high +7b434893-c57d-4f41-908d-6a17bf1ae98f +Network Connection Initiated/);
  });

  it('finds the same events in the portal CSV export, numbered by data row', async () => {
    const run = await scan(['--rule', SEED_RULE, '--events', SAMPLE_CSV]);
    expect(run.code).toBe(0);
    expect(run.lines.map((line) => line.line)).toEqual(SAMPLE_HITS);
    expect(run.lines.map((line) => (line.event as Record<string, unknown>).ProcessId)).toEqual(['9184', '11876', '7300', '12040']);
  });

  it('finds the same events in a JSON array, numbered by element', async () => {
    const events = (await readFile(SAMPLE_JSONL, 'utf8')).trim().split('\n');
    const arrayFile = await file('events.json', `[\n${events.join(',\n')}\n]\n`);
    const run = await scan(['--rule', SEED_RULE, '--events', arrayFile]);
    expect(run.code).toBe(0);
    expect(run.lines.map((line) => line.line)).toEqual(SAMPLE_HITS);
  });

  it("reads standard input for '--events -'", async () => {
    const stdin = new PassThrough();
    stdin.end(await readFile(SAMPLE_JSONL));
    const run = await scan(['--rule', SEED_RULE, '--events', '-'], { stdin });
    expect(run.code).toBe(0);
    expect(run.lines.map((line) => line.line)).toEqual(SAMPLE_HITS);
    expect(run.err).toContain('from <stdin> (jsonl)');
  });

  it('reports a malformed line with its number, skips it, keeps scanning and exits 1', async () => {
    const [hit] = (await readFile(SAMPLE_JSONL, 'utf8')).split('\n').slice(3, 4);
    const events = await file('broken.jsonl', [hit, '{"Image":"C:\\\\Users\\\\Public\\\\x.exe", "Initiated": tr', hit, ''].join('\n'));
    const run = await scan(['--rule', SEED_RULE, '--events', events]);
    expect(run.code).toBe(1);
    expect(run.lines.map((line) => line.line)).toEqual([0, 2]);
    expect(run.err).toMatch(/broken\.jsonl:2: invalid JSON: .* \[line 1\]/);
    expect(run.err).toContain('refused 1');
  });

  it('counts an unreadable CSV row as read and refused, and exits 1', async () => {
    const csv = await file('rows.csv', 'Image,Initiated\r\nC:\\Users\\Public\\a.exe,true\r\nonly-one-field\r\nC:\\Temp\\b.exe,true\r\n');
    const run = await scan(['--rule', SEED_RULE, '--events', csv, '--logsource', 'category=network_connection,product=windows']);
    expect(run.code).toBe(1);
    expect(run.lines.map((line) => line.line)).toEqual([0, 2]);
    expect(run.err).toMatch(/rows\.csv:3: unreadable CSV row: .* \[row 1\]/);
    expect(run.err).toContain('3 events read');
    expect(run.err).toContain('parsed 2, skipped by the pre-filter 0, refused 1');
  });

  it('does not parse, and so does not report, a malformed line no rule could match unless --no-prefilter', async () => {
    const events = await file('quiet.jsonl', '{"Image":"C:\\\\Windows\\\\x.exe", "a": tru}\n');
    const quick = await scan(['--rule', SEED_RULE, '--events', events]);
    expect([quick.code, quick.lines]).toEqual([0, []]);
    expect(quick.err).toContain('skipped by the pre-filter 1');
    const strict = await scan(['--rule', SEED_RULE, '--events', events, '--no-prefilter']);
    expect(strict.code).toBe(1);
    expect(strict.err).toMatch(/quiet\.jsonl:1: invalid JSON/);
  });

  it('reports a refused rule on stderr, runs the others and exits 1', async () => {
    const rules = path.join(dir, 'rules-mixed');
    await mkdir(rules, { recursive: true });
    await copyFile(SEED_RULE, path.join(rules, 'seed.yml'));
    await writeFile(path.join(rules, 'broken.yml'), 'title: broken\nlogsource:\n  product: windows\ndetection:\n  sel:\n    Image|contanis: x\n  condition: sel\n');
    const run = await scan(['--rule', rules, '--events', SAMPLE_JSONL]);
    expect(run.code).toBe(1);
    expect(run.lines.map((line) => line.line)).toEqual(SAMPLE_HITS);
    expect(run.err).toMatch(/rule refused: .*broken\.yml:6 .*contanis/);
    expect(run.err).toContain('rules: 1 run, 1 refused');
  });

  it('takes several rule paths after one --rule and placeholder values for |expand rules', async () => {
    const expandRule = await file('expand/tools.yml', "title: Tools folder\nid: 11111111-2222-3333-4444-555555555555\nlogsource:\n  product: windows\ndetection:\n  sel:\n    Image|expand: '%dirs%'\n  condition: sel\nlevel: low\n");
    // Sigma escaping: `\\*` is a backslash, then the wildcard (`\*` alone would be a literal star).
    const placeholders = await file('placeholders.yml', "dirs:\n  - '*\\Windows\\Fonts\\\\*'\n");
    const run = await scan(['--rule', SEED_RULE, expandRule, '--placeholders', placeholders, '--events', SAMPLE_JSONL]);
    expect(run.code).toBe(0);
    expect(run.lines.filter((line) => line.ruleId === '11111111-2222-3333-4444-555555555555').map((line) => line.line)).toEqual([13]);
    expect(run.lines.filter((line) => line.ruleId === '7b434893-c57d-4f41-908d-6a17bf1ae98f')).toHaveLength(4);
  });

  it.each([
    [['--events', 'x.jsonl'], 'give at least one --rule'],
    [['--rule', 'rules/'], 'give --events'],
    [['--rule', 'rules/', '--events', 'x', '--frobnicate'], "unknown option '--frobnicate'"],
    [['--rule', 'rules/', '--events', 'x', '--format', 'xml'], '--format must be one of'],
    [['--rule', 'rules/', '--events'], '--events needs'],
  ])('exits 2 with the usage for %j', async (args, message) => {
    const run = await scan(args);
    expect(run.code).toBe(2);
    expect(run.err).toContain(message);
    expect(run.err).toContain('Usage: sigma-hunt scan');
  });

  it('exits 1 when no rule can be loaded', async () => {
    const run = await scan(['--rule', path.join(dir, 'no-such-rules'), '--events', SAMPLE_JSONL]);
    expect(run.code).toBe(1);
    expect(run.err).toContain('no rule to run');
  });

  it('refuses a missing events file with one error, exit 1 and no summary', async () => {
    const run = await scan(['--rule', SEED_RULE, '--events', path.join(dir, 'missing.jsonl')]);
    expect(run.code).toBe(1);
    expect(run.err).toBe(`sigma-hunt scan: ${path.join(dir, 'missing.jsonl')}: cannot read events: no such file\n`);
    expect(run.out).toBe('');
  });

  it('refuses a folder with no event file in it with one error naming it, exit 1 and no summary', async () => {
    await file('no-events/notes.txt', 'not events\n');
    const run = await scan(['--rule', SEED_RULE, '--events', path.join(dir, 'no-events')]);
    expect(run.code).toBe(1);
    expect(run.err).toBe(`sigma-hunt scan: ${path.join(dir, 'no-events')}: cannot read events: a folder with no event file (*.csv, *.json, *.jsonl, *.ndjson) in it\n`);
  });

  it('refuses binary input with one error, exit 1 and no summary', async () => {
    const bytes = Buffer.alloc(38_000);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7919 + 13) % 256;
    const binary = path.join(dir, 'random.bin');
    await writeFile(binary, bytes);
    const run = await scan(['--rule', SEED_RULE, '--events', binary]);
    expect(run.code).toBe(1);
    expect(run.err.trim().split('\n')).toEqual([expect.stringMatching(/^sigma-hunt scan: .*random\.bin: not JSON lines, JSON or CSV: a NUL byte at byte \d+/)]);
  });

  it('refuses a record nested 6,000 levels deep with its line and goes on to print the later match', async () => {
    const keywordRule = await file('keyword.yml', 'title: keyword\nid: 5e0d8a7c-1b9a-4c5e-9f1e-2d3c4b5a6978\nlogsource: {product: windows}\ndetection:\n  keywords: [mimikatz]\n  condition: keywords\n');
    const deep = '{"a":'.repeat(6000) + '"mimikatz"' + '}'.repeat(6000);
    const events = await file('deep.jsonl', `{"x":"mimikatz 1"}\n${deep}\n{"x":"mimikatz 3"}\n`);
    const run = await scan(['--rule', keywordRule, '--events', events, '--logsource', 'product=windows']);
    expect(run.code).toBe(1);
    expect(run.lines.map((line) => line.line)).toEqual([0, 2]);
    expect(run.err).toMatch(/deep\.jsonl:2: objects or arrays nested more than 64 levels deep \[line 1\]/);
    expect(run.err).toMatch(/refused 1/);
  });

  it('prints the error that stopped a scan once, and the summary points at it', async () => {
    const [hit] = (await readFile(SAMPLE_JSONL, 'utf8')).split('\n').slice(3, 4);
    const events = await file('broken.json', `[${hit}, {"a":1}`);
    const run = await scan(['--rule', SEED_RULE, '--events', events]);
    expect(run.code).toBe(1);
    expect(run.lines).toHaveLength(1);
    expect(run.err.match(/unterminated JSON array/g)).toHaveLength(1);
    expect(run.err).toContain('stopped early: the input could not be read further (the error above)');
  });

  it('waits for a slow output to drain instead of buffering every match', async () => {
    const [hit] = (await readFile(SAMPLE_JSONL, 'utf8')).split('\n').slice(3, 4);
    const count = 3000;
    let peakBuffered = 0;
    let received = '';
    const stdout = new Writable({
      highWaterMark: 1024,
      write(chunk: Buffer, _encoding, callback) {
        peakBuffered = Math.max(peakBuffered, this.writableLength);
        received += chunk.toString();
        setImmediate(callback); // asynchronous, so writes queue up and backpressure applies
      },
    });
    // Small input chunks, each its own read: many batches, each with matches to write.
    const text = Array.from({ length: count }, () => hit).join('\n') + '\n';
    const chunks: Buffer[] = [];
    for (let offset = 0; offset < text.length; offset += 16 * 1024) chunks.push(Buffer.from(text.slice(offset, offset + 16 * 1024)));
    const run = await scan(['--rule', SEED_RULE, '--events', '-'], { stdin: Readable.from(chunks), stdout });
    expect(run.code).toBe(0);
    const lines = received.split('\n').filter(Boolean).map((line) => JSON.parse(line) as { line: number });
    expect(lines.map((line) => line.line)).toEqual(Array.from({ length: count }, (_, k) => k));
    // Ignoring backpressure would queue the whole output (~5 MB) in the stream.
    expect(peakBuffered).toBeLessThan(received.length / 10);
  });

  it.each([
    ['EPIPE', 0, 'stopped early: the output was closed'],
    ['ENOSPC', 1, 'stopped early: cannot write the output: disk full'],
  ])('stops when the output fails with %s, and exits %i', async (code, exitCode, message) => {
    const stdout = new Writable({
      write(_chunk, _encoding, callback) {
        callback(Object.assign(new Error(code === 'EPIPE' ? 'write EPIPE' : 'disk full'), { code }));
      },
    });
    const run = await scan(['--rule', SEED_RULE, '--events', SAMPLE_JSONL], { stdout });
    expect(run.code).toBe(exitCode);
    expect(run.err).toContain(message);
  });

  it('shows progress on a terminal once the redraw interval has passed, and clears it before the summary', async () => {
    const events = '{"Image":"C:\\\\Windows\\\\x.exe"}\n'.repeat(4);
    // Each clock reading 1 s after the previous: past the redraw interval at every batch.
    let now = 0;
    const run = await scan(['--rule', SEED_RULE, '--events', '-'], { stdin: Readable.from([events]), tty: true, clock: () => (now += 1000) });
    expect(run.err).toMatch(/\r\x1b\[K4 events, 0 matches, \d+ events\/s/);
    expect(run.err).toMatch(/\r\x1b\[Ksigma-hunt scan: 4 events read/);
  });

  it('draws no progress while the redraw interval has not passed', async () => {
    const events = '{"Image":"C:\\\\Windows\\\\x.exe"}\n'.repeat(4);
    const run = await scan(['--rule', SEED_RULE, '--events', '-'], { stdin: Readable.from([events]), tty: true, clock: () => 0 });
    expect(run.err).not.toMatch(/\r\x1b\[K\d+ events, /);
    expect(run.err).toMatch(/sigma-hunt scan: 4 events read/);
  });

  it('shows no progress when stderr is not a terminal', async () => {
    const run = await scan(['--rule', SEED_RULE, '--events', SAMPLE_JSONL]);
    expect(run.err).not.toContain('\r');
  });
});
