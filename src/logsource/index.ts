// Log sources: which Sigma logsource (product, service, category) an event carries, and which rules apply to it.
// README.md says where each part of the shipped map comes from.
export { LogsourceMapError, LogsourceSpecError, type LogsourceMapErrorCode } from './errors.js';
export { applyMapFile, extendLogsourceMap, parseLogsourceMap, type AsimEntry, type EventLogMap, type EventLogSelector, type LogsourceMap, type TableEntry } from './map.js';
export { parseLogsourceMapText, readLogsourceMapFile } from './map-file.js';
export { createLogsourceResolver, needsLogsource, type DefaultSource, type EventSource, type LogsourceResolver, type ResolverOptions } from './resolver.js';
export { SHIPPED_MAP_FILE, shippedLogsourceMap } from './shipped.js';
export { parseLogsourceSpec } from './spec.js';
