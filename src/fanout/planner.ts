/**
 * The planner: on each timer tick, one queue message per (workspace, batch of its pack). A batch is up to
 * HUNT_BATCH_RULES rules that read the same source (src/hunt/pack/batch-query.ts sourceKeyOf), so the hunter that
 * takes it hunts them with the same batched queries as the single-workspace hunt; rules with a hand-written query
 * go in batches of their own. The plan is a pure function of the pack: every tick sends the same batches.
 *
 * The planner does not read checkpoints or decide windows: each hunter reads its rules' watermarks when it runs.
 * So a tick whose messages are still queued when the next tick comes does no harm (the second delivery finds the
 * rules at now - safety lag and reads nothing, or the little that arrived since).
 *
 * The run log line (`event: "sigma-hunt.plan"`) says what was sent, per workspace, and what the poison queue holds.
 */
import type { HuntLog, HuntRule } from '../hunt/pipeline.js';
import { sourceKeyOf } from '../hunt/pack/batch-query.js';
import { runPool } from '../store/pool.js';
import type { FanoutConfig, WorkspaceSpec } from './config.js';
import { encodeMessage, MAX_MESSAGE_JSON_BYTES, MESSAGE_KIND, MESSAGE_VERSION, poisonReasonOf, type BatchMessage } from './messages.js';
import type { RulePacks } from './packs.js';

export interface PlannedBatch {
  batch: string;
  ruleIds: string[];
}

/** The batches of a pack: rules grouped by source (in first-seen order), each group cut at `batchRules` rules and
 *  at the message size limit. */
export function planWorkspaceBatches(rules: readonly Pick<HuntRule, 'ruleId' | 'query'>[], batchRules: number): PlannedBatch[] {
  const groups = new Map<string, { label: string; ruleIds: string[] }>();
  for (const rule of rules) {
    const parts = rule.query.source === 'compiled' ? rule.query.parts : undefined;
    const key = parts ? sourceKeyOf(parts) : 'override';
    const label = parts ? parts.category : 'override';
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { label, ruleIds: [] }));
    group.ruleIds.push(rule.ruleId);
  }
  const batches: PlannedBatch[] = [];
  const counters = new Map<string, number>();
  for (const group of groups.values()) {
    let current: string[] = [];
    let bytes = 0;
    const close = () => {
      if (current.length === 0) return;
      const n = counters.get(group.label) ?? 0;
      counters.set(group.label, n + 1);
      batches.push({ batch: `${group.label}#${n}`, ruleIds: current });
      current = [];
      bytes = 0;
    };
    for (const ruleId of group.ruleIds) {
      const size = Buffer.byteLength(JSON.stringify(ruleId)) + 1;
      // 1 KiB left for the rest of the message (names, ids, tick).
      if (current.length >= batchRules || bytes + size > MAX_MESSAGE_JSON_BYTES - 1024) close();
      current.push(ruleId);
      bytes += size;
    }
    close();
  }
  return batches;
}

export interface PlannerDependencies {
  packs: RulePacks;
  /** Sends one wire message (base64 JSON) to the work queue. */
  send(wire: string): Promise<void>;
  /** Poison-queue entries to report (count and a sample of texts); absent: not reported. */
  peekPoison?(): Promise<{ count: number; texts: string[] }>;
  log: HuntLog;
  now?: () => Date;
  /** Messages sent at once; default 16. */
  sendConcurrency?: number;
}

export interface PlanSummary {
  event: 'sigma-hunt.plan';
  outcome: 'ok' | 'failed';
  plannedAt: string;
  workspaces: { name: string; workspaceId: string; rules: number; skippedRules: number; messages: number; error?: string }[];
  messages: number;
  poison?: { count: number; reasons: string[] };
  durationMs: number;
}

export async function runPlanner(config: FanoutConfig, deps: PlannerDependencies): Promise<PlanSummary> {
  const startedMs = Date.now();
  const plannedAt = (deps.now ?? (() => new Date()))().toISOString();
  const messages: { workspace: WorkspaceSpec; message: BatchMessage }[] = [];
  const workspaces: PlanSummary['workspaces'] = [];
  for (const workspace of config.workspaces) {
    try {
      const pack = await deps.packs.load(workspace);
      const batches = planWorkspaceBatches(pack.rules, config.batchRules);
      for (const batch of batches) {
        messages.push({
          workspace,
          message: { kind: MESSAGE_KIND, v: MESSAGE_VERSION, workspace: workspace.name, workspaceId: workspace.workspaceId, batch: batch.batch, ruleIds: batch.ruleIds, plannedAt },
        });
      }
      workspaces.push({ name: workspace.name, workspaceId: workspace.workspaceId, rules: pack.rules.length, skippedRules: pack.skipped.length, messages: batches.length });
    } catch (error) {
      workspaces.push({ name: workspace.name, workspaceId: workspace.workspaceId, rules: 0, skippedRules: 0, messages: 0, error: error instanceof Error ? error.message : String(error) });
      deps.log.error(`workspace ${workspace.name}: rule pack could not be loaded; nothing planned for it this tick`, { error: String(error) });
    }
  }
  let sent = 0;
  let sendError: unknown;
  await runPool(messages.length, deps.sendConcurrency ?? 16, async (index, aborted) => {
    if (aborted()) return;
    try {
      await deps.send(encodeMessage(messages[index]!.message));
      sent += 1;
    } catch (error) {
      sendError ??= error;
      throw error;
    }
  }).catch(() => undefined);
  let poison: PlanSummary['poison'];
  if (deps.peekPoison) {
    try {
      const peeked = await deps.peekPoison();
      if (peeked.count > 0) poison = { count: peeked.count, reasons: [...new Set(peeked.texts.map(poisonReasonOf))] };
    } catch (error) {
      deps.log.warn('the poison queue could not be read', { error: String(error) });
    }
  }
  const summary: PlanSummary = {
    event: 'sigma-hunt.plan',
    outcome: sendError !== undefined || workspaces.some((workspace) => workspace.error) ? 'failed' : 'ok',
    plannedAt,
    workspaces,
    messages: sent,
    ...(poison ? { poison } : {}),
    durationMs: Date.now() - startedMs,
  };
  if (sendError !== undefined) deps.log.error(`planner: ${messages.length - sent} of ${messages.length} messages not sent; the next tick plans them again`, { error: String(sendError) });
  if (poison) deps.log.warn(`poison queue ${config.poisonQueueName} holds ${poison.count} message(s): ${poison.reasons.join('; ')}`);
  return summary;
}
