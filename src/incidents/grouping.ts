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
  compareText,
  fitJsonObject,
  hitRefOf,
  toJsonObject,
  unionExplanations,
  EMPTY_EXPLANATION,
  type Bounded,
  type BoundedExplanation,
  type ExplanationBounds,
  type JsonObject,
  type JsonValue,
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
  /** The workspace the hit was read from, when a deployment hunts many (src/fanout/): two workspaces, possibly two
   *  tenants, never share an incident. Absent for the single-workspace hunt, whose keys stay as they were. */
  scope?: string;
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

export function identityOf(hit: VerifiedHit, windowMs: number, scope?: string): IncidentIdentity {
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
    ...(scope !== undefined ? { scope } : {}),
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
    ...(identity.scope !== undefined ? [`scope:${identity.scope}`] : []),
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

/** Entries a memo of HitPreparer keeps; past it, values are computed without being remembered. */
const MEMO_LIMIT = 50_000;

/**
 * Prepares hits for one grouping window, remembering what is a pure function of a value that repeats across
 * hits: the identity and incident key of a grouping tuple (one sha256 per distinct tuple, not per hit), bounded
 * display texts, severities and the bounded form of an explanation (the verifier shares one explanation object
 * between the hits it explained alike). Each memo is keyed by the exact input, so a prepared hit is the same as
 * one prepared alone; what is per hit (hit id, row key, event) is computed per hit.
 */
export class HitPreparer {
  private readonly identities = new TupleMemo<{ identity: IncidentIdentity; incidentKey: string }>();
  private readonly displayTexts = new Map<string, Bounded<string>>();
  private readonly fieldTexts = new Map<string, Bounded<string>>();
  private readonly severities = new Map<string | undefined, IncidentSeverity>();
  private readonly hitExplanations = new Map<MatchExplanation, BoundedExplanation>();
  private readonly destinations = new TupleMemo<Bounded<HitDestination>>();
  private lastKey:
    | { ruleId: string; host: string; processImage: string; fqdn?: string; ip?: string; port?: number; bucket: number; keyed: { identity: IncidentIdentity; incidentKey: string } }
    | undefined;

  constructor(
    readonly windowMs: number,
    readonly scope?: string,
  ) {
    assertGroupingWindow(windowMs);
  }

  /** The identity and incident key of a hit (validated as identityOf does). */
  keyOf(hit: VerifiedHit): { identity: IncidentIdentity; incidentKey: string } {
    assertHit(hit);
    const { fqdn, ip, port } = hit.destination;
    const bucket = Math.floor(hit.eventTime.getTime() / this.windowMs);
    // Consecutive hits usually share their tuple (a group's hits are prepared together): compared member by
    // member with ===, which only ever finds equal what the tuple memo's SameValueZero does (NaN just misses).
    const last = this.lastKey;
    if (
      last !== undefined &&
      last.bucket === bucket &&
      last.host === hit.host &&
      last.processImage === hit.processImage &&
      last.fqdn === fqdn &&
      last.ip === ip &&
      last.port === port &&
      last.ruleId === hit.ruleId
    ) {
      return last.keyed;
    }
    const keyed = this.identities.get([hit.ruleId, hit.host, hit.processImage, fqdn, ip, port, bucket], () => {
      const identity = identityOf(hit, this.windowMs, this.scope);
      return { identity, incidentKey: incidentKeyOfIdentity(identity) };
    });
    this.lastKey = { ruleId: hit.ruleId, host: hit.host, processImage: hit.processImage, fqdn, ip, port, bucket, keyed };
    return keyed;
  }

  prepare(hit: VerifiedHit): PreparedHit {
    const { identity, incidentKey } = this.keyOf(hit);
    const account = hit.account === undefined || hit.account === '' ? undefined : this.fieldText(String(hit.account));
    const processId = hit.processId === undefined ? undefined : this.fieldText(String(hit.processId));
    const event = boundEvent(hit.event, hit.hitId);
    const explanation = hit.explanation ?? EMPTY_EXPLANATION.explanation;
    const hitId = hitRefOf(hit.hitId);
    const rowKey = hitRowKeyOf(hit.hitId);
    const eventTime = new Date(hit.eventTime.getTime());
    const ruleTitle = this.displayText(String(hit.ruleTitle ?? ''));
    const severity = this.severity(hit.level);
    const host = this.displayText(String(hit.host));
    const processImage = this.displayText(String(hit.processImage));
    const destination = this.boundDestination(hit.destination);
    // A cut process id is reported with the event: both are per-hit detail.
    const storedEvent = event.truncated || !processId?.truncated ? event : { value: event.value, truncated: true };
    const hitExplanation = this.hitExplanation(explanation);
    // The common hit (an account and a process id) as one literal, its members inside the object (a prepared hit
    // is kept until its chunk is written); else member by member. Both in the order storedForm serialises (an
    // object literal with conditional spreads would be copied property by property at run time, per hit).
    if (account && processId) {
      return {
        incidentKey,
        identity,
        hitId,
        rowKey,
        eventTime,
        ruleTitle,
        severity,
        host,
        processImage,
        destination,
        account,
        processId: processId.value,
        event: storedEvent,
        explanation,
        hitExplanation,
      };
    }
    const prepared = { incidentKey, identity, hitId, rowKey, eventTime, ruleTitle, severity, host, processImage, destination } as PreparedHit;
    if (account) prepared.account = account;
    if (processId) prepared.processId = processId.value;
    prepared.event = storedEvent;
    prepared.explanation = explanation;
    prepared.hitExplanation = hitExplanation;
    return prepared;
  }

  private displayText(text: string): Bounded<string> {
    return memo(this.displayTexts, text, () => boundText(text, DISPLAY_MAX_CHARS));
  }

  private fieldText(text: string): Bounded<string> {
    return memo(this.fieldTexts, text, () => boundText(text, HIT_FIELD_MAX_CHARS));
  }

  private severity(level: string | undefined): IncidentSeverity {
    return memo(this.severities, level, () => severityOf(level));
  }

  private hitExplanation(explanation: MatchExplanation): BoundedExplanation {
    return memo(this.hitExplanations, explanation, () => unionExplanations(EMPTY_EXPLANATION, [explanation], HIT_EXPLANATION_BOUNDS));
  }

  /** Shared between hits with the same destination members: nothing changes a prepared hit's parts. */
  private boundDestination(destination: HitDestination): Bounded<HitDestination> {
    return this.destinations.get([destination.fqdn, destination.ip, destination.port], () => {
      const result: HitDestination = {};
      let truncated = false;
      for (const name of ['fqdn', 'ip'] as const) {
        const text = destination[name];
        if (text === undefined || text === '') continue;
        const bounded = this.fieldText(String(text));
        truncated ||= bounded.truncated;
        result[name] = bounded.value;
      }
      if (destination.port !== undefined) result.port = destination.port;
      return { value: result, truncated };
    });
  }
}

function memo<K, V>(cache: Map<K, V>, key: K, compute: () => V): V {
  let value = cache.get(key);
  if (value === undefined) {
    value = compute();
    if (cache.size < MEMO_LIMIT) cache.set(key, value);
  }
  return value;
}

/**
 * A memo keyed by a tuple of values, as a chain of Maps (one level per position). Map keys compare by
 * SameValueZero, so two tuples share an entry only when every position holds the same value of the same type;
 * and a lookup allocates nothing (a key string joined per hit cost more than the sha256 it saved).
 */
class TupleMemo<V> {
  private readonly root = new Map<unknown, unknown>();
  private entries = 0;

  get(tuple: readonly unknown[], compute: () => V): V {
    let level = this.root;
    const last = tuple.length - 1;
    for (let position = 0; position < last; position++) {
      let next = level.get(tuple[position]) as Map<unknown, unknown> | undefined;
      if (next === undefined) {
        if (this.entries >= MEMO_LIMIT) return compute();
        next = new Map();
        level.set(tuple[position], next);
      }
      level = next;
    }
    let value = level.get(tuple[last]) as V | undefined;
    if (value === undefined) {
      value = compute();
      if (this.entries < MEMO_LIMIT) {
        level.set(tuple[last], value);
        this.entries += 1;
      }
    }
    return value;
  }
}

/**
 * `fitJsonObject(toJsonObject(event))` without the JSON round trip for the common event: a plain object of
 * strings, finite numbers, booleans and nulls. For such an object the round trip only drops undefined members,
 * turns -0 into 0 and non-finite numbers into null, and sorts the keys, which is done here directly; and its
 * JSON text cannot be longer than `bound` (every UTF-16 unit escapes to at most 6 characters), so the size check
 * needs no JSON text when the bound already fits. Anything else takes the general path.
 */
function boundEvent(event: unknown, hitId: string): Bounded<JsonObject> {
  const flat = flatJsonObject(event);
  if (flat === undefined) return fitJsonObject(toJsonObject(event, `hit ${hitId}: event`), EVENT_MAX_CHARS);
  if (flat.bound <= EVENT_MAX_CHARS) return { value: flat.value, truncated: false };
  return fitJsonObject(flat.value, EVENT_MAX_CHARS);
}

function flatJsonObject(event: unknown): { value: JsonObject; bound: number } | undefined {
  if (event === null || typeof event !== 'object' || Array.isArray(event)) return undefined;
  const prototype: unknown = Object.getPrototypeOf(event);
  if ((prototype !== Object.prototype && prototype !== null) || 'toJSON' in event) return undefined;
  const record = event as Record<string, unknown>;
  const keys = Object.keys(record);
  // '__proto__' would set the prototype of the copy (Object.fromEntries defines it as a member instead).
  if (keys.includes('__proto__')) return undefined;
  let sorted = true;
  for (let index = 1; index < keys.length && sorted; index++) sorted = compareText(keys[index - 1]!, keys[index]!) <= 0;
  // An event whose keys are already in order and whose members are already JSON values is its own round trip:
  // kept as is, without a copy per hit (the row adapter makes its events so; see targets/adapter.ts).
  let asIs = sorted && prototype === Object.prototype;
  let bound = 2;
  for (const key of keys) {
    const member = record[key];
    switch (typeof member) {
      case 'undefined':
        asIs = false;
        continue;
      case 'string':
        bound += 6 * member.length + 2;
        break;
      case 'number':
        if (!Number.isFinite(member) || Object.is(member, -0)) asIs = false;
        bound += 32;
        break;
      case 'boolean':
        bound += 5;
        break;
      case 'object':
        if (member !== null) return undefined;
        bound += 4;
        break;
      default:
        return undefined;
    }
    bound += 6 * key.length + 4;
  }
  if (asIs) return { value: record as JsonObject, bound };
  if (!sorted) keys.sort(compareText);
  const value: JsonObject = {};
  for (const key of keys) {
    const member = record[key];
    if (member === undefined) continue;
    value[key] = typeof member === 'number' ? (Number.isFinite(member) ? (member === 0 ? 0 : member) : null) : (member as JsonValue);
  }
  return { value, bound };
}

export function prepareHit(hit: VerifiedHit, windowMs: number): PreparedHit {
  return new HitPreparer(windowMs).prepare(hit);
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
export function groupHits(hits: readonly VerifiedHit[], windowMs: number, scope?: string): HitGroup[] {
  const preparer = new HitPreparer(windowMs, scope);
  const groups = new Map<string, { identity: IncidentIdentity; hits: Map<string, PreparedHit> }>();
  for (const raw of hits) {
    const hit = preparer.prepare(raw);
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
