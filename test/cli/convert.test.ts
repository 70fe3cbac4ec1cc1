import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { captureCli } from '../support/cli.js';
import { projectRoot } from '../support/paths.js';

const seed = 'rules/windows/network_connection/net_connection_win_susp_initiated_uncommon_or_suspicious_locations.yml';

const capture = (cwd: string) => captureCli({ cwd });

const GOOD = `title: Good
id: 5638f7c0-ac70-491d-8465-2a65075e0d86
logsource:
    category: process_creation
    product: windows
detection:
    selection:
        Image|endswith: '\\\\whoami.exe'
    condition: selection
`;
const NEVER = GOOD.replace("Image|endswith: '\\\\whoami.exe'", "LogonId: '0x3e7'").replace('5638f7c0', '6638f7c0');

describe('sigma-hunt convert', () => {
  it('prints the pasteable KQL of one rule and its warnings on stderr', async () => {
    const run = capture(projectRoot);
    expect(await main(['convert', '--rule', seed, '--target', 'asim'], run.io)).toBe(0);
    expect(run.out()).toMatch(/^_Im_NetworkSession\(starttime=ago\(1h\), endtime=now\(\)\)\n/);
    expect(run.out()).not.toContain('{{');
    expect(run.err()).toContain('warning: asim: ASIM has no Initiated');
  });

  it('calls the workspace parser with --workspace-parser', async () => {
    const run = capture(projectRoot);
    expect(await main(['convert', '--rule', seed, '--target', 'asim', '--workspace-parser'], run.io)).toBe(0);
    expect(run.out()).toMatch(/^imNetworkSession\(/);
  });

  it('prints one JSON line per rule of a folder, with the refusal reason, and exits 1 when one is refused', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'sigma-convert-'));
    await writeFile(path.join(dir, 'good.yml'), GOOD);
    await writeFile(path.join(dir, 'never.yml'), NEVER);
    const run = capture(dir);
    expect(await main(['convert', '--rule', '.', '--target', 'mde'], run.io)).toBe(1);
    const lines = run.out().trim().split('\n').map((line) => JSON.parse(line));
    expect(lines).toEqual([
      { ruleId: '5638f7c0-ac70-491d-8465-2a65075e0d86', path: 'good.yml', target: 'mde', kql: expect.stringContaining('DeviceProcessEvents'), warnings: [] },
      { ruleId: '6638f7c0-ac70-491d-8465-2a65075e0d86', path: 'never.yml', target: 'mde', error: expect.stringMatching(/^never-matches: .*LogonId/), warnings: [] },
    ]);
  });

  it('refuses an unknown target as a usage error', async () => {
    const run = capture(projectRoot);
    expect(await main(['convert', '--rule', seed, '--target', 'splunk'], run.io)).toBe(2);
    expect(run.err()).toContain("unknown target 'splunk'");
  });
});
