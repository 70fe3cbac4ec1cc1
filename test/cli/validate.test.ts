import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { captureCli } from '../support/cli.js';

const capture = (cwd: string) => captureCli({ cwd });

const GOOD = `title: Good
id: 5638f7c0-ac70-491d-8465-2a65075e0d86
logsource:
    category: process_creation
detection:
    selection:
        Image|endswith: '\\whoami.exe'
    condition: selection
`;
const BAD = GOOD.replace('Image|endswith', 'Image|contanis').replace('5638f7c0', '6638f7c0');
const EXPAND = GOOD.replace("Image|endswith: '\\whoami.exe'", "ComputerName|expand: '%Workstations%'");

async function workspace(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sigma-validate-'));
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name), text);
  return dir;
}

const lines = (text: string): unknown[] => text.trim().split('\n').map((line) => JSON.parse(line));

describe('sigma-hunt validate', () => {
  it('prints one ok JSON line per rule and exits 0 when all load', async () => {
    const dir = await workspace({ 'good.yml': GOOD });
    const c = capture(dir);
    expect(await main(['validate', 'good.yml'], c.io)).toBe(0);
    expect(lines(c.out())).toEqual([{ path: 'good.yml', ruleId: '5638f7c0-ac70-491d-8465-2a65075e0d86', ok: true }]);
  });

  it('prints the refusal with file, line, YAML path and reason and exits 1', async () => {
    const dir = await workspace({ 'bad.yml': BAD, 'good.yml': GOOD });
    const c = capture(dir);
    expect(await main(['validate', '.'], c.io)).toBe(1);
    const [bad, good] = lines(c.out()) as Record<string, unknown>[];
    expect(bad).toMatchObject({ path: 'bad.yml', ruleId: '6638f7c0-ac70-491d-8465-2a65075e0d86', ok: false, code: 'modifier' });
    expect(bad.error).toMatch(/^bad\.yml:7 detection\.selection\.Image\|contanis: .*contanis/);
    expect(good).toMatchObject({ path: 'good.yml', ok: true });
    expect(c.err()).toContain('2 document(s): 1 ok, 1 refused');
  });

  it('adds the document index for a multi-document file', async () => {
    const dir = await workspace({ 'multi.yml': `${GOOD}---\n${BAD}` });
    const c = capture(dir);
    expect(await main(['validate', 'multi.yml'], c.io)).toBe(1);
    expect((lines(c.out()) as Record<string, unknown>[]).map((l) => [l.document, l.ok])).toEqual([[0, true], [1, false]]);
  });

  it('loads expand rules with --placeholders and refuses them without', async () => {
    const dir = await workspace({ 'expand.yml': EXPAND, 'values.yml': 'Workstations: [WS1]\n' });
    const without = capture(dir);
    expect(await main(['validate', 'expand.yml'], without.io)).toBe(1);
    expect(lines(without.out())).toMatchObject([{ ok: false, code: 'placeholder' }]);
    const withValues = capture(dir);
    expect(await main(['validate', '--placeholders', 'values.yml', 'expand.yml'], withValues.io)).toBe(0);
  });

  it('exits 2 on a usage error', async () => {
    const dir = await workspace({});
    const noPath = capture(dir);
    expect(await main(['validate'], noPath.io)).toBe(2);
    expect(noPath.err()).toContain('give at least one rule file or folder');
    const badFlag = capture(dir);
    expect(await main(['validate', '--strict', 'x.yml'], badFlag.io)).toBe(2);
    expect(badFlag.err()).toContain("unknown option '--strict'");
  });

  it('exits 1, refused input, when the placeholder file cannot be read', async () => {
    const dir = await workspace({ 'good.yml': GOOD });
    const c = capture(dir);
    expect(await main(['validate', '--placeholders', 'missing.yml', 'good.yml'], c.io)).toBe(1);
    expect(c.err()).toContain('no such file or directory');
  });

  it('reports a missing rule path as a refused line', async () => {
    const dir = await workspace({});
    const c = capture(dir);
    expect(await main(['validate', 'nope.yml'], c.io)).toBe(1);
    expect(lines(c.out())).toEqual([{ path: 'nope.yml', ok: false, code: 'io', error: 'nope.yml: no such file or directory' }]);
  });

  it('is listed in the command overview', async () => {
    const c = capture(process.cwd());
    await main(['--help'], c.io);
    expect(c.out()).toMatch(/validate\s+Load Sigma rules/);
  });
});
