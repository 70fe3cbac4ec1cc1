/**
 * One hunt run: for each rule, the windows from its stored ingestion watermark to now - safetyLag (now being the
 * Log Analytics service's clock, service-clock.ts), each read in pages of at most HUNT_PAGE_ROWS rows
 * (windowPages), each page
 *
 *     query (split until complete) → verify → enrich → store → checkpoint
 *
 * so a run holds one page, never a whole window: memory is bounded whatever the workspace returns.
 *
 * Rules that read the same source are hunted together, one batch query per page for a cohort of rules with the
 * same watermark (pack/pack-plan.ts, pack/batch-run.ts); every guarantee below holds for each of them. This
 * module runs the rules hunted alone (a hand-written query, a rule alone in its source or cohort).
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
import { CheckpointConflictError } from '../store/checkpoint-store.js';
import { describe, enrichWindow, maxText, minText, noteIngestionTimes, noteSlowRows, noteStored, noteVerified, stop, storeGroups, verifyWindow, windowPages } from './page-steps.js';
import { checkpointScopeOf, storeReserveOf, type HuntDependencies, type HuntRule, type HuntSettings, type RunBudget } from './run-model.js';
import { emptyBatchSummary, emptyRuleSummary, listedRules, totalsOf, type BatchRunSummary, type HuntSummary, type RuleRunSummary } from './summary.js';
import { huntBatch } from './pack/batch-run.js';
import { planHuntUnits } from './pack/pack-plan.js';
import { readServiceClock } from './service-clock.js';
import { VerifyPacer } from './verify-budget.js';
import { laterWatermark, planWindow, type HuntWindow } from './window.js';

export * from './run-model.js';
export {
  enrichWindow,
  hitBatchesOf,
  MAX_HITS_PER_UPSERT,
  verifyWindow,
  windowPages,
  type EnrichedGroup,
  type VerifiedWindow,
  type VerifyStopped,
  type VerifyWindowOptions,
  type WindowGroup,
  type WindowPage,
} from './page-steps.js';


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
  const byRule = new Map<string, RuleRunSummary>();
  const batches: BatchRunSummary[] = [];
  let failed = false;
  const serviceClock =
    rules.length > 0 ? await readServiceClock(deps.logsClient, settings.workspaceId, hostClock, deps.log, { clock: budgetClock, ...deps.queryOptions, deadline: queryDeadline }) : undefined;
  for (const huntRule of rules) {
    const summary = emptyRuleSummary(huntRule.ruleId, huntRule.rule.title, huntRule.query.source);
    summaries.push(summary);
    byRule.set(huntRule.ruleId, summary);
    if (serviceClock && !serviceClock.ok) stop(summary, deps, huntRule, 'query-failed', serviceClock.reason);
  }
  if (serviceClock?.ok) {
    const budget: RunBudget = { clock: budgetClock, queryDeadline };
    for (const unit of await planHuntUnits(rules, settings, deps.checkpoints)) {
      if (unit.kind === 'rule') {
        const summary = byRule.get(unit.rule.ruleId)!;
        try {
          await huntRuleWindows(unit.rule, settings, deps, serviceClock.now, budget, summary);
        } catch (error) {
          failed = true;
          summary.stopped = { reason: 'error', detail: describe(error) };
          deps.log.error(`rule ${unit.rule.ruleId}: run failed; the watermark stays at the last stored window`, { error: describe(error) });
        }
        continue;
      }
      const batchSummary = emptyBatchSummary(unit.category, unit.members.length, unit.watermark);
      batches.push(batchSummary);
      try {
        await huntBatch(unit, byRule, batchSummary, settings, deps, serviceClock.now, budget);
      } catch (error) {
        failed = true;
        batchSummary.stopped = { reason: 'error', detail: describe(error) };
        for (const member of unit.members) byRule.get(member.rule.ruleId)!.stopped ??= { reason: 'error', detail: describe(error) };
        deps.log.error(`batch of ${unit.members.length} ${unit.category} rules: run failed; each rule's watermark stays at its last stored window`, { error: describe(error) });
      }
    }
  }
  const listed = listedRules(summaries);
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
    rules: listed.rules,
    ...(listed.sharedStops.length > 0 ? { sharedStops: listed.sharedStops } : {}),
    batches,
    skippedRules,
    totals: totalsOf(summaries, batches),
  };
  return summary;
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
      noteIngestionTimes(rows, assessments, summary, deps, huntRule.ruleId);
      await deps.faults?.('query', at(part));

      // 2. verify, grouping as it goes (a window's hits are not held: see verifyWindow), within the budget
      const verified = await verifyWindow(rows, huntRule, {
        ...settings,
        pacer: new VerifyPacer({ deadline: budget.queryDeadline, clock: budget.clock }),
        rowClock: deps.rowClock ?? (() => performance.now()),
        ...(deps.suppress ? { suppress: deps.suppress } : {}),
      });
      noteSlowRows(verified.slowRows, summary, deps, huntRule);
      if (verified.kind === 'budget') {
        stop(summary, deps, huntRule, 'budget', `run budget spent verifying ${part.ingestionFrom} .. ${part.ingestionTo} (${verified.rowsVerified} of ${rows.length} rows); nothing of it was stored`);
        return;
      }
      noteVerified(verified, summary, deps, huntRule);
      await deps.faults?.('verify', at(part));

      // 3. enrich: one enrichment per incident of this page
      const groups = enrichWindow(verified, huntRule, settings);
      await deps.faults?.('enrich', at(part));

      // 4. store
      noteStored(await storeGroups(verified, groups, deps), summary);
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

