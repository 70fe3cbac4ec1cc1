/**
 * The incident model: verified hits in, deduplicated incidents out. An incident is every hit of one rule on
 * one host, from one process image, to one destination, within one grouping bucket (see grouping.ts).
 *
 * Everything stored is derived from the hits themselves (no wall-clock "updatedAt"), so that running the same
 * window again, in any order or split, produces the same incident.
 */
import type { SigmaLevel } from '../rule/model.js';
import type { MatchExplanation } from '../match/types.js';
import type { JsonObject } from './bounds.js';

export type { JsonObject, JsonValue } from './bounds.js';

export interface HitDestination {
  fqdn?: string;
  ip?: string;
  port?: number;
}

/** A row that the KQL pre-filter returned and the Sigma matcher confirmed. */
export interface VerifiedHit {
  ruleId: string;
  ruleTitle: string;
  level?: string;
  /** Stable identity of the source row, provided by the caller: the same row always has the same id. */
  hitId: string;
  eventTime: Date;
  host: string;
  account?: string;
  processImage: string;
  processId?: string;
  destination: HitDestination;
  /** The Sigma event the matcher saw. */
  event: Record<string, unknown>;
  explanation: MatchExplanation;
}

export type IncidentSeverity = SigmaLevel;
/** Set to `new` when an incident is created; a triage tool may change it and the hunt never overwrites it. */
export type IncidentStatus = 'new' | 'active' | 'closed';
export const INCIDENT_STATUSES: readonly IncidentStatus[] = ['new', 'active', 'closed'];

/** What was cut to fit the storage bounds (see bounds.ts). */
export type TruncatedPart =
  | 'ruleId'
  | 'ruleTitle'
  | 'host'
  | 'account'
  | 'processImage'
  | 'destination'
  | 'sampleHits'
  | 'explanation'
  | 'enrichment';
export const TRUNCATED_PARTS: readonly TruncatedPart[] = [
  'ruleId',
  'ruleTitle',
  'host',
  'account',
  'processImage',
  'destination',
  'sampleHits',
  'explanation',
  'enrichment',
];

/** One of the earliest hits of an incident, kept so an analyst sees real events without re-querying. */
export interface IncidentSample {
  /** The caller's hit id (ids over 512 characters become a prefix plus their sha256). */
  hitId: string;
  eventTime: Date;
  account?: string;
  processId?: string;
  destination: HitDestination;
  event: JsonObject;
  /** Present when the event or a field was cut to fit. */
  truncated?: true;
}

export interface Incident {
  /** sha256-derived key of (rule, host, image, destination, bucket, window): the incident's PartitionKey. */
  incidentKey: string;
  ruleId: string;
  ruleTitle: string;
  severity: IncidentSeverity;
  /** Host, image and destination as written in the earliest hit (grouping compares them case-insensitively). */
  host: string;
  /** The account of the earliest hit that has one. */
  account?: string;
  processImage: string;
  destination: HitDestination;
  /** Start of the fixed grouping bucket (UTC epoch-aligned), and the bucket width. */
  bucketStart: Date;
  groupingWindowMs: number;
  /** The workspace the hits were read from, when the deployment hunts many (src/fanout/); part of the key. */
  workspaceId?: string;
  firstSeen: Date;
  lastSeen: Date;
  /** Exact number of distinct hits. */
  hitCount: number;
  /** Up to MAX_SAMPLE_HITS hits, the smallest by (eventTime, hitId): independent of arrival order. */
  sampleHits: IncidentSample[];
  /** Union of the matched searches and reasons of all hits, sorted (bounded: see `truncated`). */
  explanation: MatchExplanation;
  /** Caller-provided context for the rule (metadata, ATT&CK, entities, pivots), stored as given. */
  enrichment: JsonObject;
  status: IncidentStatus;
  /** Parts cut to fit Table Storage limits; empty when nothing was cut. */
  truncated: TruncatedPart[];
}

export const MAX_SAMPLE_HITS = 5;

const SEVERITIES: readonly IncidentSeverity[] = ['informational', 'low', 'medium', 'high', 'critical'];

/** A Sigma level as an incident severity. `level` is optional in Sigma; without one (or with one we do not
 *  know) we use `medium`, the default severity of a Sentinel scheduled rule. */
export function severityOf(level: string | undefined): IncidentSeverity {
  const normalized = level?.trim().toLowerCase();
  return SEVERITIES.find((severity) => severity === normalized) ?? 'medium';
}

export function isIncidentSeverity(text: string): text is IncidentSeverity {
  return (SEVERITIES as readonly string[]).includes(text);
}

/** Order of hits for samples and for "earliest": event time, then hit id (code-unit order). */
export function compareHitOrder(
  left: { eventTime: Date; hitId: string },
  right: { eventTime: Date; hitId: string },
): number {
  const byTime = left.eventTime.getTime() - right.eventTime.getTime();
  if (byTime !== 0) return byTime;
  return left.hitId < right.hitId ? -1 : left.hitId > right.hitId ? 1 : 0;
}
