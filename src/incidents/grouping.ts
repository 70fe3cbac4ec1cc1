/**
 * Grouping of verified hits into incidents.
 *
 * Key: rule + host + process image + destination (FQDN when the row has one, else the IP; port included) +
 * grouping bucket. Host, image and destination compare case-insensitively (NFC, trimmed, lower-case): Windows
 * names and DNS are case-insensitive, and the same host arrives as `WS01` from one source and `ws01` from
 * another.
 *
 * Buckets are FIXED: bucketStart = floor(eventTime / window) * window, aligned to the UTC epoch. Sentinel's
 * alert grouping is sliding instead (an alert joins an open incident created within the last window, so the
 * incident a hit lands in depends on which hits were processed before it). A sliding window cannot be
 * idempotent under re-runs, crashes and out-of-order windows: processing the same hits in another order or
 * split would open different incidents. A fixed bucket is a pure function of the hit, so the incident key is
 * too. The price: two hits a minute apart across a bucket boundary land in two incidents.
 */
import type { MatchExplanation } from '../match/types.js';
import {
  boundText,
  fitJsonObject,
  hitRefOf,
  toJsonObject,
  unionExplanations,
  EMPTY_EXPLANATION,
  type Bounded,
  type BoundedExplanation,
  type ExplanationBounds,
  type JsonObject,
} from './bounds.js';
import { IncidentError } from './errors.js';
import { hitRowKeyOf, incidentKeyOf } from './keys.js';
import {
  compareHitOrder,
  severityOf,
  type HitDestination,
  type IncidentSample,
  type IncidentSeverity,
  type VerifiedHit,
} from './model.js';

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const DEFAULT_GROUPING_WINDOW_MS = 24 * HOUR_MS;
/** Sentinel's range for alert grouping windows (5 minutes to 7 days). */
export const MIN_GROUPING_WINDOW_MS = 5 * MINUTE_MS;
export const MAX_GROUPING_WINDOW_MS = 7 * 24 * HOUR_MS;

/** Display text (host, image, account, rule title...) beyond this many characters is cut. */
export const DISPLAY_MAX_CHARS = 1024;
/** Per-hit fields (account, process id, FQDN, IP) inside samples and hit rows. */
export const HIT_FIELD_MAX_CHARS = 256;
/** JSON text of one event, in a sample and in a hit row. */
export const EVENT_MAX_CHARS = 12_000;
/** The explanation kept on each hit row. */
export const HIT_EXPLANATION_BOUNDS: ExplanationBounds = { maxSearches: 16, maxReasons: 8, maxReasonChars: 1000 };

export function assertGroupingWindow(windowMs: number): void {
  if (!Number.isInteger(windowMs) || windowMs < MIN_GROUPING_WINDOW_MS || windowMs > MAX_GROUPING_WINDOW_MS) {
    throw new IncidentError(
      'config',
      `grouping window must be a whole number of milliseconds from ${MIN_GROUPING_WINDOW_MS} (5 min) to ${MAX_GROUPING_WINDOW_MS} (7 days), got ${windowMs}`,
    );
  }
}

/** The start of the fixed bucket that holds `eventTime`. */
export function bucketStartOf(eventTime: Date, windowMs: number): Date {
  return new Date(Math.floor(eventTime.getTime() / windowMs) * windowMs);
}

/** The grouping fields of a hit after normalisation: what the incident key hashes. */
export interface IncidentIdentity {
  ruleId: string;
  host: string;
  processImage: string;
  destination: { kind: 'fqdn' | 'ip' | 'none'; value: string | null; port: number | null };
  bucketStart: Date;
  windowMs: number;
}

export function normalizeName(text: string): string {
  return text.normalize('NFC').trim().toLowerCase();
}

function normalizeFqdn(fqdn: string): string {
  return normalizeName(fqdn).replace(/\.$/, '');
}

/** IPv6 in its canonical compressed form, so `2001:DB8:0:0::1` and `2001:db8::1` group together. */
function normalizeIp(ip: string): string {
  const text = normalizeName(ip).replace(/^\[(.*)\]$/, '$1');
  if (!text.includes(':')) return text;
  try {
    return new URL(`http://[${text}]/`).hostname.slice(1, -1);
  } catch {
    return text;
  }
}

export function identityOf(hit: VerifiedHit, windowMs: number): IncidentIdentity {
  assertHit(hit);
  const fqdn = hit.destination.fqdn === undefined ? '' : normalizeFqdn(hit.destination.fqdn);
  const ip = hit.destination.ip === undefined ? '' : normalizeIp(hit.destination.ip);
  return {
    ruleId: hit.ruleId,
    host: normalizeName(hit.host),
    processImage: normalizeName(hit.processImage),
    destination: {
      kind: fqdn ? 'fqdn' : ip ? 'ip' : 'none',
      value: fqdn || ip || null,
      port: hit.destination.port ?? null,
    },
    bucketStart: bucketStartOf(hit.eventTime, windowMs),
    windowMs,
  };
}

export function incidentKeyOfIdentity(identity: IncidentIdentity): string {
  return incidentKeyOf([
    'sigma-hunt/incident/v1',
    identity.ruleId,
    identity.host,
    identity.processImage,
    identity.destination.kind,
    identity.destination.value,
    identity.destination.port,
    identity.bucketStart.getTime(),
    identity.windowMs,
  ]);
}

function assertHit(hit: VerifiedHit): void {
  if (typeof hit.hitId !== 'string' || hit.hitId.length === 0) {
    throw new IncidentError('value', 'hitId must be a non-empty string');
  }
  if (typeof hit.ruleId !== 'string' || hit.ruleId.length === 0) {
    throw new IncidentError('value', `hit ${hit.hitId}: ruleId must be a non-empty string`);
  }
  if (!(hit.eventTime instanceof Date) || Number.isNaN(hit.eventTime.getTime())) {
    throw new IncidentError('value', `hit ${hit.hitId}: eventTime must be a valid Date`);
  }
  const port = hit.destination?.port;
  if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port <= 65535)) {
    throw new IncidentError('value', `hit ${hit.hitId}: destination port must be an integer 0-65535, got ${port}`);
  }
}

/** A hit with its keys computed and every stored part already bounded (see bounds.ts). */
export interface PreparedHit {
  incidentKey: string;
  identity: IncidentIdentity;
  /** The bounded hit id (see hitRefOf): what samples store and order by. */
  hitId: string;
  rowKey: string;
  eventTime: Date;
  ruleTitle: Bounded<string>;
  severity: IncidentSeverity;
  host: Bounded<string>;
  processImage: Bounded<string>;
  destination: Bounded<HitDestination>;
  account?: Bounded<string>;
  processId?: string;
  event: Bounded<JsonObject>;
  /** The matcher's explanation as given: the incident union bounds it. */
  explanation: MatchExplanation;
  /** The explanation bounded for the hit's own row. */
  hitExplanation: BoundedExplanation;
}

export function prepareHit(hit: VerifiedHit, windowMs: number): PreparedHit {
  const identity = identityOf(hit, windowMs);
  const destination = boundDestination(hit.destination);
  const account = hit.account === undefined || hit.account === '' ? undefined : boundText(String(hit.account), HIT_FIELD_MAX_CHARS);
  const processId = hit.processId === undefined ? undefined : boundText(String(hit.processId), HIT_FIELD_MAX_CHARS);
  const event = fitJsonObject(toJsonObject(hit.event, `hit ${hit.hitId}: event`), EVENT_MAX_CHARS);
  return {
    incidentKey: incidentKeyOfIdentity(identity),
    identity,
    hitId: hitRefOf(hit.hitId),
    rowKey: hitRowKeyOf(hit.hitId),
    eventTime: new Date(hit.eventTime.getTime()),
    ruleTitle: boundText(String(hit.ruleTitle ?? ''), DISPLAY_MAX_CHARS),
    severity: severityOf(hit.level),
    host: boundText(String(hit.host), DISPLAY_MAX_CHARS),
    processImage: boundText(String(hit.processImage), DISPLAY_MAX_CHARS),
    destination: { value: destination.value, truncated: destination.truncated },
    ...(account ? { account } : {}),
    ...(processId ? { processId: processId.value } : {}),
    // A cut process id is reported with the event: both are per-hit detail.
    event: { value: event.value, truncated: event.truncated || (processId?.truncated ?? false) },
    explanation: hit.explanation ?? EMPTY_EXPLANATION.explanation,
    hitExplanation: unionExplanations(EMPTY_EXPLANATION, [hit.explanation ?? EMPTY_EXPLANATION.explanation], HIT_EXPLANATION_BOUNDS),
  };
}

function boundDestination(destination: HitDestination): Bounded<HitDestination> {
  const result: HitDestination = {};
  let truncated = false;
  for (const name of ['fqdn', 'ip'] as const) {
    const text = destination[name];
    if (text === undefined || text === '') continue;
    const bounded = boundText(String(text), HIT_FIELD_MAX_CHARS);
    truncated ||= bounded.truncated;
    result[name] = bounded.value;
  }
  if (destination.port !== undefined) result.port = destination.port;
  return { value: result, truncated };
}

/** The sample a prepared hit contributes. */
export function sampleOf(hit: PreparedHit): IncidentSample {
  const sample: IncidentSample = {
    hitId: hit.hitId,
    eventTime: hit.eventTime,
    destination: hit.destination.value,
    event: hit.event.value,
  };
  if (hit.account) sample.account = hit.account.value;
  if (hit.processId !== undefined) sample.processId = hit.processId;
  if (hit.event.truncated || hit.destination.truncated || hit.account?.truncated) sample.truncated = true;
  return sample;
}

export interface HitGroup {
  incidentKey: string;
  identity: IncidentIdentity;
  /** Distinct hits (by hit id), sorted by (eventTime, hitId). */
  hits: PreparedHit[];
}

/**
 * Hits grouped by incident key, groups sorted by key. A hit id that appears twice in one group is one hit; when
 * the two copies differ (a caller bug: the id should identify the row), the copy whose stored form sorts first
 * wins, so the choice does not depend on input order.
 */
export function groupHits(hits: readonly VerifiedHit[], windowMs: number): HitGroup[] {
  assertGroupingWindow(windowMs);
  const groups = new Map<string, { identity: IncidentIdentity; hits: Map<string, PreparedHit> }>();
  for (const raw of hits) {
    const hit = prepareHit(raw, windowMs);
    let group = groups.get(hit.incidentKey);
    if (!group) {
      group = { identity: hit.identity, hits: new Map() };
      groups.set(hit.incidentKey, group);
    }
    const existing = group.hits.get(hit.rowKey);
    if (!existing || storedForm(hit) < storedForm(existing)) group.hits.set(hit.rowKey, hit);
  }
  return [...groups.entries()]
    .sort(([left], [right]) => (left < right ? -1 : left > right ? 1 : 0))
    .map(([incidentKey, group]) => ({
      incidentKey,
      identity: group.identity,
      hits: [...group.hits.values()].sort(compareHitOrder),
    }));
}

/** The parts of a hit that end up stored (the raw explanation is only stored bounded). */
function storedForm(hit: PreparedHit): string {
  const { explanation: _raw, ...stored } = hit;
  return JSON.stringify(stored);
}
