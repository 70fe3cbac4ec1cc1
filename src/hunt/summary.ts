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
  kqlOverMatch: number;
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
  rules: RuleRunSummary[];
  /** Rules not hunted (the compiler refused them for this target, unreadable override...). */
  skippedRules: { ruleId: string; reason: string }[];
  totals: {
    rows: number;
    verifiedHits: number;
    kqlOverMatch: number;
    slowRows: number;
    incidentsCreated: number;
    incidentsUpdated: number;
    queries: number;
    splits: number;
    pages: number;
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

export function totalsOf(rules: readonly RuleRunSummary[]): HuntSummary['totals'] {
  const sum = (pick: (rule: RuleRunSummary) => number) => rules.reduce((total, rule) => total + pick(rule), 0);
  return {
    rows: sum((rule) => rule.rows),
    verifiedHits: sum((rule) => rule.verifiedHits),
    kqlOverMatch: sum((rule) => rule.kqlOverMatch),
    slowRows: sum((rule) => rule.slowRows),
    incidentsCreated: sum((rule) => rule.incidentsCreated),
    incidentsUpdated: sum((rule) => rule.incidentsUpdated),
    queries: sum((rule) => rule.queries),
    splits: sum((rule) => rule.splits),
    pages: sum((rule) => rule.pages),
  };
}

/** The run in a few lines for a terminal. */
export function formatSummary(summary: HuntSummary): string {
  const totals = summary.totals;
  // "Nothing new to read" only when every rule ran to the end: a rule stopped before its first window read
  // nothing because it failed, which the lines below say.
  const stoppedRules = summary.rules.filter((rule) => rule.stopped).length;
  const window = summary.window
    ? `${summary.window.ingestionFrom} .. ${summary.window.ingestionTo} (ingestion time)`
    : stoppedRules > 0
      ? `none read: ${stoppedRules} of ${summary.rules.length} rules stopped before their first window`
      : 'nothing new to read';
  const lines = [
    `hunt ${summary.outcome}: ${summary.target} on ${summary.workspaceId}, ${(summary.durationMs / 1000).toFixed(1)} s`,
    `  window:     ${window}`,
    `  rows:       ${totals.rows} (${totals.queries} queries, ${totals.pages} pages, ${totals.splits} splits)`,
    `  verified:   ${totals.verifiedHits} hits, ${totals.kqlOverMatch} KQL over-matches dropped`,
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
  for (const skipped of summary.skippedRules) lines.push(`  - skipped ${skipped.ruleId}: ${skipped.reason}`);
  return lines.join('\n');
}
