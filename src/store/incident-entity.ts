/**
 * Incident summaries and hits as Table Storage entities. Long JSON (samples, explanation, enrichment) is split
 * across numbered properties (`samples0`, `samples1`, ... with `samplesParts`), each under the 64 KiB property
 * limit; the incident bounds (src/incidents/bounds.ts) keep the whole entity under 1 MiB.
 */
import type { MatchExplanation } from '../match/types.js';
import type { JsonObject } from '../incidents/bounds.js';
import type { PreparedHit } from '../incidents/grouping.js';
import { HIT_ROW_KEY_PREFIX, INCIDENT_ROW_KEY } from '../incidents/keys.js';
import type { IncidentRecord } from '../incidents/merge.js';
import {
  INCIDENT_STATUSES,
  isIncidentSeverity,
  TRUNCATED_PARTS,
  type HitDestination,
  type IncidentSample,
  type IncidentStatus,
  type TruncatedPart,
} from '../incidents/model.js';
import { StoreError } from './errors.js';
import { int32, splitText, type StoredEntity, type StoredProperties } from './limits.js';

/** Bumped when the stored shape changes incompatibly. */
export const INCIDENT_SCHEMA_VERSION = 1;

export function encodeIncident(record: IncidentRecord): StoredEntity {
  const properties: StoredProperties = {
    schema: int32(INCIDENT_SCHEMA_VERSION),
    ruleId: record.ruleId,
    ruleTitle: record.ruleTitle,
    severity: record.severity,
    status: record.status,
    host: record.host,
    processImage: record.processImage,
  };
  putDestination(properties, record.destination);
  if (record.account !== undefined && record.accountSource) {
    properties.account = record.account;
    properties.accountSeen = record.accountSource.eventTime;
    properties.accountHitId = record.accountSource.hitId;
  }
  properties.bucketStart = record.bucketStart;
  properties.groupingWindowMs = int32(record.groupingWindowMs);
  if (record.workspaceId !== undefined) properties.workspaceId = record.workspaceId;
  properties.firstSeen = record.firstSeen;
  properties.firstHitId = record.firstHitId;
  properties.lastSeen = record.lastSeen;
  properties.hitCount = int32(record.hitCount);
  if (record.truncated.length > 0) properties.truncated = record.truncated.join(',');
  putJson(properties, 'explanation', record.explanation);
  putJson(
    properties,
    'samples',
    record.sampleHits.map((sample) => ({ ...sample, eventTime: sample.eventTime.toISOString() })),
  );
  putJson(properties, 'enrichment', record.enrichment);
  return { partitionKey: record.incidentKey, rowKey: INCIDENT_ROW_KEY, ...properties };
}

export function decodeIncident(entity: Record<string, unknown>): IncidentRecord {
  const reader = new EntityReader(entity);
  const schema = reader.number('schema');
  if (schema !== INCIDENT_SCHEMA_VERSION) reader.fail(`schema ${schema} is not ${INCIDENT_SCHEMA_VERSION}`);
  const severity = reader.string('severity');
  if (!isIncidentSeverity(severity)) reader.fail(`unknown severity '${severity}'`);
  const status = reader.string('status');
  if (!(INCIDENT_STATUSES as readonly string[]).includes(status)) reader.fail(`unknown status '${status}'`);
  const truncatedText = reader.optionalString('truncated') ?? '';
  const truncated = truncatedText === '' ? [] : truncatedText.split(',');
  for (const part of truncated) if (!(TRUNCATED_PARTS as readonly string[]).includes(part)) reader.fail(`unknown truncated part '${part}'`);
  const samples = reader.json('samples');
  if (!Array.isArray(samples)) reader.fail('samples is not an array');
  const record: IncidentRecord = {
    incidentKey: reader.string('partitionKey'),
    ruleId: reader.string('ruleId'),
    ruleTitle: reader.string('ruleTitle'),
    severity: severity as IncidentRecord['severity'],
    host: reader.string('host'),
    processImage: reader.string('processImage'),
    destination: reader.destination(),
    bucketStart: reader.date('bucketStart'),
    groupingWindowMs: reader.number('groupingWindowMs'),
    firstSeen: reader.date('firstSeen'),
    lastSeen: reader.date('lastSeen'),
    hitCount: reader.number('hitCount'),
    sampleHits: (samples as unknown[]).map((sample) => decodeSample(sample, reader)),
    explanation: reader.json('explanation') as unknown as MatchExplanation,
    enrichment: reader.json('enrichment') as JsonObject,
    status: status as IncidentStatus,
    truncated: truncated as TruncatedPart[],
    firstHitId: reader.string('firstHitId'),
  };
  const workspaceId = reader.optionalString('workspaceId');
  if (workspaceId !== undefined) record.workspaceId = workspaceId;
  const account = reader.optionalString('account');
  if (account !== undefined) {
    record.account = account;
    record.accountSource = { eventTime: reader.date('accountSeen'), hitId: reader.string('accountHitId') };
  }
  return record;
}

function decodeSample(sample: unknown, reader: EntityReader): IncidentSample {
  if (typeof sample !== 'object' || sample === null) reader.fail('a sample is not an object');
  const stored = sample as Omit<IncidentSample, 'eventTime'> & { eventTime: string };
  const eventTime = new Date(stored.eventTime);
  if (typeof stored.hitId !== 'string' || Number.isNaN(eventTime.getTime())) reader.fail('a sample lacks hitId or eventTime');
  return { ...stored, eventTime };
}

/** A stored hit, as `listHits` returns it: what a sample shows, and the explanation of this hit. */
export interface StoredHit extends IncidentSample {
  explanation: MatchExplanation;
}

/** The hit's own entity: a pure function of the hit, so re-writing it is a no-op. */
export function encodeHit(hit: PreparedHit): StoredEntity {
  const properties: StoredProperties = { hitId: hit.hitId, eventTime: hit.eventTime };
  if (hit.account) properties.account = hit.account.value;
  if (hit.processId !== undefined) properties.processId = hit.processId;
  putDestination(properties, hit.destination.value);
  putJson(properties, 'event', hit.event.value);
  putJsonText(properties, 'explanation', explanationText(hit.hitExplanation.explanation));
  if (hit.event.truncated || hit.hitExplanation.truncated || hit.destination.truncated || hit.account?.truncated) {
    properties.truncated = true;
  }
  return { partitionKey: hit.incidentKey, rowKey: hit.rowKey, ...properties };
}

export function decodeHit(entity: Record<string, unknown>): StoredHit {
  const reader = new EntityReader(entity);
  if (!reader.string('rowKey').startsWith(HIT_ROW_KEY_PREFIX)) reader.fail('not a hit');
  const hit: StoredHit = {
    hitId: reader.string('hitId'),
    eventTime: reader.date('eventTime'),
    destination: reader.destination(),
    event: reader.json('event') as JsonObject,
    explanation: reader.json('explanation') as unknown as MatchExplanation,
  };
  const account = reader.optionalString('account');
  if (account !== undefined) hit.account = account;
  const processId = reader.optionalString('processId');
  if (processId !== undefined) hit.processId = processId;
  if (entity.truncated === true) hit.truncated = true;
  return hit;
}

function putDestination(properties: StoredProperties, destination: HitDestination): void {
  if (destination.fqdn !== undefined) properties.dstFqdn = destination.fqdn;
  if (destination.ip !== undefined) properties.dstIp = destination.ip;
  if (destination.port !== undefined) properties.dstPort = int32(destination.port);
}

/** JSON text of explanations, per object: the hits the matcher saw alike share one bounded explanation (see
 *  HitPreparer), so a window's hits need a handful of these, not one per hit. Explanations are never mutated. */
const explanationTexts = new WeakMap<MatchExplanation, string>();

function explanationText(explanation: MatchExplanation): string {
  let text = explanationTexts.get(explanation);
  if (text === undefined) {
    text = JSON.stringify(explanation);
    explanationTexts.set(explanation, text);
  }
  return text;
}

function putJson(properties: StoredProperties, name: string, value: unknown): void {
  putJsonText(properties, name, JSON.stringify(value));
}

function putJsonText(properties: StoredProperties, name: string, text: string): void {
  const chunks = splitText(text);
  properties[`${name}Parts`] = int32(chunks.length);
  chunks.forEach((chunk, index) => {
    properties[`${name}${index}`] = chunk;
  });
}

class EntityReader {
  constructor(private readonly entity: Record<string, unknown>) {}

  fail(reason: string): never {
    throw new StoreError('corrupt', `entity ${String(this.entity.partitionKey)}/${String(this.entity.rowKey)}: ${reason}`);
  }

  string(name: string): string {
    const value = this.entity[name];
    if (typeof value !== 'string') this.fail(`${name} is not a string`);
    return value;
  }

  optionalString(name: string): string | undefined {
    return this.entity[name] === undefined ? undefined : this.string(name);
  }

  number(name: string): number {
    const value = this.entity[name];
    if (typeof value !== 'number' || !Number.isFinite(value)) this.fail(`${name} is not a number`);
    return value;
  }

  date(name: string): Date {
    const value = this.entity[name];
    if (!(value instanceof Date) || Number.isNaN(value.getTime())) this.fail(`${name} is not a DateTime`);
    return value;
  }

  destination(): HitDestination {
    const destination: HitDestination = {};
    const fqdn = this.optionalString('dstFqdn');
    const ip = this.optionalString('dstIp');
    if (fqdn !== undefined) destination.fqdn = fqdn;
    if (ip !== undefined) destination.ip = ip;
    if (this.entity.dstPort !== undefined) destination.port = this.number('dstPort');
    return destination;
  }

  json(name: string): unknown {
    const parts = this.number(`${name}Parts`);
    let text = '';
    for (let index = 0; index < parts; index += 1) text += this.string(`${name}${index}`);
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return this.fail(`${name} is not JSON`);
    }
  }
}
