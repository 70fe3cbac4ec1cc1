// The entry point of the event readers: pick the format, then stream batches of raw JSON texts or events.
//
// Record numbering (scan output's `line`, and the `[line N]`/`[element N]`/`[row N]` in messages), 0-based:
//   - JSON lines: the physical line, blank lines counted (line 0 is the first line of the input);
//   - JSON array: the element's position in the array;
//   - CSV: the data row's position, the header excluded and a quoted field's newlines not counted.
// Messages also name the 1-based physical line (`events.jsonl:12:`), as editors number lines.
import { open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { readCsv } from './csv.js';
import { splitJsonArray } from './json-array.js';
import { EventTextProblem, parseEventText } from './parse.js';
import { byteChunks, decodeUtf8, peekHead, splitLines, type ChunkSource } from './text.js';
import { EventReadError, RECORD_UNIT, type EventBatch, type EventFormat, type EventRecord } from './types.js';

export const EVENT_FORMATS: readonly EventFormat[] = ['jsonl', 'json-array', 'csv'];

/** The format, from the first non-whitespace character, with the file extension as a tie-breaker:
 *  `.csv` is always CSV; otherwise '[' is a JSON array, '{' JSON lines, and anything else CSV (a header
 *  row) unless the extension says JSON. */
export function detectFormat(firstCharacter: string, name: string): EventFormat {
  const extension = path.extname(name).toLowerCase();
  if (extension === '.csv') return 'csv';
  if (firstCharacter === '[') return 'json-array';
  if (firstCharacter === '{' || firstCharacter === '') return 'jsonl';
  return extension === '.json' || extension === '.jsonl' || extension === '.ndjson' ? 'jsonl' : 'csv';
}

export interface EventStream {
  format: EventFormat;
  /** The input's name in messages: its path as given, or `<stdin>`. */
  name: string;
  batches: AsyncIterable<EventBatch>;
}

export interface OpenEventStreamOptions {
  /** The input's name in messages and for format detection. */
  name: string;
  /** Skip detection. */
  format?: EventFormat;
}

/** Starts reading: peeks at the first characters to pick the format (unless given) and to refuse binary input,
 *  then streams batches. An input that is binary, or fails while being read, ends with one fatal error item:
 *  binary input is refused before it is read as anything, since as CSV every line of it would be a refused
 *  row quoting its bytes. */
export async function openEventStream(source: ChunkSource, options: OpenEventStreamOptions): Promise<EventStream> {
  const { name } = options;
  let format = options.format;
  let bytes: AsyncIterable<Buffer> = byteChunks(source);
  let openError: EventReadError | null = null;
  try {
    const head = await peekHead(bytes);
    bytes = head.chunks;
    format ??= detectFormat(head.first, name);
    if (head.nulOffset >= 0) {
      openError = new EventReadError(
        'binary',
        name,
        null,
        null,
        RECORD_UNIT[format],
        `not JSON lines, JSON or CSV: a NUL byte at byte ${head.nulOffset} (binary data, or UTF-16 text that needs saving as UTF-8)`,
      );
    }
  } catch (error) {
    format ??= detectFormat('', name);
    openError = ioError(name, error, RECORD_UNIT[format]);
  }
  const chosen = format;
  async function* batches(): AsyncGenerator<EventBatch> {
    if (openError) {
      yield { kind: 'error', error: openError };
      return;
    }
    try {
      if (chosen === 'jsonl') yield* splitLines(bytes);
      else if (chosen === 'json-array') yield* splitJsonArray(decodeUtf8(bytes), name);
      else yield* readCsv(bytes, name);
    } catch (error) {
      yield { kind: 'error', error: ioError(name, error, RECORD_UNIT[chosen]) };
    }
  }
  return { format: chosen, name, batches: batches() };
}

function ioError(name: string, error: unknown, unit: 'line' | 'element' | 'row'): EventReadError {
  return new EventReadError('io', name, null, null, unit, `cannot read events: ${describeFileError(error)}`);
}

/** A file system error in words, without the errno noise (`ENOENT: no such file or directory, open '/abs'`). */
export function describeFileError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EISDIR') return 'a directory, not a file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  return error instanceof Error ? error.message : String(error);
}

/** Opens `-` (standard input) or a file, relative to `cwd`, at once: a missing file or a directory is an 'io'
 *  error here, before any reading, so the caller can refuse it as one error. Files are read in 1 MiB chunks:
 *  fewer, larger batches for the line splitter. */
export async function openEventInput(spec: string, stdin: Readable, cwd: string): Promise<{ source: Readable; name: string } | EventReadError> {
  if (spec === '-') return { source: stdin, name: '<stdin>' };
  const refuse = (error: unknown): EventReadError => ioError(spec, error, RECORD_UNIT[detectFormat('', spec)]);
  let handle: FileHandle;
  try {
    handle = await open(path.resolve(cwd, spec), 'r');
  } catch (error) {
    return refuse(error);
  }
  try {
    // Opening a directory for reading succeeds on Linux; only the first read fails (EISDIR).
    if ((await handle.stat()).isDirectory()) {
      await handle.close();
      return refuse(Object.assign(new Error('is a directory'), { code: 'EISDIR' }));
    }
  } catch (error) {
    await handle.close();
    return refuse(error);
  }
  return { source: handle.createReadStream({ highWaterMark: 1024 * 1024 }), name: spec };
}

/** Record by record, each parsed: for callers that want events, not batches (tests, small inputs). Refused
 *  records come as EventReadError values in input order; blank lines are skipped. */
export async function* eventRecords(stream: EventStream): AsyncGenerator<EventRecord | EventReadError> {
  const unit = RECORD_UNIT[stream.format];
  for await (const batch of stream.batches) {
    if (batch.kind === 'error') {
      yield batch.error;
    } else if (batch.kind === 'events') {
      yield* batch.records;
    } else {
      for (let k = 0; k < batch.texts.length; k++) {
        const text = batch.texts[k];
        if (text === '') continue;
        const index = batch.firstIndex + k;
        const parsed = parseEventText(text);
        if (parsed instanceof EventTextProblem) {
          yield new EventReadError(parsed.code, stream.name, batch.startLines?.[k] ?? index + 1, index, unit, parsed.reason);
        } else {
          yield { index, event: parsed };
        }
      }
    }
  }
}
