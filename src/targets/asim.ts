// ASIM unifying parsers (_Im_NetworkSession, _Im_ProcessCreate): the breadth target. Mappings follow
// docs/research/target-schemas.md A.2-A.7 and B.2. ASIM renames and splits Sysmon fields differently per source
// parser (and per parser version), so several Sigma fields are recovered by an expression over several columns;
// each such field carries a caveat that is emitted as a warning when a rule uses it.
//
// Parameters: only starttime/endtime are pushed down. Every other parser parameter is at best a superset filter
// and several return no rows at all on some sources (research E.1, E.2), so the full predicate is applied to the
// parser output instead.
import type { KqlParameterSchema } from '../kql/schema.js';
import { macosSignal } from './product.js';
import { column, fromColumn, type CategoryMapping, type ColumnDeclaration, type ColumnDomain, type Condition, type FieldMapping, type ProductScope, type SigmaProduct, type ValueExpr, type TargetSchema } from './types.js';

const first = (...names: string[]): ValueExpr => ({ kind: 'first', of: names.map(column) });
const strings = (...names: string[]): ColumnDeclaration[] => names.map((name) => ({ name, type: 'string' }));
const optional = (...names: string[]): ColumnDeclaration[] => names.map((name) => ({ name, type: 'string', optional: true }));

const COMMON_COLUMNS: ColumnDeclaration[] = [
  { name: 'TimeGenerated', type: 'datetime' },
  { name: 'EventStartTime', type: 'datetime' },
  { name: 'EventEndTime', type: 'datetime' },
  { name: 'EventCount', type: 'int' },
  ...strings('EventType', 'EventResult', 'EventProduct', 'EventVendor', 'EventSchema', 'EventSchemaVersion'),
  ...strings('EventOriginalUid', 'Dvc', 'DvcHostname', 'DvcDomain', 'DvcFQDN', 'DvcIpAddr', 'DvcId', 'DvcAction', 'DvcOs', 'Type'),
  // Not part of every leg's output: read through column_ifexists.
  ...optional('_ItemId'),
];

const NETWORK_PARAMETERS: KqlParameterSchema[] = [
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

const PROCESS_PARAMETERS: KqlParameterSchema[] = [
  { name: 'starttime', type: 'datetime', default: 'datetime(null)' },
  { name: 'endtime', type: 'datetime', default: 'datetime(null)' },
  { name: 'commandline_has_any', type: 'dynamic', default: 'dynamic([])' },
  { name: 'commandline_has_all', type: 'dynamic', default: 'dynamic([])' },
  { name: 'commandline_has_any_ip_prefix', type: 'dynamic', default: 'dynamic([])' },
  { name: 'actingprocess_has_any', type: 'dynamic', default: 'dynamic([])' },
  { name: 'targetprocess_has_any', type: 'dynamic', default: 'dynamic([])' },
  { name: 'parentprocess_has_any', type: 'dynamic', default: 'dynamic([])' },
  { name: 'targetusername', type: 'string', default: "'*'" },
  { name: 'dvcipaddr_has_any_prefix', type: 'dynamic', default: 'dynamic([])' },
  { name: 'dvcname_has_any', type: 'dynamic', default: 'dynamic([])' },
  { name: 'hashes_has_any', type: 'dynamic', default: 'dynamic([])' },
  { name: 'eventtype', type: 'string', default: "'*'" },
];

const ASIM_NETWORK_FIX_DIRECTION =
  'ASIM has no Initiated: test NetworkDirection == "Outbound" (Defender rows; Sysmon parser v0.0.2). The Windows ' +
  'Sysmon parser v0.1.x sets no NetworkDirection and puts the Image of an initiated connection into DstProcessName ' +
  '(isempty(NetworkDirection) and isnotempty(DstProcessName) and isempty(SrcProcessName)).';

const HOSTNAME_FIX = (column: string, fqdn: string, domain: string) =>
  `${column} is the first label only: test ${fqdn} (the full name; empty for single-label names) or ${domain} ` +
  `(the name without its first label), e.g. coalesce(${fqdn}, ${column}) endswith "...".`;

const NETWORK_COLUMN_DOMAINS: ColumnDomain[] = [
  {
    column: 'NetworkDirection',
    // 'Unknown' is what the Defender parser writes for ConnectionFound rows (not a schema value).
    domain: { kind: 'enum', values: ['Inbound', 'Outbound', 'Local', 'External', 'Listen', 'NA', 'Unknown'] },
    fix: ASIM_NETWORK_FIX_DIRECTION,
    citation: 'platform-notes ASIM "NetworkDirection values"; target-schemas A.2, A.3, A.6',
  },
  {
    column: 'EventResult',
    domain: { kind: 'enum', values: ['Success', 'Failure', 'Partial', 'NA'] },
    fix: 'EventResult holds Success, Failure, Partial or NA.',
    citation: 'ASIM common fields (EventResult); target-schemas A.6',
  },
  {
    column: 'EventType',
    domain: { kind: 'enum', values: ['NetworkSession', 'EndpointNetworkSession', 'Flow', 'L2NetworkSession', 'IDS'] },
    fix: 'EventType holds NetworkSession, EndpointNetworkSession, Flow (or L2NetworkSession, IDS).',
    citation: 'platform-notes ASIM Columns; target-schemas A.2',
  },
  {
    column: 'NetworkProtocolVersion',
    domain: { kind: 'enum', values: ['IPv4', 'IPv6', 'IPV4', 'IPV6'] },
    fix: 'NetworkProtocolVersion holds IPv4/IPv6 (Sysmon writes IPV4/IPV6): compare with =~.',
    citation: 'target-schemas A.2',
  },
  { column: 'NetworkProtocol', domain: { kind: 'upper-case' }, fix: 'NetworkProtocol is upper case (TCP): compare with =~.', citation: 'target-schemas A.2, A.6' },
  { column: 'DstHostname', domain: { kind: 'host-label' }, fix: HOSTNAME_FIX('DstHostname', 'DstFQDN', 'DstDomain'), citation: 'platform-notes ASIM; target-schemas A.5' },
  { column: 'SrcHostname', domain: { kind: 'host-label' }, fix: HOSTNAME_FIX('SrcHostname', 'SrcFQDN', 'SrcDomain'), citation: 'target-schemas A.5, A.6' },
  { column: 'DvcHostname', domain: { kind: 'host-label' }, fix: HOSTNAME_FIX('DvcHostname', 'DvcFQDN', 'DvcDomain'), citation: 'target-schemas A.3, A.6' },
  {
    column: 'SrcProcessName',
    domain: { kind: 'file-name', partial: 'rows from the Defender parser' },
    fix:
      'Defender rows hold only the file name here; their full path is in InitiatingProcessFolderPath (read it with ' +
      'column_ifexists("InitiatingProcessFolderPath", "")). Sysmon rows hold the full path, in DstProcessName for ' +
      'initiated connections (parser v0.1.x).',
    citation: 'platform-notes ASIM "Source parsers differ"; target-schemas A.6',
  },
  {
    column: 'DstProcessName',
    domain: { kind: 'file-name', partial: 'rows from the Defender parser' },
    fix:
      'Defender rows hold only the file name here; their full path is in InitiatingProcessFolderPath (read it with ' +
      'column_ifexists("InitiatingProcessFolderPath", "")).',
    citation: 'target-schemas A.6',
  },
  { column: 'SrcAppName', domain: { kind: 'file-name' }, fix: 'SrcAppName is the file name of the image: test SrcProcessName for folders.', citation: 'target-schemas A.3' },
  { column: 'DstAppName', domain: { kind: 'file-name' }, fix: 'DstAppName is the file name of the image: test DstProcessName for folders.', citation: 'target-schemas A.3' },
];

const PROCESS_COLUMN_DOMAINS: ColumnDomain[] = [
  {
    column: 'EventType',
    // The Defender parser sets EventType = ActionType: most of its rows are aggregated reports (Defender's
    // sample export: 41 of 46 rows), each standing for several process creations.
    domain: { kind: 'enum', values: ['ProcessCreated', 'ProcessTerminated', 'ProcessCreatedAggregatedReport'] },
    fix: 'EventType holds ProcessCreated or ProcessTerminated (Defender rows: also ProcessCreatedAggregatedReport).',
    citation: 'target-schemas E.2 (eventtype); ASIM Defender process parser (EventType = ActionType)',
  },
  {
    column: 'EventResult',
    domain: { kind: 'enum', values: ['Success', 'Failure', 'Partial', 'NA'] },
    fix: 'EventResult holds Success, Failure, Partial or NA.',
    citation: 'ASIM common fields (EventResult)',
  },
  {
    column: 'ParentProcessName',
    domain: { kind: 'file-name', partial: 'rows from the Defender parser (where it is the grandparent)' },
    fix: 'Sigma ParentImage is ActingProcessName; ParentProcessName is the grandparent file name on Defender rows.',
    citation: 'target-schemas B.2',
  },
  { column: 'DvcHostname', domain: { kind: 'host-label' }, fix: HOSTNAME_FIX('DvcHostname', 'DvcFQDN', 'DvcDomain'), citation: 'target-schemas B.2 (Host)' },
];

/**
 * The device's operating system is ASIM's DvcOs. The Defender parsers set it for every row (`Linux` when
 * AdditionalFields holds Posix process data, else `Windows`), the Windows event parsers set `Windows`. Sources
 * whose parser leaves DvcOs empty are known by their EventProduct where the product runs on one OS only (the
 * Windows Sysmon parsers: `Sysmon`; Sysmon for Linux: `Sysmon for Linux`). Any other row is of unknown OS and
 * meets no product's rules (src/targets/README.md).
 *
 * macOS: Defender for Endpoint on macOS writes the same Posix data, so the Defender parsers call a Mac `Linux`.
 * A `Linux` row is macOS when it shows a macOS-only signal, the test mde applies to the same cells under their
 * ASIM names (src/targets/product.ts `macosSignal`); DvcOs `macOS` (parsers of other EDRs) is macOS as written.
 */
const dvcOs = (os: string): Condition => ({ kind: 'in', column: 'DvcOs', values: [os] });
const emptyDvcOsOf = (products: readonly string[]): Condition => ({
  kind: 'all',
  of: [{ kind: 'empty', column: 'DvcOs' }, { kind: 'in', column: 'EventProduct', values: products }],
});

function osScopes(macos: Condition): Partial<Record<SigmaProduct, ProductScope>> {
  return {
    windows: {
      when: { kind: 'any', of: [dvcOs('Windows'), emptyDvcOsOf(['Sysmon', 'Security Events'])] },
      basis: 'asim: DvcOs == "Windows", or an empty DvcOs on rows of Sysmon, Security Events',
    },
    linux: {
      when: { kind: 'any', of: [{ kind: 'all', of: [dvcOs('Linux'), { kind: 'not', of: macos }] }, emptyDvcOsOf(['Sysmon for Linux'])] },
      basis: 'asim: DvcOs == "Linux" without a macOS-only path or Apple version info, or an empty DvcOs on rows of Sysmon for Linux',
    },
    macos: {
      when: { kind: 'any', of: [dvcOs('macOS'), { kind: 'all', of: [dvcOs('Linux'), macos] }] },
      basis: 'asim: DvcOs == "macOS", or DvcOs == "Linux" (what the Defender parsers call any Posix device) with a macOS-only path or Apple version info',
    },
  };
}

const COMPUTER = {
  kind: 'value',
  value: column('Dvc'),
  caveat: 'asim: Computer is read from Dvc, which holds the reporting host as each source parser names it',
} as const;

const networkSession: CategoryMapping = {
  source: {
    kind: 'function',
    name: '_Im_NetworkSession',
    workspaceName: 'imNetworkSession',
    parameters: NETWORK_PARAMETERS,
    startParameter: 'starttime',
    endParameter: 'endtime',
  },
  columns: [
    ...COMMON_COLUMNS,
    ...strings('SrcIpAddr', 'DstIpAddr', 'SrcHostname', 'SrcDomain', 'SrcFQDN', 'DstHostname', 'DstDomain', 'DstFQDN'),
    { name: 'SrcPortNumber', type: 'int' },
    { name: 'DstPortNumber', type: 'int' },
    ...strings('SrcProcessName', 'SrcProcessId', 'DstProcessName', 'DstProcessId', 'SrcUsername', 'DstUsername'),
    ...strings('SrcAppName', 'DstAppName', 'NetworkProtocol', 'NetworkProtocolVersion', 'NetworkDirection'),
    ...strings('NetworkRuleName', 'SrcProcessGuid', 'DstProcessGuid', 'Hostname'),
    // Passed through from DeviceNetworkEvents by the Defender leg only (research A.6).
    ...optional('InitiatingProcessFolderPath', 'SrcProcessCommandLine', 'DstProcessCommandLine'),
  ],
  timeColumn: 'TimeGenerated',
  identityColumns: ['EventProduct', 'EventOriginalUid', '_ItemId'],
  hostColumns: ['Dvc'],
  entityFields: ['Image', 'User', 'ProcessId', 'Initiated', 'DestinationHostname', 'DestinationIp', 'DestinationPort'],
  // Paths only: the Defender network leg passes InitiatingProcessFolderPath through (mde reads the same cells).
  products: osScopes(macosSignal(['InitiatingProcessFolderPath'], [])),
  fields: {
    Computer: COMPUTER,
    Image: {
      kind: 'value',
      // Defender: the full path is only in InitiatingProcessFolderPath (Src/DstProcessName hold the file name).
      // Sysmon fills exactly one of Src/DstProcessName with the full path, which one depends on the parser version.
      value: first('InitiatingProcessFolderPath', 'SrcProcessName', 'DstProcessName'),
      caveat:
        'asim: Image is recovered as the first non-empty of InitiatingProcessFolderPath (Defender), SrcProcessName and ' +
        'DstProcessName (Sysmon); other sources may hold only a file name there',
    },
    Initiated: {
      kind: 'value',
      value: {
        kind: 'cases',
        cases: [
          { when: { kind: 'in', column: 'NetworkDirection', values: ['Outbound'] }, then: 'true' },
          { when: { kind: 'in', column: 'NetworkDirection', values: ['Inbound'] }, then: 'false' },
          // Sysmon parser v0.1.x sets no NetworkDirection and puts the Image of an initiated connection into
          // DstProcessName, of an accepted one into SrcProcessName (research A.3).
          {
            when: { kind: 'all', of: [{ kind: 'empty', column: 'NetworkDirection' }, { kind: 'nonEmpty', column: 'DstProcessName' }, { kind: 'empty', column: 'SrcProcessName' }] },
            then: 'true',
          },
          {
            when: { kind: 'all', of: [{ kind: 'empty', column: 'NetworkDirection' }, { kind: 'nonEmpty', column: 'SrcProcessName' }, { kind: 'empty', column: 'DstProcessName' }] },
            then: 'false',
          },
        ],
      },
      caveat:
        "asim: ASIM has no Initiated; it is recovered from NetworkDirection (Outbound/Inbound) or, for rows without one " +
        '(Sysmon parser v0.1.x), from which of DstProcessName/SrcProcessName is set',
    },
    // DstHostname is the first label only; DstFQDN is empty for single-label names (research A.5).
    DestinationHostname: { kind: 'value', value: first('DstFQDN', 'DstHostname') },
    SourceHostname: { kind: 'value', value: first('SrcFQDN', 'SrcHostname') },
    DestinationIp: fromColumn('DstIpAddr'),
    SourceIp: fromColumn('SrcIpAddr'),
    DestinationPort: fromColumn('DstPortNumber'),
    SourcePort: fromColumn('SrcPortNumber'),
    // ASIM upper-cases (TCP); Sysmon writes tcp.
    Protocol: { kind: 'value', value: { kind: 'lower', of: column('NetworkProtocol') } },
    User: { kind: 'value', value: first('SrcUsername', 'DstUsername') },
    ProcessId: { kind: 'value', value: first('SrcProcessId', 'DstProcessId') },
    CommandLine: {
      kind: 'value',
      value: first('SrcProcessCommandLine', 'DstProcessCommandLine'),
      caveat: 'asim: CommandLine exists only on rows of the Defender source (Src/DstProcessCommandLine)',
    },
    ParentImage: { kind: 'missing', reason: 'ASIM network sessions carry no parent process path' },
    SourceIsIpv6: { kind: 'missing', reason: 'ASIM folds the IPv6 flags into NetworkProtocolVersion' },
    DestinationIsIpv6: { kind: 'missing', reason: 'ASIM folds the IPv6 flags into NetworkProtocolVersion' },
    SourcePortName: { kind: 'missing', reason: 'ASIM drops port names' },
    DestinationPortName: { kind: 'missing', reason: 'ASIM drops port names' },
  },
  columnDomains: NETWORK_COLUMN_DOMAINS,
  sourceAliases: ['_ASim_NetworkSession', 'ASimNetworkSession'],
};

/** The Defender process parser's EventProduct: which rows of _Im_ProcessCreate are Defender's. */
const DEFENDER_ROWS: Condition = { kind: 'in', column: 'EventProduct', values: ['M365 Defender for Endpoint'] };

/**
 * Sigma fields the ASIM Defender process parser (Azure-Sentinel Parsers/ASimProcessEvent/Parsers/
 * ASimProcessEventMicrosoft365D.yaml and vimProcessEventMicrosoft365D.yaml, read at 442ef2ff) does not put into
 * the ASIM column that holds them on other sources: it sets no TargetProcessFile* and no
 * TargetProcessCurrentDirectory, and it renames the on-disk FileName to TargetProcessFilename. It passes
 * Defender's own columns through unrenamed, though (it neither renames nor projects away the ProcessVersionInfo*
 * columns or AdditionalFields), so on Defender rows each field is read from that column, the cell mde reads;
 * on every other source from the ASIM column. One table for all of them: the columns it names are declared
 * optional (only the Defender leg has them) from it too.
 */
const PASSED_THROUGH = {
  OriginalFileName: {
    asim: 'TargetProcessFilename',
    defender: column('ProcessVersionInfoOriginalFileName'),
    caveat:
      'asim: OriginalFileName is ProcessVersionInfoOriginalFileName on Defender rows and TargetProcessFilename elsewhere ' +
      '(which holds the on-disk file name on some sources)',
  },
  Product: { asim: 'TargetProcessFileProduct', defender: column('ProcessVersionInfoProductName') },
  Company: { asim: 'TargetProcessFileCompany', defender: column('ProcessVersionInfoCompanyName') },
  Description: { asim: 'TargetProcessFileDescription', defender: column('ProcessVersionInfoFileDescription') },
  FileVersion: {
    asim: 'TargetProcessFileVersion',
    defender: column('ProcessVersionInfoProductVersion'),
    caveat: 'asim: FileVersion on Defender rows is ProcessVersionInfoProductVersion (Defender has no file version column)',
  },
  // Defender writes the working directory on Linux and macOS rows only (as on mde).
  CurrentDirectory: {
    asim: 'TargetProcessCurrentDirectory',
    defender: { kind: 'member', column: 'AdditionalFields', member: 'ProcessCurrentWorkingDirectory' },
    caveat:
      'asim: CurrentDirectory on Defender rows is AdditionalFields.ProcessCurrentWorkingDirectory (the Defender parser sets no ' +
      'TargetProcessCurrentDirectory and passes AdditionalFields through), which Defender writes on Linux and macOS rows only',
  },
} as const satisfies Record<string, { asim: string; defender: ValueExpr; caveat?: string }>;

function passedThrough(field: keyof typeof PASSED_THROUGH): FieldMapping {
  const entry: { asim: string; defender: ValueExpr; caveat?: string } = PASSED_THROUGH[field];
  const value: ValueExpr = { kind: 'cases', cases: [{ when: DEFENDER_ROWS, then: entry.defender }], otherwise: column(entry.asim) };
  return entry.caveat ? { kind: 'value', value, caveat: entry.caveat } : { kind: 'value', value };
}

/** The Defender columns PASSED_THROUGH reads, declared optional (AdditionalFields is a dynamic bag). */
function passedThroughColumns(): ColumnDeclaration[] {
  const declared = new Map<string, ColumnDeclaration>();
  for (const { defender } of Object.values(PASSED_THROUGH) as { defender: ValueExpr }[]) {
    if (defender.kind === 'column') declared.set(defender.column, { name: defender.column, type: 'string', optional: true });
    else if (defender.kind === 'member') declared.set(defender.column, { name: defender.column, type: 'dynamic', optional: true });
  }
  return [...declared.values()];
}

const processCreate: CategoryMapping = {
  source: {
    kind: 'function',
    name: '_Im_ProcessCreate',
    workspaceName: 'imProcessCreate',
    parameters: PROCESS_PARAMETERS,
    startParameter: 'starttime',
    endParameter: 'endtime',
  },
  columns: [
    ...COMMON_COLUMNS,
    ...strings('TargetProcessName', 'TargetProcessCommandLine', 'TargetProcessId', 'TargetProcessFilename'),
    ...strings('TargetProcessMD5', 'TargetProcessSHA1', 'TargetProcessSHA256', 'TargetProcessIMPHASH'),
    ...strings('TargetProcessIntegrityLevel', 'TargetProcessCurrentDirectory', 'TargetProcessFileProduct'),
    ...strings('TargetProcessFileCompany', 'TargetProcessFileDescription', 'TargetProcessFileVersion'),
    ...strings('TargetUsername', 'TargetUserSessionId', 'ActingProcessName', 'ActingProcessCommandLine'),
    ...strings('ActingProcessId', 'ActorUsername', 'ParentProcessName'),
    // Passed through from DeviceProcessEvents by the Defender leg only, unrenamed (research B.2; the Defender
    // parser renames FolderPath, FileName, hashes, but not the PE version fields nor AdditionalFields).
    ...passedThroughColumns(),
    ...optional('InitiatingProcessVersionInfoCompanyName'),
  ],
  timeColumn: 'TimeGenerated',
  identityColumns: ['EventProduct', 'EventOriginalUid', '_ItemId'],
  hostColumns: ['Dvc', 'DvcHostname'],
  entityFields: ['Image', 'CommandLine', 'User', 'ProcessId', 'ParentImage', 'ParentCommandLine', 'ParentProcessId'],
  products: osScopes(
    macosSignal(['TargetProcessName', 'ActingProcessName'], ['ProcessVersionInfoCompanyName', 'InitiatingProcessVersionInfoCompanyName']),
  ),
  fields: {
    Computer: COMPUTER,
    Image: fromColumn('TargetProcessName'),
    CommandLine: fromColumn('TargetProcessCommandLine'),
    // ASIM ParentProcessName is the grandparent on Defender rows; the parent is the acting process (research B.2).
    ParentImage: fromColumn('ActingProcessName'),
    ParentCommandLine: fromColumn('ActingProcessCommandLine'),
    User: fromColumn('TargetUsername'),
    ParentUser: fromColumn('ActorUsername'),
    OriginalFileName: passedThrough('OriginalFileName'),
    Hashes: {
      kind: 'value',
      value: {
        kind: 'concat',
        of: ['SHA1=', column('TargetProcessSHA1'), ',MD5=', column('TargetProcessMD5'), ',SHA256=', column('TargetProcessSHA256'), ',IMPHASH=', column('TargetProcessIMPHASH')],
      },
      caveat: 'asim: Hashes is rebuilt as SHA1=..,MD5=..,SHA256=..,IMPHASH=.. from the TargetProcess* hash columns',
    },
    IntegrityLevel: fromColumn('TargetProcessIntegrityLevel'),
    CurrentDirectory: passedThrough('CurrentDirectory'),
    Product: passedThrough('Product'),
    Company: passedThrough('Company'),
    Description: passedThrough('Description'),
    FileVersion: passedThrough('FileVersion'),
    ProcessId: fromColumn('TargetProcessId'),
    ParentProcessId: fromColumn('ActingProcessId'),
    LogonId: {
      kind: 'value',
      value: column('TargetUserSessionId'),
      caveat: 'asim: LogonId (TargetUserSessionId) is hex text on Sysmon rows and a decimal number on Defender rows',
    },
    // No ASIM process field holds it: Sysmon's parser drops TerminalSessionId, the Defender parser passes
    // CreatedProcessSessionId through unrenamed (a number, and a column other legs lack). No SigmaHQ
    // process_creation rule tests TerminalSessionId, so it stays missing rather than Defender-only.
    TerminalSessionId: { kind: 'missing', reason: 'ASIM process events carry no terminal session id' },
    LogonGuid: { kind: 'missing', reason: 'ASIM process events carry no logon GUID' },
  },
  columnDomains: PROCESS_COLUMN_DOMAINS,
  sourceAliases: ['_Im_ProcessEvent', 'imProcessEvent'],
};

export const asimTarget: TargetSchema = {
  name: 'asim',
  description: 'ASIM unifying parsers (_Im_NetworkSession, _Im_ProcessCreate; imNetworkSession/imProcessCreate deployed)',
  categories: { network_connection: networkSession, process_creation: processCreate },
};
