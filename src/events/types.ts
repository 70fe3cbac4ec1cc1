// What the event readers produce. Readers never parse JSON texts themselves: they hand raw texts to the
// consumer so a raw-text pre-filter (src/match/prefilter.ts) can skip most of them unparsed.
import type { SigmaEvent } from '../match/types.js';

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
  | 'csv' // a CSV row cannot be read (unclosed quote, wrong number of fields, oversized)
  | 'structure' // the JSON array itself is broken (no '[', unterminated, text after ']'): reading stops
  | 'io'; // the input cannot be read: reading stops

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
    readonly reason: string,
  ) {
    super(`${source}${physicalLine !== null ? `:${physicalLine}` : ''}: ${reason}${index !== null ? ` [${unit} ${index}]` : ''}`);
  }

  /** Whether reading can go on after this error (one bad record) or has stopped (broken input). */
  get fatal(): boolean {
    return this.code === 'structure' || this.code === 'io';
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
