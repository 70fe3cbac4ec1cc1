/**
 * Folding hits into an incident. The fold is order- and split-independent: merging hits A then B gives the same
 * incident as merging A ∪ B at once (every field is a min, max, count, top-k or bounded union; see bounds.ts),
 * which is what lets a crashed or repeated run converge on the tables of one clean run.
 */
import {
  boundText,
  fitJsonObject,
  toJsonObject,
  unionExplanations,
  type Bounded,
  type ExplanationBounds,
  type JsonObject,
} from './bounds.js';
import { IncidentError } from './errors.js';
import { DISPLAY_MAX_CHARS, sampleOf, type HitGroup, type IncidentIdentity, type PreparedHit } from './grouping.js';
import {
  compareHitOrder,
  MAX_SAMPLE_HITS,
  TRUNCATED_PARTS,
  type HitDestination,
  type Incident,
  type IncidentSeverity,
  type TruncatedPart,
} from './model.js';

/** The union of explanations an incident keeps. */
export const INCIDENT_EXPLANATION_BOUNDS: ExplanationBounds = { maxSearches: 64, maxReasons: 50, maxReasonChars: 1000 };
/** JSON text of the caller's enrichment object. */
export const ENRICHMENT_MAX_CHARS = 160_000;

/** An incident plus the bookkeeping the fold needs; the store persists all of it. */
export interface IncidentRecord extends Incident {
  /** Hit id of the earliest hit, whose host, image and destination the incident shows. */
  firstHitId: string;
  /** Time and id of the earliest hit with an account (the one `account` comes from). */
  accountSource?: { eventTime: Date; hitId: string };
}

/**
 * What the current call says about the rule. Title and severity describe the rule: newest wins. The enrichment
 * also holds entities of one hit (the caller computes it from the earliest hit it has), so it follows the
 * incident's earliest hit instead: a call whose hits all come after the stored first hit keeps the stored
 * enrichment. Otherwise a window read in pages, or windows re-run out of order, would leave the entities of
 * whichever call came last.
 */
export interface RuleContext {
  ruleTitle: Bounded<string>;
  severity: IncidentSeverity;
  enrichment: Bounded<JsonObject>;
  /** The earliest hit of the call's group: the hit the enrichment stands for. */
  source?: { eventTime: Date; hitId: string };
}

/** The rule context for a group: title and level of its earliest hit, and the caller's enrichment. */
export function ruleContextOf(group: HitGroup, enrichment: unknown): RuleContext {
  const earliest = group.hits[0];
  const enrichmentObject = toJsonObject(enrichment ?? {}, `enrichment for rule ${group.identity.ruleId}`);
  return {
    ruleTitle: earliest ? earliest.ruleTitle : { value: '', truncated: false },
    severity: earliest ? earliest.severity : 'medium',
    enrichment: fitJsonObject(enrichmentObject, ENRICHMENT_MAX_CHARS),
    ...(earliest ? { source: { eventTime: earliest.eventTime, hitId: earliest.hitId } } : {}),
  };
}

/**
 * The incident after adding `fresh` hits, which the caller has checked are not stored yet. `existing` is the
 * stored summary (undefined for a new incident, in which case `fresh` must not be empty).
 */
export function mergeIncident(
  existing: IncidentRecord | undefined,
  incidentKey: string,
  identity: IncidentIdentity,
  fresh: readonly PreparedHit[],
  context: RuleContext,
): IncidentRecord {
  const had = new Set<TruncatedPart>(existing?.truncated ?? []);
  const sortedFresh = [...fresh].sort(compareHitOrder);
  const earliestFresh = sortedFresh[0];

  // Display fields come from the earliest hit overall.
  let display: { host: string; processImage: string; destination: HitDestination; firstHitId: string };
  const displayTruncated = new Set<TruncatedPart>();
  const freshIsEarliest =
    earliestFresh !== undefined &&
    (existing === undefined ||
      compareHitOrder(earliestFresh, { eventTime: existing.firstSeen, hitId: existing.firstHitId }) < 0);
  if (freshIsEarliest && earliestFresh) {
    display = {
      host: earliestFresh.host.value,
      processImage: earliestFresh.processImage.value,
      destination: earliestFresh.destination.value,
      firstHitId: earliestFresh.hitId,
    };
    if (earliestFresh.host.truncated) displayTruncated.add('host');
    if (earliestFresh.processImage.truncated) displayTruncated.add('processImage');
    if (earliestFresh.destination.truncated) displayTruncated.add('destination');
  } else if (existing) {
    display = {
      host: existing.host,
      processImage: existing.processImage,
      destination: existing.destination,
      firstHitId: existing.firstHitId,
    };
    for (const part of ['host', 'processImage', 'destination'] as const) if (had.has(part)) displayTruncated.add(part);
  } else {
    throw new IncidentError('value', `incident ${incidentKey}: a new incident needs at least one hit`);
  }

  // Account: from the earliest hit that carries one.
  let account: { value: string; source: { eventTime: Date; hitId: string }; truncated: boolean } | undefined =
    existing?.account !== undefined && existing.accountSource
      ? { value: existing.account, source: existing.accountSource, truncated: had.has('account') }
      : undefined;
  for (const hit of sortedFresh) {
    if (!hit.account) continue;
    if (!account || compareHitOrder(hit, account.source) < 0) {
      account = { value: hit.account.value, source: { eventTime: hit.eventTime, hitId: hit.hitId }, truncated: hit.account.truncated };
    }
    break; // sortedFresh is ordered: the first fresh hit with an account is the only candidate
  }

  const samples = [...(existing?.sampleHits ?? []), ...sortedFresh.map(sampleOf)]
    .sort(compareHitOrder)
    .slice(0, MAX_SAMPLE_HITS);

  const explanation = unionExplanations(
    { explanation: existing?.explanation ?? { matchedSearches: [], unmatchedSearches: [], reasons: [] }, truncated: had.has('explanation') },
    sortedFresh.map((hit) => hit.explanation),
    INCIDENT_EXPLANATION_BOUNDS,
  );

  const ruleId = boundText(identity.ruleId, DISPLAY_MAX_CHARS);
  const truncated = new Set<TruncatedPart>(displayTruncated);
  if (ruleId.truncated) truncated.add('ruleId');
  if (context.ruleTitle.truncated) truncated.add('ruleTitle');
  if (account?.truncated) truncated.add('account');
  if (samples.some((sample) => sample.truncated)) truncated.add('sampleHits');
  if (explanation.truncated) truncated.add('explanation');
  const keepEnrichment =
    existing !== undefined &&
    context.source !== undefined &&
    compareHitOrder({ eventTime: existing.firstSeen, hitId: existing.firstHitId }, context.source) < 0;
  const enrichment = keepEnrichment ? { value: existing.enrichment as JsonObject, truncated: had.has('enrichment') } : context.enrichment;
  if (enrichment.truncated) truncated.add('enrichment');

  // A loop, not Math.min(...times): spreading a large incident's hits would overflow the argument limit.
  let firstSeen = existing?.firstSeen.getTime() ?? Infinity;
  let lastSeen = existing?.lastSeen.getTime() ?? -Infinity;
  for (const hit of sortedFresh) {
    firstSeen = Math.min(firstSeen, hit.eventTime.getTime());
    lastSeen = Math.max(lastSeen, hit.eventTime.getTime());
  }

  const record: IncidentRecord = {
    incidentKey,
    ruleId: ruleId.value,
    ruleTitle: context.ruleTitle.value,
    severity: context.severity,
    host: display.host,
    processImage: display.processImage,
    destination: display.destination,
    bucketStart: new Date(identity.bucketStart.getTime()),
    groupingWindowMs: identity.windowMs,
    ...(identity.scope !== undefined ? { workspaceId: identity.scope } : {}),
    firstSeen: new Date(firstSeen),
    lastSeen: new Date(lastSeen),
    hitCount: (existing?.hitCount ?? 0) + sortedFresh.length,
    sampleHits: samples,
    explanation: explanation.explanation,
    enrichment: enrichment.value,
    status: existing?.status ?? 'new',
    truncated: TRUNCATED_PARTS.filter((part) => truncated.has(part)),
    firstHitId: display.firstHitId,
  };
  if (account) {
    record.account = account.value;
    record.accountSource = account.source;
  }
  return record;
}

/** The public view of a record. */
export function incidentOf(record: IncidentRecord): Incident {
  const { firstHitId: _firstHitId, accountSource: _accountSource, ...incident } = record;
  return incident;
}
