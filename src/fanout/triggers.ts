/**
 * What the planner timer and the hunter queue trigger do, without the Functions runtime (as src/hunt/timer.ts is
 * for the single-workspace timer): settings parsed once at start (every problem in one ConfigError, reported on
 * each invocation), clients built once and reused, one JSON line per invocation. functions/fanout-planner.ts and
 * functions/fanout-hunter.ts only register these.
 */
import type { TokenCredential } from '@azure/identity';
import { ConfigError } from '../hunt/config.js';
import type { HuntLog } from '../hunt/pipeline.js';
import { azureFanoutClients, type FanoutClients } from './clients.js';
import { parseFanoutConfig, type FanoutConfig } from './config.js';
import { huntMessage, type Delivery, type HunterResult } from './hunter.js';
import { RulePacks } from './packs.js';
import { runPlanner, type PlanSummary } from './planner.js';
import { peekPoison } from './queues.js';

export type FanoutSetup = { ok: true; config: FanoutConfig | undefined } | { ok: false; error: ConfigError };

export function setUpFanout(env: Readonly<Record<string, string | undefined>>): FanoutSetup {
  try {
    return { ok: true, config: parseFanoutConfig(env) };
  } catch (error) {
    if (error instanceof ConfigError) return { ok: false, error };
    throw error;
  }
}

export interface FanoutHandlerOptions {
  credential?: TokenCredential;
  /** Replaces the Azure clients (tests, the local run). */
  clients?: FanoutClients;
  now?: () => Date;
}

function lazyClients(options: FanoutHandlerOptions): (config: FanoutConfig, log: HuntLog) => Promise<FanoutClients> {
  let clients: Promise<FanoutClients> | undefined = options.clients ? Promise.resolve(options.clients) : undefined;
  return (config, log) =>
    (clients ??= azureFanoutClients(config, log, options.credential).catch((error: unknown) => {
      clients = undefined; // retried on the next invocation
      throw error;
    }));
}

/** The planner timer. Without HUNT_WORKSPACES it does nothing (the single-workspace timer hunts). */
export function plannerHandler(setup: FanoutSetup, options: FanoutHandlerOptions = {}): (log: HuntLog) => Promise<PlanSummary | undefined> {
  const clientsOf = lazyClients(options);
  let packs: RulePacks | undefined;
  return async (log) => {
    if (!setup.ok) {
      log.error(setup.error.message, { problems: setup.error.problems });
      throw setup.error;
    }
    const config = setup.config;
    if (!config) return undefined;
    const clients = await clientsOf(config, log);
    packs ??= new RulePacks(log);
    const summary = await runPlanner(config, {
      packs,
      send: async (wire) => void (await clients.queues.work.sendMessage(wire)),
      peekPoison: () => peekPoison(clients.queues.poison),
      log,
      ...(options.now ? { now: options.now } : {}),
    });
    log.info(JSON.stringify(summary));
    return summary;
  };
}

/** The hunter queue trigger: `delivered` is the message as the host hands it over (text or parsed JSON). */
export function hunterHandler(setup: FanoutSetup, options: FanoutHandlerOptions = {}): (delivered: unknown, delivery: Delivery, log: HuntLog) => Promise<HunterResult> {
  const clientsOf = lazyClients(options);
  let packs: RulePacks | undefined;
  return async (delivered, delivery, log) => {
    if (!setup.ok) {
      log.error(setup.error.message, { problems: setup.error.problems });
      throw setup.error;
    }
    const config = setup.config;
    if (!config) throw new ConfigError([{ setting: 'HUNT_WORKSPACES', reason: 'a hunt batch arrived but no workspaces are configured (set HUNT_WORKSPACES or HUNT_WORKSPACES_PATH)' }]);
    const clients = await clientsOf(config, log);
    packs ??= new RulePacks(log);
    return huntMessage(delivered, delivery, {
      config,
      packs,
      logsClient: clients.logsClient,
      tables: clients.tables,
      sendPoison: async (text) => void (await clients.queues.poison.sendMessage(Buffer.from(text, 'utf8').toString('base64'))),
      log,
      ...(options.now ? { now: options.now } : {}),
    });
  };
}
