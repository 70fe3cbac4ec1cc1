/**
 * The custom tables sigma-hunt writes into the Sentinel workspace, declared once: the writer builds its rows from
 * these columns, the local ingestion fake checks payloads against them as the data collection rule would, the
 * KQL of the analytics rule and the workbook is checked against them, and test/sentinel compares them both ways
 * with the stream declarations and table schemas of infra/app/sentinel-tables.bicep.
 *
 * Incidents are written once per *version*: an incident changes as hits arrive, and Log Analytics is append-only,
 * so every version is a row and a reader keeps the latest one per incident:
 *
 *     SigmaHuntIncidents_CL | summarize arg_max(Version, *) by IncidentKey
 *
 * Version is the incident's hit count, which only grows (hits are added, never removed), so it is derived from the
 * stored incident itself: a version sent twice (a re-run, a crash before the send was recorded) is the same row
 * twice, and arg_max picks either. Hits are keyed by HitId: `summarize arg_max(TimeGenerated, *) by HitId`.
 */
import type { Incident } from '../incidents/model.js';
import type { StoredHit } from '../store/incident-entity.js';

/** Column types of a DCR stream declaration (Microsoft.Insights/dataCollectionRules streamDeclarations). */
export type StreamColumnType = 'string' | 'int' | 'long' | 'real' | 'boolean' | 'datetime' | 'dynamic';

export interface SentinelColumn {
  readonly name: string;
  readonly type: StreamColumnType;
  readonly description: string;
}

export interface SentinelTable {
  /** Custom table in the workspace (`_CL`). */
  readonly table: string;
  /** Stream the DCR declares and the client uploads to (`Custom-<table>`). */
  readonly stream: string;
  readonly columns: readonly SentinelColumn[];
}

const column = (name: string, type: StreamColumnType, description: string): SentinelColumn => ({ name, type, description });

/** A custom table and the DCR stream of the same name that feeds it. */
const customTable = (table: `${string}_CL`, columns: readonly SentinelColumn[]): SentinelTable => ({ table, stream: `Custom-${table}`, columns });

export const INCIDENTS_TABLE: SentinelTable = customTable('SigmaHuntIncidents_CL', [
  column('TimeGenerated', 'datetime', 'When this version was sent.'),
  column('IncidentKey', 'string', 'Key of the incident (the PartitionKey in Table Storage); one incident, many versions.'),
  column('Version', 'long', 'Version of the incident: its hit count, which only grows. Latest: arg_max(Version, *) by IncidentKey.'),
  column('RuleId', 'string', 'Sigma rule id.'),
  column('RuleTitle', 'string', 'Sigma rule title.'),
  column('Severity', 'string', 'informational, low, medium, high or critical (the Sigma level).'),
  column('Status', 'string', 'new, active or closed.'),
  column('Host', 'string', 'Host of the earliest hit.'),
  column('Account', 'string', 'Account of the earliest hit that has one.'),
  column('ProcessImage', 'string', 'Process image of the earliest hit.'),
  column('DestinationFqdn', 'string', 'Destination host name.'),
  column('DestinationIp', 'string', 'Destination IP address.'),
  column('DestinationPort', 'int', 'Destination port.'),
  column('FirstSeen', 'datetime', 'Event time of the earliest hit.'),
  column('LastSeen', 'datetime', 'Event time of the latest hit.'),
  column('HitCount', 'long', 'Number of distinct verified hits.'),
  column('Tactics', 'dynamic', 'ATT&CK tactic names (Sentinel spelling, e.g. CommandAndControl).'),
  column('Techniques', 'dynamic', 'ATT&CK technique ids (T1105, T1071.001).'),
  column('Explanation', 'dynamic', 'Why the Sigma matcher matched: searches, fields, modifiers, values.'),
  column('SampleHits', 'dynamic', 'Up to five of the earliest hits.'),
  column('Truncated', 'dynamic', 'Parts cut to fit the storage limits.'),
]);

export const HITS_TABLE: SentinelTable = customTable('SigmaHuntHits_CL', [
  column('TimeGenerated', 'datetime', 'When the hit was sent.'),
  column('HitId', 'string', 'Stable id of the source row; a hit sent twice has the same HitId.'),
  column('IncidentKey', 'string', 'Incident the hit belongs to.'),
  column('RuleId', 'string', 'Sigma rule id.'),
  column('EventTime', 'datetime', 'Time of the event.'),
  column('Host', 'string', 'Host of the incident.'),
  column('Account', 'string', 'Account of the hit.'),
  column('ProcessId', 'string', 'Process id of the hit.'),
  column('DestinationFqdn', 'string', 'Destination host name.'),
  column('DestinationIp', 'string', 'Destination IP address.'),
  column('DestinationPort', 'int', 'Destination port.'),
  column('Event', 'dynamic', 'The Sigma event the matcher verified (bounded as stored).'),
  column('Explanation', 'dynamic', 'Why this event matched.'),
]);

export const SENTINEL_TABLES: readonly SentinelTable[] = [INCIDENTS_TABLE, HITS_TABLE];

/** Workspace table schemas spell the types of Microsoft.OperationalInsights/workspaces/tables columns. */
export const TABLE_COLUMN_TYPE: Readonly<Record<StreamColumnType, string>> = {
  string: 'string',
  int: 'int',
  long: 'long',
  real: 'real',
  boolean: 'boolean',
  datetime: 'dateTime',
  dynamic: 'dynamic',
};

/** KQL types of the columns, for the Kusto language service. */
export const KQL_COLUMN_TYPE = {
  string: 'string',
  int: 'int',
  long: 'long',
  real: 'real',
  boolean: 'bool',
  datetime: 'datetime',
  dynamic: 'dynamic',
} as const satisfies Record<StreamColumnType, string>;

export type SentinelRow = Record<string, string | number | boolean | object | null>;

// ---------------------------------------------------------------------------------------------------------------
// Rows

function enrichmentList(incident: Incident, key: 'tactics' | 'techniques'): string[] {
  const attack = (incident.enrichment as { attack?: { tactics?: unknown; techniques?: unknown } }).attack;
  const values = attack?.[key];
  if (!Array.isArray(values)) return [];
  return values
    .map((value) => (typeof value === 'string' ? value : (value as { id?: unknown; name?: unknown } | null)?.[key === 'techniques' ? 'id' : 'name']))
    .filter((value): value is string => typeof value === 'string');
}

/** Sentinel spells tactics without spaces: "Command and Control" → "CommandAndControl". */
export function sentinelTactic(name: string): string {
  return name
    .split(/[\s-]+/)
    .filter((word) => word.length > 0)
    .map((word) => word[0]!.toUpperCase() + word.slice(1))
    .join('');
}

/** Only the columns that have a value: an absent optional column is left out, as the DCR allows. */
function compact(row: Record<string, unknown>): SentinelRow {
  const out: SentinelRow = {};
  for (const [name, value] of Object.entries(row)) if (value !== undefined) out[name] = value as SentinelRow[string];
  return out;
}

export function incidentVersionRow(incident: Incident, sentAt: Date): SentinelRow {
  return compact({
    TimeGenerated: sentAt.toISOString(),
    IncidentKey: incident.incidentKey,
    Version: incident.hitCount,
    RuleId: incident.ruleId,
    RuleTitle: incident.ruleTitle,
    Severity: incident.severity,
    Status: incident.status,
    Host: incident.host,
    Account: incident.account,
    ProcessImage: incident.processImage,
    DestinationFqdn: incident.destination.fqdn,
    DestinationIp: incident.destination.ip,
    DestinationPort: incident.destination.port,
    FirstSeen: incident.firstSeen.toISOString(),
    LastSeen: incident.lastSeen.toISOString(),
    HitCount: incident.hitCount,
    Tactics: enrichmentList(incident, 'tactics').map(sentinelTactic),
    Techniques: enrichmentList(incident, 'techniques'),
    Explanation: incident.explanation,
    SampleHits: incident.sampleHits.map((sample) => ({ ...sample, eventTime: sample.eventTime.toISOString() })),
    Truncated: incident.truncated,
  });
}

export function hitRow(incident: Incident, hit: StoredHit, sentAt: Date): SentinelRow {
  return compact({
    TimeGenerated: sentAt.toISOString(),
    HitId: hit.hitId,
    IncidentKey: incident.incidentKey,
    RuleId: incident.ruleId,
    EventTime: hit.eventTime.toISOString(),
    Host: incident.host,
    Account: hit.account,
    ProcessId: hit.processId,
    DestinationFqdn: hit.destination.fqdn,
    DestinationIp: hit.destination.ip,
    DestinationPort: hit.destination.port,
    Event: hit.event,
    Explanation: hit.explanation,
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Checking a row against a stream, as the ingestion endpoint does (the local fake and the tests use this)

export interface RowProblem {
  row: number;
  column: string;
  reason: string;
}

const ISO_DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

function typeProblem(value: unknown, type: StreamColumnType): string | undefined {
  if (value === null) return undefined;
  switch (type) {
    case 'string':
      return typeof value === 'string' ? undefined : `expected a string, got ${typeof value}`;
    case 'int':
      return Number.isInteger(value) && Math.abs(value as number) <= 2 ** 31 ? undefined : 'expected a 32-bit integer';
    case 'long':
      return Number.isSafeInteger(value) ? undefined : 'expected an integer';
    case 'real':
      return typeof value === 'number' ? undefined : 'expected a number';
    case 'boolean':
      return typeof value === 'boolean' ? undefined : 'expected true or false';
    case 'datetime':
      return typeof value === 'string' && ISO_DATETIME.test(value) && !Number.isNaN(Date.parse(value)) ? undefined : 'expected an ISO 8601 date-time';
    case 'dynamic':
      return typeof value === 'object' ? undefined : 'expected a JSON object or array';
  }
}

/**
 * Problems of a payload against a stream declaration: not an array of objects, a column the stream does not
 * declare, a value of the wrong type, no TimeGenerated. Strict on purpose: the service drops undeclared columns
 * silently and sets mistyped values to null, which would lose data without a word; locally, every such case
 * is an error the run reports.
 */
export function streamProblems(table: SentinelTable, payload: unknown): RowProblem[] {
  if (!Array.isArray(payload)) return [{ row: -1, column: '', reason: 'the body is not a JSON array' }];
  const types = new Map(table.columns.map((declared) => [declared.name, declared.type]));
  const problems: RowProblem[] = [];
  payload.forEach((row: unknown, index) => {
    if (typeof row !== 'object' || row === null || Array.isArray(row)) {
      problems.push({ row: index, column: '', reason: 'not a JSON object' });
      return;
    }
    const record = row as Record<string, unknown>;
    if (record['TimeGenerated'] === undefined) problems.push({ row: index, column: 'TimeGenerated', reason: 'missing' });
    for (const [name, value] of Object.entries(record)) {
      const type = types.get(name);
      const reason = type === undefined ? `not declared in ${table.stream}` : typeProblem(value, type);
      if (reason) problems.push({ row: index, column: name, reason });
    }
  });
  return problems;
}

export function tableOfStream(stream: string): SentinelTable | undefined {
  return SENTINEL_TABLES.find((table) => table.stream === stream);
}
