import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KqlColumnSchema, KqlDatabaseSchema, KqlParameterSchema } from '../../../src/kql/schema.js';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const sharedRoot = path.resolve(projectRoot, '../shared');

/** The KQL section of a seed page from /work/shared/seeds. */
export function seedKql(file: string): string {
  const page = readFileSync(path.join(sharedRoot, 'seeds', file), 'utf8');
  const start = page.indexOf('KQL (Azure Sentinel)\n\n');
  const end = page.indexOf('\n\nRequired Data Sources');
  if (start < 0 || end < start) throw new Error(`no KQL section in seed ${file}`);
  return page.slice(start + 'KQL (Azure Sentinel)\n\n'.length, end);
}

/** ASIM network session columns (platform-notes.md), plus what the seed queries also use. */
export const asimNetworkSessionColumns: readonly KqlColumnSchema[] = [
  { name: 'TimeGenerated', type: 'datetime' },
  { name: 'EventCount', type: 'int' },
  { name: 'EventStartTime', type: 'datetime' },
  { name: 'EventEndTime', type: 'datetime' },
  { name: 'EventType', type: 'string' },
  { name: 'EventResult', type: 'string' },
  { name: 'EventProduct', type: 'string' },
  { name: 'EventVendor', type: 'string' },
  { name: 'EventSchema', type: 'string' },
  { name: 'Dvc', type: 'string' },
  { name: 'DvcHostname', type: 'string' },
  { name: 'DvcIpAddr', type: 'string' },
  { name: 'DvcAction', type: 'string' },
  { name: 'SrcIpAddr', type: 'string' },
  { name: 'DstIpAddr', type: 'string' },
  { name: 'DstHostname', type: 'string' },
  { name: 'DstDomain', type: 'string' },
  { name: 'DstFQDN', type: 'string' },
  { name: 'DstPortNumber', type: 'int' },
  { name: 'SrcProcessName', type: 'string' },
  { name: 'SrcProcessId', type: 'string' },
  { name: 'DstProcessName', type: 'string' },
  { name: 'SrcUsername', type: 'string' },
  { name: 'NetworkProtocol', type: 'string' },
  { name: 'NetworkDirection', type: 'string' },
  { name: 'EventOriginalUid', type: 'string' },
  { name: 'Type', type: 'string' },
];

/** `_Im_NetworkSession`'s parameters as the built-in parser declares them. */
export const asimNetworkSessionParameters: readonly KqlParameterSchema[] = [
  { name: 'starttime', type: 'datetime', default: 'datetime(null)' },
  { name: 'endtime', type: 'datetime', default: 'datetime(null)' },
  { name: 'srcipaddr_has_any_prefix', type: 'dynamic', default: 'dynamic([])' },
  { name: 'dstipaddr_has_any_prefix', type: 'dynamic', default: 'dynamic([])' },
  { name: 'ipaddr_has_any_prefix', type: 'dynamic', default: 'dynamic([])' },
  { name: 'dstportnumber', type: 'int', default: 'int(null)' },
  { name: 'hostname_has_any', type: 'dynamic', default: 'dynamic([])' },
  { name: 'dvcaction', type: 'dynamic', default: 'dynamic([])' },
  { name: 'eventresult', type: 'string', default: "'*'" },
  { name: 'pack', type: 'bool', default: 'false' },
];

export const sentinelWorkspace: KqlDatabaseSchema = {
  name: 'workspace',
  tables: [
    {
      name: 'DeviceNetworkEvents',
      columns: [
        { name: 'TimeGenerated', type: 'datetime' },
        { name: 'Timestamp', type: 'datetime' },
        { name: 'DeviceId', type: 'string' },
        { name: 'DeviceName', type: 'string' },
        { name: 'ActionType', type: 'string' },
        { name: 'RemoteIP', type: 'string' },
        { name: 'RemotePort', type: 'int' },
        { name: 'RemoteUrl', type: 'string' },
        { name: 'LocalIP', type: 'string' },
        { name: 'LocalPort', type: 'int' },
        { name: 'Protocol', type: 'string' },
        { name: 'InitiatingProcessFileName', type: 'string' },
        { name: 'InitiatingProcessFolderPath', type: 'string' },
        { name: 'InitiatingProcessCommandLine', type: 'string' },
        { name: 'InitiatingProcessId', type: 'long' },
        { name: 'AdditionalFields', type: 'dynamic' },
        { name: 'ReportId', type: 'long' },
        { name: 'Type', type: 'string' },
      ],
    },
    {
      name: 'Event',
      columns: [
        { name: 'TimeGenerated', type: 'datetime' },
        { name: 'Source', type: 'string' },
        { name: 'EventLog', type: 'string' },
        { name: 'Computer', type: 'string' },
        { name: 'EventLevel', type: 'int' },
        { name: 'EventLevelName', type: 'string' },
        { name: 'EventID', type: 'int' },
        { name: 'RenderedDescription', type: 'string' },
        { name: 'EventData', type: 'string' },
        { name: 'TenantId', type: 'string' },
        { name: 'Type', type: 'string' },
      ],
    },
  ],
  functions: [
    { name: '_Im_NetworkSession', parameters: asimNetworkSessionParameters, resultColumns: asimNetworkSessionColumns },
    { name: 'imNetworkSession', parameters: asimNetworkSessionParameters, resultColumns: asimNetworkSessionColumns },
  ],
};
