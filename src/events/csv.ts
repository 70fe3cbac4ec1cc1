// A CSV export of Log Analytics results (portal "Export to CSV"): a header row of column names, RFC 4180
// quoting (fields with commas, quotes or newlines quoted, quotes doubled), CRLF line ends, maybe a UTF-8
// BOM (removed by decodeUtf8), dynamic columns written as JSON text.
import { Readable } from 'node:stream';
import { parse, type CsvError } from 'csv-parse';
import type { SigmaEvent } from '../match/types.js';
import { nestedTooDeep, tooDeep } from './parse.js';
import { EventReadError, type EventRecord, type EventRecordBatch, type ReadErrorItem } from './types.js';

/** One row larger than this is refused instead of buffered: an unclosed quote would otherwise swallow the
 *  rest of the file into one field. */
const MAX_RECORD_CHARS = 16 * 1024 * 1024;

/** The portal suffixes datetime columns with the display time zone (`TimeGenerated [UTC]`); the event field
 *  is the column's name. */
const TIME_ZONE_SUFFIX = / \[(?:UTC|Local Time)\]$/;

export function csvColumnName(header: string): string {
  return header.replace(TIME_ZONE_SUFFIX, '');
}

/** A cell's value in the event. CSV has no types: cells stay strings, except that a cell holding a JSON
 *  object or array (how dynamic columns export) becomes that object or array. CSV cannot tell an empty
 *  string from a null; an empty cell is read as '' (what Log Analytics stores in an empty string column). */
export function csvCellValue(text: string): unknown {
  const first = text.charCodeAt(0);
  if (first === 123 || first === 91) {
    try {
      const value: unknown = JSON.parse(text);
      if (value !== null && typeof value === 'object') return value;
    } catch {
      // Text that merely starts with a bracket stays text.
    }
  }
  return text;
}

/** Finds the 1-based line of a byte offset among the bytes seen so far; offsets asked for only grow. */
class LineLocator {
  private newlines: number[] = [];
  private passed = 0;
  private dropped = 0;
  private seen = 0;

  add(chunk: Buffer): void {
    for (let i = chunk.indexOf(0x0a); i >= 0; i = chunk.indexOf(0x0a, i + 1)) this.newlines.push(this.seen + i);
    this.seen += chunk.length;
  }

  lineAt(offset: number): number {
    while (this.passed < this.newlines.length && this.newlines[this.passed] < offset) this.passed++;
    if (this.passed > 4096) {
      this.newlines = this.newlines.slice(this.passed);
      this.dropped += this.passed;
      this.passed = 0;
    }
    return 1 + this.dropped + this.passed;
  }
}

/** Reads CSV rows as events. Rows are numbered from 0, the header excluded: `index` is the data row's
 *  ordinal, whatever newlines its quoted fields hold. A row that cannot be read (unclosed quote, wrong
 *  number of fields) is reported with its number and skipped; the rows after it still count from it.
 *  Messages also give the row's first physical line, found from csv-parse's byte counts (its own line
 *  count counts a CRLF inside quotes twice). */
export async function* readCsv(chunks: AsyncIterable<Buffer>, source: string): AsyncGenerator<EventRecordBatch | ReadErrorItem> {
  let nextIndex = 0;
  const locator = new LineLocator();
  // Where the previous row (or, before the first, the one-line header) ended, and how many blank lines
  // csv-parse had skipped by then: a row starts on the line after, plus the blank lines in between.
  let previousEnd: number | null = null;
  let previousEmptyLines = 0;
  const startLineOf = (context: { bytes: number; empty_lines: number }): number => {
    const line = (previousEnd === null ? 2 : locator.lineAt(previousEnd)) + (context.empty_lines - previousEmptyLines);
    previousEnd = context.bytes;
    previousEmptyLines = context.empty_lines;
    return line;
  };
  const skipped: EventReadError[] = [];
  let columns: string[] = [];

  const parser = parse<EventRecord, Record<string, string>>({
    columns: (header: string[]) => (columns = header.map(csvColumnName)),
    skip_empty_lines: true,
    skip_records_with_error: true,
    max_record_size: MAX_RECORD_CHARS,
    on_skip: (error: CsvError | undefined) => {
      const line = error !== undefined && typeof error.bytes === 'number' ? startLineOf(error as CsvError & { bytes: number; empty_lines: number }) : null;
      skipped.push(new EventReadError('csv', source, line, nextIndex++, 'row', `unreadable CSV row: ${error?.message ?? 'unknown error'}`));
      return undefined;
    },
    on_record: (record, context) => {
      const line = startLineOf(context);
      const event: Record<string, unknown> = {};
      for (const column of columns) {
        const cell = record[column];
        if (cell === undefined) continue;
        const value = csvCellValue(cell);
        // A dynamic column's JSON sits one level below the event.
        if (value !== null && typeof value === 'object' && nestedTooDeep(value, 2)) {
          skipped.push(new EventReadError('too-deep', source, line, nextIndex++, 'row', `column ${column}: ${tooDeep().reason}`));
          return null;
        }
        event[column] = value;
      }
      return { index: nextIndex++, event: event as SigmaEvent };
    },
  });
  async function* located(): AsyncGenerator<Buffer> {
    for await (const chunk of chunks) {
      locator.add(chunk);
      yield chunk;
    }
  }
  const input = Readable.from(located());
  input.on('error', (error) => parser.destroy(error));
  input.pipe(parser);

  // Skips are recorded while parsing, ahead of the records still buffered in the stream: release each one
  // just before the first record that comes after it, so messages stay in input order.
  const releaseSkippedBefore = (index: number): ReadErrorItem[] => {
    const due: ReadErrorItem[] = [];
    while (skipped.length > 0 && skipped[0].index! < index) due.push({ kind: 'error', error: skipped.shift()! });
    return due;
  };
  try {
    for await (const parsed of parser as AsyncIterable<EventRecord>) {
      yield* releaseSkippedBefore(parsed.index);
      yield { kind: 'events', records: [parsed] };
    }
  } catch (error) {
    yield* releaseSkippedBefore(Number.POSITIVE_INFINITY);
    if (error instanceof Error && 'code' in error && typeof error.code === 'string' && error.code.startsWith('CSV_')) {
      yield { kind: 'error', error: new EventReadError('structure', source, null, null, 'row', `unreadable CSV: ${error.message}`) };
      return;
    }
    throw error;
  }
  yield* releaseSkippedBefore(Number.POSITIVE_INFINITY);
}
