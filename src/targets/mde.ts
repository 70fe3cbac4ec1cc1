// Microsoft Defender for Endpoint tables as Sentinel holds them (DeviceNetworkEvents, DeviceProcessEvents).
// Sources: docs/research/target-schemas.md C.1-C.4 (column docs, ASIM Defender parser, pySigma microsoft_xdr).
import { macosSignal } from './product.js';
import { column, fromColumn, type CategoryMapping, type Condition, type ValueExpr, type ColumnDeclaration, type ColumnDomain, type ProductScope, type SigmaProduct, type TargetSchema } from './types.js';

const strings = (...names: string[]): ColumnDeclaration[] => names.map((name) => ({ name, type: 'string' }));

const COMMON_COLUMNS: ColumnDeclaration[] = [
  { name: 'TimeGenerated', type: 'datetime' },
  { name: 'Timestamp', type: 'datetime' },
  ...strings('DeviceId', 'DeviceName', 'ActionType'),
  { name: 'ReportId', type: 'long' },
  ...strings('InitiatingProcessFileName', 'InitiatingProcessFolderPath', 'InitiatingProcessCommandLine'),
  { name: 'InitiatingProcessId', type: 'long' },
  ...strings('InitiatingProcessAccountDomain', 'InitiatingProcessAccountName', 'InitiatingProcessAccountSid'),
  ...strings('InitiatingProcessParentFileName', 'InitiatingProcessIntegrityLevel'),
  ...strings('InitiatingProcessSHA1', 'InitiatingProcessSHA256', 'InitiatingProcessMD5'),
  ...strings('InitiatingProcessVersionInfoCompanyName', 'InitiatingProcessVersionInfoProductName'),
  ...strings('InitiatingProcessVersionInfoProductVersion', 'InitiatingProcessVersionInfoOriginalFileName'),
  ...strings('InitiatingProcessVersionInfoFileDescription'),
  { name: 'InitiatingProcessParentId', type: 'long' },
  // Columns of the real exports (Azure-Sentinel Sample Data/ASIM, DeviceProcessEvents from Windows and Linux).
  { name: 'InitiatingProcessLogonId', type: 'long' },
  { name: 'InitiatingProcessFileSize', type: 'long' },
  { name: 'InitiatingProcessUniqueId', type: 'long' },
  { name: 'InitiatingProcessCreationTime', type: 'datetime' },
  { name: 'InitiatingProcessParentCreationTime', type: 'datetime' },
  { name: 'IsInitiatingProcessRemoteSession', type: 'bool' },
  ...strings('InitiatingProcessTokenElevation', 'InitiatingProcessVersionInfoInternalFileName', 'InitiatingProcessSignerType'),
  ...strings('InitiatingProcessSignatureStatus', 'InitiatingProcessAccountObjectId', 'InitiatingProcessAccountUpn', 'MachineGroup'),
  { name: 'AdditionalFields', type: 'dynamic' },
  ...strings('TenantId', 'SourceSystem', 'Type'),
];

/** The three ActionTypes the ASIM Defender parser calls outbound (research A.6, C.3): Sigma `Initiated: 'true'`. */
const OUTBOUND: Condition = { kind: 'in', column: 'ActionType', values: ['ConnectionSuccess', 'ConnectionFailed', 'ConnectionRequest'] };
/** Sysmon's Source/Destination are the connection's initiator/acceptor, Defender's Local/Remote the device's
 *  side and the peer: outbound rows map Destination to Remote, every other row to Local. */
const byDirection = (outbound: string, inbound: string): ValueExpr => ({
  kind: 'cases',
  cases: [{ when: OUTBOUND, then: column(outbound) }],
  otherwise: column(inbound),
});
const account = (domain: string, name: string): ValueExpr => ({ kind: 'joinNonEmpty', separator: '\\', of: [column(domain), column(name)] });

/**
 * The device's operating system, read from the row itself. Defender for Endpoint writes a Windows image path with
 * a drive letter or a UNC/device prefix (`C:\\Windows\\...`, `\\Device\\...`) and a Linux or macOS image path
 * as an absolute POSIX path (`/usr/sbin/runc`): a path that starts with `/` is never a Windows image path. A
 * POSIX-path row is macOS when it shows a macOS-only signal (src/targets/product.ts `macosSignal`: an image path
 * under /System/, /Applications/, /Users/, ... or Apple's "(APPLE)" version-info company), Linux otherwise.
 * DeviceInfo.OSPlatform would say the same per device exactly, at the price of a join on every query; the cells
 * read here are on the row, so the query and the verification read the same cells. Limits (src/targets/README.md):
 * a macOS row without any signal reads as Linux, and a row without the path (unknown OS) meets no product's rules.
 */
function osScopes(pathColumn: string, macos: Condition): Partial<Record<SigmaProduct, ProductScope>> {
  const posix: Condition = { kind: 'startswith', column: pathColumn, prefix: '/' };
  const basis = `mde: the device's OS is read from ${pathColumn}: a POSIX path (/...) on Linux and macOS devices, macOS when the row shows a macOS-only path or Apple's version info, a Windows path otherwise; rows without it are of unknown OS`;
  return {
    windows: { when: { kind: 'all', of: [{ kind: 'nonEmpty', column: pathColumn }, { kind: 'not', of: posix }] }, basis },
    linux: { when: { kind: 'all', of: [posix, { kind: 'not', of: macos }] }, basis },
    macos: { when: { kind: 'all', of: [posix, macos] }, basis },
  };
}

const FOLDER_FIX = (column: string, folder: string) => `${column} holds only the file name: test ${folder} for folders and full paths.`;

const NETWORK_COLUMN_DOMAINS: ColumnDomain[] = [
  { column: 'InitiatingProcessFileName', domain: { kind: 'file-name' }, fix: FOLDER_FIX('InitiatingProcessFileName', 'InitiatingProcessFolderPath'), citation: 'target-schemas C.1' },
  {
    column: 'InitiatingProcessParentFileName',
    domain: { kind: 'file-name' },
    fix: 'InitiatingProcessParentFileName holds only the file name; DeviceNetworkEvents has no parent folder path.',
    citation: 'target-schemas C.1',
  },
];

const PROCESS_COLUMN_DOMAINS: ColumnDomain[] = [
  { column: 'FileName', domain: { kind: 'file-name' }, fix: FOLDER_FIX('FileName', 'FolderPath'), citation: 'target-schemas C.2' },
  { column: 'InitiatingProcessFileName', domain: { kind: 'file-name' }, fix: FOLDER_FIX('InitiatingProcessFileName', 'InitiatingProcessFolderPath'), citation: 'target-schemas C.2' },
  {
    column: 'InitiatingProcessParentFileName',
    domain: { kind: 'file-name' },
    fix: 'InitiatingProcessParentFileName (the grandparent) holds only the file name.',
    citation: 'target-schemas C.2',
  },
];

const networkConnection: CategoryMapping = {
  source: { kind: 'table', table: 'DeviceNetworkEvents' },
  columns: [
    ...COMMON_COLUMNS,
    ...strings('RemoteIP', 'RemoteUrl', 'LocalIP', 'Protocol', 'LocalIPType', 'RemoteIPType'),
    { name: 'RemotePort', type: 'int' },
    { name: 'LocalPort', type: 'int' },
  ],
  timeColumn: 'TimeGenerated',
  identityColumns: ['DeviceId', 'ReportId'],
  hostColumns: ['DeviceName'],
  entityFields: ['Image', 'User', 'CommandLine', 'ProcessId', 'DestinationHostname', 'DestinationIp', 'DestinationPort', 'Initiated'],
  // Paths only, as on asim (whose network rows pass InitiatingProcessFolderPath through, not the version info).
  products: osScopes('InitiatingProcessFolderPath', macosSignal(['InitiatingProcessFolderPath'], [])),
  fields: {
    Image: fromColumn('InitiatingProcessFolderPath'),
    Computer: fromColumn('DeviceName'),
    Initiated: {
      kind: 'value',
      value: {
        kind: 'cases',
        cases: [
          { when: OUTBOUND, then: 'true' },
          { when: { kind: 'in', column: 'ActionType', values: ['InboundConnectionAccepted'] }, then: 'false' },
        ],
      },
      caveat:
        "mde: Initiated is read from ActionType ('true' = ConnectionSuccess/ConnectionFailed/ConnectionRequest, " +
        "'false' = InboundConnectionAccepted; other ActionTypes carry no Initiated)",
    },
    DestinationHostname: {
      kind: 'value',
      value: byDirection('RemoteUrl', 'DeviceName'),
      caveat: 'mde: DestinationHostname is RemoteUrl on outbound rows, which Defender fills only when it saw the name',
    },
    DestinationIp: { kind: 'value', value: byDirection('RemoteIP', 'LocalIP') },
    DestinationPort: { kind: 'value', value: byDirection('RemotePort', 'LocalPort') },
    SourceIp: { kind: 'value', value: byDirection('LocalIP', 'RemoteIP') },
    SourcePort: { kind: 'value', value: byDirection('LocalPort', 'RemotePort') },
    SourceHostname: { kind: 'value', value: byDirection('DeviceName', 'RemoteUrl') },
    Protocol: {
      kind: 'value',
      // Defender writes Tcp/TcpV4/TcpV6/Udp/...; Sysmon writes tcp/udp (research C.1, ASIM Defender parser).
      value: {
        kind: 'cases',
        cases: [
          { when: { kind: 'startswith', column: 'Protocol', prefix: 'Tcp' }, then: 'tcp' },
          { when: { kind: 'startswith', column: 'Protocol', prefix: 'Udp' }, then: 'udp' },
        ],
        otherwise: { kind: 'lower', of: column('Protocol') },
      },
    },
    User: { kind: 'value', value: account('InitiatingProcessAccountDomain', 'InitiatingProcessAccountName') },
    CommandLine: fromColumn('InitiatingProcessCommandLine'),
    ProcessId: fromColumn('InitiatingProcessId'),
    ParentImage: {
      kind: 'missing',
      reason: 'DeviceNetworkEvents has only the parent file name (InitiatingProcessParentFileName), not its path',
    },
    SourceIsIpv6: { kind: 'missing', reason: 'DeviceNetworkEvents has no IPv6 flag' },
    DestinationIsIpv6: { kind: 'missing', reason: 'DeviceNetworkEvents has no IPv6 flag' },
    SourcePortName: { kind: 'missing', reason: 'DeviceNetworkEvents has no port names' },
    DestinationPortName: { kind: 'missing', reason: 'DeviceNetworkEvents has no port names' },
  },
  columnDomains: NETWORK_COLUMN_DOMAINS,
};

const processCreation: CategoryMapping = {
  source: { kind: 'table', table: 'DeviceProcessEvents' },
  columns: [
    ...COMMON_COLUMNS,
    ...strings('FileName', 'FolderPath', 'ProcessCommandLine', 'ProcessIntegrityLevel', 'ProcessTokenElevation'),
    { name: 'ProcessId', type: 'long' },
    { name: 'ProcessCreationTime', type: 'datetime' },
    ...strings('ProcessVersionInfoCompanyName', 'ProcessVersionInfoProductName', 'ProcessVersionInfoProductVersion'),
    ...strings('ProcessVersionInfoInternalFileName', 'ProcessVersionInfoOriginalFileName', 'ProcessVersionInfoFileDescription'),
    ...strings('SHA1', 'SHA256', 'MD5', 'AccountDomain', 'AccountName', 'AccountSid', 'AccountUpn'),
    { name: 'LogonId', type: 'long' },
    { name: 'FileSize', type: 'long' },
    { name: 'CreatedProcessSessionId', type: 'long' },
    { name: 'ProcessUniqueId', type: 'long' },
    { name: 'IsProcessRemoteSession', type: 'bool' },
    ...strings('AccountObjectId', 'AppGuardContainerId'),
  ],
  timeColumn: 'TimeGenerated',
  identityColumns: ['DeviceId', 'ReportId'],
  hostColumns: ['DeviceName'],
  entityFields: ['Image', 'CommandLine', 'User', 'ProcessId', 'ParentImage', 'ParentCommandLine', 'ParentProcessId'],
  products: osScopes(
    'FolderPath',
    macosSignal(['FolderPath', 'InitiatingProcessFolderPath'], ['ProcessVersionInfoCompanyName', 'InitiatingProcessVersionInfoCompanyName']),
  ),
  fields: {
    Image: fromColumn('FolderPath'),
    Computer: fromColumn('DeviceName'),
    CommandLine: fromColumn('ProcessCommandLine'),
    OriginalFileName: fromColumn('ProcessVersionInfoOriginalFileName'),
    Description: fromColumn('ProcessVersionInfoFileDescription'),
    Product: fromColumn('ProcessVersionInfoProductName'),
    Company: fromColumn('ProcessVersionInfoCompanyName'),
    FileVersion: {
      kind: 'value',
      value: column('ProcessVersionInfoProductVersion'),
      caveat: 'mde: FileVersion is read from ProcessVersionInfoProductVersion (Defender has no file version column)',
    },
    User: { kind: 'value', value: account('AccountDomain', 'AccountName') },
    IntegrityLevel: fromColumn('ProcessIntegrityLevel'),
    ProcessId: fromColumn('ProcessId'),
    ParentImage: fromColumn('InitiatingProcessFolderPath'),
    ParentCommandLine: fromColumn('InitiatingProcessCommandLine'),
    ParentProcessId: fromColumn('InitiatingProcessId'),
    ParentUser: { kind: 'value', value: account('InitiatingProcessAccountDomain', 'InitiatingProcessAccountName') },
    Hashes: {
      kind: 'value',
      value: { kind: 'concat', of: ['SHA1=', column('SHA1'), ',MD5=', column('MD5'), ',SHA256=', column('SHA256')] },
      caveat: 'mde: Hashes is rebuilt as SHA1=..,MD5=..,SHA256=..; Defender has no IMPHASH',
    },
    CurrentDirectory: {
      kind: 'value',
      value: { kind: 'member', column: 'AdditionalFields', member: 'ProcessCurrentWorkingDirectory' },
      caveat: 'mde: CurrentDirectory is AdditionalFields.ProcessCurrentWorkingDirectory, which Defender writes on Linux and macOS rows only',
    },
    LogonId: { kind: 'missing', reason: 'DeviceProcessEvents.LogonId is a decimal number, Sysmon LogonId is hex text' },
    // The created process's session (Sysmon's TerminalSessionId is the same Windows session number, as text).
    TerminalSessionId: fromColumn('CreatedProcessSessionId'),
    LogonGuid: { kind: 'missing', reason: 'DeviceProcessEvents has no logon GUID' },
    // ProcessUniqueId / InitiatingProcessUniqueId are Defender's own process numbers (e.g. 530931), not Sysmon's
    // {GUID}: a rule value written for one never equals the other, so mapping them would only mislead.
    ProcessGuid: { kind: 'missing', reason: 'DeviceProcessEvents has no process GUID (ProcessUniqueId is a Defender number, not a Sysmon GUID)' },
    ParentProcessGuid: { kind: 'missing', reason: 'DeviceProcessEvents has no process GUID (InitiatingProcessUniqueId is a Defender number, not a Sysmon GUID)' },
  },
  columnDomains: PROCESS_COLUMN_DOMAINS,
};

export const mdeTarget: TargetSchema = {
  name: 'mde',
  description: 'Microsoft Defender for Endpoint tables in Sentinel (DeviceNetworkEvents, DeviceProcessEvents)',
  categories: { network_connection: networkConnection, process_creation: processCreation },
};
