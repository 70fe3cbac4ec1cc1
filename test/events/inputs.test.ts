// listEventFiles: what `sigma-hunt scan --events` reads, in which order.
import { mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { listEventFiles } from '../../src/events/inputs.js';
import { EventReadError } from '../../src/events/types.js';

async function tree(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sigma-hunt-inputs-'));
  for (const [name, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), text);
  }
  return dir;
}

describe('listEventFiles', () => {
  it('searches a folder recursively for event extensions in code-unit path order, sizes included', async () => {
    const dir = await tree({ 'b.JSONL': '{}\n', 'a/x.csv': 'h\n', 'a/y.log': 'x', 'A.ndjson': '{}\n{}\n', 'c.json': '[]', 'readme.md': '#' });
    const files = await listEventFiles(['.'], dir);
    expect(files).toEqual([
      { path: path.join(dir, 'A.ndjson'), name: 'A.ndjson', size: 6 },
      { path: path.join(dir, 'a/x.csv'), name: path.join('a', 'x.csv'), size: 2 },
      { path: path.join(dir, 'b.JSONL'), name: 'b.JSONL', size: 3 },
      { path: path.join(dir, 'c.json'), name: 'c.json', size: 2 },
    ]);
  });

  it('reads a named file of any extension, and a file named twice once', async () => {
    const dir = await tree({ 'app.log': '{}\n', 'logs/a.jsonl': '{}\n' });
    const files = await listEventFiles(['app.log', 'logs', 'logs/a.jsonl'], dir);
    expect(files instanceof EventReadError ? files : files.map((file) => file.name)).toEqual(['app.log', path.join('logs', 'a.jsonl')]);
  });

  it('follows a link to a file but not a link to a folder, so a link cycle cannot loop', async () => {
    const dir = await tree({ 'data/real.jsonl': '{}\n' });
    await symlink(path.join(dir, 'data/real.jsonl'), path.join(dir, 'data/linked.jsonl'));
    await symlink(path.join(dir, 'data'), path.join(dir, 'data/loop'));
    const files = await listEventFiles(['data'], dir);
    expect(files instanceof EventReadError ? files : files.map((file) => file.name)).toEqual([path.join('data', 'linked.jsonl'), path.join('data', 'real.jsonl')]);
  });

  it('names a missing argument, and a dangling link inside a folder, in its error', async () => {
    const dir = await tree({ 'data/ok.jsonl': '{}\n' });
    expect(await listEventFiles(['missing.jsonl'], dir)).toMatchObject({ code: 'io', message: 'missing.jsonl: cannot read events: no such file' });
    await symlink(path.join(dir, 'gone.jsonl'), path.join(dir, 'data/dangling.jsonl'));
    expect(await listEventFiles(['data'], dir)).toMatchObject({ code: 'io', message: `${path.join('data', 'dangling.jsonl')}: cannot read events: no such file` });
  });
});
