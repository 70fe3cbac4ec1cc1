// Real exported DeviceProcessEvents rows (test/targets/fixtures/README.md): read with the CSV reader `scan`
// uses, then typed as Log Analytics would return them to the hunt (long columns as numbers, datetimes as Dates).
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { readCsv } from '../../src/events/csv.js';
import { categoryMapping } from '../../src/targets/index.js';

/** Rows copied unmodified from Azure/Azure-Sentinel `Sample Data/ASIM/M365_ProcessEvents_InesgtedLogs.csv`. */
export const EXPORTED_DEFENDER_CSV = path.join(import.meta.dirname, 'fixtures', 'M365_ProcessEvents_InesgtedLogs.subset.csv');

type Row = Record<string, unknown>;

/** The export's "[Local Time]" datetimes, e.g. `10/25/2023, 9:43:21.990 AM`, read as UTC. */
export function exportedDatetime(text: string): Date | null {
  const match = /^(\d{1,2})\/(\d{1,2})\/(\d{4}), (\d{1,2}):(\d{2}):(\d{2})\.(\d{3}) (AM|PM)$/.exec(text);
  if (!match) return null;
  const [, month, day, year, hour, minute, second, millis, half] = match;
  const hours = (Number(hour) % 12) + (half === 'PM' ? 12 : 0);
  return new Date(Date.UTC(Number(year), Number(month) - 1, Number(day), hours, Number(minute), Number(second), Number(millis)));
}

/** The CSV's events exactly as `scan --events <csv>` reads them. */
export async function exportedCsvEvents(file = EXPORTED_DEFENDER_CSV): Promise<Row[]> {
  const events: Row[] = [];
  for await (const item of readCsv(createReadStream(file) as AsyncIterable<Buffer>, file)) {
    if (!('records' in item)) throw new Error(`unreadable fixture row: ${JSON.stringify(item)}`);
    for (const record of item.records) events.push(record.event as Row);
  }
  return events;
}

/** Export cells typed per the mde mapping's column types, as the Log Analytics fake serves them: empty long cells
 *  as null, datetimes read by the export's own format, and bools as written 0/1 (or true/false). */
export function typedAsMde(events: readonly Row[], readDatetime: (text: string) => Date | null): Row[] {
  const types = new Map(categoryMapping('mde', 'process_creation')!.columns.map((column) => [column.name, column.type]));
  return events.map((event) => {
    const row: Row = {};
    for (const [name, value] of Object.entries(event)) {
      const type = types.get(name);
      if ((type === 'long' || type === 'int') && typeof value === 'string') row[name] = value === '' ? null : Number(value);
      else if (type === 'datetime' && typeof value === 'string') row[name] = readDatetime(value);
      else if (type === 'bool' && typeof value === 'string') row[name] = value === '' ? null : value === '1' || value.toLowerCase() === 'true';
      else row[name] = value;
    }
    return row;
  });
}

/** The rows typed per the mde mapping's column types (empty long cells as null), as the Log Analytics fake serves them. */
export async function exportedDefenderRows(file = EXPORTED_DEFENDER_CSV): Promise<Row[]> {
  return typedAsMde(await exportedCsvEvents(file), exportedDatetime);
}
