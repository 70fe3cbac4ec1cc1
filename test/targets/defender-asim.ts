// Defender DeviceProcessEvents rows as the mde target reads them, and the same rows after the ASIM Defender
// process parser (Azure-Sentinel Parsers/ASimProcessEvent/Parsers/ASimProcessEventMicrosoft365D.yaml): its
// extends and renames, with the union's other columns empty, as _Im_ProcessCreate returns them.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { categoryMapping } from '../../src/targets/index.js';

/** The rows `npm start` also serves (samples/defender/README.md says where their shapes come from). */
export const DEFENDER_PROCESS_FIXTURE = path.join(import.meta.dirname, '..', '..', 'samples', 'defender', 'DeviceProcessEvents.jsonl');

type Row = Record<string, unknown>;

/** The fixture's rows with datetime columns as Dates (a JSON export writes them as ISO text). */
export function defenderProcessRows(file = DEFENDER_PROCESS_FIXTURE): Row[] {
  const datetimes = new Set(categoryMapping('mde', 'process_creation')!.columns.filter((column) => column.type === 'datetime').map((column) => column.name));
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const row = JSON.parse(line) as Row;
      for (const name of datetimes) if (typeof row[name] === 'string') row[name] = new Date(row[name] as string);
      return row;
    });
}

const text = (value: unknown) => (value === undefined || value === null ? '' : String(value));
const account = (domain: unknown, name: unknown) => (text(domain) === '' ? text(name) : `${text(domain)}\\${text(name)}`);

const RENAMES: Record<string, string> = {
  DeviceId: 'DvcId', ActionType: 'EventType', InitiatingProcessAccountSid: 'ActorUserId', AccountSid: 'TargetUserId',
  InitiatingProcessParentFileName: 'ParentProcessName', FileName: 'TargetProcessFilename', FolderPath: 'TargetProcessName',
  ProcessCommandLine: 'TargetProcessCommandLine', MD5: 'TargetProcessMD5', SHA1: 'TargetProcessSHA1', SHA256: 'TargetProcessSHA256',
  ProcessIntegrityLevel: 'TargetProcessIntegrityLevel', ProcessTokenElevation: 'TargetProcessTokenElevation',
  ProcessCreationTime: 'TargetProcessCreationTime', InitiatingProcessFolderPath: 'ActingProcessName',
  InitiatingProcessFileName: 'ActingProcessFilename', InitiatingProcessCommandLine: 'ActingProcessCommandLine',
  MachineGroup: 'MDE_MachineGroup',
};
const DROPPED = new Set(['InitiatingProcessAccountDomain', 'InitiatingProcessAccountName', 'AccountDomain', 'AccountName', 'ProcessId', 'InitiatingProcessId', 'InitiatingProcessParentId', 'LogonId', 'InitiatingProcessLogonId', 'ReportId', 'SourceSystem', 'TenantId', 'AppGuardContainerId', 'Timestamp']);

/** A DeviceProcessEvents row as _Im_ProcessCreate returns it from the Defender leg. */
export function asimProcessRowOfDefender(row: Row): Row {
  const asim: Row = {};
  // Every declared column of the union's output, empty unless this leg sets it.
  for (const column of categoryMapping('asim', 'process_creation')!.columns) asim[column.name] = column.type === 'string' ? '' : null;
  for (const [name, value] of Object.entries(row)) if (!DROPPED.has(name)) asim[RENAMES[name] ?? name] = value;
  const labels = text(row.DeviceName).split('.');
  Object.assign(asim, {
    EventOriginalUid: text(row.ReportId),
    EventCount: 1,
    EventProduct: 'M365 Defender for Endpoint',
    EventVendor: 'Microsoft',
    EventSchemaVersion: '0.1.0',
    EventSchema: 'ProcessEvent',
    EventStartTime: row.TimeGenerated,
    EventEndTime: row.TimeGenerated,
    EventResult: 'Success',
    ActorUsername: account(row.InitiatingProcessAccountDomain, row.InitiatingProcessAccountName),
    TargetUsername: account(row.AccountDomain, row.AccountName),
    TargetUserSessionId: text(row.LogonId),
    TargetProcessId: text(row.ProcessId),
    ActingProcessId: text(row.InitiatingProcessId),
    ParentProcessId: text(row.InitiatingProcessParentId),
    // `AdditionalFields has "ProcessPosixProcessGroupId"`
    DvcOs: JSON.stringify(row.AdditionalFields ?? '').includes('ProcessPosixProcessGroupId') ? 'Linux' : 'Windows',
    DvcHostname: labels[0],
    DvcDomain: labels.slice(1).join('.'),
    DvcFQDN: labels.length > 1 ? text(row.DeviceName) : '',
    Dvc: labels[0],
    Type: 'DeviceProcessEvents',
  });
  return asim;
}
