/**
 * What a hunt run is made of, shared by the single-rule path (pipeline.ts) and the batched path (pack/): the rules,
 * the settings, the dependencies, the steps a fault can be injected after, and where a rule's watermark is kept.
 */
import type { LogsQueryClient } from '@azure/monitor-query-logs';
import type { RuleEnrichment } from '../enrich/incident-enrichment.js';
import type { RunQueryOptions } from '../loganalytics/index.js';
import type { CompiledRule } from '../match/types.js';
import type { SigmaRule } from '../rule/model.js';
import type { CheckpointStore } from '../store/checkpoint-store.js';
import type { IncidentStore } from '../store/incident-store.js';
import type { CategoryMapping, TargetName } from '../targets/types.js';
import type { HitSuppressor } from '../review/exceptions.js';
import type { RuleQuery } from './query-plan.js';
import type { HuntWindow } from './window.js';

export type HuntStep = 'query' | 'verify' | 'enrich' | 'store' | 'checkpoint';
export const HUNT_STEPS: readonly HuntStep[] = ['query', 'verify', 'enrich', 'store', 'checkpoint'];

/** Called after each step of each page; throwing ends the run there, as a crash would. A batch (pack/) calls it
 *  once per page for query..store with the batch's label as `ruleId`, and after each member's checkpoint with
 *  that member's rule id (so a test can crash between two members' checkpoints). */
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
  /** Batch members whose checkpoints are written in parallel after a page; default 8. */
  checkpointConcurrency?: number;
  /** The review's active exceptions (src/review/exceptions.ts): a verified hit they suppress is counted, not stored. */
  suppress?: HitSuppressor;
}

/** The checkpoint scope of a rule: a watermark per workspace, target and rule, so adding a rule starts it at
 *  the lookback instead of inheriting another rule's progress. */
export function checkpointScopeOf(workspaceId: string, target: TargetName, ruleId: string): string {
  return `hunt/v1/${workspaceId}/${target}/${ruleId}`;
}

/** Time kept back from the queries and verification for storing and checkpointing the last page. */
export function storeReserveOf(settings: Pick<HuntSettings, 'storeReserveMs' | 'runBudgetMs'>): number {
  return settings.storeReserveMs ?? Math.min(60_000, Math.floor(settings.runBudgetMs / 4));
}


/** The run's budget: its clock and the instant past which no query or verification starts. */
export interface RunBudget {
  clock: () => number;
  queryDeadline: number;
}

