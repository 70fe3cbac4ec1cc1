import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { localFanoutClients, type FanoutClients } from '../../src/fanout/clients.js';
import { parseFanoutConfig, type FanoutConfig } from '../../src/fanout/config.js';
import { huntMessage, HuntBatchError } from '../../src/fanout/hunter.js';
import { decodeMessageText, poisonReasonOf } from '../../src/fanout/messages.js';
import { RulePacks } from '../../src/fanout/packs.js';
import { planWorkspaceBatches, runPlanner } from '../../src/fanout/planner.js';
import { peekPoison } from '../../src/fanout/queues.js';
import { startAzurite, type RunningAzurite } from '../../src/local/azurite.js';
import { startLogAnalyticsFake, type LogAnalyticsFake } from '../../src/local/log-analytics-fake.js';
import { oracleResponder } from '../../src/local/sample-workspace.js';
import { groupHits } from '../../src/incidents/grouping.js';
import { incidentKeyOf } from '../../src/incidents/keys.js';
import { IncidentStore } from '../../src/store/incident-store.js';
import { makeHit } from '../store/helpers.js';
import { ANCHOR, collectingLog, sampleRows } from '../integration/harness.js';
import { projectRoot } from '../support/paths.js';
import { virtualTime } from '../support/virtual-time.js';

const RULES = path.join(projectRoot, 'test', 'fanout', 'chaos-rules');
const IDS = ['00000000-0000-4000-8000-00000000aaaa', '00000000-0000-4000-8000-00000000bbbb'];

function configOf(suffix: string): FanoutConfig {
  return parseFanoutConfig(
    {
      HUNT_WORKSPACES: JSON.stringify(
        ['tenant-a', 'tenant-b'].map((name, index) => ({
          name,
          resourceId: `/subscriptions/00000000-0000-4000-8000-00000000000${index}/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/law-${index}`,
          workspaceId: IDS[index],
          target: 'asim',
          rulesPath: RULES,
        })),
      ),
      HUNT_QUEUE_NAME: `hunter-${suffix}`,
      HUNT_BATCH_RULES: '2',
      HUNT_INCIDENTS_TABLE: `inc${suffix}`,
      HUNT_CHECKPOINTS_TABLE: `chk${suffix}`,
      HUNT_SLOTS_TABLE: `slt${suffix}`,
    },
    { environment: 'local' },
  )!;
}

let tablesService: RunningAzurite;
let queueService: RunningAzurite;
let fake: LogAnalyticsFake;
beforeAll(async () => {
  [tablesService, queueService, fake] = await Promise.all([startAzurite({ silent: true }), startAzurite({ silent: true, service: 'queue' }), startLogAnalyticsFake({ clock: () => ANCHOR })]);
  // Both workspaces hold the very same rows: only the workspace tells their incidents apart.
  const workspace = await sampleRows('asim');
  fake.setRespond(oracleResponder({ mapping: workspace.mapping, rows: () => workspace.rows }));
});
afterAll(async () => {
  await Promise.all([tablesService?.stop(), queueService?.stop(), fake?.close()]);
});

async function setUp(suffix: string): Promise<{ config: FanoutConfig; clients: FanoutClients; packs: RulePacks }> {
  const config = configOf(suffix);
  const clients = await localFanoutClients(config, { tableConnectionString: tablesService.connectionString, queueConnectionString: queueService.connectionString, logAnalyticsUrl: fake.url });
  return { config, clients, packs: new RulePacks(collectingLog()) };
}

async function planned(setup: Awaited<ReturnType<typeof setUp>>): Promise<string[]> {
  const wires: string[] = [];
  await runPlanner(setup.config, { packs: setup.packs, send: async (wire) => void wires.push(wire), log: collectingLog(), now: () => ANCHOR });
  return wires.map(decodeMessageText);
}

/** One delivery, hunted on virtual time (its budget, waits and attempt timers): however slow the machine, the
 *  hunt has its whole budget, so a run is complete unless the test makes it otherwise. */
function hunt(setup: Awaited<ReturnType<typeof setUp>>, text: unknown, dequeueCount = 1, faults?: () => void) {
  const time = virtualTime(ANCHOR.getTime());
  return huntMessage(text, { dequeueCount }, {
    config: setup.config,
    packs: setup.packs,
    logsClient: setup.clients.logsClient,
    tables: setup.clients.tables,
    sendPoison: async (record) => void (await setup.clients.queues.poison.sendMessage(Buffer.from(record).toString('base64'))),
    log: collectingLog(),
    now: () => ANCHOR,
    budgetClock: time.now,
    queryOptions: { sleep: time.sleep, attemptTimer: time.attemptTimer },
    settings: { runBudgetMs: 60_000, storeReserveMs: 5_000 },
    ...(faults ? { faults } : {}),
  });
}

describe('planner', () => {
  test('one message per (workspace, batch): rules of one source cut at HUNT_BATCH_RULES', async () => {
    const setup = await setUp('plan1');
    const messages = (await planned(setup)).map((text) => JSON.parse(text) as { workspace: string; batch: string; ruleIds: string[] });
    expect(messages.map((message) => [message.workspace, message.batch, message.ruleIds.length])).toEqual([
      ['tenant-a', 'network_connection#0', 2],
      ['tenant-a', 'network_connection#1', 2],
      ['tenant-b', 'network_connection#0', 2],
      ['tenant-b', 'network_connection#1', 2],
    ]);
  });

  test('batches also stop short of the 64 KiB queue message limit', () => {
    const rules = Array.from({ length: 400 }, (_, index) => ({ ruleId: `${'r'.repeat(200)}-${index}`, query: { source: 'override' } as never }));
    const batches = planWorkspaceBatches(rules, 500);
    expect(batches.length).toBeGreaterThan(1);
    for (const batch of batches) expect(JSON.stringify(batch.ruleIds).length).toBeLessThan(47 * 1024);
    expect(batches.flatMap((batch) => batch.ruleIds)).toHaveLength(400);
  });
});

describe('hunter', () => {
  test('two workspaces with the same rows never share an incident; a duplicate delivery adds nothing', async () => {
    const setup = await setUp('hunt1');
    const messages = await planned(setup);
    for (const text of messages) expect((await hunt(setup, text)).outcome).toBe('hunted');
    const store = new IncidentStore(setup.clients.tables.incidents);
    const incidents = await store.listIncidents();
    const perWorkspace = IDS.map((id) => incidents.filter((incident) => incident.workspaceId === id));
    expect(perWorkspace[0]!.length).toBeGreaterThan(0);
    expect(perWorkspace[1]!.length).toBe(perWorkspace[0]!.length);
    expect(new Set(incidents.map((incident) => incident.incidentKey)).size).toBe(incidents.length);
    const again = await hunt(setup, messages[0]);
    expect(again.outcome === 'hunted' && again.summary.totals.incidentsCreated).toBe(0);
    expect((await store.listIncidents()).length).toBe(incidents.length);
  });

  test('the single-workspace incident key is unchanged; a scope makes another key', () => {
    const hit = makeHit({ hitId: 'h1' });
    const [unscoped] = groupHits([hit], 24 * 3_600_000);
    const identity = unscoped!.identity;
    expect(unscoped!.incidentKey).toBe(
      incidentKeyOf(['sigma-hunt/incident/v1', identity.ruleId, identity.host, identity.processImage, identity.destination.kind, identity.destination.value, identity.destination.port, identity.bucketStart.getTime(), identity.windowMs]),
    );
    expect(groupHits([hit], 24 * 3_600_000, IDS[0])[0]!.incidentKey).not.toBe(unscoped!.incidentKey);
  });

  test('a message that can never succeed is poisoned at once with its reason, and the planner reports it', async () => {
    const setup = await setUp('poison1');
    const outcomes = [
      await hunt(setup, 'not json'),
      await hunt(setup, { kind: 'sigma-hunt.batch', v: 1, workspace: 'northwind', workspaceId: IDS[0], batch: 'x#0', ruleIds: ['r'], plannedAt: 'now' }),
    ];
    expect(outcomes).toEqual([
      { outcome: 'poisoned', reason: 'malformed message: not JSON' },
      { outcome: 'poisoned', reason: "workspace 'northwind' is not in HUNT_WORKSPACES (removed since the message was planned?)" },
    ]);
    const log = collectingLog();
    const summary = await runPlanner(setup.config, { packs: setup.packs, send: async () => undefined, peekPoison: () => peekPoison(setup.clients.queues.poison), log, now: () => ANCHOR });
    expect(summary.poison).toEqual({ count: 2, reasons: ['malformed message: not JSON', "northwind x#0: workspace 'northwind' is not in HUNT_WORKSPACES (removed since the message was planned?)"] });
    expect(log.lines.some((line) => line.level === 'warn' && line.message.includes('holds 2 message(s)'))).toBe(true);
  });

  test('a failing hunt is redelivered, and poisoned with the last error on its last delivery', async () => {
    const setup = await setUp('poison2');
    const [text] = await planned(setup);
    const failing = () => {
      throw new Error('injected: store unreachable');
    };
    await expect(hunt(setup, text, 1, failing)).rejects.toThrow(HuntBatchError);
    const last = await hunt(setup, text, setup.config.maxDequeueCount, failing);
    expect(last.outcome).toBe('poisoned');
    expect(last.outcome === 'poisoned' && last.reason).toMatch(/^failed on all 5 deliveries; last: hunt failed: .*injected: store unreachable/);
    const peeked = await peekPoison(setup.clients.queues.poison);
    expect(poisonReasonOf(peeked.texts[0]!)).toMatch(/^tenant-a network_connection#0: failed on all 5 deliveries/);
  });
});
