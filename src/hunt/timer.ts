/**
 * What the timer function does, without the Functions runtime: settings parsed once at start (all problems in
 * one ConfigError), Azure clients built once and reused across invocations, one hunt per tick, the summary as
 * one JSON line. functions/hunt-timer.ts only registers this.
 */
import type { TokenCredential } from '@azure/identity';
import { ConfigError, parseHuntConfig, type HuntConfig } from './config.js';
import { azureHuntClients, runConfiguredHunt, type HuntClients } from './clients.js';
import type { HuntLog } from './pipeline.js';
import type { HuntSummary } from './summary.js';

export type HuntTimerSetup = { ok: true; config: HuntConfig } | { ok: false; error: ConfigError };

/** Parses the settings; never throws for bad settings (the handler reports them on every tick). */
export function setUpHuntTimer(env: Readonly<Record<string, string | undefined>>): HuntTimerSetup {
  try {
    return { ok: true, config: parseHuntConfig(env) };
  } catch (error) {
    if (error instanceof ConfigError) return { ok: false, error };
    throw error;
  }
}

/** Thrown when a tick's hunt failed, after the summary was logged, so the host records a failed invocation. */
export class HuntRunError extends Error {
  override readonly name = 'HuntRunError';
  readonly code = 'hunt-run' as const;
  constructor(readonly summary: HuntSummary) {
    const stops = [
      ...summary.rules.filter((rule) => rule.stopped).map((rule) => `${rule.ruleId} (${rule.stopped!.reason}: ${rule.stopped!.detail})`),
      ...(summary.sharedStops ?? []).map((stop) => `${stop.rules} rules (${stop.reason}: ${stop.detail})`),
    ];
    super(`hunt run ${summary.outcome}: ${stops.join('; ')}`);
  }
}

export interface HuntTimerHandlerOptions {
  credential?: TokenCredential;
  /** Replaces the Azure clients (tests). */
  clients?: HuntClients;
  now?: () => Date;
}

export function huntTimerHandler(setup: HuntTimerSetup, options: HuntTimerHandlerOptions = {}): (log: HuntLog) => Promise<HuntSummary> {
  let clients: Promise<HuntClients> | undefined = options.clients ? Promise.resolve(options.clients) : undefined;
  return async (log) => {
    if (!setup.ok) {
      log.error(setup.error.message, { problems: setup.error.problems });
      throw setup.error;
    }
    const config = setup.config;
    // A failed client setup (a table that cannot be created) is retried on the next tick.
    clients ??= azureHuntClients(config, options.credential).catch((error: unknown) => {
      clients = undefined;
      throw error;
    });
    const summary = await runConfiguredHunt(config, await clients, log, { workspaceId: config.workspaceId!, ...(options.now ? { now: options.now } : {}) });
    log.info(JSON.stringify(summary));
    if (summary.outcome === 'failed') throw new HuntRunError(summary);
    return summary;
  };
}
