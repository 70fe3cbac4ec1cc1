// The map sigma-hunt ships. Imported rather than read from disk: tsc copies an imported JSON file into dist/ and
// esbuild inlines it into the function bundle, so there is no file to find at run time (compare
// src/enrich/attack/index.ts, which must look for its data in two places).
import shippedData from './windows-logsource-map.json' with { type: 'json' };
import { parseLogsourceMap, type LogsourceMap } from './map.js';

export const SHIPPED_MAP_FILE = 'src/logsource/windows-logsource-map.json';

let shipped: LogsourceMap | undefined;

/** The shipped map, validated on first use like any user file (a test proves it valid). */
export function shippedLogsourceMap(): LogsourceMap {
  shipped ??= parseLogsourceMap(shippedData, { file: SHIPPED_MAP_FILE }).map;
  return shipped;
}
