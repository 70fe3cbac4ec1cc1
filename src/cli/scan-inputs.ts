// The inputs of `sigma-hunt scan`: standard input, or the files `--events` names and finds in folders, opened one
// at a time as the scan reaches them (a folder of thousands of files never holds thousands of descriptors).
import type { Readable } from 'node:stream';
import { listEventFiles } from '../events/inputs.js';
import { openEventInput } from '../events/read.js';
import { EventReadError } from '../events/types.js';
import type { CliIo } from './command.js';

/** One input of a scan: standard input, or a file as listEventFiles found it. */
export interface EventInput {
  name: string;
  size: number | null;
  stdin: boolean;
  /** Found in a folder rather than named: its match lines name it even when it is the only one. */
  inFolder: boolean;
}

export async function listEventInputs(specs: readonly string[], cwd: string): Promise<EventInput[] | EventReadError> {
  if (specs[0] === '-') return [{ name: '<stdin>', size: null, stdin: true, inFolder: false }];
  const files = await listEventFiles(specs, cwd);
  if (files instanceof EventReadError) return files;
  return files.map((file) => ({ name: file.name, size: file.size, stdin: false, inFolder: !specs.includes(file.name) }));
}

export function openInput(input: EventInput, io: CliIo): Promise<{ source: Readable; name: string } | EventReadError> {
  return input.stdin ? Promise.resolve({ source: io.stdin, name: input.name }) : openEventInput(input.name, io.stdin, io.cwd);
}

/** Bytes a file stream has read so far (fs.ReadStream counts them); 0 for other streams. */
export function bytesReadSoFar(source: Readable): number {
  const bytesRead = (source as Readable & { bytesRead?: unknown }).bytesRead;
  return typeof bytesRead === 'number' ? bytesRead : 0;
}
