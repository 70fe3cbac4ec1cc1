/**
 * The steps of one page, shared by the single-rule path (pipeline.ts) and the batched path (pack/): read the
 * pages of a window (split at the service limits), verify the rows, enrich the incidents, store them.
 */
import { incidentEnrichment } from '../enrich/incident-enrichment.js';
import { IncidentError } from '../incidents/errors.js';
import { bucketStartOf, HitPreparer } from '../incidents/grouping.js';
import { compareHitOrder, type VerifiedHit } from '../incidents/model.js';
import { runQuery, type QueryRow } from '../loganalytics/index.js';
import type { MatchExplanation, SigmaEvent } from '../match/types.js';
import { emptyUpsertReport, type UpsertReport } from '../store/incident-store.js';
import { runPool } from '../store/pool.js';
import { hitIdOf } from './hit-identity.js';
import { windowQuery } from './query-plan.js';
import type { HuntDependencies, HuntRule, HuntSettings, RunBudget } from './run-model.js';
import type { RuleRunSummary, WindowFailureReason } from './summary.js';
import { OVER_MATCH_SAMPLE_SIZE, RowVerifier, type OverMatchSample } from './verify.js';
import { DEFAULT_ROW_LIMIT_MS, SLOW_ROW_SAMPLE_SIZE, SlowRows, VerifyPacer, type SlowRow } from './verify-budget.js';
import { loggedEvent } from './log-values.js';
import type { HitSuppressor } from '../review/exceptions.js';
import { assessIngestionTimes, DEFAULT_MIN_SPLIT_SPAN_MS, DEFAULT_PAGE_ROWS, planFullPage, queryTimespanOf, splitWindow, WindowError, type HuntWindow } from './window.js';


/** Adds a page's ingestion-time assessment to the rule's summary (`assessments` carries the run's counts) and
 *  warns about rows the source gave no ingestion time. */
export function noteIngestionTimes(
  rows: readonly QueryRow[],
  assessments: { with: number; without: number },
  summary: RuleRunSummary,
  deps: Pick<HuntDependencies, 'log'>,
  ruleId: string,
): void {
  const assessment = assessIngestionTimes(rows);
  assessments.with += assessment.withIngestionTime;
  assessments.without += assessment.withoutIngestionTime;
  summary.rowsWithoutIngestionTime = assessments.without;
  summary.ingestionTimes =
    assessments.with + assessments.without === 0 ? 'empty' : assessments.without === 0 ? 'ingestion' : assessments.with === 0 ? 'time-only' : 'mixed';
  if (assessment.mode === 'time-only' || assessment.mode === 'mixed') {
    deps.log.warn(
      `rule ${ruleId}: ${assessment.withoutIngestionTime} of ${assessment.total} rows have no ingestion_time() (the source drops it); ` +
        'they were selected by TimeGenerated only and deduplicated by hit id',
    );
  }
}

/** Adds a page's verified hits and over-matches to the rule's summary; over-matches are logged with a sample. */
export function noteVerified(verified: VerifiedWindow, summary: RuleRunSummary, deps: Pick<HuntDependencies, 'log'>, huntRule: Pick<HuntRule, 'ruleId' | 'query'>): void {
  summary.verifiedHits += verified.hits;
  summary.kqlOverMatch += verified.kqlOverMatch;
  if (verified.widenedRejects > 0) summary.widenedRejects = (summary.widenedRejects ?? 0) + verified.widenedRejects;
  if (verified.suppressed > 0) summary.suppressedHits = (summary.suppressedHits ?? 0) + verified.suppressed;
  if (verified.kqlOverMatch > 0) {
    deps.log.warn(`rule ${huntRule.ruleId}: ${verified.kqlOverMatch} rows returned by the KQL were rejected by the Sigma matcher (kqlOverMatch)`, {
      querySource: huntRule.query.source,
      sample: verified.overMatchSample,
    });
  }
}

/** Adds what storing a page did to the rule's summary. */
export function noteStored(report: UpsertReport, summary: RuleRunSummary): void {
  summary.incidentsCreated += report.incidentsCreated;
  summary.incidentsUpdated += report.incidentsUpdated;
  summary.incidentsUnchanged += report.incidentsUnchanged;
  summary.hitsStored += report.hitsStored;
  summary.hitsAlreadyStored += report.hitsAlreadyStored;
}

/** Adds a page's slow rows to the summary (count, bounded sample) and logs them: hit ids and field names. */
export function noteSlowRows(slow: { count: number; sample: SlowRow[]; limitMs: number }, summary: RuleRunSummary, deps: Pick<HuntDependencies, 'log'>, huntRule: Pick<HuntRule, 'ruleId'>): void {
  if (slow.count === 0) return;
  summary.slowRows += slow.count;
  const room = SLOW_ROW_SAMPLE_SIZE - (summary.slowRowSample?.length ?? 0);
  if (room > 0) summary.slowRowSample = [...(summary.slowRowSample ?? []), ...slow.sample.slice(0, room)];
  deps.log.warn(`rule ${huntRule.ruleId}: ${slow.count} rows took longer than ${slow.limitMs} ms each to verify; their verdicts stand`, { sample: slow.sample });
}

export function stop(summary: RuleRunSummary, deps: Pick<HuntDependencies, 'log'>, huntRule: Pick<HuntRule, 'ruleId'>, reason: WindowFailureReason, detail: string): void {
  summary.stopped = { reason, detail };
  deps.log.warn(`rule ${huntRule.ruleId}: stopped (${reason}); the watermark stays at ${summary.watermark ?? 'its start'} and the next run resumes there`, { detail });
}


/** One complete result to process (its rows are every row of `window`), or why the window cannot be read now. */
export type WindowPage =
  | { kind: 'rows'; window: HuntWindow; rows: QueryRow[] }
  | { kind: 'failed'; reason: WindowFailureReason; detail: string };

/** A query is not started with less of the run's budget left than this. */
const MIN_QUERY_BUDGET_MS = 1_000;

/**
 * The pages of one window, in ingestion order. The consumer stores and checkpoints each page before asking for
 * the next, so a run holds one page at a time, never the whole window:
 * - each query asks for the first `pageRows` rows by ingestion time; a page that comes back full is cut at its
 *   last ingestion instant (window.ts planFullPage): what precedes it is complete and is yielded, the rest is
 *   read next. Nothing is read twice but rows without an ingestion time, which every page of their
 *   TimeGenerated range returns again (they sort first) and the store deduplicates by hit id;
 * - a result that hits the service limits (500,000 rows / 64 MB) or comes back partial is never used as is:
 *   its part is halved on ingestion time and each half read again, as is a full page without a single
 *   ingestion time (keyset paging cannot advance there; halving narrows its TimeGenerated range, and a minimal
 *   part that is still full is read whole, up to the service's limits);
 * - a failure (throttled or failing past the budget, too large even when minimal) ends the window.
 */
export async function* windowPages(
  huntRule: Pick<HuntRule, 'ruleId' | 'query'>,
  window: HuntWindow,
  settings: Pick<HuntSettings, 'workspaceId' | 'rowLimit' | 'pageRows' | 'minSplitSpanMs'>,
  deps: Pick<HuntDependencies, 'logsClient' | 'log' | 'queryOptions'>,
  budget: RunBudget,
  summary: Pick<RuleRunSummary, 'queries' | 'splits'>,
): AsyncGenerator<WindowPage> {
  const deadline = budget.queryDeadline;
  const pageRows = settings.pageRows ?? DEFAULT_PAGE_ROWS;
  const pending: { window: HuntWindow; paged: boolean }[] = [{ window, paged: true }];
  while (pending.length > 0) {
    const { window: part, paged } = pending.shift()!;
    if (deadline - budget.clock() < MIN_QUERY_BUDGET_MS) {
      yield { kind: 'failed', reason: 'budget', detail: `run budget spent before ${part.ingestionFrom} .. ${part.ingestionTo}` };
      return;
    }
    summary.queries += 1;
    const query = windowQuery(huntRule.query.template, part, paged ? { pageRows } : {});
    const outcome = await runQuery(deps.logsClient, settings.workspaceId, query, queryTimespanOf(part), {
      clock: budget.clock,
      ...deps.queryOptions,
      deadline,
      ...(settings.rowLimit !== undefined ? { rowLimit: settings.rowLimit } : {}),
      log: (event) => deps.log.warn(`rule ${huntRule.ruleId}: query attempt ${event.attempt} failed (${event.reason}); retrying in ${event.delayMs} ms`, { ...event }),
    });
    if (outcome.kind === 'failed') {
      yield { kind: 'failed', reason: 'query-failed', detail: `${outcome.reason}${outcome.retryable ? ' (retryable: left for the next run)' : ''}` };
      return;
    }
    let reason: string;
    let untimed = false;
    if (outcome.kind === 'complete') {
      if (!paged || outcome.rows.length < pageRows) {
        yield { kind: 'rows', window: part, rows: outcome.rows };
        continue;
      }
      const plan = planFullPage(part, outcome.rows);
      if (plan.kind === 'page') {
        pending.unshift({ window: plan.rest, paged: true });
        yield { kind: 'rows', window: plan.page, rows: plan.rows };
        continue;
      }
      if (plan.kind === 'instant') {
        deps.log.info(`rule ${huntRule.ruleId}: ${pageRows} or more rows share the ingestion time ${plan.instant.ingestionTo}; reading that instant whole`);
        pending.unshift({ window: plan.instant, paged: false }, ...(plan.rest ? [{ window: plan.rest, paged: true }] : []));
        continue;
      }
      reason = `a full page of ${pageRows} rows without an ingestion time`;
      untimed = true;
    } else {
      // truncated or partial: never use the rows
      reason = outcome.reason;
    }
    let halves: [HuntWindow, HuntWindow];
    try {
      halves = splitWindow(part, settings.minSplitSpanMs ?? DEFAULT_MIN_SPLIT_SPAN_MS);
    } catch (error) {
      if (!(error instanceof WindowError)) throw error;
      if (untimed) {
        // Rows without an ingestion time cannot be paged, and the part cannot be halved further: read it whole,
        // up to the service's limits, as the hunt did before it paged.
        deps.log.info(`rule ${huntRule.ruleId}: ${reason} in a minimal part ${part.ingestionFrom} .. ${part.ingestionTo}; reading it whole`);
        pending.unshift({ window: part, paged: false });
        continue;
      }
      yield { kind: 'failed', reason: 'too-large', detail: `${reason}; ${error.reason}` };
      return;
    }
    summary.splits += 1;
    deps.log.info(`rule ${huntRule.ruleId}: ${outcome.kind} result for ${part.ingestionFrom} .. ${part.ingestionTo} (${reason}); splitting`, {
      rowsReturned: outcome.rows.length,
    });
    // Keep ingestion order: the halves replace the part at the front.
    pending.unshift(...halves.map((half) => ({ window: half, paged })));
  }
}

/**
 * A window's verified hits, grouped by incident key. Each group holds the positions of its rows, not its hits: a
 * 500,000-row window would otherwise keep 500,000 adapted events and hits alive next to the rows (over 200 MB);
 * the hits of a group are made again from its rows when the group is stored (hitBatchesOf), a few groups at a
 * time, with the explanation the matcher gave each row here (so the second pass adapts rows but matches none).
 * Making a hit is deterministic (RowVerifier), so the hits stored are the hits verified.
 */
export interface VerifiedWindow {
  kind: 'verified';
  rows: readonly QueryRow[];
  verifier: RowVerifier;
  groups: WindowGroup[];
  /** Rows that became hits (not counting the suppressed ones). */
  hits: number;
  /** Verified hits an active exception suppressed. */
  suppressed: number;
  kqlOverMatch: number;
  /** Rejected rows that a batch's widened test returned (options.widened): not over-matches of the rule's query. */
  widenedRejects: number;
  overMatchSample: OverMatchSample[];
  rowsWithoutTime: number;
  /** Rows whose evaluation took longer than the per-row limit (their verdicts stand). */
  slowRows: SlowRows;
}

/** The page's verification passed the run's deadline after `rowsVerified` rows: nothing of it may be stored. */
export interface VerifyStopped {
  kind: 'budget';
  rowsVerified: number;
  slowRows: SlowRows;
}

export interface VerifyWindowOptions extends Pick<HuntSettings, 'groupingWindowMs' | 'rowLimitMs' | 'logEventValues'> {
  /** Checks the run's deadline and yields between rows (without one: neither). */
  pacer?: VerifyPacer;
  /** Times each matcher evaluation (without one: nothing is timed). */
  rowClock?: () => number;
  /** The adapted event of row `index` when the caller already has it (a batch adapts each row once). */
  eventOf?: (index: number) => SigmaEvent;
  /** Active exceptions: a verified hit they suppress is counted in `suppressed` and not grouped or stored. */
  suppress?: HitSuppressor;
  /** Whether row `index` came through a batch's widened test (src/hunt/pack/batch-query.ts widenedFor). */
  widened?: (index: number) => boolean;
}

export interface WindowGroup {
  incidentKey: string;
  /** Positions in `rows` of the group's hits, ascending. */
  rowIndexes: number[];
  /** The matcher's explanation of each of those rows (shared objects: rows the matcher saw alike share one). */
  explanations: MatchExplanation[];
  /** The group's first hit by (eventTime, hitId), the first in row order among equals. */
  earliest: VerifiedHit;
}

export interface EnrichedGroup extends WindowGroup {
  enrichment: object;
}

/** Verifies every row and groups the hits as the store will group them (same key function, grouping.ts); stops
 *  when the pacer says the run's deadline has passed. */
export async function verifyWindow(
  rows: readonly QueryRow[],
  huntRule: Pick<HuntRule, 'mapping' | 'compiled'>,
  options: VerifyWindowOptions,
): Promise<VerifiedWindow | VerifyStopped> {
  const verifier = new RowVerifier(huntRule.mapping, huntRule.compiled, options.rowClock);
  const preparer = new HitPreparer(options.groupingWindowMs);
  const slowRows = new SlowRows(options.rowLimitMs ?? DEFAULT_ROW_LIMIT_MS);
  const pacer = options.pacer;
  const logEventValues = options.logEventValues === true;
  const groups = new Map<string, WindowGroup>();
  const overMatchSample: OverMatchSample[] = [];
  let hits = 0;
  let suppressed = 0;
  let kqlOverMatch = 0;
  let widenedRejects = 0;
  let rowsWithoutTime = 0;
  for (let index = 0; index < rows.length; index++) {
    if (index > 0 && pacer?.rowDone(verifier.lastEvaluationMs) && !(await pacer.pace())) return { kind: 'budget', rowsVerified: index, slowRows };
    const row = rows[index]!;
    const event = options.eventOf ? options.eventOf(index) : verifier.eventOf(row);
    const hit = verifier.verify(row, event);
    if (verifier.lastEvaluationMs > slowRows.limitMs) slowRows.note(verifier.lastEvaluationMs, verifier.ruleId, () => hitIdOf(row, huntRule.mapping), event, verifier.testedFields);
    if (hit === 'over-match') {
      if (options.widened?.(index)) {
        widenedRejects += 1;
        continue;
      }
      kqlOverMatch += 1;
      if (overMatchSample.length < OVER_MATCH_SAMPLE_SIZE) overMatchSample.push(loggedEvent(hitIdOf(row, huntRule.mapping), event, logEventValues));
      continue;
    }
    if (hit === 'no-time') {
      rowsWithoutTime += 1;
      continue;
    }
    if (options.suppress?.(verifier.ruleId, event) !== undefined) {
      suppressed += 1;
      continue;
    }
    hits += 1;
    const { incidentKey } = preparer.keyOf(hit);
    const group = groups.get(incidentKey);
    if (!group) {
      groups.set(incidentKey, { incidentKey, rowIndexes: [index], explanations: [hit.explanation], earliest: hit });
      continue;
    }
    group.rowIndexes.push(index);
    group.explanations.push(hit.explanation);
    if (compareHitOrder(hit, group.earliest) < 0) group.earliest = hit;
  }
  if (pacer && rows.length > 0 && !(await pacer.pace())) return { kind: 'budget', rowsVerified: rows.length, slowRows };
  return { kind: 'verified', rows, verifier, groups: [...groups.values()], hits, suppressed, kqlOverMatch, widenedRejects, overMatchSample, rowsWithoutTime, slowRows };
}

/**
 * Each group with its incident's enrichment: the rule's, plus the entities of the group's earliest hit and pivot
 * queries over the incident's bucket (an hour either side). Deterministic in the window's hits, so re-running
 * the window rewrites the same enrichment.
 */
export function enrichWindow(window: VerifiedWindow, huntRule: HuntRule, settings: Pick<HuntSettings, 'groupingWindowMs' | 'target'>): EnrichedGroup[] {
  const hour = 3_600_000;
  return window.groups.map((group) => {
    const bucketStart = bucketStartOf(group.earliest.eventTime, settings.groupingWindowMs).getTime();
    return {
      ...group,
      enrichment: incidentEnrichment({
        rule: huntRule.enrichment,
        hit: group.earliest,
        target: settings.target,
        pivotFrom: new Date(bucketStart - hour),
        pivotTo: new Date(bucketStart + settings.groupingWindowMs + hour),
      }),
    };
  });
}

/** Hits handed to the store in one call at most (a larger group is stored in several calls, in turn). */
export const MAX_HITS_PER_UPSERT = 16_384;

/**
 * The hits of a group, made again from its rows, in batches of at most MAX_HITS_PER_UPSERT. A group that large
 * is split by a hash of the hit id, so copies of one hit id stay in one batch (the store resolves copies within
 * a call); storing the batches one after the other gives the tables one call would, since the store's fold is
 * split-independent (src/incidents/merge.ts).
 */
export function* hitBatchesOf(window: VerifiedWindow, group: WindowGroup): Generator<VerifiedHit[]> {
  const hitOf = (index: number, explanation: MatchExplanation): VerifiedHit => {
    const hit = window.verifier.hitOf(window.rows[index]!, explanation);
    // hitOf() is deterministic: a row that had a time when verified has it again.
    if (typeof hit === 'string') throw new IncidentError('value', `row ${index} of the window was a hit and is now rejected (${hit}): verification must be deterministic`);
    return hit;
  };
  const batches = Math.ceil(group.rowIndexes.length / MAX_HITS_PER_UPSERT);
  if (batches <= 1) {
    yield group.rowIndexes.map((index, position) => hitOf(index, group.explanations[position]!));
    return;
  }
  for (let batch = 0; batch < batches; batch++) {
    const hits: VerifiedHit[] = [];
    group.rowIndexes.forEach((index, position) => {
      const hitId = hitIdOf(window.rows[index]!, window.verifier.mapping);
      if (fnv1a(hitId) % batches === batch) hits.push(hitOf(index, group.explanations[position]!));
    });
    if (hits.length > 0) yield hits;
  }
}

/** 32-bit FNV-1a of the UTF-16 code units: a cheap, stable spread of hit ids over batches. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** Writes every group (bounded parallelism); after the first failure no group starts and no running one sends
 *  another batch, and the error is rethrown once the running ones settle, so nothing is written after the call
 *  failed. */
export async function storeGroups(window: VerifiedWindow, groups: readonly EnrichedGroup[], deps: HuntDependencies): Promise<UpsertReport> {
  const total = emptyUpsertReport();
  await runPool(groups.length, deps.storeConcurrency ?? 8, async (index, aborted) => {
    const group = groups[index]!;
    // One incident, possibly in several calls: it counts once, as created if any call created it.
    const incident = { created: false, updated: false };
    for (const hits of hitBatchesOf(window, group)) {
      if (aborted()) return;
      const report = await deps.incidents.upsertHits(hits, () => group.enrichment);
      total.hitsReceived += report.hitsReceived;
      total.hitsDistinct += report.hitsDistinct;
      total.hitsStored += report.hitsStored;
      total.hitsAlreadyStored += report.hitsAlreadyStored;
      total.conflictRetries += report.conflictRetries;
      incident.created ||= report.incidentsCreated > 0;
      incident.updated ||= report.incidentsUpdated > 0;
    }
    if (incident.created) total.incidentsCreated += 1;
    else if (incident.updated) total.incidentsUpdated += 1;
    else total.incidentsUnchanged += 1;
  });
  return total;
}


export function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

export function minText(values: string[]): string {
  return values.reduce((min, value) => (value < min ? value : min));
}

export function maxText(values: string[]): string {
  return values.reduce((max, value) => (value > max ? value : max));
}

