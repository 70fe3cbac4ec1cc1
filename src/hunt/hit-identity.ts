/**
 * A hit's identity: the same source row must always get the same `hitId`, or a re-run, an overlapping window
 * or a split window would count it twice (the incident store stores each hit id once).
 *
 * The row's own unique id is preferred: `_ItemId` (every Log Analytics table has it), ASIM's EventOriginalUid
 * (qualified by EventProduct, since two products' ids may collide), Defender's ReportId (unique per DeviceId).
 * A row without one (a parser leg that drops `_ItemId`, a hand-written query that projects it away) is
 * identified by a canonical hash of everything it holds except the projected ingestion time, which is not part
 * of the event (and `tostring` of a null one is '', of a real one a timestamp: the same event could differ).
 */
import { createHash } from 'node:crypto';
import type { CategoryMapping, ResultRow } from '../targets/types.js';
import { INGESTION_TIME_COLUMN } from './window.js';

/** Columns that qualify a uid but do not identify a row on their own. */
const QUALIFIER_COLUMNS = new Set(['EventProduct', 'DeviceId']);

export function hitIdOf(row: ResultRow, mapping: Pick<CategoryMapping, 'identityColumns'>): string {
  let id = '';
  let identifying = false;
  for (const column of mapping.identityColumns) {
    const text = cellText(row[column]);
    if (text === '') continue;
    id += id === '' ? `${column}=${text}` : `;${column}=${text}`;
    if (!QUALIFIER_COLUMNS.has(column)) identifying = true;
  }
  return identifying ? `uid:${id}` : `row:${rowHash(row)}`;
}

/** sha256 of the row's cells, keys sorted, values in a type-tagged canonical text. */
export function rowHash(row: ResultRow): string {
  const hash = createHash('sha256');
  for (const key of Object.keys(row).sort()) {
    if (key === INGESTION_TIME_COLUMN) continue;
    const value = row[key];
    if (value === null || value === undefined || value === '') continue; // absent and empty are one (targets/README.md)
    hash.update(JSON.stringify(key));
    hash.update('\u0000');
    hash.update(canonical(value));
    hash.update('\u0001');
  }
  return hash.digest('hex');
}

function canonical(value: unknown): string {
  if (value instanceof Date) return `d:${value.toISOString()}`;
  if (typeof value === 'string') return `s:${value}`;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return `${typeof value}:${String(value)}`;
  return `j:${JSON.stringify(value, (_key, inner: unknown) => (inner !== null && typeof inner === 'object' && !Array.isArray(inner) ? sortKeys(inner as Record<string, unknown>) : inner))}`;
}

function sortKeys(object: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.keys(object).sort().map((key) => [key, object[key]]));
}

function cellText(value: unknown): string {
  if (value === null || value === undefined || value === '') return '';
  if (value instanceof Date) return value.toISOString();
  return String(value).trim();
}
