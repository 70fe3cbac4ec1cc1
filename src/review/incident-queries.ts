/**
 * Reading incidents for review: a filtered, paged list (newest activity first) and one incident in full.
 *
 * Paging: Table Storage returns entities in key order and cannot sort by lastSeen, so a page is a keyset over
 * (lastSeen desc, incidentKey asc). The continuation token carries the last row's (lastSeen, key) and the
 * filter it was made for; the next page asks the service for summaries with `lastSeen le <token>` only, and
 * projects the few list columns (`$select`), so a page never transfers whole summaries (samples, enrichment).
 * The scan is split into PARTITION_RANGES ranges of the (hex) incident keys, read in parallel.
 *
 * A first page also keeps its sorted result for SNAPSHOT_TTL_MS on this instance; following pages of the same
 * filter read it instead of scanning again (a lead paging through a list sees one consistent ordering). A page
 * that finds no snapshot (expired, or another instance) asks the service as above: slower, equally correct.
 * test/review/paging.test.ts pages 10,000 incidents in Azurite through the API (exactly once, order, page sizes,
 * a filter, another instance) and reports p50/p95 per page; docs/review.md has the figures (and npm run bench:review).
 */
import { odata, type TableClient } from '@azure/data-tables';
import { INCIDENT_ROW_KEY, isIncidentKey } from '../incidents/keys.js';
import { INCIDENT_STATUSES, isIncidentSeverity, type HitDestination, type IncidentSeverity, type IncidentStatus } from '../incidents/model.js';
import { IncidentStore } from '../store/incident-store.js';
import { ReviewError } from './errors.js';
import { TriageStore, type AuditRecord, type Triage } from './triage.js';

export interface IncidentListFilter {
  status?: IncidentStatus[];
  severity?: IncidentSeverity[];
  ruleId?: string;
  host?: string;
  /** lastSeen >= from */
  from?: Date;
  /** firstSeen <= to */
  to?: Date;
}

export interface IncidentListItem {
  incidentKey: string;
  ruleId: string;
  ruleTitle: string;
  severity: IncidentSeverity;
  status: IncidentStatus;
  host: string;
  account?: string;
  processImage: string;
  destination: HitDestination;
  firstSeen: string;
  lastSeen: string;
  hitCount: number;
}

export interface IncidentPage {
  incidents: IncidentListItem[];
  /** Pass as `continuation` for the next page; absent on the last page. */
  continuation?: string;
}

export const DEFAULT_PAGE_SIZE = 50;
export const SNAPSHOT_TTL_MS = 30_000;
const MAX_SNAPSHOTS = 16;
const PARTITION_RANGES = ['0', '4', '8', 'c', '~'];
export const MAX_PAGE_SIZE = 200;
const LIST_COLUMNS = ['PartitionKey', 'ruleId', 'ruleTitle', 'severity', 'status', 'host', 'account', 'processImage', 'dstFqdn', 'dstIp', 'dstPort', 'firstSeen', 'lastSeen', 'hitCount'];
const MAX_FILTER_VALUE_CHARS = 512;

/** The list's query string as a typed filter, page size and cursor (400 on anything malformed). */
export function parseListQuery(query: URLSearchParams): { filter: IncidentListFilter; pageSize: number; continuation?: string } {
  const filter: IncidentListFilter = {};
  const list = (name: string) =>
    (query.get(name) ?? '')
      .split(',')
      .map((value) => value.trim())
      .filter(Boolean);
  const statuses = list('status');
  for (const status of statuses) if (!(INCIDENT_STATUSES as readonly string[]).includes(status)) throw new ReviewError('bad-request', `unknown status '${status}'`);
  if (statuses.length > 0) filter.status = statuses as IncidentStatus[];
  const severities = list('severity');
  for (const severity of severities) if (!isIncidentSeverity(severity)) throw new ReviewError('bad-request', `unknown severity '${severity}'`);
  if (severities.length > 0) filter.severity = severities as IncidentSeverity[];
  for (const [name, key] of [['rule', 'ruleId'], ['host', 'host']] as const) {
    const value = query.get(name)?.trim();
    if (!value) continue;
    if (value.length > MAX_FILTER_VALUE_CHARS) throw new ReviewError('bad-request', `${name} is longer than ${MAX_FILTER_VALUE_CHARS} characters`);
    filter[key] = value;
  }
  for (const name of ['from', 'to'] as const) {
    const value = query.get(name)?.trim();
    if (!value) continue;
    const date = new Date(value);
    if (Number.isNaN(date.getTime())) throw new ReviewError('bad-request', `${name} is not a date/time (ISO 8601)`);
    filter[name] = date;
  }
  const sizeText = query.get('pageSize') ?? query.get('limit');
  const pageSize = sizeText === null ? DEFAULT_PAGE_SIZE : Number(sizeText);
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE) throw new ReviewError('bad-request', `pageSize must be 1..${MAX_PAGE_SIZE}`);
  const continuation = query.get('continuation') ?? undefined;
  return { filter, pageSize, ...(continuation ? { continuation } : {}) };
}

interface Cursor {
  lastSeen: string;
  incidentKey: string;
  filter: string;
}

function filterSignature(filter: IncidentListFilter): string {
  return JSON.stringify([filter.status, filter.severity, filter.ruleId, filter.host, filter.from?.toISOString(), filter.to?.toISOString()]);
}

function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor), 'utf8').toString('base64url');
}

function decodeCursor(text: string, filter: IncidentListFilter): Cursor {
  let cursor: Partial<Cursor>;
  try {
    cursor = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as Partial<Cursor>;
  } catch {
    throw new ReviewError('bad-request', 'continuation is not a token this API made');
  }
  if (typeof cursor.lastSeen !== 'string' || Number.isNaN(Date.parse(cursor.lastSeen)) || typeof cursor.incidentKey !== 'string' || !isIncidentKey(cursor.incidentKey)) {
    throw new ReviewError('bad-request', 'continuation is not a token this API made');
  }
  if (cursor.filter !== filterSignature(filter)) throw new ReviewError('bad-request', 'continuation belongs to another filter: start again from the first page');
  return cursor as Cursor;
}

function odataFilterOf(filter: IncidentListFilter, cursor: Cursor | undefined): string {
  const clauses = [odata`RowKey eq ${INCIDENT_ROW_KEY}`];
  if (filter.status) clauses.push(`(${filter.status.map((status) => odata`status eq ${status}`).join(' or ')})`);
  if (filter.severity) clauses.push(`(${filter.severity.map((severity) => odata`severity eq ${severity}`).join(' or ')})`);
  if (filter.ruleId) clauses.push(odata`ruleId eq ${filter.ruleId}`);
  if (filter.host) clauses.push(odata`host eq ${filter.host}`);
  if (filter.from) clauses.push(odata`lastSeen ge ${filter.from}`);
  if (filter.to) clauses.push(odata`firstSeen le ${filter.to}`);
  if (cursor) clauses.push(odata`lastSeen le ${new Date(cursor.lastSeen)}`);
  return clauses.join(' and ');
}

function itemOf(entity: Record<string, unknown>): IncidentListItem {
  const destination: HitDestination = {};
  if (typeof entity.dstFqdn === 'string') destination.fqdn = entity.dstFqdn;
  if (typeof entity.dstIp === 'string') destination.ip = entity.dstIp;
  if (typeof entity.dstPort === 'number') destination.port = entity.dstPort;
  const date = (value: unknown) => (value instanceof Date ? value.toISOString() : String(value));
  return {
    incidentKey: String(entity.partitionKey),
    ruleId: String(entity.ruleId),
    ruleTitle: String(entity.ruleTitle),
    severity: entity.severity as IncidentSeverity,
    status: entity.status as IncidentStatus,
    host: String(entity.host),
    ...(typeof entity.account === 'string' ? { account: entity.account } : {}),
    processImage: String(entity.processImage),
    destination,
    firstSeen: date(entity.firstSeen),
    lastSeen: date(entity.lastSeen),
    hitCount: Number(entity.hitCount),
  };
}

function newestFirst(left: IncidentListItem, right: IncidentListItem): number {
  if (left.lastSeen !== right.lastSeen) return left.lastSeen < right.lastSeen ? 1 : -1;
  return left.incidentKey < right.incidentKey ? -1 : left.incidentKey > right.incidentKey ? 1 : 0;
}

/** Full detail: the stored incident, its triage and audit trail, and its hits (a timeline, bounded). */
export interface IncidentDetail {
  incident: Record<string, unknown>;
  triage: Triage;
  audit: AuditRecord[];
  hits: Record<string, unknown>[];
  /** True when the incident has more hits than `hits` holds. */
  hitsTruncated: boolean;
}

export const MAX_DETAIL_HITS = 500;

export class IncidentQueries {
  private readonly store: IncidentStore;
  readonly triage: TriageStore;

  /** First pages' sorted results, per filter, for the following pages (see the module comment). */
  private readonly snapshots = new Map<string, { at: number; items: IncidentListItem[] }>();

  constructor(
    private readonly client: TableClient,
    private readonly now: () => number = Date.now,
  ) {
    this.store = new IncidentStore(client);
    this.triage = new TriageStore(client);
  }

  async list(filter: IncidentListFilter, pageSize: number, continuation?: string): Promise<IncidentPage> {
    const cursor = continuation ? decodeCursor(continuation, filter) : undefined;
    const signature = filterSignature(filter);
    const snapshot = this.snapshots.get(signature);
    let items: IncidentListItem[];
    if (cursor && snapshot && this.now() - snapshot.at < SNAPSHOT_TTL_MS) {
      items = snapshot.items;
    } else {
      items = await this.scan(odataFilterOf(filter, cursor));
      if (!cursor) {
        this.snapshots.delete(signature);
        this.snapshots.set(signature, { at: this.now(), items });
        for (const key of this.snapshots.keys()) if (this.snapshots.size > MAX_SNAPSHOTS) this.snapshots.delete(key);
      }
    }
    let start = 0;
    if (cursor) {
      const after = { lastSeen: new Date(cursor.lastSeen).toISOString(), incidentKey: cursor.incidentKey } as IncidentListItem;
      while (start < items.length && newestFirst(items[start]!, after) <= 0) start += 1;
    }
    const incidents = items.slice(start, start + pageSize);
    const last = incidents[incidents.length - 1];
    const more = start + pageSize < items.length;
    return {
      incidents,
      ...(more && last ? { continuation: encodeCursor({ lastSeen: last.lastSeen, incidentKey: last.incidentKey, filter: filterSignature(filter) }) } : {}),
    };
  }

  /** The list items `filter` selects, newest first: the key space read in parallel ranges. */
  private async scan(filter: string): Promise<IncidentListItem[]> {
    const ranges = PARTITION_RANGES.slice(0, -1).map((from, index) => `${filter} and ${odata`PartitionKey ge ${from} and PartitionKey lt ${PARTITION_RANGES[index + 1]!}`}`);
    const parts = await Promise.all(
      ranges.map(async (rangeFilter) => {
        const items: IncidentListItem[] = [];
        const pages = this.client.listEntities<Record<string, unknown>>({ queryOptions: { filter: rangeFilter, select: LIST_COLUMNS } }).byPage({ maxPageSize: 1000 });
        for await (const page of pages) for (const entity of page) items.push(itemOf(entity));
        return items;
      }),
    );
    return parts.flat().sort(newestFirst);
  }

  async detail(incidentKey: string): Promise<IncidentDetail | undefined> {
    const [incident, triage, audit] = await Promise.all([this.store.getIncident(incidentKey), this.triage.read(incidentKey), this.triage.audit(incidentKey)]);
    if (!incident || !triage) return undefined;
    const hits = await this.store.listHits(incidentKey);
    return {
      incident: { ...incident, status: triage.status } as unknown as Record<string, unknown>,
      triage,
      audit,
      hits: hits.slice(0, MAX_DETAIL_HITS) as unknown as Record<string, unknown>[],
      hitsTruncated: hits.length > MAX_DETAIL_HITS,
    };
  }
}
