// What the event readers produce. Readers never parse JSON texts themselves: they hand raw texts to the
// consumer so a raw-text pre-filter (src/match/prefilter.ts) can skip most of them unparsed.
import type { SigmaEvent } from '../match/types.js';
import { printableExcerpt as boundedExcerpt } from '../text/printable.js';

/** `jsonl`: one JSON object per line. `json-array`: one JSON array of objects. `csv`: a Log Analytics portal
 *  export (header row, RFC 4180 quoting, dynamic columns as JSON text). */
export type EventFormat = 'jsonl' | 'json-array' | 'csv';

/** What a record's `index` counts in each format, for messages: JSON lines count physical lines (blank ones
 *  included), JSON arrays count elements, CSV counts data rows (the header excluded, a quoted field's
 *  newlines not counted). */
export const RECORD_UNIT: Readonly<Record<EventFormat, 'line' | 'element' | 'row'>> = {
  jsonl: 'line',
  'json-array': 'element',
  csv: 'row',
};

export type EventReadErrorCode =
  | 'json' // a record is not valid JSON
  | 'not-object' // a record is valid JSON but not an object
  | 'too-deep' // a record nests objects or arrays deeper than MAX_EVENT_DEPTH
  | 'csv' // a CSV row cannot be read (unclosed quote, wrong number of fields, oversized)
  | 'structure' // the JSON array itself is broken (no '[', unterminated, text after ']'): reading stops
  | 'binary' // the input is not text (a NUL byte near its start): reading stops before the first record
  | 'io'; // the input cannot be read (missing, a directory, a read error): reading stops

/** How much of a reason is printed. Reasons quote record text (JSON.parse and csv-parse put the offending
 *  bytes in their messages), and records are attacker-written: a message stays one bounded, printable line. */
export const MAX_REASON_CHARS = 300;

/** `text` as one bounded, printable line (src/text/printable.ts), at most MAX_REASON_CHARS by default. */
export function printableExcerpt(text: string, max = MAX_REASON_CHARS): string {
  return boundedExcerpt(text, max);
}

/** A refused record (or a broken input), named by source, 1-based physical line and 0-based record index:
 *  `events.jsonl:12: invalid JSON: Unexpected token ... [line 11]`. */
export class EventReadError extends Error {
  override readonly name = 'EventReadError';
  constructor(
    readonly code: EventReadErrorCode,
    /** The input's name (a path, or `<stdin>`). */
    readonly source: string,
    /** 1-based physical line where the record starts, when known. */
    readonly physicalLine: number | null,
    /** The record index (`line` in scan output), or null for an error that is not one record's. */
    readonly index: number | null,
    readonly unit: 'line' | 'element' | 'row',
    reason: string,
  ) {
    const printable = printableExcerpt(reason);
    super(`${source}${physicalLine !== null ? `:${physicalLine}` : ''}: ${printable}${index !== null ? ` [${unit} ${index}]` : ''}`);
    this.reason = printable;
  }

  /** Why, bounded and printable (see printableExcerpt). */
  readonly reason: string;

  /** Whether reading can go on after this error (one bad record) or has stopped (broken input). */
  get fatal(): boolean {
    return this.code === 'structure' || this.code === 'binary' || this.code === 'io';
  }
}

/** An event read from the input; `index` is what scan output calls `line` (see RECORD_UNIT). */
export interface EventRecord {
  index: number;
  event: SigmaEvent;
}

/** Raw JSON texts: JSON lines, or the elements of a JSON array. `texts[k]` is record `firstIndex + k`; an
 *  empty string is a blank line (JSON lines only), which is no record. */
export interface JsonTextBatch {
  kind: 'json-texts';
  firstIndex: number;
  texts: string[];
  /** 1-based physical line where each text starts, when that is not `index + 1` (JSON arrays). */
  startLines?: number[];
  /** Per text, 1 when it is all ASCII and 0 when not, when the reader already knows (JSON lines): saves the
   *  pre-filter its own ASCII scan. */
  asciiOnly?: Uint8Array;
}

/** Events the reader had to decode itself (CSV rows). */
export interface EventRecordBatch {
  kind: 'events';
  records: EventRecord[];
}

export interface ReadErrorItem {
  kind: 'error';
  error: EventReadError;
}

export type EventBatch = JsonTextBatch | EventRecordBatch | ReadErrorItem;
