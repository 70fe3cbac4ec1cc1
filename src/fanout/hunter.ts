/**
 * The hunter: one queue message, one (workspace, batch) hunt, through the same runHunt as the single-workspace
 * timer, with two differences:
 * - incidents are keyed by the workspace too (IncidentStore `scope`): two workspaces, possibly two tenants,
 *   never share an incident, while checkpoints were already per workspace (checkpointScopeOf);
 * - every query holds a global query slot (query-slots.ts), set up by whoever builds the LogsQueryClient.
 *
 * Delivery semantics (the Functions queue trigger, host.json extensions.queues):
 * - a message that can never succeed (not ours, malformed, an unknown workspace, a workspace id that changed) is
 *   written to the poison queue at once with its reason, and the delivery completes: retrying cannot fix it;
 * - a failed hunt throws, so the host makes the message visible again and redelivers it; on the last delivery
 *   (dequeueCount >= maxDequeueCount) the hunter writes the poison record itself, with the last error as the
 *   reason, instead of leaving the host to move the bare message. Nothing is lost by poisoning: the rules'
 *   watermarks stay where they are and the next tick's message resumes there;
 * - a delivery past maxDequeueCount (the instance died during the last one) is poisoned unread.
 * An incomplete hunt (throttled, budget, another delivery moved a checkpoint) completes the message: the next
 * tick goes on from the stored watermarks.
 *
 * One log line per delivery: the hunt's run summary with a `fanout` field (workspace, batch, delivery, poison).
 */
import type { LogsQueryClient } from '@azure/monitor-query-logs';
import { huntSettingsOf } from '../hunt/clients.js';
import { runHunt, type HuntDependencies, type HuntLog, type HuntSettings } from '../hunt/pipeline.js';
import type { HuntSummary } from '../hunt/summary.js';
import { CheckpointStore } from '../store/checkpoint-store.js';
import { IncidentStore, type IncidentStoreOptions } from '../store/incident-store.js';
import type { TableClients } from '../store/tables.js';
import type { FanoutConfig, WorkspaceSpec } from './config.js';
import { parseBatchMessage, poisonRecordOf, type BatchMessage } from './messages.js';
import type { RulePacks } from './packs.js';

export interface Delivery {
  /** 1 on the first delivery (the queue's dequeueCount). */
  dequeueCount: number;
  id?: string;
}

export interface HunterDependencies {
  config: FanoutConfig;
  packs: RulePacks;
  logsClient: LogsQueryClient;
  tables: TableClients;
  /** Writes one record (JSON text) to the poison queue. */
  sendPoison(text: string): Promise<void>;
  log: HuntLog;
  now?: () => Date;
  /** The clock the hunt's run budget is measured on (runHunt's default: Date.now). */
  budgetClock?: HuntDependencies['budgetClock'];
  /** Tests and the chaos run: crash points and store/checkpoint wrappers. */
  faults?: HuntDependencies['faults'];
  queryOptions?: HuntDependencies['queryOptions'];
  incidentStore?: Omit<IncidentStoreOptions, 'scope' | 'groupingWindowMs'>;
  checkpoints?: (store: CheckpointStore) => CheckpointStore;
  settings?: Partial<HuntSettings>;
}

export interface FanoutRunFields {
  workspace?: string;
  batch?: string;
  dequeueCount: number;
  plannedAt?: string;
  unknownRules?: number;
  poison?: string;
}

export type HunterResult =
  | { outcome: 'hunted'; summary: HuntSummary & { fanout: FanoutRunFields } }
  | { outcome: 'poisoned'; reason: string };

/** Thrown for a failed hunt that the host should deliver again. */
export class HuntBatchError extends Error {
  override readonly name = 'HuntBatchError';
  readonly code = 'hunt-batch' as const;
}

/** The incident scope of a workspace: its workspace id (globally unique, stable across renames). */
export function incidentScopeOf(workspace: Pick<WorkspaceSpec, 'workspaceId'>): string {
  return workspace.workspaceId;
}

export async function huntMessage(delivered: unknown, delivery: Delivery, deps: HunterDependencies): Promise<HunterResult> {
  const now = deps.now ?? (() => new Date());
  const poison = async (reason: string, message?: BatchMessage): Promise<HunterResult> => {
    await deps.sendPoison(JSON.stringify(poisonRecordOf(delivered, reason, delivery.dequeueCount, now(), message)));
    deps.log.warn(JSON.stringify({ event: 'sigma-hunt.poison', reason, dequeueCount: delivery.dequeueCount, ...(message ? { workspace: message.workspace, batch: message.batch } : {}) }));
    return { outcome: 'poisoned', reason };
  };

  const parsed = parseBatchMessage(delivered);
  if (!parsed.ok) return poison(`malformed message: ${parsed.reason}`);
  const message = parsed.message;
  if (delivery.dequeueCount > deps.config.maxDequeueCount) {
    return poison(`delivered ${delivery.dequeueCount} times (more than maxDequeueCount ${deps.config.maxDequeueCount}): an instance died or timed out on every delivery`, message);
  }
  const workspace = deps.config.workspaces.find((candidate) => candidate.name === message.workspace);
  if (!workspace) return poison(`workspace '${message.workspace}' is not in HUNT_WORKSPACES (removed since the message was planned?)`, message);
  if (workspace.workspaceId !== message.workspaceId) {
    return poison(`workspace '${message.workspace}' now has workspace id ${workspace.workspaceId}, the message was planned for ${message.workspaceId}`, message);
  }

  const fanout: FanoutRunFields = { workspace: workspace.name, batch: message.batch, dequeueCount: delivery.dequeueCount, plannedAt: message.plannedAt };
  let summary: HuntSummary;
  try {
    const pack = await deps.packs.load(workspace);
    const wanted = new Set(message.ruleIds);
    const rules = pack.rules.filter((rule) => wanted.has(rule.ruleId));
    // A rule removed from the pack since planning: nothing to hunt for it, said once in the summary.
    if (rules.length < wanted.size) fanout.unknownRules = wanted.size - rules.length;
    const settings = huntSettingsOf(deps.config.hunt, workspace.workspaceId, { target: workspace.target, ...deps.settings });
    const checkpoints = new CheckpointStore(deps.tables.checkpoints);
    summary = await runHunt(
      rules,
      settings,
      {
        logsClient: deps.logsClient,
        incidents: new IncidentStore(deps.tables.incidents, { groupingWindowMs: deps.config.hunt.groupingWindowMs, ...deps.incidentStore, scope: incidentScopeOf(workspace) }),
        checkpoints: deps.checkpoints ? deps.checkpoints(checkpoints) : checkpoints,
        log: deps.log,
        ...(deps.now ? { now: deps.now } : {}),
        ...(deps.budgetClock ? { budgetClock: deps.budgetClock } : {}),
        ...(deps.faults ? { faults: deps.faults } : {}),
        ...(deps.queryOptions ? { queryOptions: deps.queryOptions } : {}),
      },
      pack.skipped.filter((skip) => wanted.has(skip.ruleId)),
    );
  } catch (error) {
    return failed(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
  }
  if (summary.outcome === 'failed') {
    const stops = [...summary.rules.flatMap((rule) => (rule.stopped ? [`${rule.ruleId}: ${rule.stopped.detail}`] : [])), ...(summary.sharedStops ?? []).map((stop) => `${stop.rules} rules: ${stop.detail}`)];
    deps.log.info(JSON.stringify({ ...summary, fanout }));
    return failed(`hunt failed: ${stops.join('; ').slice(0, 500)}`);
  }
  const result = { ...summary, fanout };
  deps.log.info(JSON.stringify(result));
  return { outcome: 'hunted', summary: result };

  async function failed(reason: string): Promise<HunterResult> {
    if (delivery.dequeueCount >= deps.config.maxDequeueCount) return poison(`failed on all ${delivery.dequeueCount} deliveries; last: ${reason}`, message);
    throw new HuntBatchError(`${message.workspace} ${message.batch} (delivery ${delivery.dequeueCount} of ${deps.config.maxDequeueCount}): ${reason}`);
  }
}
