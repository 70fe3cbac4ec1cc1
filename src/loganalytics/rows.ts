import type { LogsTable } from '@azure/monitor-query-logs';
import { normalizeKustoDatetime } from './datetime.js';
import { excerpt } from '../text/printable.js';
import { LogAnalyticsError } from './errors.js';

/** A result column as the service describes it (`string`, `datetime`, `long`, `int`, `real`, `bool`,
 *  `dynamic`, `guid`, `timespan`, `decimal`). */
export interface QueryColumn {
  name: string;
  type: string;
}

/**
 * One result row keyed by column name, with the SDK's conversions: datetime → `Date` (milliseconds only!),
 * dynamic → parsed JSON, numbers and booleans as sent, null for empty cells.
 */
export type QueryRow = Record<string, unknown>;

export interface QueryTable {
  columns: QueryColumn[];
  rows: QueryRow[];
}

/**
 * The table's rows keyed by column name. Consumes the table: each row's cell array is let go as its object is
 * built (the SDK's table is used once, by this), so a 500,000-row result is not held twice while it converts.
 */
export function tableToRows(table: LogsTable | undefined): QueryTable {
  if (!table) return { columns: [], rows: [] };
  const columns = table.columnDescriptors.map((c) => ({ name: c.name ?? '', type: String(c.type ?? '') }));
  const names = columns.map((c) => c.name);
  // A Kusto column may be named ['__proto__']; plain assignment would set the prototype instead.
  const safe = !names.includes('__proto__');
  const cellRows = table.rows;
  const rows: QueryRow[] = [];
  for (let index = 0; index < cellRows.length; index++) {
    const cells = cellRows[index]!;
    let row: QueryRow;
    if (safe) {
      row = {};
      for (let i = 0; i < names.length; i++) row[names[i]!] = cells[i] ?? null;
    } else {
      row = Object.fromEntries(names.map((name, i) => [name, cells[i] ?? null]));
    }
    rows.push(row);
    cellRows[index] = CONSUMED;
  }
  return { columns, rows };
}

/** What a consumed row of the SDK's table holds instead of its cells. */
const CONSUMED = Object.freeze([]) as unknown as LogsTable['rows'][number];

/**
 * The full 100 ns text of a datetime column, for watermarks and dedup keys. The query must send it as a
 * string (`| extend IngestedAt = tostring(ingestion_time())`): a column that arrives typed `datetime` was
 * already cut to milliseconds by the SDK, and this refuses it instead of returning a lossy value.
 * Returns undefined for a null cell.
 */
export function fullPrecisionDatetime(row: QueryRow, column: string): string | undefined {
  const value = row[column];
  if (value === null || value === undefined || value === '') return undefined;
  if (value instanceof Date) {
    throw new LogAnalyticsError(
      'precision',
      `column '${column}' arrived as a datetime, which the SDK keeps to milliseconds; project tostring(${column}) in the query`,
    );
  }
  if (typeof value !== 'string') {
    throw new LogAnalyticsError('precision', `column '${column}' holds a ${typeof value}, not a datetime text`);
  }
  const normalized = normalizeKustoDatetime(value);
  if (!normalized) {
    throw new LogAnalyticsError('precision', `column '${column}' value '${excerpt(value, 64)}' is not a Kusto datetime text`);
  }
  return normalized;
}
