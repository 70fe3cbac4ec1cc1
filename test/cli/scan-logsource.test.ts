import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { captureCli } from '../support/cli.js';

// scan runs a rule only on events of its log source (src/logsource): what that means at the command line.
const root = process.cwd();
const SEED_RULE = path.join(root, 'rules/windows/network_connection/net_connection_win_susp_initiated_uncommon_or_suspicious_locations.yml');
const SAMPLE_JSONL = path.join(root, 'samples/sysmon-network-connection.jsonl');
/** The sample's hits (0-based lines), as test/cli/scan.test.ts states them. */
const SAMPLE_HITS = [3, 9, 13, 16];

async function scan(args: string[]) {
  const c = captureCli({ cwd: root });
  const code = await main(['scan', ...args], c.io);
  const out = c.out();
  return { code, err: c.err(), lines: out.split('\n').filter(Boolean).map((line) => JSON.parse(line) as { line: number; ruleId: string; matched: unknown }) };
}

let dir: string;
let flatExport: string;
let sampleLines: Record<string, unknown>[];
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'sigma-hunt-scan-logsource-'));
  sampleLines = (await readFile(SAMPLE_JSONL, 'utf8')).split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
  // The same events as a flat export that kept none of the fields saying where they come from.
  const flat = sampleLines.map(({ Channel: _c, EventID: _e, Provider_Name: _p, ...rest }) => JSON.stringify(rest));
  flatExport = path.join(dir, 'flat.jsonl');
  await writeFile(flatExport, flat.join('\n') + '\n');
});

describe('sigma-hunt scan and log sources', () => {
  it('skips a flat export without Channel for rules with a logsource, and says how many events and why', async () => {
    // --no-prefilter: the pre-filter would skip, unparsed and so unclassified, the events no rule can match.
    const run = await scan(['--rule', SEED_RULE, '--events', flatExport, '--no-prefilter']);
    expect(run.code).toBe(0);
    expect(run.lines).toEqual([]);
    expect(run.err).toContain(`source unknown: ${sampleLines.length} parsed events carry no Channel, EventID, Type or EventSchema`);
    expect(run.err).toContain('--logsource category=…,product=…');
  });

  it('matches the flat export once --logsource says where its events come from', async () => {
    const run = await scan(['--rule', SEED_RULE, '--events', flatExport, '--logsource', 'category=network_connection,product=windows']);
    expect(run.code).toBe(0);
    expect(run.lines.map((line) => line.line)).toEqual(SAMPLE_HITS);
    expect(run.err).not.toContain('source unknown');
  });

  it('does not run a rule on events of another source: a process_creation --logsource finds nothing', async () => {
    const run = await scan(['--rule', SEED_RULE, '--events', flatExport, '--logsource', 'category=process_creation,product=windows']);
    expect(run.lines).toEqual([]);
  });

  it('runs a rule without logsource on events of unknown source, and counts them', async () => {
    const rule = path.join(dir, 'anywhere.yml');
    await writeFile(rule, "title: anywhere\nid: 0f6e1f7a-3a57-4c39-9a59-2d1e0c7b9a11\nlogsource: {definition: 'any log'}\ndetection:\n  sel:\n    Image|contains: '\\Users\\Public\\'\n  condition: sel\n");
    const run = await scan(['--rule', rule, '--events', flatExport, '--no-prefilter']);
    const expected = sampleLines.flatMap((event, line) => (String(event.Image).toLowerCase().includes('\\users\\public\\') ? [line] : []));
    expect(expected.length).toBeGreaterThan(0);
    expect(run.lines.map((line) => line.line)).toEqual(expected);
    expect(run.err).toContain(`source unknown: ${sampleLines.length} parsed events`);
  });

  it('does not run a Zeek rule whose condition is `not selection` on Sysmon events', async () => {
    const rule = path.join(dir, 'zeek.yml');
    await writeFile(rule, 'title: zeek not\nid: 2b1c3d4e-5f60-4718-9a0b-1c2d3e4f5a6b\nlogsource: {product: zeek, service: rdp}\ndetection:\n  selection:\n    cookie: x\n  condition: not selection\n');
    const run = await scan(['--rule', rule, '--events', SAMPLE_JSONL]);
    expect(run.lines).toEqual([]);
    expect(run.err).not.toContain('source unknown');
  });

  it.each([
    ['categroy=process_creation', "unknown key 'categroy'"],
    ['product=windows,product=linux', "'product' given twice"],
  ])('refuses --logsource %s as a usage error (exit 2)', async (spec, reason) => {
    const run = await scan(['--rule', SEED_RULE, '--events', flatExport, '--logsource', spec]);
    expect(run.code).toBe(2);
    expect(run.err).toContain(reason);
  });

  it('takes a --logsource-map that adds a channel, and refuses a bad one naming file, line, field and reason', async () => {
    const custom = path.join(dir, 'custom.jsonl');
    await writeFile(custom, sampleLines.map((event) => JSON.stringify({ ...event, Channel: 'Custom-Sensor/Network', EventID: 7 })).join('\n') + '\n');
    expect((await scan(['--rule', SEED_RULE, '--events', custom])).lines).toEqual([]);
    const map = path.join(dir, 'map.yml');
    await writeFile(map, 'eventLog:\n  categories:\n    network_connection:\n      - channel: Custom-Sensor/Network\n        eventIds: [7]\n');
    expect((await scan(['--rule', SEED_RULE, '--events', custom, '--logsource-map', map])).lines.map((line) => line.line)).toEqual(SAMPLE_HITS);

    const bad = path.join(dir, 'bad-map.yml');
    await writeFile(bad, 'eventLog:\n  categories:\n    network_connection:\n      - channel: Custom-Sensor/Network\n        eventIds: [seven]\n');
    const refused = await scan(['--rule', SEED_RULE, '--events', custom, '--logsource-map', bad]);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('bad-map.yml:5 eventLog.categories.network_connection[0].eventIds[0]: must be an EventID (an integer 0..65535), not string "seven"');
  });
});
