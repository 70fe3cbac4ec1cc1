/**
 * One batch of rules hunted together (pack-plan.ts): the batch query (batch-query.ts) is read in pages exactly
 * as one rule's query is (page-steps.ts windowPages: paging, splitting at the service limits, partial results),
 * and each page goes
 *
 *     query → verify (each member on the rows tagged for it) → enrich → store → checkpoint (each member's own)
 *
 * Each row is adapted once; a member sees the row as its own query would have returned it (only its columns) and
 * the event adapted from that, so its hits, hit ids and incidents are those of hunting it alone. A row tagged for
 * a member whose matcher rejects it is that member's kqlOverMatch, unless the batch's widened test returned it (a
 * tested value holds a case partner, batch-query.ts): then it is counted apart, as widenedRejects.
 *
 * Exactly-once holds per member as for one rule: a member's watermark advances, ETag-checked, only after every
 * incident of the page is stored. The members' checkpoints are written concurrently; a crash midway leaves some
 * members behind, which read the page again next run (in another cohort): harmless, hits are idempotent by hit
 * id. A member whose checkpoint conflicts (another run moved it) stops for this run; the others go on, and its
 * rows in later pages are left to the run that moved it.
 */
import type { QueryRow } from '../../loganalytics/index.js';
import type { SigmaEvent } from '../../match/types.js';
import { adaptRow } from '../../targets/adapter.js';
import { valueColumns } from '../../targets/expr.js';
import type { CategoryMapping } from '../../targets/types.js';
import { CheckpointConflictError } from '../../store/checkpoint-store.js';
import { runPool } from '../../store/pool.js';
import { enrichWindow, maxText, noteIngestionTimes, noteSlowRows, noteStored, noteVerified, stop, storeGroups, verifyWindow, windowPages, type EnrichedGroup, type VerifiedWindow } from '../page-steps.js';
import { checkpointScopeOf, type HuntDependencies, type HuntSettings, type RunBudget } from '../run-model.js';
import type { BatchRunSummary, RuleRunSummary, WindowFailureReason } from '../summary.js';
import { VerifyPacer } from '../verify-budget.js';
import { INGESTION_TIME_COLUMN, laterWatermark, planWindow, type HuntWindow } from '../window.js';
import { BATCH_TAG_COLUMN, batchTemplate, taggedMembers, widenedFor } from './batch-query.js';
import type { BatchMember, HuntUnit } from './pack-plan.js';

/** Member checkpoints written at once after a page. */
const DEFAULT_CHECKPOINT_CONCURRENCY = 8;

/** A member during the run: its checkpoint as it moves, its summary, and whether it still takes part. */
interface MemberState {
  member: BatchMember;
  summary: RuleRunSummary;
  etag?: string;
  watermark?: string;
  active: boolean;
  /** The columns its own query projects (and the ingestion time): its view of a batch row. */
  columns: readonly string[];
  /** The fields an event adapted from those columns holds. */
  fields: ReadonlySet<string>;
  assessments: { with: number; without: number };
}

export async function huntBatch(
  unit: Extract<HuntUnit, { kind: 'batch' }>,
  summaries: ReadonlyMap<string, RuleRunSummary>,
  batchSummary: BatchRunSummary,
  settings: HuntSettings,
  deps: HuntDependencies,
  now: Date,
  budget: RunBudget,
): Promise<void> {
  const mapping = unit.members[0]!.rule.mapping;
  const states = unit.members.map((member) => memberState(member, summaries.get(member.rule.ruleId)!, mapping));
  const label = `batch of ${states.length} ${unit.category} rules${unit.watermark ? ` from ${unit.watermark}` : ''}`;
  const template = batchTemplate(unit.members.map((member) => member.parts));
  const plan = planWindow({
    now,
    ...(settings.sinceMs === undefined && unit.watermark !== undefined ? { watermark: unit.watermark } : {}),
    lookbackMs: settings.sinceMs ?? settings.lookbackMs,
    ingestionDelayMs: settings.ingestionDelayMs,
    safetyLagMs: settings.safetyLagMs,
    maxSpanMs: settings.maxWindowMs,
    ...(settings.clockSkewMs !== undefined ? { clockSkewMs: settings.clockSkewMs } : {}),
  });
  for (const state of states) state.summary.windowsPlanned = plan.windows.length;
  if (plan.watermarkAhead) deps.log.warn(`${label}: the stored watermark is ahead of now - safety lag; nothing to read`);
  const at = (window: HuntWindow) => ({ ruleId: label, window });
  // One log line for the batch, not one per member: a pack's batch may hold hundreds of rules.
  const stopAll = (reason: WindowFailureReason, detail: string) => {
    batchSummary.stopped = { reason, detail };
    for (const state of states) if (state.active) state.summary.stopped = { reason, detail };
    deps.log.warn(`${label}: stopped (${reason}); each rule's watermark stays at its last stored page and the next run resumes there`, { detail });
  };
  const batchQuery = { ruleId: label, query: { ...unit.members[0]!.rule.query, template } };

  for (const window of plan.windows) {
    for await (const page of windowPages(batchQuery, window, settings, deps, budget, batchSummary)) {
      if (page.kind === 'failed') {
        stopAll(page.reason, page.detail);
        return;
      }
      const part = page.window;
      batchSummary.rows += page.rows.length;
      const views = memberViews(page.rows, states, mapping);
      for (const [position, view] of views) {
        const state = states[position]!;
        state.summary.rows += view.rows.length;
        noteIngestionTimes(view.rows, state.assessments, state.summary, deps, state.member.rule.ruleId);
      }
      await deps.faults?.('query', at(part));

      // verify each member on its rows, within the run's budget (one pacer: the members share the page's time)
      const pacer = new VerifyPacer({ deadline: budget.queryDeadline, clock: budget.clock });
      const verified = new Map<number, VerifiedWindow>();
      for (const [position, view] of views) {
        const state = states[position]!;
        const result = await verifyWindow(view.rows, state.member.rule, {
          ...settings,
          pacer,
          rowClock: deps.rowClock ?? (() => performance.now()),
          eventOf: (index) => view.events[index]!,
          widened: (index) => view.widened[index]!,
          ...(deps.suppress ? { suppress: deps.suppress } : {}),
        });
        noteSlowRows(result.slowRows, state.summary, deps, state.member.rule);
        if (result.kind === 'budget') {
          stopAll('budget', `run budget spent verifying ${part.ingestionFrom} .. ${part.ingestionTo} (rule ${state.member.rule.ruleId}: ${result.rowsVerified} of ${view.rows.length} rows); nothing of it was stored`);
          return;
        }
        noteVerified(result, state.summary, deps, state.member.rule);
        verified.set(position, result);
      }
      await deps.faults?.('verify', at(part));

      const enriched = new Map<number, EnrichedGroup[]>();
      for (const [position, result] of verified) enriched.set(position, enrichWindow(result, states[position]!.member.rule, settings));
      await deps.faults?.('enrich', at(part));

      for (const [position, result] of verified) {
        noteStored(await storeGroups(result, enriched.get(position)!, deps), states[position]!.summary);
      }
      await deps.faults?.('store', at(part));

      // checkpoint every member, each its own, only now that every incident of the page is written
      const active = states.filter((state) => state.active);
      await runPool(active.length, deps.checkpointConcurrency ?? DEFAULT_CHECKPOINT_CONCURRENCY, async (index, aborted) => {
        if (aborted()) return;
        const state = active[index]!;
        await advanceMember(state, part, settings, deps);
        if (state.active) await deps.faults?.('checkpoint', { ruleId: state.member.rule.ruleId, window: part });
      });
      batchSummary.pages += 1;
    }
    for (const state of states) if (state.active) state.summary.windowsCompleted += 1;
  }
}

function memberState(member: BatchMember, summary: RuleRunSummary, mapping: CategoryMapping): MemberState {
  const columns = new Set([...member.parts.columns, INGESTION_TIME_COLUMN]);
  const fields = new Set<string>();
  for (const [field, fieldMapping] of Object.entries(mapping.fields)) {
    if (fieldMapping.kind === 'value' && [...valueColumns(fieldMapping.value)].every((column) => columns.has(column))) fields.add(field);
  }
  summary.batched = true;
  if (member.checkpoint) summary.watermark = member.checkpoint.watermark;
  return {
    member,
    summary,
    ...(member.checkpoint ? { etag: member.checkpoint.etag, watermark: member.checkpoint.watermark } : {}),
    active: true,
    columns: [...columns],
    fields,
    assessments: { with: 0, without: 0 },
  };
}

interface MemberView {
  rows: QueryRow[];
  events: SigmaEvent[];
  /** Per row: whether it came through the member's widened test (batch-query.ts widenedFor). */
  widened: boolean[];
}

/** The rows of the page tagged for each active member (members without any are absent), as its own query returns them, with their adapted events, in page
 *  order. A row is adapted once; a member's event keeps the fields its columns hold. */
function memberViews(rows: readonly QueryRow[], states: readonly MemberState[], mapping: CategoryMapping): Map<number, MemberView> {
  const views = new Map<number, MemberView>();
  for (const row of rows) {
    const positions = taggedMembers(row[BATCH_TAG_COLUMN], states.length);
    if (positions.length === 0) continue;
    const event = adaptRow(mapping, row) as Record<string, unknown>;
    for (const position of positions) {
      const state = states[position]!;
      if (!state.active) continue; // stopped earlier in the run: its rows are left to the run that moved it
      let view = views.get(position);
      if (!view) views.set(position, (view = { rows: [], events: [], widened: [] }));
      const own: QueryRow = {};
      for (const column of state.columns) if (Object.hasOwn(row, column)) own[column] = row[column];
      const ownEvent: Record<string, unknown> = {};
      for (const field in event) if (state.fields.has(field)) ownEvent[field] = event[field];
      view.rows.push(own);
      view.events.push(ownEvent as SigmaEvent);
      view.widened.push(widenedFor(row, state.member.parts));
    }
  }
  return views;
}

async function advanceMember(state: MemberState, part: HuntWindow, settings: Pick<HuntSettings, 'workspaceId' | 'target'>, deps: Pick<HuntDependencies, 'checkpoints' | 'log'>): Promise<void> {
  const ruleId = state.member.rule.ruleId;
  const next = laterWatermark(state.watermark, part.ingestionTo);
  try {
    const advanced = await deps.checkpoints.advance(checkpointScopeOf(settings.workspaceId, settings.target, ruleId), state.etag, next);
    state.etag = advanced.etag;
    state.watermark = advanced.watermark;
  } catch (error) {
    if (error instanceof CheckpointConflictError) {
      // Another run moved it: its window overlaps ours and the stored hits were deduplicated; let it go on.
      state.active = false;
      stop(state.summary, deps, { ruleId }, 'checkpoint-conflict', error.reason);
      return;
    }
    throw error;
  }
  const summary = state.summary;
  summary.watermark = state.watermark;
  summary.pages += 1;
  summary.window = summary.window
    ? { ...summary.window, ingestionTo: part.ingestionTo, timeTo: maxText([summary.window.timeTo, part.timeTo]) }
    : { ingestionFrom: part.ingestionFrom, ingestionTo: part.ingestionTo, timeFrom: part.timeFrom, timeTo: part.timeTo };
}
