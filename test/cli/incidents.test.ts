import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { runLocal } from '../../src/local/run-local.js';
import { PassThrough } from 'node:stream';
import { projectRoot } from '../support/paths.js';
import { captureCli } from '../support/cli.js';

const capture = (cwd: string) => captureCli({ cwd });

/** Every file under `folder` with its size, mtime and content hash. */
async function snapshotOf(folder: string): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const entry of await readdir(folder, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    const info = await stat(file);
    files[path.relative(folder, file)] = `${info.size} ${info.mtimeMs} ${createHash('sha256').update(await readFile(file)).digest('hex')}`;
  }
  return files;
}

let localDir: string;
beforeAll(async () => {
  localDir = await mkdtemp(path.join(os.tmpdir(), 'sigma-hunt-incidents-'));
  await runLocal({ localDir, env: {}, out: new PassThrough() });
});

describe('sigma-hunt incidents list', () => {
  it('prints a table of the local store\'s incidents by default', async () => {
    const run = capture(projectRoot);
    expect(await main(['incidents', 'list', '--local-dir', localDir], run.io)).toBe(0);
    const lines = run.out().trim().split('\n');
    expect(lines[0]).toMatch(/^rule\s+severity\s+host\s+process image\s+destination\s+first seen \(UTC\)\s+last seen \(UTC\)\s+hits$/);
    // The local run's 4 Sysmon incidents and 2 of the Defender sample (Windows and Linux device).
    expect(lines).toHaveLength(2 + 6);
    expect(run.err()).toMatch(/6 incident\(s\) from local /);
  });

  it('--format jsonl prints one JSON object per incident with its enrichment', async () => {
    const run = capture(projectRoot);
    expect(await main(['incidents', 'list', '--format', 'jsonl', '--local-dir', localDir], run.io)).toBe(0);
    const incidents = run.out().trim().split('\n').map((line) => JSON.parse(line) as { incidentKey: string; hitCount: number; enrichment: { rule: { attack: unknown }; entities: unknown[]; pivots: unknown[] }; explanation: { matchedSearches: string[] } });
    expect(incidents).toHaveLength(6);
    for (const incident of incidents) {
      expect(incident.hitCount).toBe(1);
      expect(incident.enrichment.rule.attack).toBeDefined();
      expect(incident.enrichment.entities.length).toBeGreaterThan(0);
      expect(incident.enrichment.pivots.length).toBeGreaterThan(0);
      expect(incident.explanation.matchedSearches.some((search) => search.startsWith('selection'))).toBe(true);
    }
  });

  it('leaves the local store exactly as it was: listing writes nothing', async () => {
    const before = await snapshotOf(localDir);
    expect(await main(['incidents', 'list', '--local-dir', localDir], capture(projectRoot).io)).toBe(0);
    expect(await snapshotOf(localDir)).toEqual(before);
  });

  it('refuses a --local-dir that does not exist (exit 1) and does not create it', async () => {
    const missing = path.join(localDir, 'no-such-store');
    const run = capture(projectRoot);
    expect(await main(['incidents', 'list', '--local-dir', missing], run.io)).toBe(1);
    expect(run.err()).toBe(`sigma-hunt incidents: ${missing}: no such file (\`npm start\` or \`sigma-hunt hunt\` writes one)\n`);
    await expect(stat(missing)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('refuses a folder that holds no local store (exit 1) and writes nothing into it', async () => {
    const empty = await mkdtemp(path.join(os.tmpdir(), 'sigma-hunt-empty-'));
    const run = capture(projectRoot);
    expect(await main(['incidents', 'list', '--local-dir', empty], run.io)).toBe(1);
    expect(run.err()).toContain(`${empty}: holds no local store`);
    expect(await readdir(empty)).toEqual([]);
  });

  it('an unknown subcommand is a usage error', async () => {
    const run = capture(projectRoot);
    expect(await main(['incidents', 'delete'], run.io)).toBe(2);
  });
});
