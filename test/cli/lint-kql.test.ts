import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { seedKql } from '../kql/lint/seed.js';
import { captureCli } from '../support/cli.js';

const capture = (cwd: string, stdinText?: string) => captureCli({ cwd, stdinText });

async function queryFile(text: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sigma-lint-kql-'));
  await writeFile(path.join(dir, 'q.kql'), text);
  return dir;
}

describe('sigma-hunt lint-kql', () => {
  it('prints the seed findings as JSON lines and exits 1 for its errors', async () => {
    const dir = await queryFile(seedKql());
    const run = capture(dir);
    const code = await main(['lint-kql', '--target', 'asim', '--format', 'jsonl', 'q.kql'], run.io);
    expect(code).toBe(1);
    const findings = run.out().trim().split('\n').map((line) => JSON.parse(line) as { severity: string; column: string; fix: string });
    expect(findings.filter((finding) => finding.column === 'NetworkDirection')).toHaveLength(1);
    expect(findings.filter((finding) => finding.column === 'DstHostname' && finding.severity === 'error')).toHaveLength(33);
  });
  it('prints human-readable file:line:character lines with the fix by default', async () => {
    const dir = await queryFile('imNetworkSession\n| where NetworkDirection =~ "true"');
    const run = capture(dir);
    expect(await main(['lint-kql', '--target=asim', 'q.kql'], run.io)).toBe(1);
    expect(run.out()).toMatch(/^q\.kql:2:9: error \[never-true\] NetworkDirection =~ "true" can never be true/);
    expect(run.out()).toContain('    fix: ASIM has no Initiated');
  });
  it('reads the query from stdin with - and exits 0 when there is no error', async () => {
    const run = capture(os.tmpdir(), 'imNetworkSession | where DstFQDN endswith ".x.com"');
    expect(await main(['lint-kql', '--target', 'asim', '-'], run.io)).toBe(0);
    expect(run.out()).toBe('');
    expect(run.err()).toContain('<stdin>: 0 error(s)');
  });
  it('exits 0 when there are only warnings', async () => {
    const run = capture(os.tmpdir(), 'imNetworkSession | where SrcProcessName contains "\\\\Temp\\\\"');
    expect(await main(['lint-kql', '--target', 'asim', '-'], run.io)).toBe(0);
    expect(run.out()).toContain('warning [misses-rows]');
  });
  it('exits 2 without --target', async () => {
    const run = capture(os.tmpdir());
    expect(await main(['lint-kql', 'q.kql'], run.io)).toBe(2);
    expect(run.err()).toContain('--target is required');
  });
  it('exits 2 for an unknown target or format', async () => {
    expect(await main(['lint-kql', '--target', 'splunk', '-'], capture(os.tmpdir(), '').io)).toBe(2);
    expect(await main(['lint-kql', '--target', 'asim', '--format', 'xml', '-'], capture(os.tmpdir(), '').io)).toBe(2);
  });
  it('exits 1, like every command, when the file cannot be read', async () => {
    const run = capture(os.tmpdir());
    expect(await main(['lint-kql', '--target', 'asim', 'does-not-exist.kql'], run.io)).toBe(1);
    expect(run.err()).toBe('sigma-hunt lint-kql: cannot read does-not-exist.kql: no such file\n');
  });
  it('is listed by sigma-hunt --help', async () => {
    const run = capture(os.tmpdir());
    await main(['--help'], run.io);
    expect(run.out()).toContain('lint-kql');
  });
});
