/**
 * The one structured record each run ends with (one JSON line in the function log, so a Log Analytics query
 * over FunctionAppLogs / traces can chart rows, hits, over-matches and incidents per run), and its human form
 * for the local run and the CLI.
 */
import { CLOCK_SKEW_WARNING_MS, type ServiceClockSummary } from './service-clock.js';
import type { SlowRow } from './verify-budget.js';
import type { IngestionTimeAssessment } from './window.js';

export type WindowFailureReason = 'query-failed' | 'too-large' | 'budget' | 'checkpoint-conflict' | 'error';

export interface RuleRunSummary {
  ruleId: string;
  title: string;
  querySource: 'compiled' | 'override';
  /** Ingestion range actually completed this run (absent when no window completed). */
  window?: { ingestionFrom: string; ingestionTo: string; timeFrom: string; timeTo: string };
  /** Hunted by a batch query (`batches`): its queries and splits are the batch's, its rows those tagged for it. */
  batched?: boolean;
  windowsPlanned: number;
  windowsCompleted: number;
  /** Queries sent (a split window sends one per part). */
  queries: number;
  /** Parts a window was split into because a result hit the service limits or came back partial. */
  splits: number;
  /** Complete results processed (a window of more than HUNT_PAGE_ROWS rows is read in pages), each stored
   *  and checkpointed before the next is read. */
  pages: number;
  rows: number;
  verifiedHits: number;
  /** Verified hits that an active review exception suppressed (not stored; absent when none). */
  suppressedHits?: number;
  kqlOverMatch: number;
  /** Rows a batch query returned for the rule through its widened test (a tested value holds a case partner such
   *  as İ, ß or K, where the batch form accepts more than the rule's own query) and the matcher rejected; absent
   *  when none. Not over-matches: the rule's own query would not have returned them. */
  widenedRejects?: number;
  /** Rows whose matcher evaluation took longer than HUNT_ROW_LIMIT_MS (verified all the same). */
  slowRows: number;
  /** A few of them: rule, hit id, the longest tested field and its length (never its value). */
  slowRowSample?: SlowRow[];
  incidentsCreated: number;
  incidentsUpdated: number;
  incidentsUnchanged: number;
  hitsStored: number;
  hitsAlreadyStored: number;
  ingestionTimes: IngestionTimeAssessment['mode'];
  rowsWithoutIngestionTime: number;
  watermark?: string;
  /** Why the rule stopped before reaching now - safetyLag; the watermark stays at the last completed window. */
  stopped?: { reason: WindowFailureReason; detail: string };
}

/** One batch query's run: rules of one source hunted by one query per page (src/hunt/pack/). */
export interface BatchRunSummary {
  /** The rules' category (and so their source) on the target. */
  category: string;
  /** Rules the batch query tests. */
  rules: number;
  /** The members' common watermark (absent: a cohort without one, starting at the lookback). */
  watermark?: string;
  queries: number;
  splits: number;
  pages: number;
  /** Rows the batch query returned (each tagged with at least one rule). */
  rows: number;
  /** Why the batch stopped before now - safetyLag (its members' summaries say it too). */
  stopped?: { reason: WindowFailureReason; detail: string };
}

export function emptyBatchSummary(category: string, rules: number, watermark: string | undefined): BatchRunSummary {
  return { category, rules, ...(watermark !== undefined ? { watermark } : {}), queries: 0, splits: 0, pages: 0, rows: 0 };
}

/** A rule with something to say: read rows, stopped, slow, or a hand-written query. The others are only counted
 *  (`totals.quietRules`), so a pack of a thousand rules gives a summary of its active ones. */
export function isActiveRule(rule: RuleRunSummary): boolean {
  return rule.rows > 0 || rule.stopped !== undefined || rule.slowRows > 0 || rule.querySource === 'override';
}

/** Rules stopped for one shared reason (their batch failed, the service clock could not be read) and with
 *  nothing else to report: one entry for all of them instead of one per rule. */
export interface SharedStop {
  reason: WindowFailureReason;
  detail: string;
  rules: number;
  /** The first few of them. */
  ruleIds: string[];
}

/** Stopped rules listed one by one up to this many per shared reason; more become one SharedStop. */
export const SHARED_STOP_LISTED = 5;

/** The rules a summary lists (isActiveRule), with the ones that only share a stop folded into SharedStops when
 *  there are more than SHARED_STOP_LISTED of them. */
export function listedRules(rules: readonly RuleRunSummary[]): { rules: RuleRunSummary[]; sharedStops: SharedStop[] } {
  const active = rules.filter(isActiveRule);
  const onlyStopped = (rule: RuleRunSummary) => rule.stopped !== undefined && rule.rows === 0 && rule.slowRows === 0 && rule.querySource !== 'override';
  const groups = new Map<string, RuleRunSummary[]>();
  for (const rule of active.filter(onlyStopped)) {
    const key = `${rule.stopped!.reason}\u0000${rule.stopped!.detail}`;
    const group = groups.get(key);
    if (group) group.push(rule);
    else groups.set(key, [rule]);
  }
  const folded = new Set<RuleRunSummary>();
  const sharedStops: SharedStop[] = [];
  for (const group of groups.values()) {
    if (group.length <= SHARED_STOP_LISTED) continue;
    for (const rule of group) folded.add(rule);
    const { reason, detail } = group[0]!.stopped!;
    sharedStops.push({ reason, detail, rules: group.length, ruleIds: group.slice(0, SHARED_STOP_LISTED).map((rule) => rule.ruleId) });
  }
  return { rules: active.filter((rule) => !folded.has(rule)), sharedStops };
}

export interface HuntSummary {
  event: 'sigma-hunt.run';
  outcome: 'ok' | 'incomplete' | 'failed';
  startedAt: string;
  durationMs: number;
  workspaceId: string;
  target: string;
  /** The service's clock the windows were planned on, the host's, and their skew (absent when no rule ran). */
  serviceClock?: ServiceClockSummary;
  /** Union of the rules' completed windows. */
  window?: { ingestionFrom: string; ingestionTo: string; timeFrom: string; timeTo: string };
  /** The rules with activity this run (isActiveRule); the others are counted in totals.quietRules. */
  rules: RuleRunSummary[];
  /** Stopped rules folded by shared reason (listedRules); absent when none were. */
  sharedStops?: SharedStop[];
  /** The batch queries of the run: one entry per batch of rules of one source and one watermark. */
  batches: BatchRunSummary[];
  /** Rules not hunted (the compiler refused them for this target, unreadable override...). */
  skippedRules: { ruleId: string; reason: string }[];
  totals: {
    rows: number;
    verifiedHits: number;
    /** Hits suppressed by review exceptions, over all rules (absent when none). */
    suppressedHits?: number;
    kqlOverMatch: number;
    /** Rows batch queries returned through a widened test that the matcher rejected (absent when none). */
    widenedRejects?: number;
    slowRows: number;
    incidentsCreated: number;
    incidentsUpdated: number;
    /** Queries sent for the hunt (single-rule and batch; the service clock probe aside). */
    queries: number;
    splits: number;
    pages: number;
    /** Rules hunted, and of them those without activity (not listed in `rules`). */
    rules: number;
    quietRules: number;
  };
}

export function emptyRuleSummary(ruleId: string, title: string, querySource: 'compiled' | 'override'): RuleRunSummary {
  return {
    ruleId,
    title,
    querySource,
    windowsPlanned: 0,
    windowsCompleted: 0,
    queries: 0,
    splits: 0,
    pages: 0,
    rows: 0,
    verifiedHits: 0,
    kqlOverMatch: 0,
    slowRows: 0,
    incidentsCreated: 0,
    incidentsUpdated: 0,
    incidentsUnchanged: 0,
    hitsStored: 0,
    hitsAlreadyStored: 0,
    ingestionTimes: 'empty',
    rowsWithoutIngestionTime: 0,
  };
}

export function totalsOf(rules: readonly RuleRunSummary[], batches: readonly BatchRunSummary[] = []): HuntSummary['totals'] {
  const sum = (pick: (rule: RuleRunSummary) => number) => rules.reduce((total, rule) => total + pick(rule), 0);
  const sumBatches = (pick: (batch: BatchRunSummary) => number) => batches.reduce((total, batch) => total + pick(batch), 0);
  const suppressedHits = sum((rule) => rule.suppressedHits ?? 0);
  const widenedRejects = sum((rule) => rule.widenedRejects ?? 0);
  return {
    rows: sum((rule) => rule.rows),
    verifiedHits: sum((rule) => rule.verifiedHits),
    ...(suppressedHits > 0 ? { suppressedHits } : {}),
    kqlOverMatch: sum((rule) => rule.kqlOverMatch),
    ...(widenedRejects > 0 ? { widenedRejects } : {}),
    slowRows: sum((rule) => rule.slowRows),
    incidentsCreated: sum((rule) => rule.incidentsCreated),
    incidentsUpdated: sum((rule) => rule.incidentsUpdated),
    queries: sum((rule) => rule.queries) + sumBatches((batch) => batch.queries),
    splits: sum((rule) => rule.splits) + sumBatches((batch) => batch.splits),
    // A batch page is stored and checkpointed once per member (its `pages`): count it once, as read.
    pages: sum((rule) => (rule.batched ? 0 : rule.pages)) + sumBatches((batch) => batch.pages),
    rules: rules.length,
    quietRules: rules.filter((rule) => !isActiveRule(rule)).length,
  };
}

/** The run in a few lines for a terminal. */
export function formatSummary(summary: HuntSummary): string {
  const totals = summary.totals;
  // "Nothing new to read" only when every rule ran to the end: a rule stopped before its first window read
  // nothing because it failed, which the lines below say.
  const stoppedRules = summary.rules.filter((rule) => rule.stopped).length + (summary.sharedStops ?? []).reduce((count, stop) => count + stop.rules, 0);
  const window = summary.window
    ? `${summary.window.ingestionFrom} .. ${summary.window.ingestionTo} (ingestion time)`
    : stoppedRules > 0
      ? `none read: ${stoppedRules} of ${summary.totals.rules} rules stopped before their first window`
      : 'nothing new to read';
  const lines = [
    `hunt ${summary.outcome}: ${summary.target} on ${summary.workspaceId}, ${(summary.durationMs / 1000).toFixed(1)} s`,
    `  window:     ${window}`,
    `  rows:       ${totals.rows} (${totals.queries} queries, ${totals.pages} pages, ${totals.splits} splits; ${summary.batches.length} batch queries for ${summary.batches.reduce((count, batch) => count + batch.rules, 0)} rules)`,
    `  verified:   ${totals.verifiedHits} hits, ${totals.kqlOverMatch} KQL over-matches dropped${totals.widenedRejects ? `, ${totals.widenedRejects} rows of widened batch tests rejected` : ''}${totals.suppressedHits ? `, ${totals.suppressedHits} suppressed by exceptions` : ''}`,
    `  incidents:  ${totals.incidentsCreated} created, ${totals.incidentsUpdated} updated`,
  ];
  const clock = summary.serviceClock;
  if (clock?.skewMs !== undefined && Math.abs(clock.skewMs) > CLOCK_SKEW_WARNING_MS) {
    lines.push(`  ! the host clock is ${Math.round(Math.abs(clock.skewMs) / 1000)} s ${clock.skewMs > 0 ? 'ahead of' : 'behind'} the service's; windows followed the service`);
  }
  if (clock?.error) lines.push(`  ! ${clock.error}`);
  for (const rule of summary.rules) {
    if (rule.stopped) lines.push(`  ! ${rule.title}: stopped (${rule.stopped.reason}): ${rule.stopped.detail}`);
    if (rule.slowRows > 0) lines.push(`  ! ${rule.title}: ${rule.slowRows} rows took longer than the per-row limit to verify (verdicts kept; see slowRowSample)`);
    if (rule.ingestionTimes === 'time-only' || rule.ingestionTimes === 'mixed') {
      lines.push(`  ! ${rule.title}: ${rule.rowsWithoutIngestionTime} rows had no ingestion_time(); they were bounded by TimeGenerated only`);
    }
  }
  for (const stop of summary.sharedStops ?? []) lines.push(`  ! ${stop.rules} rules (${stop.ruleIds.join(', ')}, ...): stopped (${stop.reason}): ${stop.detail}`);
  for (const skipped of summary.skippedRules) lines.push(`  - skipped ${skipped.ruleId}: ${skipped.reason}`);
  return lines.join('\n');
}
