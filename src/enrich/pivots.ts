/**
 * Pivot queries stored with an incident: KQL a SOC lead pastes into Log Analytics to see what else the host
 * talked to and what else the process did around the hit, per target.
 *
 * The host and image come from event data, i.e. from whoever wrote the log: every such value enters the query
 * only as a KQL string literal built by `kqlString` (quotes, backslashes, newlines and control characters
 * escaped), and datetimes only through `kqlDatetime`, which parses and re-prints them. No value can end the
 * literal, add a pipe, or start a `//` comment; the tests parse the output of hostile inputs to prove it.
 */
import { kqlString } from '../kql/string-literal.js';
import { kqlDatetime } from '../loganalytics/datetime.js';
import type { TargetName } from '../targets/types.js';
import { splitHostName } from './entities.js';

export type PivotName = 'host-connections' | 'process-history' | 'process-connections';

export interface PivotQuery {
  name: PivotName;
  title: string;
  query: string;
}

export interface PivotQueryInput {
  target: TargetName;
  host: string;
  /** Full path of the process image; the process pivots are left out without one. */
  processImage?: string;
  /** ISO datetimes (0-7 fractional digits) or Dates: the TimeGenerated range of every pivot. */
  timeFrom: string | Date;
  timeTo: string | Date;
}

export function pivotQueries(input: PivotQueryInput): PivotQuery[] {
  const range = { from: kqlDatetime(input.timeFrom), to: kqlDatetime(input.timeTo) };
  const names = hostNames(input.host);
  const image = input.processImage?.trim() ? input.processImage.trim() : undefined;
  const hostLabel = input.host.trim().replace(/\s+/g, ' ');
  const pivots: PivotQuery[] = [];
  const builders = BUILDERS[input.target];
  if (names.exact.length > 0) {
    pivots.push({ name: 'host-connections', title: `Network connections of ${hostLabel}`, query: builders.hostConnections(range, names) });
  }
  if (image) {
    const imageLabel = image.replace(/\s+/g, ' ');
    pivots.push({ name: 'process-history', title: `Process starts of or by ${imageLabel}`, query: builders.processHistory(range, names, image) });
    pivots.push({ name: 'process-connections', title: `Network connections of ${imageLabel}`, query: builders.processConnections(range, names, image) });
  }
  return pivots;
}

interface TimeRange {
  from: string;
  to: string;
}

/** The names a host may be written as: `ws01.corp.contoso.com` is also `ws01`; `CORP\WS01` is `WS01`. */
interface HostNames {
  /** Exact names, compared case-insensitively. */
  exact: string[];
  /** A short name: a column holding its FQDN starts with `name.`. */
  shortName?: string;
}

function hostNames(host: string): HostNames {
  const parts = splitHostName(host);
  const exact: string[] = [];
  let shortName: string | undefined;
  if (parts) {
    const full = parts.dnsDomain ? `${parts.hostName}.${parts.dnsDomain}` : parts.hostName;
    exact.push(full);
    if (parts.dnsDomain) exact.push(parts.hostName);
    else if (parts.ip === undefined) shortName = parts.hostName;
  } else if (host.trim() !== '') {
    // Not a host name we can split (`CORP\`): search for it as written rather than drop the host filter.
    exact.push(host.trim());
    shortName = host.trim();
  }
  return { exact, ...(shortName !== undefined ? { shortName } : {}) };
}

/** `Column in~ ("a", "b")`, plus `or Column startswith "a."` for a short name. */
function nameTest(column: string, names: HostNames): string {
  const list = `${column} in~ (${names.exact.map(kqlString).join(', ')})`;
  return names.shortName !== undefined ? `${list} or ${column} startswith ${kqlString(`${names.shortName}.`)}` : list;
}

function anyColumn(columns: readonly string[], names: HostNames): string {
  return columns.map((column) => nameTest(column, names)).join(' or ');
}

interface PivotBuilders {
  hostConnections(range: TimeRange, names: HostNames): string;
  processHistory(range: TimeRange, names: HostNames, image: string): string;
  processConnections(range: TimeRange, names: HostNames, image: string): string;
}

const lines = (...parts: (string | undefined)[]): string => parts.filter((part) => part !== undefined).join('\n| ');
const hostFilter = (columns: readonly string[], names: HostNames): string | undefined =>
  names.exact.length > 0 ? `where ${anyColumn(columns, names)}` : undefined;
const CONNECTION_SUMMARY = 'summarize Connections = count(), FirstSeen = min(TimeGenerated), LastSeen = max(TimeGenerated) by';

const ASIM_DEVICE = ['Dvc', 'DvcHostname', 'DvcFQDN'];

const asim: PivotBuilders = {
  hostConnections: (range, names) =>
    lines(
      `_Im_NetworkSession(starttime=${range.from}, endtime=${range.to})`,
      hostFilter([...ASIM_DEVICE, 'SrcHostname', 'SrcFQDN'], names),
      `${CONNECTION_SUMMARY} DstIpAddr, DstFQDN, DstPortNumber, NetworkProtocol, NetworkDirection, SrcProcessName, DstProcessName`,
      'order by Connections desc',
    ),
  processHistory: (range, names, image) =>
    lines(
      `_Im_ProcessCreate(starttime=${range.from}, endtime=${range.to})`,
      hostFilter(ASIM_DEVICE, names),
      `where TargetProcessName =~ ${kqlString(image)} or ActingProcessName =~ ${kqlString(image)}`,
      'project TimeGenerated, Dvc, ActingProcessName, ActingProcessCommandLine, TargetProcessName, TargetProcessCommandLine, TargetProcessId, TargetUsername',
      'order by TimeGenerated asc',
    ),
  processConnections: (range, names, image) =>
    lines(
      `_Im_NetworkSession(starttime=${range.from}, endtime=${range.to})`,
      hostFilter(ASIM_DEVICE, names),
      // Defender rows hold the full path only in InitiatingProcessFolderPath, which other sources lack.
      `where column_ifexists("InitiatingProcessFolderPath", "") =~ ${kqlString(image)} or SrcProcessName =~ ${kqlString(image)} or DstProcessName =~ ${kqlString(image)}`,
      'project TimeGenerated, Dvc, EventProduct, NetworkDirection, SrcIpAddr, DstIpAddr, DstFQDN, DstPortNumber, SrcProcessName, DstProcessName, EventResult',
      'order by TimeGenerated asc',
    ),
};

const mde: PivotBuilders = {
  hostConnections: (range, names) =>
    lines(
      'DeviceNetworkEvents',
      `where TimeGenerated between (${range.from} .. ${range.to})`,
      hostFilter(['DeviceName'], names),
      `${CONNECTION_SUMMARY} ActionType, RemoteIP, RemoteUrl, RemotePort, Protocol, InitiatingProcessFolderPath`,
      'order by Connections desc',
    ),
  processHistory: (range, names, image) =>
    lines(
      'DeviceProcessEvents',
      `where TimeGenerated between (${range.from} .. ${range.to})`,
      hostFilter(['DeviceName'], names),
      `where FolderPath =~ ${kqlString(image)} or InitiatingProcessFolderPath =~ ${kqlString(image)}`,
      'project TimeGenerated, DeviceName, InitiatingProcessFolderPath, InitiatingProcessCommandLine, FolderPath, ProcessCommandLine, ProcessId, AccountDomain, AccountName',
      'order by TimeGenerated asc',
    ),
  processConnections: (range, names, image) =>
    lines(
      'DeviceNetworkEvents',
      `where TimeGenerated between (${range.from} .. ${range.to})`,
      hostFilter(['DeviceName'], names),
      `where InitiatingProcessFolderPath =~ ${kqlString(image)}`,
      'project TimeGenerated, DeviceName, ActionType, RemoteIP, RemoteUrl, RemotePort, Protocol, InitiatingProcessCommandLine, InitiatingProcessId',
      'order by TimeGenerated asc',
    ),
};

/** Sysmon in the Event table: the `<Data Name="X">` elements of EventData become the bag `Fields`. */
const sysmonEvents = (range: TimeRange, names: HostNames, eventId: 1 | 3): string[] => [
  'Event',
  `where TimeGenerated between (${range.from} .. ${range.to})`,
  `where Source == "Microsoft-Windows-Sysmon" and EventID == ${eventId}`,
  ...(names.exact.length > 0 ? [`where ${nameTest('Computer', names)}`] : []),
  'extend Data = parse_xml(EventData).DataItem.EventData.Data',
  'mv-apply Data on (summarize Fields = make_bag(bag_pack(tostring(Data["@Name"]), tostring(Data["#text"]))))',
];

const sysmon: PivotBuilders = {
  hostConnections: (range, names) =>
    lines(
      ...sysmonEvents(range, names, 3),
      'extend Image = tostring(Fields.Image), DestinationIp = tostring(Fields.DestinationIp), DestinationHostname = tostring(Fields.DestinationHostname), DestinationPort = tostring(Fields.DestinationPort), Initiated = tostring(Fields.Initiated)',
      `${CONNECTION_SUMMARY} Image, Initiated, DestinationIp, DestinationHostname, DestinationPort`,
      'order by Connections desc',
    ),
  processHistory: (range, names, image) =>
    lines(
      ...sysmonEvents(range, names, 1),
      'extend Image = tostring(Fields.Image), ParentImage = tostring(Fields.ParentImage)',
      `where Image =~ ${kqlString(image)} or ParentImage =~ ${kqlString(image)}`,
      'project TimeGenerated, Computer, ParentImage, ParentCommandLine = tostring(Fields.ParentCommandLine), Image, CommandLine = tostring(Fields.CommandLine), ProcessId = tostring(Fields.ProcessId), User = tostring(Fields.User)',
      'order by TimeGenerated asc',
    ),
  processConnections: (range, names, image) =>
    lines(
      ...sysmonEvents(range, names, 3),
      'extend Image = tostring(Fields.Image)',
      `where Image =~ ${kqlString(image)}`,
      'project TimeGenerated, Computer, Image, ProcessId = tostring(Fields.ProcessId), Initiated = tostring(Fields.Initiated), SourceIp = tostring(Fields.SourceIp), DestinationIp = tostring(Fields.DestinationIp), DestinationHostname = tostring(Fields.DestinationHostname), DestinationPort = tostring(Fields.DestinationPort)',
      'order by TimeGenerated asc',
    ),
};

const BUILDERS: Readonly<Record<TargetName, PivotBuilders>> = { asim, mde, sysmon };
