/**
 * The bundled sample events (samples/*.jsonl, Sysmon event 3 flattened) as a Log Analytics workspace for the
 * local run and the integration tests: rows shaped as the target's source emits them, with TimeGenerated and a
 * hidden ingestion time placed relative to an anchor instant, served by the Log Analytics fake through a
 * responder that evaluates the real hunt query with the KQL oracle. So the local run applies the KQL
 * pre-filter, the TimeGenerated window and the ingestion-time cursor for real, on the real LogsQueryClient path.
 *
 * Row shapes:
 * - `asim`: `_Im_NetworkSession` output as the Windows Sysmon parser v0.1.1 emits it (docs/research/
 *   target-schemas.md A.3/A.5): Image in DstProcessName when Initiated (SrcProcessName otherwise), no
 *   NetworkDirection, NetworkProtocol upper-cased, DestinationHostname split into DstHostname / DstDomain /
 *   DstFQDN, `-` as empty, Dvc = Computer, DvcHostname = the peer (the parser's bug, kept).
 * - `sysmon`: the legacy `Event` table, EventData as the agent writes it (`<Data Name="X">v</Data>`, XML-escaped).
 * The hidden ingestion time travels as `$IngestionTime` (the oracle's DEFAULT_INGESTION_TIME_COLUMN).
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { compileKqlQuery, DEFAULT_INGESTION_TIME_COLUMN, KqlOracleError, type OracleColumn } from '../kql/oracle.js';
import { categoryMapping } from '../targets/index.js';
import type { CategoryMapping, TargetName } from '../targets/types.js';
import { isServiceClockProbe } from '../hunt/service-clock.js';
import { INGESTION_TIME_COLUMN } from '../hunt/window.js';
import { fakeReply, type FakeColumn, type FakeRespond, type KustoColumnType } from './log-analytics-fake.js';

/** A flattened Sysmon event: field name → value as Windows renders it. */
export type SampleEvent = Readonly<Record<string, string | number>>;

export type SampleWorkspaceErrorCode = 'target' | 'sample';

export class SampleWorkspaceError extends Error {
  override readonly name = 'SampleWorkspaceError';
  constructor(
    readonly code: SampleWorkspaceErrorCode,
    readonly reason: string,
  ) {
    super(`sample workspace ${code}: ${reason}`);
  }
}

export async function readSampleEvents(file: string): Promise<SampleEvent[]> {
  return (await readJsonObjectLines(file)) as SampleEvent[];
}

/** A JSON-lines file of objects (blank lines skipped). */
async function readJsonObjectLines(file: string): Promise<Record<string, unknown>[]> {
  const text = await readFile(file, 'utf8');
  return text
    .split(/\r?\n/)
    .filter((line) => line.trim() !== '')
    .map((line, index) => {
      const parsed: unknown = JSON.parse(line);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new SampleWorkspaceError('sample', `${file}:${index + 1}: not a JSON object`);
      return parsed as Record<string, unknown>;
    });
}

/** When each sample row was generated and ingested. */
export interface SampleTiming {
  timeGenerated: Date;
  /** Undefined: the row has no ingestion time (as through a parser that drops it). */
  ingestedAt?: Date;
}

/**
 * The default timing: event i of n is ingested at anchor - (n - i) * 2 min - 3 min (so all are older than the
 * default 2 min safety lag and inside the default 1 h lookback), generated 20-60 s before; every seventh event
 * arrives late, generated 4 min before its ingestion (inside the default 5 min ingestion delay).
 */
export function defaultSampleTiming(anchor: Date, index: number, count: number): SampleTiming {
  const ingestedAt = new Date(anchor.getTime() - (count - index) * 120_000 - 180_000);
  const delayMs = index % 7 === 6 ? 240_000 : 20_000 + (index % 3) * 20_000;
  return { ingestedAt, timeGenerated: new Date(ingestedAt.getTime() - delayMs) };
}

export interface SampleWorkspace {
  target: TargetName;
  mapping: CategoryMapping;
  /** Source rows, with `$IngestionTime` (a Date) when the row has an ingestion time. */
  rows: Record<string, unknown>[];
}

export function sampleWorkspace(
  target: TargetName,
  events: readonly SampleEvent[],
  timing: (index: number, count: number) => SampleTiming,
): SampleWorkspace {
  const mapping = categoryMapping(target, 'network_connection');
  if (!mapping) throw new SampleWorkspaceError('target', `target ${target} has no network_connection mapping`);
  const shape = ROW_SHAPES[target];
  if (!shape) throw new SampleWorkspaceError('target', `no sample row shape for target ${target} (asim and sysmon are bundled)`);
  const rows = events.map((event, index) => {
    const { timeGenerated, ingestedAt } = timing(index, events.length);
    const row = shape(event, timeGenerated);
    if (ingestedAt) row[DEFAULT_INGESTION_TIME_COLUMN] = ingestedAt;
    return row;
  });
  return { target, mapping, rows };
}

const ROW_SHAPES: Partial<Record<TargetName, (event: SampleEvent, timeGenerated: Date) => Record<string, unknown>>> = {
  asim: asimNetworkSessionRow,
  sysmon: sysmonEventRow,
};

/** A stable `_ItemId` per sample event (a GUID-shaped hash of computer and record id). */
function itemIdOf(event: SampleEvent): string {
  const hex = createHash('sha256').update(`${str(event.Computer)}/${str(event.EventRecordID)}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

function str(value: unknown): string {
  return value === undefined || value === null ? '' : String(value);
}

/** Sysmon's `-` placeholder is empty in ASIM. */
function dash(value: unknown): string {
  const text = str(value);
  return text === '-' ? '' : text;
}

/** _ASIM_ResolveFQDN: Windows `DOMAIN\host`, FQDN `host.domain`, or a bare name. */
function resolveFqdn(name: string): { hostname: string; domain: string; fqdn: string } {
  if (name === '') return { hostname: '', domain: '', fqdn: '' };
  const slash = name.split('\\');
  if (slash.length > 1) return { hostname: slash[1]!, domain: slash[0]!, fqdn: name };
  const dot = name.split('.');
  if (dot.length > 1) return { hostname: dot[0]!, domain: dot.slice(1).join('.'), fqdn: name };
  return { hostname: name, domain: '', fqdn: '' };
}

function asimNetworkSessionRow(event: SampleEvent, timeGenerated: Date): Record<string, unknown> {
  const initiated = str(event.Initiated).toLowerCase() === 'true';
  const image = str(event.Image);
  const appName = image.split('\\').pop() ?? '';
  const destination = resolveFqdn(dash(event.DestinationHostname));
  const source = resolveFqdn(dash(event.SourceHostname));
  const utc = str(event.UtcTime);
  const eventTime = utc ? new Date(`${utc.replace(' ', 'T')}Z`) : timeGenerated;
  const port = (value: unknown) => (str(value) === '' ? null : Number(value));
  return {
    TimeGenerated: timeGenerated,
    EventStartTime: eventTime,
    EventEndTime: eventTime,
    EventCount: 1,
    EventType: 'EndpointNetworkSession',
    EventResult: 'Success',
    EventProduct: 'Sysmon',
    EventVendor: 'Microsoft',
    EventSchema: 'NetworkSession',
    EventSchemaVersion: '0.2.4',
    EventOriginalUid: '',
    Dvc: str(event.Computer),
    DvcHostname: initiated ? destination.hostname : source.hostname,
    DvcIpAddr: initiated ? str(event.SourceIp) : str(event.DestinationIp),
    Type: 'Event',
    _ItemId: itemIdOf(event),
    SrcIpAddr: str(event.SourceIp),
    DstIpAddr: str(event.DestinationIp),
    SrcHostname: source.hostname,
    SrcDomain: source.domain,
    SrcFQDN: source.fqdn,
    DstHostname: destination.hostname,
    DstDomain: destination.domain,
    DstFQDN: destination.fqdn,
    SrcPortNumber: port(event.SourcePort),
    DstPortNumber: port(event.DestinationPort),
    SrcProcessName: initiated ? '' : image,
    DstProcessName: initiated ? image : '',
    SrcProcessId: initiated ? '' : str(event.ProcessId),
    DstProcessId: initiated ? str(event.ProcessId) : '',
    SrcUsername: initiated ? '' : str(event.User),
    DstUsername: initiated ? str(event.User) : '',
    SrcAppName: initiated ? '' : appName,
    DstAppName: initiated ? appName : '',
    NetworkProtocol: str(event.Protocol).toUpperCase(),
    NetworkProtocolVersion: str(event.DestinationIsIpv6) === 'true' || str(event.SourceIsIpv6) === 'true' ? 'IPV6' : 'IPV4',
    NetworkDirection: '',
  };
}

const SYSMON_NETWORK_DATA = [
  'RuleName', 'UtcTime', 'ProcessGuid', 'ProcessId', 'Image', 'User', 'Protocol', 'Initiated', 'SourceIsIpv6', 'SourceIp',
  'SourceHostname', 'SourcePort', 'SourcePortName', 'DestinationIsIpv6', 'DestinationIp', 'DestinationHostname',
  'DestinationPort', 'DestinationPortName',
];

function xmlText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Sysmon event 1 data names, in the order Sysmon writes them. */
const SYSMON_PROCESS_DATA = [
  'RuleName', 'UtcTime', 'ProcessGuid', 'ProcessId', 'Image', 'FileVersion', 'Description', 'Product', 'Company',
  'OriginalFileName', 'CommandLine', 'CurrentDirectory', 'User', 'LogonGuid', 'LogonId', 'TerminalSessionId',
  'IntegrityLevel', 'Hashes', 'ParentProcessGuid', 'ParentProcessId', 'ParentImage', 'ParentCommandLine', 'ParentUser',
];

/** A Sysmon process creation (event 1) as the Event table holds it: a sample for hunts over both categories. */
export function sysmonProcessCreationRow(event: SampleEvent, timeGenerated: Date): Record<string, unknown> {
  return sysmonEventRow({ ...event, EventID: 1 }, timeGenerated, SYSMON_PROCESS_DATA);
}

function sysmonEventRow(event: SampleEvent, timeGenerated: Date, names: readonly string[] = SYSMON_NETWORK_DATA): Record<string, unknown> {
  const data = names.map((name) => `<Data Name="${name}">${xmlText(str(event[name]))}</Data>`).join('');
  return {
    TimeGenerated: timeGenerated,
    Source: 'Microsoft-Windows-Sysmon',
    EventLog: 'Microsoft-Windows-Sysmon/Operational',
    Computer: str(event.Computer),
    EventLevel: 4,
    EventLevelName: 'Information',
    EventID: Number(event.EventID ?? 3),
    UserName: 'NT AUTHORITY\\SYSTEM',
    RenderedDescription: '',
    EventData: `<DataItem type="System.XmlData" time="${timeGenerated.toISOString()}"><EventData xmlns="http://schemas.microsoft.com/win/2004/08/events/event">${data}</EventData></DataItem>`,
    Type: 'Event',
    _ItemId: itemIdOf(event),
  };
}

export interface OracleResponderOptions {
  /** Past this many result rows, reply as the service does (the first rowLimit rows + result-too-large). */
  rowLimit?: number;
}

/**
 * A fake responder that runs each request's query with the KQL oracle over the workspace's rows (read anew per
 * request, so a test can add late rows between runs). The request's timespan is applied to TimeGenerated, as
 * the service applies it to the tables a query reads. A query the oracle cannot evaluate gets the service's
 * 400 syntax-error reply, with the oracle's reason.
 */
export function oracleResponder(workspace: { mapping: CategoryMapping; rows: () => readonly Record<string, unknown>[] }, options: OracleResponderOptions = {}): FakeRespond {
  const mapping = workspace.mapping;
  const columns: OracleColumn[] = mapping.columns.map(({ name, type }) => ({ name, type }));
  const types = new Map<string, KustoColumnType>(mapping.columns.map(({ name, type }) => [name, type]));
  for (const name of mapping.extraction?.names ?? []) types.set(name, 'string');
  types.set(INGESTION_TIME_COLUMN, 'string');
  const rowLimit = options.rowLimit ?? 500_000;
  return (request) => {
    // The hunt's service-clock probe (`print now()`) reads no table; the oracle models tables, so it is answered
    // here, from the fake's clock, as the service would.
    if (isServiceClockProbe(request.query)) {
      return fakeReply.success(fakeReply.tableFromObjects([{ name: 'ServiceTime', type: 'datetime' }], [{ ServiceTime: request.receivedAt }]));
    }
    let program;
    try {
      program = compileKqlQuery(request.query, { columns, ingestionTimeColumn: DEFAULT_INGESTION_TIME_COLUMN, now: request.receivedAt });
    } catch (error) {
      if (error instanceof KqlOracleError) return fakeReply.badQuery(error.message);
      throw error;
    }
    const window = request.window;
    const inputs = window
      ? workspace.rows().filter((row) => {
          const at = row[mapping.timeColumn];
          return at instanceof Date && at >= window.start && at <= window.end;
        })
      : workspace.rows();
    let output: Record<string, unknown>[];
    try {
      output = program.runAll(inputs);
    } catch (error) {
      // The oracle finds an unknown column only when a row reaches it; the service rejects such a query up front
      // with 400 (a semantic error), which a client does not retry. Other refusals stay the fake's own failure.
      if (error instanceof KqlOracleError && error.code === 'column') return fakeReply.unknownName(unknownNameOf(error.reason));
      throw error;
    }
    const names = output.length > 0 ? Object.keys(output[0]!) : [];
    // A column the query computes is typed as the service would type it: bool for a comparison, else string.
    const computedType = (name: string): KustoColumnType => (output.some((row) => typeof row[name] === 'boolean') ? 'bool' : 'string');
    const fakeColumns: FakeColumn[] = names.map((name) => ({ name, type: types.get(name) ?? computedType(name) }));
    if (output.length > rowLimit) return fakeReply.resultTooLarge(fakeReply.tableFromObjects(fakeColumns, output.slice(0, rowLimit)));
    return fakeReply.success(fakeReply.tableFromObjects(fakeColumns, output));
  };
}

/** The name in the oracle's "unknown column or name X". */
function unknownNameOf(reason: string): string {
  return /unknown column or name (\S+)/.exec(reason)?.[1] ?? reason;
}

/** Defender rows as a Log Analytics JSON export writes them (one object a line, datetimes as ISO text). */
export async function readDefenderRows(file: string): Promise<Record<string, unknown>[]> {
  const datetimes = new Set((categoryMapping('mde', 'process_creation')?.columns ?? []).filter((column) => column.type === 'datetime').map((column) => column.name));
  return (await readJsonObjectLines(file)).map((row) => {
    for (const name of datetimes) if (typeof row[name] === 'string') row[name] = new Date(row[name]);
    return row;
  });
}

/** The Defender rows as DeviceProcessEvents, timed like the Sysmon samples (defaultSampleTiming). */
export function defenderWorkspace(rows: readonly Record<string, unknown>[], anchor: Date): SampleWorkspace {
  const mapping = categoryMapping('mde', 'process_creation');
  if (!mapping) throw new SampleWorkspaceError('target', 'target mde has no process_creation mapping');
  const placed = rows.map((row, index) => {
    const { timeGenerated, ingestedAt } = defaultSampleTiming(anchor, index, rows.length);
    return { ...row, TimeGenerated: timeGenerated, Timestamp: timeGenerated, ...(ingestedAt ? { [DEFAULT_INGESTION_TIME_COLUMN]: ingestedAt } : {}) };
  });
  return { target: 'mde', mapping, rows: placed };
}
