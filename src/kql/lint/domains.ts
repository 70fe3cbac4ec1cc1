// What values a target's columns can hold, as far as the lint needs it: enumerations, host-name labels without a
// domain, file-name-only columns, upper-case vocabularies. Each fact cites docs/research/target-schemas.md (the
// section) or /work/shared/docs/platform-notes.md ("ASIM" section).
//
// These facts belong with the target schemas (src/targets/): one fact, one place. They live here until the
// schema exposes value domains; then this module should read them from there.
import type { TargetName } from '../../targets/types.js';

export type ValueDomain =
  /** The column holds one of `values` (exact text) or is empty. */
  | { readonly kind: 'enum'; readonly values: readonly string[] }
  /** A host name's first label: never a dot (the domain is split off) nor a backslash (DOMAIN\host is split). */
  | { readonly kind: 'host-label' }
  /** A file name without its folder: never a backslash or slash. `partial`: only some sources fill it so. */
  | { readonly kind: 'file-name'; readonly partial?: string }
  /** Upper-case text: a case-sensitive test with a lower-case letter never holds. */
  | { readonly kind: 'upper-case' };

export interface ColumnFact {
  readonly column: string;
  readonly domain: ValueDomain;
  /** What to do instead. */
  readonly fix: string;
  readonly citation: string;
}

export interface SourceFacts {
  /** Table or function names (as the query's source) the facts apply to. */
  readonly sources: readonly string[];
  readonly columns: readonly ColumnFact[];
}

const ASIM_NETWORK_FIX_DIRECTION =
  'ASIM has no Initiated: test NetworkDirection == "Outbound" (Defender rows; Sysmon parser v0.0.2). The Windows ' +
  'Sysmon parser v0.1.x sets no NetworkDirection and puts the Image of an initiated connection into DstProcessName ' +
  '(isempty(NetworkDirection) and isnotempty(DstProcessName) and isempty(SrcProcessName)).';

const HOSTNAME_FIX = (column: string, fqdn: string, domain: string) =>
  `${column} is the first label only: test ${fqdn} (the full name; empty for single-label names) or ${domain} ` +
  `(the name without its first label), e.g. coalesce(${fqdn}, ${column}) endswith "...".`;

const asimNetwork: SourceFacts = {
  sources: ['_Im_NetworkSession', 'imNetworkSession', '_ASim_NetworkSession', 'ASimNetworkSession'],
  columns: [
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
  ],
};

const asimProcess: SourceFacts = {
  sources: ['_Im_ProcessCreate', 'imProcessCreate', '_Im_ProcessEvent', 'imProcessEvent'],
  columns: [
    {
      column: 'EventType',
      domain: { kind: 'enum', values: ['ProcessCreated', 'ProcessTerminated'] },
      fix: 'EventType holds ProcessCreated or ProcessTerminated.',
      citation: 'target-schemas E.2 (eventtype)',
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
  ],
};

const MDE_FOLDER_FIX = (column: string, folder: string) => `${column} holds only the file name: test ${folder} for folders and full paths.`;

const mdeNetwork: SourceFacts = {
  sources: ['DeviceNetworkEvents'],
  columns: [
    { column: 'InitiatingProcessFileName', domain: { kind: 'file-name' }, fix: MDE_FOLDER_FIX('InitiatingProcessFileName', 'InitiatingProcessFolderPath'), citation: 'target-schemas C.1' },
    {
      column: 'InitiatingProcessParentFileName',
      domain: { kind: 'file-name' },
      fix: 'InitiatingProcessParentFileName holds only the file name; DeviceNetworkEvents has no parent folder path.',
      citation: 'target-schemas C.1',
    },
  ],
};

const mdeProcess: SourceFacts = {
  sources: ['DeviceProcessEvents'],
  columns: [
    { column: 'FileName', domain: { kind: 'file-name' }, fix: MDE_FOLDER_FIX('FileName', 'FolderPath'), citation: 'target-schemas C.2' },
    { column: 'InitiatingProcessFileName', domain: { kind: 'file-name' }, fix: MDE_FOLDER_FIX('InitiatingProcessFileName', 'InitiatingProcessFolderPath'), citation: 'target-schemas C.2' },
    {
      column: 'InitiatingProcessParentFileName',
      domain: { kind: 'file-name' },
      fix: 'InitiatingProcessParentFileName (the grandparent) holds only the file name.',
      citation: 'target-schemas C.2',
    },
  ],
};

const SYSMON_BOOL_FIX = (column: string) => `Sysmon writes ${column} as lower-case "true"/"false": compare with =~.`;

const sysmonEvent: SourceFacts = {
  sources: ['Event', 'WindowsEvent'],
  columns: [
    { column: 'Initiated', domain: { kind: 'enum', values: ['true', 'false'] }, fix: SYSMON_BOOL_FIX('Initiated'), citation: 'target-schemas 0.1, A.3 (Initiated:bool)' },
    { column: 'SourceIsIpv6', domain: { kind: 'enum', values: ['true', 'false'] }, fix: SYSMON_BOOL_FIX('SourceIsIpv6'), citation: 'target-schemas 0.1' },
    { column: 'DestinationIsIpv6', domain: { kind: 'enum', values: ['true', 'false'] }, fix: SYSMON_BOOL_FIX('DestinationIsIpv6'), citation: 'target-schemas 0.1' },
  ],
};

export const TARGET_DOMAINS: Readonly<Record<TargetName, readonly SourceFacts[]>> = {
  asim: [asimNetwork, asimProcess],
  mde: [mdeNetwork, mdeProcess],
  sysmon: [sysmonEvent],
};

/** The column facts for a query source on a target, or undefined for a source the target does not know. */
export function factsForSource(target: TargetName, source: string): ReadonlyMap<string, ColumnFact> | undefined {
  const facts = TARGET_DOMAINS[target].find((candidate) => candidate.sources.includes(source));
  return facts ? new Map(facts.columns.map((fact) => [fact.column, fact])) : undefined;
}
