/**
 * The fan-out's proof (`npm run chaos -- --seed S --schedules N`): N schedules, each a random interleaving of
 * planner ticks and 2-8 concurrent hunters over Azurite (tables and queues) and the Log Analytics fake, with
 *
 * - crashes at random points: after a step (query, verify, enrich, store, checkpoint) and inside one (a store
 *   transaction or a checkpoint write that dies before or after it commits). A crashed hunter is a dead process:
 *   it writes nothing more and never acknowledges its message, which reappears when its visibility timeout ends;
 * - failures that are not crashes (a step throws; the host redelivers, and poisons on the last delivery);
 * - duplicated, re-ordered and held-back (late) messages, and poison messages (not JSON, another kind, another
 *   version, an unknown workspace);
 * - 429 storms (Retry-After) and 5xx / connection-reset storms from the fake;
 * - late-arriving rows (generated up to the ingestion delay before they are ingested) and ticks whose rows
 *   appear only as the service clock passes their ingestion time;
 * - hunters whose host clocks are skewed within CLOCK_SKEW_TOLERANCE_MS: both the clock the hunt reads and the
 *   one its query-slot leases and the shared 429 pause are written with (each hunter is its own slot holder).
 *
 * Every schedule ends as production would: the faults stop, a last planner tick runs at the final instant and
 * the hunters drain the queue. Its incident and checkpoint tables must then equal those of one clean sequential
 * run (one hunter, no fault) over the same ground truth at that instant. `lost` counts incidents and hits of the
 * clean run missing from a schedule, `doubled` those a schedule has in excess; entities present on both sides
 * but different, a checkpoint that differs, an injected poison message without its reason in the poison queue,
 * or more queries in flight than query slots are counted as `violations`.
 *
 * What the seed fixes: each schedule's ticks, hunters, clock skews, storms, duplicates, order, poison and the
 * list of faults; which delivery meets which fault follows the order in which concurrent hunters take messages.
 */
import type { TableClient } from '@azure/data-tables';
import type { LogsQueryClient } from '@azure/monitor-query-logs';
import path from 'node:path';
import type { HuntLog } from '../../hunt/pipeline.js';
import type { HuntStep } from '../../hunt/run-model.js';
import { startAzurite, type RunningAzurite } from '../../local/azurite.js';
import { fakeReply, startLogAnalyticsFake, type FakeReply, type FakeRespond, type LogAnalyticsFake } from '../../local/log-analytics-fake.js';
import { oracleResponder, readSampleEvents, sampleWorkspace, type SampleEvent } from '../../local/sample-workspace.js';
import { submitTransaction } from '../../store/batches.js';
import { CheckpointStore } from '../../store/checkpoint-store.js';
import { createLogsQueryClient } from '../../loganalytics/index.js';
import { localFanoutClients, withQuerySlots, type FanoutClients } from '../clients.js';
import { parseFanoutConfig, type FanoutConfig } from '../config.js';
import { huntMessage } from '../hunter.js';
import { workspaceEvents } from '../local-run.js';
import { poisonReasonOf } from '../messages.js';
import { RulePacks } from '../packs.js';
import { runPlanner } from '../planner.js';
import { CLOCK_SKEW_TOLERANCE_MS, QuerySlots } from '../query-slots.js';
import { deliverOne } from '../queue-host.js';
import { createRng } from './rng.js';

const MINUTE = 60_000;
/** The final instant of every schedule and of the clean run: the ground truth is placed before it. */
export const FINAL_TIME = new Date('2026-03-02T12:00:00.000Z');
const TICK_MS = 5 * MINUTE;
const TICKS = 5; // FINAL_TIME - 20 min .. FINAL_TIME
const QUERY_SLOTS = 3;
const HOLD_VISIBILITY_S = 1;
const STEPS: readonly HuntStep[] = ['query', 'verify', 'enrich', 'store', 'checkpoint'];
const WORKSPACES = [
  { name: 'contoso', workspaceId: '00000000-0000-4000-8000-0000000c0750', subscription: '00000000-0000-4000-8000-00000000c0de' },
  { name: 'fabrikam', workspaceId: '00000000-0000-4000-8000-0000000fab01', subscription: '00000000-0000-4000-8000-0000000fab00' },
];

type Fault =
  | { kind: 'none' }
  | { kind: 'crash-after'; step: HuntStep; nth: number }
  | { kind: 'error-after'; step: HuntStep; nth: number }
  | { kind: 'crash-in-store'; nth: number; committed: boolean }
  | { kind: 'crash-in-checkpoint'; nth: number; committed: boolean };

interface TickPlan {
  at: Date;
  /** Messages of the tick sent twice (by index), the send order, messages held back to the next tick. */
  duplicate: Set<number>;
  shuffle: number[];
  holdBack: Set<number>;
  poison: string[];
  /** Deliveries the hunters make before the next tick (the rest waits). */
  deliveries: number;
  storm?: { kind: '429' | '5xx'; requests: number };
}

export interface SchedulePlan {
  index: number;
  hunters: number;
  skewsMs: number[];
  ticks: TickPlan[];
  faults: Fault[];
}

const POISON_SAMPLES = [
  'this is not JSON',
  JSON.stringify({ kind: 'something.else', v: 1 }),
  JSON.stringify({ kind: 'sigma-hunt.batch', v: 2, workspace: 'contoso', workspaceId: WORKSPACES[0]!.workspaceId, batch: 'x#0', ruleIds: ['r'], plannedAt: 'now' }),
  JSON.stringify({ kind: 'sigma-hunt.batch', v: 1, workspace: 'northwind', workspaceId: '00000000-0000-4000-8000-000000000bad', batch: 'x#0', ruleIds: ['r'], plannedAt: 'now' }),
];

export function planSchedule(seed: number, index: number): SchedulePlan {
  const rng = createRng((seed * 1_000_003 + index * 7919) >>> 0);
  const int = (min: number, max: number) => min + Math.floor(rng() * (max - min + 1));
  const hunters = int(2, 8);
  const skewsMs = Array.from({ length: hunters }, () => Math.round((rng() * 2 - 1) * CLOCK_SKEW_TOLERANCE_MS));
  const ticks: TickPlan[] = [];
  for (let tick = 0; tick < TICKS; tick++) {
    if (tick > 0 && rng() < 0.25) continue; // a tick the planner missed (the next one covers it)
    const messages = 4; // 2 workspaces x 2 batches
    const order = Array.from({ length: messages }, (_, i) => i);
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rng() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    ticks.push({
      at: new Date(FINAL_TIME.getTime() - (TICKS - 1 - tick) * TICK_MS),
      duplicate: new Set(order.filter(() => rng() < 0.2)),
      shuffle: order,
      holdBack: new Set(order.filter(() => rng() < 0.1)),
      poison: rng() < 0.3 ? [POISON_SAMPLES[int(0, POISON_SAMPLES.length - 1)]!] : [],
      deliveries: int(0, 8),
      ...(rng() < 0.3 ? { storm: { kind: rng() < 0.6 ? ('429' as const) : ('5xx' as const), requests: int(2, 10) } } : {}),
    });
  }
  const faults: Fault[] = Array.from({ length: 24 }, () => {
    const roll = rng();
    const step = STEPS[int(0, STEPS.length - 1)]!;
    if (roll < 0.45) return { kind: 'none' };
    if (roll < 0.65) return { kind: 'crash-after', step, nth: int(1, 3) };
    if (roll < 0.75) return { kind: 'error-after', step, nth: int(1, 3) };
    if (roll < 0.87) return { kind: 'crash-in-store', nth: int(1, 4), committed: rng() < 0.5 };
    return { kind: 'crash-in-checkpoint', nth: int(1, 4), committed: rng() < 0.5 };
  });
  return { index, hunters, skewsMs, ticks, faults };
}

// ---------------------------------------------------------------------------------------------------------
// The world every schedule shares: one Azurite per service, the rules, the ground truth

export interface ChaosWorld {
  tables: RunningAzurite;
  queues: RunningAzurite;
  rulesPath: string;
  /** Per workspace id: the rows the fake serves (hidden ingestion times). */
  rows: Map<string, { mapping: ReturnType<typeof sampleWorkspace>['mapping']; rows: Record<string, unknown>[] }>;
  clean?: TablesDump;
  stop(): Promise<void>;
}

export async function startChaosWorld(root: string, rulesPath = path.join(root, 'test', 'fanout', 'chaos-rules')): Promise<ChaosWorld> {
  const [tables, queues] = await Promise.all([startAzurite({ silent: true }), startAzurite({ silent: true, service: 'queue' })]);
  const events = await readSampleEvents(path.join(root, 'samples', 'sysmon-network-connection.jsonl'));
  const rows = new Map<string, { mapping: ReturnType<typeof sampleWorkspace>['mapping']; rows: Record<string, unknown>[] }>();
  WORKSPACES.forEach((workspace, index) => {
    // Every other sample event: a dozen incidents per workspace keep a schedule cheap (Azurite is the cost).
    const own: SampleEvent[] = workspaceEvents(events, index, workspace.name).filter((_, row) => row % 2 === index % 2);
    // Ingested over the last 30 minutes before FINAL_TIME - 3 min; every third row arrives late (generated up to
    // 4.5 min, inside the 5 min ingestion delay, before its ingestion).
    const sample = sampleWorkspace('asim', own, (row, count) => {
      const ingestedAt = new Date(FINAL_TIME.getTime() - 3 * MINUTE - ((count - 1 - row) * 27 * MINUTE) / (count - 1) - index * 7_000);
      const delayMs = row % 3 === 2 ? 270_000 : 15_000 + (row % 4) * 10_000;
      return { ingestedAt, timeGenerated: new Date(ingestedAt.getTime() - delayMs) };
    });
    rows.set(workspace.workspaceId, { mapping: sample.mapping, rows: sample.rows });
  });
  return {
    tables,
    queues,
    rulesPath,
    rows,
    async stop() {
      await Promise.all([tables.stop(), queues.stop()]);
    },
  };
}

function configFor(world: ChaosWorld, name: string): FanoutConfig {
  const workspaces = WORKSPACES.map((workspace) => ({
    name: workspace.name,
    resourceId: `/subscriptions/${workspace.subscription}/resourceGroups/rg-${workspace.name}/providers/Microsoft.OperationalInsights/workspaces/law-${workspace.name}`,
    workspaceId: workspace.workspaceId,
    target: 'asim',
    rulesPath: world.rulesPath,
  }));
  return parseFanoutConfig(
    {
      HUNT_WORKSPACES: JSON.stringify(workspaces),
      HUNT_QUEUE_NAME: `chaos-${name}`,
      HUNT_BATCH_RULES: '2',
      HUNT_QUERY_SLOTS: String(QUERY_SLOTS),
      HUNT_INCIDENTS_TABLE: `inc${name.replace(/-/g, '')}`,
      HUNT_CHECKPOINTS_TABLE: `chk${name.replace(/-/g, '')}`,
      HUNT_SLOTS_TABLE: `slt${name.replace(/-/g, '')}`,
      HUNT_LOOKBACK: '1h',
    },
    { environment: 'local' },
  )!;
}

interface ScheduleRig {
  config: FanoutConfig;
  clients: FanoutClients;
  fake: LogAnalyticsFake;
  packs: RulePacks;
  /** The service's clock (the fake's). */
  serviceNow: { at: Date };
  inFlight: { now: number; max: number };
  storm: { kind: '429' | '5xx'; left: number } | undefined;
  /** Each simulated host's LogsQueryClient: its own query-slot holder, on its own skewed clock. */
  hostLogs(hunter: number, skewMs: number): LogsQueryClient;
  close(): Promise<void>;
}

/** The longest attempt here is seconds (the fake), so the lease is 30 s + twice the skew tolerance, as LEASE_MS is
 *  built for Azure. */
const SLOT_OPTIONS = { leaseMs: 30_000 + 2 * CLOCK_SKEW_TOLERANCE_MS, pollMs: 20, maxWaitMs: 20_000 };

async function rig(world: ChaosWorld, name: string, packs: RulePacks, random: () => number): Promise<ScheduleRig> {
  const config = configFor(world, name);
  const fake = await startLogAnalyticsFake();
  const clients = await localFanoutClients(config, {
    tableConnectionString: world.tables.connectionString,
    queueConnectionString: world.queues.connectionString,
    logAnalyticsUrl: fake.url,
    slots: SLOT_OPTIONS,
  });
  const hostLogs = new Map<number, LogsQueryClient>();
  const state: ScheduleRig = {
    config,
    clients,
    fake,
    packs,
    serviceNow: { at: FINAL_TIME },
    inFlight: { now: 0, max: 0 },
    storm: undefined,
    hostLogs(hunter, skewMs) {
      let logs = hostLogs.get(hunter);
      if (!logs) {
        const slots = new QuerySlots(clients.slotsTable, { slots: config.querySlots, ...SLOT_OPTIONS, holder: `${name}-host${hunter}`, clock: () => Date.now() + skewMs });
        logs = withQuerySlots(createLogsQueryClient({ endpoint: fake.url, insecureLocal: true }), slots);
        hostLogs.set(hunter, logs);
      }
      return logs;
    },
    async close() {
      await fake.close();
      await Promise.all([clients.queues.work.deleteIfExists(), clients.queues.poison.deleteIfExists()]);
    },
  };
  fake.setClock(() => state.serviceNow.at);
  const responders = new Map<string, FakeRespond>();
  for (const [workspaceId, workspace] of world.rows) responders.set(workspaceId, oracleResponder({ mapping: workspace.mapping, rows: () => workspace.rows }));
  fake.setRespond(async (request) => {
    state.inFlight.now += 1;
    state.inFlight.max = Math.max(state.inFlight.max, state.inFlight.now);
    try {
      // A little service time, so that concurrent queries overlap and the slot bound is exercised.
      await new Promise((resolve) => setTimeout(resolve, 2 + random() * 8));
      if (state.storm && state.storm.left > 0) {
        state.storm.left -= 1;
        const reply: FakeReply =
          state.storm.kind === '429'
            ? { kind: 'error', status: 429, headers: { 'retry-after-ms': String(20 + Math.floor(random() * 60)) }, error: { code: 'ThrottledError', message: 'Your request has been throttled' } }
            : [fakeReply.serverError(500), fakeReply.serverError(503), fakeReply.connectionReset()][Math.floor(random() * 3)]!;
        return reply;
      }
      return (await responders.get(request.workspaceId.toLowerCase())?.(request)) ?? fakeReply.forbidden();
    } finally {
      state.inFlight.now -= 1;
    }
  });
  return state;
}

const quietLog: HuntLog = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** One hunter delivery with its fault: returns after the message is acknowledged, retried, or the hunter died. */
async function deliver(rigState: ScheduleRig, fault: Fault, hunter: number, skewMs: number, visibilityTimeoutSeconds: number): Promise<'empty' | 'done' | 'died'> {
  const life = { dead: false };
  const die = (why: string): never => {
    life.dead = true;
    throw new Error(`chaos: hunter died (${why})`);
  };
  const counts = new Map<string, number>();
  const count = (key: string) => {
    const next = (counts.get(key) ?? 0) + 1;
    counts.set(key, next);
    return next;
  };
  const delivered = await deliverOne({
    queues: rigState.clients.queues,
    maxDequeueCount: rigState.config.maxDequeueCount,
    visibilityTimeoutSeconds,
    isDead: () => life.dead,
    handler: async (text, delivery) => {
      await huntMessage(text, delivery, {
        config: rigState.config,
        packs: rigState.packs,
        logsClient: rigState.hostLogs(hunter, skewMs),
        tables: rigState.clients.tables,
        sendPoison: async (record) => {
          if (life.dead) die('already dead');
          await rigState.clients.queues.poison.sendMessage(Buffer.from(record).toString('base64'));
        },
        log: quietLog,
        now: () => new Date(rigState.serviceNow.at.getTime() + skewMs),
        settings: { runBudgetMs: 60_000, storeReserveMs: 5_000 },
        queryOptions: { backoff: { baseDelayMs: 5, maxDelayMs: 40 }, serverTimeoutSeconds: 30, maxAttempts: 4 },
        faults: (step) => {
          if (life.dead) die('already dead');
          if ((fault.kind === 'crash-after' || fault.kind === 'error-after') && fault.step === step && count(step) === fault.nth) {
            if (fault.kind === 'crash-after') die(`after ${step}`);
            throw new Error(`chaos: ${step} failed`);
          }
        },
        incidentStore: {
          submitTransaction: async (client, partitionKey, actions) => {
            if (life.dead) die('already dead');
            const crash = fault.kind === 'crash-in-store' && count('store-tx') === fault.nth;
            if (crash && !fault.committed) die('inside store, before commit');
            const response = await submitTransaction(client, partitionKey, actions);
            if (crash) die('inside store, after commit');
            return response;
          },
        },
        checkpoints: (store) => dyingCheckpoints(store, () => {
          if (life.dead) die('already dead');
          return fault.kind === 'crash-in-checkpoint' && count('checkpoint-write') === fault.nth ? { committed: fault.committed } : undefined;
        }, die),
      });
    },
  });
  return delivered === 'empty' ? 'empty' : delivered === 'died' ? 'died' : 'done';
}

function dyingCheckpoints(store: CheckpointStore, crashHere: () => { committed: boolean } | undefined, die: (why: string) => never): CheckpointStore {
  const wrapped = Object.create(store) as CheckpointStore;
  wrapped.advance = async (scope, from, to) => {
    const crash = crashHere();
    if (crash && !crash.committed) die('inside checkpoint, before the write');
    const advanced = await store.advance(scope, from, to);
    if (crash) die('inside checkpoint, after the write');
    return advanced;
  };
  return wrapped;
}

async function plannerTick(rigState: ScheduleRig, tick: TickPlan | undefined, held: string[]): Promise<string[]> {
  const planned: string[] = [];
  await runPlanner(rigState.config, { packs: rigState.packs, send: async (wire) => void planned.push(wire), log: quietLog, now: () => rigState.serviceNow.at });
  const send = (wire: string) => rigState.clients.queues.work.sendMessage(wire);
  if (!tick) {
    for (const wire of [...held, ...planned]) await send(wire);
    return [];
  }
  const keep: string[] = [];
  for (const index of tick.shuffle) {
    const wire = planned[index];
    if (wire === undefined) continue;
    if (tick.holdBack.has(index)) {
      keep.push(wire); // sent after the next tick's messages: late and out of order
      continue;
    }
    await send(wire);
    if (tick.duplicate.has(index)) await send(wire);
  }
  for (const wire of held) await send(wire);
  for (const text of tick.poison) await send(Buffer.from(text).toString('base64'));
  return keep;
}

export interface ScheduleResult {
  index: number;
  hunters: number;
  lost: number;
  doubled: number;
  violations: string[];
  poisoned: number;
  maxInFlight: number;
  durationMs: number;
}

/** Runs one hunt pass with `hunters` concurrent hunters until `deliveries` deliveries were made or the queue is
 *  empty (and, when draining, until nothing reappears). */
async function hunt(rigState: ScheduleRig, plan: SchedulePlan, faultCursor: { next: number }, deliveries: number, options: { faults: boolean; hunters: number; drain: boolean }): Promise<void> {
  let made = 0;
  let busy = 0;
  let lastDeath = 0;
  const worker = async (hunter: number) => {
    while (options.drain || made < deliveries) {
      made += 1;
      busy += 1;
      const fault = options.faults ? plan.faults[faultCursor.next++ % plan.faults.length]! : ({ kind: 'none' } as Fault);
      let outcome: Awaited<ReturnType<typeof deliver>>;
      try {
        outcome = await deliver(rigState, fault, hunter, plan.skewsMs[hunter % plan.skewsMs.length]!, HOLD_VISIBILITY_S);
      } finally {
        busy -= 1;
      }
      if (outcome === 'died') lastDeath = Date.now();
      if (outcome === 'empty') {
        if (!options.drain) return;
        // Done when nobody is hunting (a running delivery may still fail and release its message) and a dead
        // hunter's message has had its visibility timeout to reappear.
        if (busy === 0 && Date.now() - lastDeath > HOLD_VISIBILITY_S * 1000 + 300) return;
        await new Promise((resolve) => setTimeout(resolve, 150));
      }
    }
  };
  await Promise.all(Array.from({ length: options.hunters }, (_, hunter) => worker(hunter)));
}

export async function runSchedule(world: ChaosWorld, seed: number, index: number): Promise<ScheduleResult> {
  const started = Date.now();
  const plan = planSchedule(seed, index);
  const random = createRng(seed ^ (index * 2654435761));
  const name = `s${seed % 100000}x${index}`;
  const rigState = await rig(world, name, new RulePacks(quietLog), random);
  const violations: string[] = [];
  let injectedPoison = 0;
  try {
    const cursor = { next: 0 };
    let held: string[] = [];
    for (const tick of plan.ticks) {
      rigState.serviceNow.at = tick.at;
      rigState.storm = tick.storm ? { kind: tick.storm.kind, left: tick.storm.requests } : undefined;
      held = await plannerTick(rigState, tick, held);
      injectedPoison += tick.poison.length;
      await hunt(rigState, plan, cursor, tick.deliveries, { faults: true, hunters: plan.hunters, drain: false });
    }
    // The faults stop; the last tick at the final instant; the hunters drain the queue.
    rigState.storm = undefined;
    rigState.serviceNow.at = FINAL_TIME;
    await plannerTick(rigState, undefined, held);
    await hunt(rigState, plan, cursor, 0, { faults: false, hunters: plan.hunters, drain: true });

    const tables = await dumpTables(rigState.clients);
    const { lost, doubled, differing } = compare(world.clean!, tables);
    violations.push(...differing);
    const poison = await drainPoison(rigState.clients);
    const reasons = poison.filter((reason) => /^malformed message|^workspace 'northwind'|not in HUNT_WORKSPACES/.test(reason));
    if (reasons.length < injectedPoison) violations.push(`${injectedPoison} poison messages injected, ${reasons.length} found in the poison queue with their reason`);
    if (rigState.inFlight.max > QUERY_SLOTS) violations.push(`${rigState.inFlight.max} queries in flight at once, more than the ${QUERY_SLOTS} query slots`);
    return { index, hunters: plan.hunters, lost, doubled, violations, poisoned: poison.length, maxInFlight: rigState.inFlight.max, durationMs: Date.now() - started };
  } finally {
    await rigState.close();
    await Promise.all([rigState.clients.tables.incidents.deleteTable(), rigState.clients.tables.checkpoints.deleteTable()]).catch(() => undefined);
  }
}

/** The tables of one clean sequential run: one hunter, no fault, one planner tick at FINAL_TIME. */
export async function cleanRun(world: ChaosWorld): Promise<TablesDump> {
  const rigState = await rig(world, `clean${Date.now() % 100000}`, new RulePacks(quietLog), createRng(1));
  try {
    rigState.serviceNow.at = FINAL_TIME;
    await plannerTick(rigState, undefined, []);
    const plan: SchedulePlan = { index: -1, hunters: 1, skewsMs: [0], ticks: [], faults: [{ kind: 'none' }] };
    await hunt(rigState, plan, { next: 0 }, 0, { faults: false, hunters: 1, drain: true });
    const dump = await dumpTables(rigState.clients);
    world.clean = dump;
    return dump;
  } finally {
    await rigState.close();
  }
}

// ---------------------------------------------------------------------------------------------------------
// Tables

export interface TablesDump {
  incidents: Map<string, string>;
  checkpoints: Map<string, string>;
}

async function dumpTable(client: TableClient, keyOf: (entity: Record<string, unknown>) => string): Promise<Map<string, string>> {
  const entities = new Map<string, string>();
  for await (const entity of client.listEntities<Record<string, unknown>>()) {
    const { etag: _etag, timestamp: _timestamp, ...rest } = entity as Record<string, unknown>;
    entities.set(keyOf(rest), JSON.stringify(rest, Object.keys(rest).sort()));
  }
  return entities;
}

async function dumpTables(clients: FanoutClients): Promise<TablesDump> {
  return {
    incidents: await dumpTable(clients.tables.incidents, (entity) => `${entity.partitionKey}/${entity.rowKey}`),
    checkpoints: await dumpTable(clients.tables.checkpoints, (entity) => String(entity.scope)),
  };
}

/** lost: clean entities (incidents and hits) missing; doubled: entities the clean run does not have. */
function compare(clean: TablesDump, actual: TablesDump): { lost: number; doubled: number; differing: string[] } {
  let lost = 0;
  let doubled = 0;
  const differing: string[] = [];
  for (const [key, text] of clean.incidents) {
    const other = actual.incidents.get(key);
    if (other === undefined) lost += 1;
    else if (other !== text) differing.push(`incident entity ${key} differs from the clean run's`);
  }
  for (const key of actual.incidents.keys()) if (!clean.incidents.has(key)) doubled += 1;
  for (const [scope, text] of clean.checkpoints) {
    const other = actual.checkpoints.get(scope);
    if (other !== text) differing.push(`checkpoint ${scope}: ${other === undefined ? 'missing' : 'differs'} (${other ? JSON.parse(other).watermark : '-'} vs ${JSON.parse(text).watermark})`);
  }
  for (const scope of actual.checkpoints.keys()) if (!clean.checkpoints.has(scope)) differing.push(`checkpoint ${scope} not in the clean run`);
  return { lost, doubled, differing };
}

async function drainPoison(clients: FanoutClients): Promise<string[]> {
  const reasons: string[] = [];
  for (;;) {
    const received = await clients.queues.poison.receiveMessages({ numberOfMessages: 32 });
    if (received.receivedMessageItems.length === 0) return reasons;
    for (const item of received.receivedMessageItems) {
      reasons.push(poisonReasonOf(item.messageText));
      await clients.queues.poison.deleteMessage(item.messageId, item.popReceipt);
    }
  }
}
