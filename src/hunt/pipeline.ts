/**
 * One hunt run: for each rule, the windows from its stored ingestion watermark to now - safetyLag (now being the
 * Log Analytics service's clock, service-clock.ts), each read in pages of at most HUNT_PAGE_ROWS rows
 * (windowPages), each page
 *
 *     query (split until complete) → verify → enrich → store → checkpoint
 *
 * so a run holds one page, never a whole window: memory is bounded whatever the workspace returns.
 *
 * Exactly-once, by construction rather than by care:
 * - the watermark (one per workspace + target + rule) is advanced, with the ETag it was read with, only after
 *   the page's incidents are written; a crash anywhere before leaves it where it was, and the next run reads
 *   the same rows again;
 * - reading a window again is harmless: every row has a stable hit id (hit-identity.ts), the store keeps each
 *   hit once and folds incidents order-independently (src/store/incident-store.ts), and the enrichment of an
 *   incident is a function of the incident's hits in the window and its bucket, so it is rewritten identically;
 * - a result that hits the service limits (500,000 rows / 64 MB) or comes back partial is never used as is: the
 *   window is halved on ingestion time and each part re-queried until every part is complete;
 * - a window that still fails (throttled or failing past the run's budget, too large even when minimal) stops
 *   its rule for this run with the watermark untouched: the next run starts there; so does a page whose
 *   verification runs past the budget (verify-budget.ts): nothing of it is stored.
 *
 * `faults` is called after each step (tests crash the run there and check that the next run converges).
 */
import type { LogsQueryClient } from '@azure/monitor-query-logs';
import { incidentEnrichment, type RuleEnrichment } from '../enrich/incident-enrichment.js';
import { IncidentError } from '../incidents/errors.js';
import { bucketStartOf, HitPreparer } from '../incidents/grouping.js';
import { compareHitOrder, type VerifiedHit } from '../incidents/model.js';
import { runQuery, type QueryRow, type RunQueryOptions } from '../loganalytics/index.js';
import type { CompiledRule, MatchExplanation } from '../match/types.js';
import type { SigmaRule } from '../rule/model.js';
import { CheckpointConflictError, type CheckpointStore } from '../store/checkpoint-store.js';
import { emptyUpsertReport, type IncidentStore, type UpsertReport } from '../store/incident-store.js';
import { runPool } from '../store/pool.js';
import type { CategoryMapping, TargetName } from '../targets/types.js';
import { hitIdOf } from './hit-identity.js';
import { windowQuery, type RuleQuery } from './query-plan.js';
import { emptyRuleSummary, totalsOf, type HuntSummary, type RuleRunSummary, type WindowFailureReason } from './summary.js';
import { readServiceClock } from './service-clock.js';
import { OVER_MATCH_SAMPLE_SIZE, RowVerifier, type OverMatchSample } from './verify.js';
import { DEFAULT_ROW_LIMIT_MS, SLOW_ROW_SAMPLE_SIZE, SlowRows, VerifyPacer, type SlowRow } from './verify-budget.js';
import { loggedEvent } from './log-values.js';
import {
  assessIngestionTimes,
  DEFAULT_MIN_SPLIT_SPAN_MS,
  DEFAULT_PAGE_ROWS,
  laterWatermark,
  planFullPage,
  planWindow,
  queryTimespanOf,
  splitWindow,
  WindowError,
  type HuntWindow,
} from './window.js';

export type HuntStep = 'query' | 'verify' | 'enrich' | 'store' | 'checkpoint';
export const HUNT_STEPS: readonly HuntStep[] = ['query', 'verify', 'enrich', 'store', 'checkpoint'];

/** Called after each step of each window; throwing ends the run there, as a crash would. */
export type HuntFaults = (step: HuntStep, at: { ruleId: string; window: HuntWindow }) => void | Promise<void>;

export interface HuntLog {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** A rule ready to hunt: its matcher, its query and its rule-level enrichment. */
export interface HuntRule {
  rule: SigmaRule;
  ruleId: string;
  compiled: CompiledRule;
  query: RuleQuery;
  mapping: CategoryMapping;
  enrichment: RuleEnrichment;
}

export interface HuntSettings {
  workspaceId: string;
  target: TargetName;
  lookbackMs: number;
  ingestionDelayMs: number;
  safetyLagMs: number;
  maxWindowMs: number;
  groupingWindowMs: number;
  runBudgetMs: number;
  clockSkewMs?: number;
  minSplitSpanMs?: number;
  /** A complete result with this many rows counts as truncated (default 500,000, the service limit). */
  rowLimit?: number;
  /** Rows per query (default DEFAULT_PAGE_ROWS): a window with more is read in pages. */
  pageRows?: number;
  /** One-off hunt from now - sinceMs, ignoring the stored watermark (which is still only ever moved forward). */
  sinceMs?: number;
  /** Time kept back from the queries for storing and checkpointing the last window; default min(60 s, budget/4). */
  storeReserveMs?: number;
  /** A row whose matcher evaluation takes longer is recorded (HUNT_ROW_LIMIT_MS; default DEFAULT_ROW_LIMIT_MS). */
  rowLimitMs?: number;
  /** Logs may carry event values, truncated (HUNT_LOG_EVENT_VALUES; default false: hit ids and field names). */
  logEventValues?: boolean;
}

export interface HuntDependencies {
  logsClient: LogsQueryClient;
  incidents: IncidentStore;
  checkpoints: CheckpointStore;
  log: HuntLog;
  /** The host's clock (default: new Date()). Only for the run's start and for measuring skew: the windows end
   *  at the service's clock (service-clock.ts). */
  now?: () => Date;
  /** The run's elapsed-time clock, epoch ms, that the budget is measured on (default Date.now). */
  budgetClock?: () => number;
  /** Times each matcher evaluation, ms (default performance.now). */
  rowClock?: () => number;
  faults?: HuntFaults;
  /** Passed to every runQuery (tests shorten the backoff). */
  queryOptions?: Omit<RunQueryOptions, 'deadline' | 'rowLimit'>;
  /** Incident partitions written in parallel; default 8. */
  storeConcurrency?: number;
}

/** The checkpoint scope of a rule: a watermark per workspace, target and rule, so adding a rule starts it at
 *  the lookback instead of inheriting another rule's progress. */
export function checkpointScopeOf(workspaceId: string, target: TargetName, ruleId: string): string {
  return `hunt/v1/${workspaceId}/${target}/${ruleId}`;
}

export async function runHunt(rules: readonly HuntRule[], settings: HuntSettings, deps: HuntDependencies, skippedRules: HuntSummary['skippedRules'] = []): Promise<HuntSummary> {
  // Three clocks: the service's places the windows, the host's (`now`) only dates the run and measures the skew,
  // and `budgetClock` measures elapsed time and the budget.
  const hostClock = deps.now ?? (() => new Date());
  const budgetClock = deps.budgetClock ?? Date.now;
  const startedAt = hostClock();
  const startedMs = budgetClock();
  const deadline = startedMs + settings.runBudgetMs;
  const queryDeadline = deadline - storeReserveOf(settings);
  const summaries: RuleRunSummary[] = [];
  let failed = false;
  const serviceClock =
    rules.length > 0 ? await readServiceClock(deps.logsClient, settings.workspaceId, hostClock, deps.log, { clock: budgetClock, ...deps.queryOptions, deadline: queryDeadline }) : undefined;
  for (const huntRule of rules) {
    const summary = emptyRuleSummary(huntRule.ruleId, huntRule.rule.title, huntRule.query.source);
    summaries.push(summary);
    if (serviceClock && !serviceClock.ok) {
      stop(summary, deps, huntRule, 'query-failed', serviceClock.reason);
      continue;
    }
    try {
      await huntRuleWindows(huntRule, settings, deps, serviceClock!.now, { clock: budgetClock, queryDeadline }, summary);
    } catch (error) {
      failed = true;
      summary.stopped = { reason: 'error', detail: describe(error) };
      deps.log.error(`rule ${huntRule.ruleId}: run failed; the watermark stays at the last stored window`, { error: describe(error) });
    }
  }
  const windows = summaries.flatMap((rule) => (rule.window ? [rule.window] : []));
  const summary: HuntSummary = {
    event: 'sigma-hunt.run',
    outcome: failed ? 'failed' : summaries.some((rule) => rule.stopped) ? 'incomplete' : 'ok',
    startedAt: startedAt.toISOString(),
    durationMs: budgetClock() - startedMs,
    workspaceId: settings.workspaceId,
    target: settings.target,
    ...(serviceClock ? { serviceClock: serviceClock.summary } : {}),
    ...(windows.length > 0
      ? {
          window: {
            ingestionFrom: minText(windows.map((window) => window.ingestionFrom)),
            ingestionTo: maxText(windows.map((window) => window.ingestionTo)),
            timeFrom: minText(windows.map((window) => window.timeFrom)),
            timeTo: maxText(windows.map((window) => window.timeTo)),
          },
        }
      : {}),
    rules: summaries,
    skippedRules,
    totals: totalsOf(summaries),
  };
  return summary;
}

/** Time kept back from the queries and verification for storing and checkpointing the last page. */
function storeReserveOf(settings: Pick<HuntSettings, 'storeReserveMs' | 'runBudgetMs'>): number {
  return settings.storeReserveMs ?? Math.min(60_000, Math.floor(settings.runBudgetMs / 4));
}

/** The run's budget: its clock and the instant past which no query or verification starts. */
interface RunBudget {
  clock: () => number;
  queryDeadline: number;
}

async function huntRuleWindows(
  huntRule: HuntRule,
  settings: HuntSettings,
  deps: HuntDependencies,
  now: Date,
  budget: RunBudget,
  summary: RuleRunSummary,
): Promise<void> {
  const scope = checkpointScopeOf(settings.workspaceId, settings.target, huntRule.ruleId);
  const checkpoint = await deps.checkpoints.read(scope);
  let etag = checkpoint?.etag;
  let watermark = checkpoint?.watermark;
  if (watermark !== undefined) summary.watermark = watermark;
  const plan = planWindow({
    now,
    ...(settings.sinceMs === undefined && watermark !== undefined ? { watermark } : {}),
    lookbackMs: settings.sinceMs ?? settings.lookbackMs,
    ingestionDelayMs: settings.ingestionDelayMs,
    safetyLagMs: settings.safetyLagMs,
    maxSpanMs: settings.maxWindowMs,
    ...(settings.clockSkewMs !== undefined ? { clockSkewMs: settings.clockSkewMs } : {}),
  });
  summary.windowsPlanned = plan.windows.length;
  if (plan.watermarkAhead) deps.log.warn(`rule ${huntRule.ruleId}: the stored watermark ${watermark} is ahead of now - safety lag; nothing to read`);
  const at = (window: HuntWindow) => ({ ruleId: huntRule.ruleId, window });
  const assessments = { with: 0, without: 0 };

  for (const window of plan.windows) {
    for await (const page of windowPages(huntRule, window, settings, deps, budget, summary)) {
      if (page.kind === 'failed') {
        stop(summary, deps, huntRule, page.reason, page.detail);
        return;
      }
      const part = page.window;
      const rows = page.rows;
      summary.rows += rows.length;
      const assessment = assessIngestionTimes(rows);
      assessments.with += assessment.withIngestionTime;
      assessments.without += assessment.withoutIngestionTime;
      summary.rowsWithoutIngestionTime = assessments.without;
      summary.ingestionTimes =
        assessments.with + assessments.without === 0 ? 'empty' : assessments.without === 0 ? 'ingestion' : assessments.with === 0 ? 'time-only' : 'mixed';
      if (assessment.mode === 'time-only' || assessment.mode === 'mixed') {
        deps.log.warn(
          `rule ${huntRule.ruleId}: ${assessment.withoutIngestionTime} of ${assessment.total} rows have no ingestion_time() (the source drops it); ` +
            'they were selected by TimeGenerated only and deduplicated by hit id',
        );
      }
      await deps.faults?.('query', at(part));

      // 2. verify, grouping as it goes (a window's hits are not held: see verifyWindow), within the budget
      const verified = await verifyWindow(rows, huntRule, {
        ...settings,
        pacer: new VerifyPacer({ deadline: budget.queryDeadline, clock: budget.clock }),
        rowClock: deps.rowClock ?? (() => performance.now()),
      });
      noteSlowRows(verified.slowRows, summary, deps, huntRule);
      if (verified.kind === 'budget') {
        stop(summary, deps, huntRule, 'budget', `run budget spent verifying ${part.ingestionFrom} .. ${part.ingestionTo} (${verified.rowsVerified} of ${rows.length} rows); nothing of it was stored`);
        return;
      }
      summary.verifiedHits += verified.hits;
      summary.kqlOverMatch += verified.kqlOverMatch;
      if (verified.kqlOverMatch > 0) {
        deps.log.warn(`rule ${huntRule.ruleId}: ${verified.kqlOverMatch} rows returned by the KQL were rejected by the Sigma matcher (kqlOverMatch)`, {
          querySource: huntRule.query.source,
          sample: verified.overMatchSample,
        });
      }
      await deps.faults?.('verify', at(part));

      // 3. enrich: one enrichment per incident of this page
      const groups = enrichWindow(verified, huntRule, settings);
      await deps.faults?.('enrich', at(part));

      // 4. store
      const report = await storeGroups(verified, groups, deps);
      summary.incidentsCreated += report.incidentsCreated;
      summary.incidentsUpdated += report.incidentsUpdated;
      summary.incidentsUnchanged += report.incidentsUnchanged;
      summary.hitsStored += report.hitsStored;
      summary.hitsAlreadyStored += report.hitsAlreadyStored;
      await deps.faults?.('store', at(part));

      // 5. checkpoint, only now that every incident of the page is durably written
      const next = laterWatermark(watermark, part.ingestionTo);
      try {
        const advanced = await deps.checkpoints.advance(scope, etag, next);
        etag = advanced.etag;
        watermark = advanced.watermark;
        summary.watermark = watermark;
      } catch (error) {
        if (error instanceof CheckpointConflictError) {
          // Another run moved it: its window overlaps ours, and the stored hits were deduplicated; let it go on.
          stop(summary, deps, huntRule, 'checkpoint-conflict', error.reason);
          return;
        }
        throw error;
      }
      summary.pages += 1;
      summary.window = summary.window
        ? { ...summary.window, ingestionTo: part.ingestionTo, timeTo: maxText([summary.window.timeTo, part.timeTo]) }
        : { ingestionFrom: part.ingestionFrom, ingestionTo: part.ingestionTo, timeFrom: part.timeFrom, timeTo: part.timeTo };
      await deps.faults?.('checkpoint', at(part));
    }
    summary.windowsCompleted += 1;
  }
}

/** Adds a page's slow rows to the summary (count, bounded sample) and logs them: hit ids and field names. */
function noteSlowRows(slow: { count: number; sample: SlowRow[]; limitMs: number }, summary: RuleRunSummary, deps: HuntDependencies, huntRule: HuntRule): void {
  if (slow.count === 0) return;
  summary.slowRows += slow.count;
  const room = SLOW_ROW_SAMPLE_SIZE - (summary.slowRowSample?.length ?? 0);
  if (room > 0) summary.slowRowSample = [...(summary.slowRowSample ?? []), ...slow.sample.slice(0, room)];
  deps.log.warn(`rule ${huntRule.ruleId}: ${slow.count} rows took longer than ${slow.limitMs} ms each to verify; their verdicts stand`, { sample: slow.sample });
}

function stop(summary: RuleRunSummary, deps: HuntDependencies, huntRule: HuntRule, reason: WindowFailureReason, detail: string): void {
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
  /** Rows that became hits. */
  hits: number;
  kqlOverMatch: number;
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
  let kqlOverMatch = 0;
  let rowsWithoutTime = 0;
  for (let index = 0; index < rows.length; index++) {
    if (index > 0 && pacer?.rowDone(verifier.lastEvaluationMs) && !(await pacer.pace())) return { kind: 'budget', rowsVerified: index, slowRows };
    const row = rows[index]!;
    const event = verifier.eventOf(row);
    const hit = verifier.verify(row, event);
    if (verifier.lastEvaluationMs > slowRows.limitMs) slowRows.note(verifier.lastEvaluationMs, verifier.ruleId, () => hitIdOf(row, huntRule.mapping), event, verifier.testedFields);
    if (hit === 'over-match') {
      kqlOverMatch += 1;
      if (overMatchSample.length < OVER_MATCH_SAMPLE_SIZE) overMatchSample.push(loggedEvent(hitIdOf(row, huntRule.mapping), event, logEventValues));
      continue;
    }
    if (hit === 'no-time') {
      rowsWithoutTime += 1;
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
  return { kind: 'verified', rows, verifier, groups: [...groups.values()], hits, kqlOverMatch, overMatchSample, rowsWithoutTime, slowRows };
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
async function storeGroups(window: VerifiedWindow, groups: readonly EnrichedGroup[], deps: HuntDependencies): Promise<UpsertReport> {
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

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function minText(values: string[]): string {
  return values.reduce((min, value) => (value < min ? value : min));
}

function maxText(values: string[]): string {
  return values.reduce((max, value) => (value > max ? value : max));
}
