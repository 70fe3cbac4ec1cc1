// Which files `--events` names: files as given, folders searched recursively, in an order that is the same on
// every machine, so a scan's output (and its `file` keys) can be compared run to run.
import type { Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { describeFileError, detectFormat } from './read.js';
import { EventReadError, RECORD_UNIT } from './types.js';

/** What a folder search picks up: the formats the readers know by extension. `.log` is left out on purpose:
 *  under that name live syslog and application text that would be read as CSV and refused line by line; such
 *  a file is still read when named on its own. */
export const EVENT_FILE_EXTENSIONS: readonly string[] = ['.csv', '.json', '.jsonl', '.ndjson'];

export interface EventFile {
  /** Where to open it. */
  path: string;
  /** How messages and match lines name it: as given, or the folder as given joined with the path under it. */
  name: string;
  /** Bytes when listed, the denominator of progress; null for what is not a regular file (a FIFO). */
  size: number | null;
}

function refuse(name: string, reason: string): EventReadError {
  return new EventReadError('io', name, null, null, RECORD_UNIT[detectFormat('', name)], reason);
}

/** Expands `--events` arguments (files and folders, relative to `cwd`) into files: each argument in the order
 *  given, a folder's files (recursively, by EVENT_FILE_EXTENSIONS) sorted by path in code-unit order, a file
 *  named twice read once. A missing argument, or a folder with no event file, is an error naming it, found
 *  before any file is read. */
export async function listEventFiles(specs: readonly string[], cwd: string): Promise<EventFile[] | EventReadError> {
  const files: EventFile[] = [];
  const seen = new Set<string>();
  const add = (file: EventFile): void => {
    if (seen.has(file.path)) return;
    seen.add(file.path);
    files.push(file);
  };
  for (const spec of specs) {
    const full = path.resolve(cwd, spec);
    let info;
    try {
      info = await stat(full);
    } catch (error) {
      return refuse(spec, `cannot read events: ${describeFileError(error)}`);
    }
    if (!info.isDirectory()) {
      add({ path: full, name: spec, size: info.isFile() ? info.size : null });
      continue;
    }
    const found: EventFile[] = [];
    try {
      await collect(full, spec, found);
    } catch (error) {
      return error instanceof EventReadError ? error : refuse(spec, `cannot read events: ${describeFileError(error)}`);
    }
    if (found.length === 0) return refuse(spec, `cannot read events: a folder with no event file (${EVENT_FILE_EXTENSIONS.map((e) => `*${e}`).join(', ')}) in it`);
    found.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    for (const file of found) add(file);
  }
  return files;
}

/** Symbolic links to files are followed; links to folders are not, so a link cycle cannot loop the search. */
async function collect(dir: string, name: string, into: EventFile[]): Promise<void> {
  const entries: Dirent[] = await readdir(dir, { withFileTypes: true });
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    const entryName = path.join(name, entry.name);
    if (entry.isDirectory()) {
      await collect(full, entryName, into);
      continue;
    }
    if (!EVENT_FILE_EXTENSIONS.includes(path.extname(entry.name).toLowerCase())) continue;
    if (!entry.isFile() && !entry.isSymbolicLink()) continue;
    let info;
    try {
      info = await stat(full);
    } catch (error) {
      throw refuse(entryName, `cannot read events: ${describeFileError(error)}`);
    }
    if (info.isFile()) into.push({ path: full, name: entryName, size: info.size });
  }
}
