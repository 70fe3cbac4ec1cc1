// Windows DeviceProcessEvents rows in the shape of a real Defender portal export (test/targets/fixtures/README.md:
// the column set and order, value forms and quirks of a public advanced hunting CSV export; the rows themselves
// are written for this project). Read with the CSV reader `scan --events` uses, then typed as Sentinel's
// DeviceProcessEvents returns them to the hunt: long columns as numbers, datetimes as Dates, bools as booleans,
// and TimeGenerated, which the advanced hunting export lacks, set from Timestamp as the Sentinel connector does.
import path from 'node:path';
import { exportedCsvEvents, typedAsMde } from './exported-defender.js';

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
export function windowsExportEvents(file = WINDOWS_EXPORT_CSV): Promise<Row[]> {
  return exportedCsvEvents(file);
}

/** The rows typed per the mde mapping's column types (empty long cells as null). */
export async function windowsExportRows(file = WINDOWS_EXPORT_CSV): Promise<Row[]> {
  return typedAsMde(await windowsExportEvents(file), portalDatetime).map((row) => ({ ...row, TimeGenerated: row.Timestamp }));
}
