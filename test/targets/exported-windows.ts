// Windows DeviceProcessEvents rows in the shape of a real Defender portal export (test/targets/fixtures/README.md:
// the column set and order, value forms and quirks of a public advanced hunting CSV export; the rows themselves
// are written for this project). Read with the CSV reader `scan --events` uses, then typed as Sentinel's
// DeviceProcessEvents returns them to the hunt: long columns as numbers, datetimes as Dates, bools as booleans,
// and TimeGenerated, which the advanced hunting export lacks, set from Timestamp as the Sentinel connector does.
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { readCsv } from '../../src/events/csv.js';
import { categoryMapping } from '../../src/targets/index.js';

export const WINDOWS_EXPORT_CSV = path.join(import.meta.dirname, 'fixtures', 'DeviceProcessEvents.windows-portal-export.csv');

type Row = Record<string, unknown>;

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** The Defender portal export's datetimes, e.g. `Oct 9, 2024 2:41:10 PM`, read as UTC. */
export function portalDatetime(text: string): Date | null {
  const match = /^([A-Z][a-z]{2}) (\d{1,2}), (\d{4}) (\d{1,2}):(\d{2}):(\d{2}) (AM|PM)$/.exec(text);
  const month = match ? MONTHS.indexOf(match[1]!) : -1;
  if (!match || month < 0) return null;
  const [, , day, year, hour, minute, second, half] = match;
  const hours = (Number(hour) % 12) + (half === 'PM' ? 12 : 0);
  return new Date(Date.UTC(Number(year), month, Number(day), hours, Number(minute), Number(second)));
}

/** The CSV's events exactly as `scan --events <csv>` reads them. */
export async function windowsExportEvents(file = WINDOWS_EXPORT_CSV): Promise<Row[]> {
  const events: Row[] = [];
  for await (const item of readCsv(createReadStream(file) as AsyncIterable<Buffer>, file)) {
    if (!('records' in item)) throw new Error(`unreadable fixture row: ${JSON.stringify(item)}`);
    for (const record of item.records) events.push(record.event as Row);
  }
  return events;
}

/** The rows typed per the mde mapping's column types (empty long cells as null). */
export async function windowsExportRows(file = WINDOWS_EXPORT_CSV): Promise<Row[]> {
  const types = new Map(categoryMapping('mde', 'process_creation')!.columns.map((column) => [column.name, column.type]));
  return (await windowsExportEvents(file)).map((event) => {
    const row: Row = {};
    for (const [name, value] of Object.entries(event)) {
      const type = types.get(name);
      if ((type === 'long' || type === 'int') && typeof value === 'string') row[name] = value === '' ? null : Number(value);
      else if (type === 'datetime' && typeof value === 'string') row[name] = portalDatetime(value);
      // The export writes bools as 0/1.
      else if (type === 'bool' && typeof value === 'string') row[name] = value === '' ? null : value === '1' || value.toLowerCase() === 'true';
      else row[name] = value;
    }
    row.TimeGenerated = row.Timestamp;
    return row;
  });
}
