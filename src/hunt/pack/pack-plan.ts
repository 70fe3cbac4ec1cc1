/**
 * How a run's rules are hunted: rules of one source share batch queries (batch-query.ts); each rule keeps its own
 * watermark (checkpointScopeOf), so a source's rules are first grouped into cohorts by their current watermark
 * and each cohort is batched. A rule added to a running pack has no checkpoint: it starts at the lookback in its
 * own cohort, catches up, and ends the run at the same watermark as the others (every window ends at the run's
 * now - safetyLag), so the cohorts merge on the next run without any bookkeeping.
 *
 * A rule is hunted alone (one query per page, as before packs) when it has a hand-written query, when it is the
 * only rule of its source or cohort, or when its query alone is too long to share a batch.
 */
import type { KqlQueryParts } from '../../kql/compile.js';
import type { Checkpoint, CheckpointStore } from '../../store/checkpoint-store.js';
import { runPool } from '../../store/pool.js';
import { checkpointScopeOf, type HuntRule, type HuntSettings } from '../run-model.js';
import { MAX_BATCH_QUERY_CHARS, planBatches, sourceKeyOf } from './batch-query.js';

/** A batch member: the rule, its query's parts, and its checkpoint as read at the start of the run. */
export interface BatchMember {
  rule: HuntRule;
  parts: KqlQueryParts;
  checkpoint?: Checkpoint;
}

export type HuntUnit = { kind: 'rule'; rule: HuntRule } | { kind: 'batch'; category: string; watermark?: string; members: BatchMember[] };

/** Checkpoints read at once while planning (one Table Storage read per rule of a shared source). */
const CHECKPOINT_READ_CONCURRENCY = 16;

export async function planHuntUnits(
  rules: readonly HuntRule[],
  settings: Pick<HuntSettings, 'workspaceId' | 'target' | 'sinceMs'>,
  checkpoints: Pick<CheckpointStore, 'read'>,
  maxQueryChars = MAX_BATCH_QUERY_CHARS,
): Promise<HuntUnit[]> {
  const units: HuntUnit[] = [];
  const sources = new Map<string, { rule: HuntRule; parts: KqlQueryParts }[]>();
  for (const rule of rules) {
    const parts = rule.query.source === 'compiled' ? rule.query.parts : undefined;
    if (!parts) {
      units.push({ kind: 'rule', rule });
      continue;
    }
    const key = sourceKeyOf(parts);
    const source = sources.get(key);
    if (source) source.push({ rule, parts });
    else sources.set(key, [{ rule, parts }]);
  }
  for (const source of sources.values()) {
    if (source.length === 1) {
      units.push({ kind: 'rule', rule: source[0]!.rule });
      continue;
    }
    const members: BatchMember[] = new Array(source.length);
    await runPool(source.length, CHECKPOINT_READ_CONCURRENCY, async (index) => {
      const { rule, parts } = source[index]!;
      const checkpoint = await checkpoints.read(checkpointScopeOf(settings.workspaceId, settings.target, rule.ruleId));
      members[index] = { rule, parts, ...(checkpoint ? { checkpoint } : {}) };
    });
    // A one-off hunt (sinceMs) reads the same window for every rule whatever its watermark: one cohort.
    const cohorts = new Map<string, BatchMember[]>();
    for (const member of members) {
      const key = settings.sinceMs !== undefined ? 'since' : (member.checkpoint?.watermark ?? '');
      const cohort = cohorts.get(key);
      if (cohort) cohort.push(member);
      else cohorts.set(key, [member]);
    }
    for (const cohort of cohorts.values()) {
      const watermark = settings.sinceMs !== undefined ? undefined : cohort[0]!.checkpoint?.watermark;
      for (const batch of planBatches(cohort, maxQueryChars)) {
        if (batch.length === 1) units.push({ kind: 'rule', rule: batch[0]!.rule });
        else units.push({ kind: 'batch', category: batch[0]!.parts.category, ...(watermark !== undefined ? { watermark } : {}), members: batch });
      }
    }
  }
  return units;
}
