/**
 * Pivot queries stored with an incident: KQL a SOC lead pastes into Log Analytics to see what else the host
 * talked to and what else the process did around the hit, per target.
 *
 * The host and image come from event data, i.e. from whoever wrote the log: every such value enters the query
 * only as a KQL string literal built by `kqlString` (quotes, backslashes, newlines and control characters
 * escaped), and datetimes only through `kqlDatetime`, which parses and re-prints them. No value can end the
 * literal, add a pipe, or start a `//` comment; the tests parse the output of hostile inputs to prove it.
 *
 * Each value is bounded before any query or title is built from it (a host value appears up to ten times in one
 * query, and a 2,000,000-character host once made 20-million-character queries). A value over its bound is
 * matched by `startswith` on its bounded prefix instead of by `=~`/`in~` on the whole: the query still finds the
 * rows of the hit (their column starts with that prefix), may find a few more with the same prefix, and its
 * title says so. Cutting the value inside an `=~` would silently ask for a host or image that does not exist;
 * dropping the filter would make the pivot a whole-workspace query; dropping the pivot would lose it for the one
 * host an analyst most wants to look at.
 */
import { kqlString } from '../kql/string-literal.js';
import { kqlDatetime } from '../loganalytics/datetime.js';
import { wellFormed } from '../incidents/bounds.js';
import type { TargetName } from '../targets/types.js';
import { splitHostName } from './entities.js';

/** RFC 1035 §2.3.4 caps a DNS name at 253 characters (255 octets on the wire) and NetBIOS caps a computer or NT
 *  domain name at 15: a longer host value is no name anyone can have, so past this it is matched by prefix. */
export const PIVOT_HOST_MAX_CHARS = 255;
/** Windows paths stop at 260 characters (MAX_PATH) unless long paths are enabled; four times that keeps every
 *  real image exact, while a query holding the image three times and the host six, every character escaped to
 *  six (`\u0001`), stays under the 32,768 characters of one Table property. Past this it is matched by prefix. */
export const PIVOT_IMAGE_MAX_CHARS = 1024;

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
  const host = input.host.trim();
  const names = hostNames(host);
  const image = input.processImage?.trim() ? pivotValue(input.processImage.trim(), PIVOT_IMAGE_MAX_CHARS) : undefined;
  const pivots: PivotQuery[] = [];
  const builders = BUILDERS[input.target];
  if (names.exact.length > 0 || names.prefix !== undefined) {
    const title = names.prefix !== undefined
      ? `Network connections of hosts named ${label(names.prefix)}\u2026 (host name over ${PIVOT_HOST_MAX_CHARS} characters: matched by its first ${names.prefix.length})`
      : `Network connections of ${label(host)}`;
    pivots.push({ name: 'host-connections', title, query: builders.hostConnections(range, names) });
  }
  if (image) {
    const imageLabel = image.whole ? label(image.text) : `${label(image.text)}\u2026`;
    const cut = image.whole ? '' : ` (image path over ${PIVOT_IMAGE_MAX_CHARS} characters: matched by its first ${image.text.length})`;
    pivots.push({ name: 'process-history', title: `Process starts of or by ${imageLabel}${cut}`, query: builders.processHistory(range, names, image) });
    pivots.push({ name: 'process-connections', title: `Network connections of ${imageLabel}${cut}`, query: builders.processConnections(range, names, image) });
  }
  return pivots;
}

/** A value as a pivot tests it: whole, or (past its bound) its first characters, never half a surrogate pair. */
interface PivotValue {
  text: string;
  whole: boolean;
}

function pivotValue(value: string, maxChars: number): PivotValue {
  if (value.length <= maxChars) return { text: value, whole: true };
  const high = value.charCodeAt(maxChars - 1);
  return { text: value.slice(0, high >= 0xd800 && high <= 0xdbff ? maxChars - 1 : maxChars), whole: false };
}

/** `column =~ "value"`, or `column startswith "prefix"` for a cut value (both ignore case). */
function valueTest(column: string, value: PivotValue, literal: string): string {
  return `${column} ${value.whole ? '=~' : 'startswith'} ${literal}`;
}

/** Tests of the image on any of `columns`, its literal escaped once. */
function imageTest(columns: readonly string[], image: PivotValue): string {
  const literal = kqlString(image.text);
  return columns.map((column) => valueTest(column, image, literal)).join(' or ');
}

/** Title text of an (already bounded) value: one line, blanks collapsed, control characters and lone
 *  surrogates shown as U+FFFD. */
function label(value: string): string {
  return wellFormed(value).replace(/\s+/g, ' ').replace(/[\u0000-\u001f\u007f-\u009f]/g, '\ufffd').trim();
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
  /** A host value over PIVOT_HOST_MAX_CHARS: its first characters, which the host column starts with. */
  prefix?: string;
}

function hostNames(host: string): HostNames {
  if (host.length > PIVOT_HOST_MAX_CHARS) return { exact: [], prefix: pivotValue(host, PIVOT_HOST_MAX_CHARS).text };
  const parts = splitHostName(host);
  const exact: string[] = [];
  let shortName: string | undefined;
  if (parts) {
    const full = parts.dnsDomain ? `${parts.hostName}.${parts.dnsDomain}` : parts.hostName;
    exact.push(full);
    if (parts.dnsDomain) exact.push(parts.hostName);
    else if (parts.ip === undefined) shortName = parts.hostName;
  } else if (host !== '') {
    // Not a host name we can split (`CORP\`): search for it as written rather than drop the host filter.
    exact.push(host);
    shortName = host;
  }
  return { exact, ...(shortName !== undefined ? { shortName } : {}) };
}

/** `Column in~ ("a", "b")`, plus `or Column startswith "a."` for a short name. */
function nameTest(column: string, names: HostNames): string {
  if (names.prefix !== undefined) return `${column} startswith ${kqlString(names.prefix)}`;
  const list = `${column} in~ (${names.exact.map(kqlString).join(', ')})`;
  return names.shortName !== undefined ? `${list} or ${column} startswith ${kqlString(`${names.shortName}.`)}` : list;
}

function anyColumn(columns: readonly string[], names: HostNames): string {
  return columns.map((column) => nameTest(column, names)).join(' or ');
}

interface PivotBuilders {
  hostConnections(range: TimeRange, names: HostNames): string;
  processHistory(range: TimeRange, names: HostNames, image: PivotValue): string;
  processConnections(range: TimeRange, names: HostNames, image: PivotValue): string;
}

const lines = (...parts: (string | undefined)[]): string => parts.filter((part) => part !== undefined).join('\n| ');
const hostFilter = (columns: readonly string[], names: HostNames): string | undefined =>
  names.exact.length > 0 || names.prefix !== undefined ? `where ${anyColumn(columns, names)}` : undefined;
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
      `where ${imageTest(['TargetProcessName', 'ActingProcessName'], image)}`,
      'project TimeGenerated, Dvc, ActingProcessName, ActingProcessCommandLine, TargetProcessName, TargetProcessCommandLine, TargetProcessId, TargetUsername',
      'order by TimeGenerated asc',
    ),
  processConnections: (range, names, image) =>
    lines(
      `_Im_NetworkSession(starttime=${range.from}, endtime=${range.to})`,
      hostFilter(ASIM_DEVICE, names),
      // Defender rows hold the full path only in InitiatingProcessFolderPath, which other sources lack.
      `where ${imageTest(['column_ifexists("InitiatingProcessFolderPath", "")', 'SrcProcessName', 'DstProcessName'], image)}`,
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
      `where ${imageTest(['FolderPath', 'InitiatingProcessFolderPath'], image)}`,
      'project TimeGenerated, DeviceName, InitiatingProcessFolderPath, InitiatingProcessCommandLine, FolderPath, ProcessCommandLine, ProcessId, AccountDomain, AccountName',
      'order by TimeGenerated asc',
    ),
  processConnections: (range, names, image) =>
    lines(
      'DeviceNetworkEvents',
      `where TimeGenerated between (${range.from} .. ${range.to})`,
      hostFilter(['DeviceName'], names),
      `where ${imageTest(['InitiatingProcessFolderPath'], image)}`,
      'project TimeGenerated, DeviceName, ActionType, RemoteIP, RemoteUrl, RemotePort, Protocol, InitiatingProcessCommandLine, InitiatingProcessId',
      'order by TimeGenerated asc',
    ),
};

/** Sysmon in the Event table: the `<Data Name="X">` elements of EventData become the bag `Fields`. */
const sysmonEvents = (range: TimeRange, names: HostNames, eventId: 1 | 3): string[] => [
  'Event',
  `where TimeGenerated between (${range.from} .. ${range.to})`,
  `where Source == "Microsoft-Windows-Sysmon" and EventID == ${eventId}`,
  ...(names.exact.length > 0 || names.prefix !== undefined ? [`where ${nameTest('Computer', names)}`] : []),
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
      `where ${imageTest(['Image', 'ParentImage'], image)}`,
      'project TimeGenerated, Computer, ParentImage, ParentCommandLine = tostring(Fields.ParentCommandLine), Image, CommandLine = tostring(Fields.CommandLine), ProcessId = tostring(Fields.ProcessId), User = tostring(Fields.User)',
      'order by TimeGenerated asc',
    ),
  processConnections: (range, names, image) =>
    lines(
      ...sysmonEvents(range, names, 3),
      'extend Image = tostring(Fields.Image)',
      `where ${imageTest(['Image'], image)}`,
      'project TimeGenerated, Computer, Image, ProcessId = tostring(Fields.ProcessId), Initiated = tostring(Fields.Initiated), SourceIp = tostring(Fields.SourceIp), DestinationIp = tostring(Fields.DestinationIp), DestinationHostname = tostring(Fields.DestinationHostname), DestinationPort = tostring(Fields.DestinationPort)',
      'order by TimeGenerated asc',
    ),
};

const BUILDERS: Readonly<Record<TargetName, PivotBuilders>> = { asim, mde, sysmon };
