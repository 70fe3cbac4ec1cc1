// Raw Sysmon events in the legacy `Event` table (research D): the one source where every Sigma field of these
// categories exists under its own name. Each needed `<Data Name="X">v</Data>` of EventData becomes a string
// column X (compiler: parse-kv + XML entity decoding), so a field maps to the column of the same name.
import { fromColumn, type ProductScope, type CategoryMapping, type ColumnDeclaration, type ColumnDomain, type FieldMapping, type TargetSchema } from './types.js';

const EVENT_COLUMNS: ColumnDeclaration[] = [
  { name: 'TimeGenerated', type: 'datetime' },
  { name: 'Source', type: 'string' },
  { name: 'EventLog', type: 'string' },
  { name: 'Computer', type: 'string' },
  { name: 'EventLevel', type: 'int' },
  { name: 'EventLevelName', type: 'string' },
  { name: 'EventID', type: 'int' },
  { name: 'UserName', type: 'string' },
  { name: 'RenderedDescription', type: 'string' },
  { name: 'EventData', type: 'string' },
  { name: 'ParameterXml', type: 'string' },
  { name: 'Message', type: 'string' },
  { name: 'ManagementGroupName', type: 'string' },
  // Columns of the real export (Azure-Sentinel Sample Data/ASIM, Sysmon Event rows).
  { name: 'EventCategory', type: 'int' },
  { name: 'MG', type: 'string' },
  { name: 'AzureDeploymentID', type: 'string' },
  { name: 'Role', type: 'string' },
  { name: 'SourceSystem', type: 'string' },
  { name: 'TenantId', type: 'string' },
  { name: 'Type', type: 'string' },
  { name: '_ResourceId', type: 'string' },
  // A standard column of every Log Analytics table: the record's unique id (hit identity).
  { name: '_ItemId', type: 'string' },
];

const sysmonEvent = (id: number) => [
  { column: 'Source', equals: 'Microsoft-Windows-Sysmon' },
  { column: 'EventID', equals: id },
];

/** Sysmon event 3 data names (Sysmon schema 4.x). */
const NETWORK_NAMES = [
  'RuleName', 'UtcTime', 'ProcessGuid', 'ProcessId', 'Image', 'User', 'Protocol', 'Initiated', 'SourceIsIpv6',
  'SourceIp', 'SourceHostname', 'SourcePort', 'SourcePortName', 'DestinationIsIpv6', 'DestinationIp',
  'DestinationHostname', 'DestinationPort', 'DestinationPortName',
];

/** Sysmon event 1 data names. */
const PROCESS_NAMES = [
  'RuleName', 'UtcTime', 'ProcessGuid', 'ProcessId', 'Image', 'FileVersion', 'Description', 'Product', 'Company',
  'OriginalFileName', 'CommandLine', 'CurrentDirectory', 'User', 'LogonGuid', 'LogonId', 'TerminalSessionId',
  'IntegrityLevel', 'Hashes', 'ParentProcessGuid', 'ParentProcessId', 'ParentImage', 'ParentCommandLine', 'ParentUser',
];

function sameNameFields(names: readonly string[]): Record<string, FieldMapping> {
  const fields: Record<string, FieldMapping> = {};
  for (const name of names) fields[name] = fromColumn(name);
  return fields;
}

/** The event's system field `Computer` (not in EventData). */
const COMPUTER: FieldMapping = { kind: 'value', value: { kind: 'column', column: 'Computer' } };

/** The legacy agent's Event table holds Windows event logs only: Sysmon for Linux writes to Syslog, not here. */
const WINDOWS_ONLY: { windows: ProductScope } = {
  windows: { basis: 'sysmon: the Event table holds Windows event logs only (Sysmon for Linux writes to Syslog)' },
};

const BOOL_FIX = (column: string) => `Sysmon writes ${column} as lower-case "true"/"false": compare with =~.`;

/** Event 3's flags; both categories read the Event table, so these domains apply to every query on it. */
const NETWORK_COLUMN_DOMAINS: ColumnDomain[] = [
  { column: 'Initiated', domain: { kind: 'enum', values: ['true', 'false'] }, fix: BOOL_FIX('Initiated'), citation: 'target-schemas 0.1, A.3 (Initiated:bool)' },
  { column: 'SourceIsIpv6', domain: { kind: 'enum', values: ['true', 'false'] }, fix: BOOL_FIX('SourceIsIpv6'), citation: 'target-schemas 0.1' },
  { column: 'DestinationIsIpv6', domain: { kind: 'enum', values: ['true', 'false'] }, fix: BOOL_FIX('DestinationIsIpv6'), citation: 'target-schemas 0.1' },
];

const networkConnection: CategoryMapping = {
  source: { kind: 'table', table: 'Event', rowFilter: sysmonEvent(3) },
  columns: EVENT_COLUMNS,
  timeColumn: 'TimeGenerated',
  identityColumns: ['_ItemId'],
  hostColumns: ['Computer'],
  entityFields: ['Image', 'User', 'ProcessId', 'ProcessGuid', 'Initiated', 'DestinationHostname', 'DestinationIp', 'DestinationPort', 'SourceIp'],
  extraction: { column: 'EventData', names: NETWORK_NAMES },
  products: WINDOWS_ONLY,
  fields: {
    ...sameNameFields(NETWORK_NAMES),
    Computer: COMPUTER,
    CommandLine: { kind: 'missing', reason: 'Sysmon event 3 has no CommandLine' },
    ParentImage: { kind: 'missing', reason: 'Sysmon event 3 has no ParentImage' },
  },
  columnDomains: NETWORK_COLUMN_DOMAINS,
  // The Azure Monitor Agent writes the same Sysmon events to WindowsEvent (target-schemas A.4).
  sourceAliases: ['WindowsEvent'],
};

const processCreation: CategoryMapping = {
  source: { kind: 'table', table: 'Event', rowFilter: sysmonEvent(1) },
  columns: EVENT_COLUMNS,
  timeColumn: 'TimeGenerated',
  identityColumns: ['_ItemId'],
  hostColumns: ['Computer'],
  entityFields: ['Image', 'CommandLine', 'User', 'ProcessId', 'ProcessGuid', 'ParentImage', 'ParentCommandLine', 'ParentProcessId', 'Hashes'],
  extraction: { column: 'EventData', names: PROCESS_NAMES },
  products: WINDOWS_ONLY,
  fields: { ...sameNameFields(PROCESS_NAMES), Computer: COMPUTER },
};

export const sysmonTarget: TargetSchema = {
  name: 'sysmon',
  description: 'Raw Sysmon events in the Event table (Log Analytics agent), EventData parsed per query',
  categories: { network_connection: networkConnection, process_creation: processCreation },
};
