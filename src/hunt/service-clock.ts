/**
 * The instant a run's windows end at (`ingestionTo = now - safetyLag`) is read from the Log Analytics service,
 * not from the host: `ingestion_time()` is stamped by the service, so only the service's clock says which
 * ingestion times are final. With the host 10 minutes ahead, a host-clock watermark would pass rows the service
 * has not ingested yet, and the next run would start after them: lost for good.
 *
 * How: one cheap probe per run (`print now()`, which reads no table) and the `Date` header of its response.
 * Why the header rather than the query's own `now()` value:
 * - every response carries it, whatever its status: a throttled (429) or failing (5xx) service still tells its
 *   time, so the clock is known whenever the service answered at all, and reading it needs no result parsing
 *   (the SDK's result reader throws on some replies, src/loganalytics/client.ts repairResponse);
 * - its one-second resolution does not matter against a safety lag of minutes, and it errs on the safe side:
 *   an HTTP-date is truncated to the second and stamped before the response reached us, so the instant we
 *   read is at most ~1 s + latency behind the service, never ahead of it (a window ends a little earlier and
 *   the next run reads the rest).
 * The run uses that one instant for every rule (later rules do not move their bound forward: rows that arrive
 * during the run are the next run's). When no response came back at all, the run reads nothing: falling back
 * to the host clock is exactly the loss this module exists to prevent, and the next tick tries again.
 */
import type { LogsQueryClient } from '@azure/monitor-query-logs';
import { runQuery, type RunQueryOptions } from '../loganalytics/index.js';
import type { HuntLog } from './pipeline.js';

/** Reads no table: the cheapest query the service accepts. */
export const SERVICE_CLOCK_PROBE_QUERY = 'print ServiceTime = now()';
/** Host-vs-service skew past which a run warns (and says so in its summary). */
export const CLOCK_SKEW_WARNING_MS = 60_000;

/** What the run's summary says about the clocks. */
export interface ServiceClockSummary {
  /** The service's `Date` header (absent when no response came back). */
  serviceTime?: string;
  /** The host's clock when the response was read. */
  hostTime: string;
  /** hostTime - serviceTime: positive when the host runs ahead. */
  skewMs?: number;
  /** Why the service's clock could not be read (the run then reads nothing). */
  error?: string;
}

export type ServiceClockReading = { ok: true; now: Date; summary: ServiceClockSummary } | { ok: false; reason: string; summary: ServiceClockSummary };

export async function readServiceClock(
  logsClient: LogsQueryClient,
  workspaceId: string,
  hostClock: () => Date,
  log: HuntLog,
  options: RunQueryOptions,
): Promise<ServiceClockReading> {
  const hostBefore = hostClock();
  // The timespan bounds tables only; `print` reads none.
  const timespan = { startTime: new Date(hostBefore.getTime() - 60_000), endTime: hostBefore };
  const outcome = await runQuery(logsClient, workspaceId, SERVICE_CLOCK_PROBE_QUERY, timespan, {
    ...options,
    log: (event) => log.warn(`service clock probe: attempt ${event.attempt} failed (${event.reason}); retrying in ${event.delayMs} ms`, { ...event }),
  });
  const hostTime = hostClock();
  if (!outcome.serviceDate) {
    const reason = `the service's clock could not be read: no response${outcome.kind === 'failed' ? ` (${outcome.reason})` : ''}`;
    return { ok: false, reason, summary: { hostTime: hostTime.toISOString(), error: reason } };
  }
  const now = outcome.serviceDate;
  const skewMs = hostTime.getTime() - now.getTime();
  if (Math.abs(skewMs) > CLOCK_SKEW_WARNING_MS) {
    log.warn(
      `the host clock is ${Math.round(Math.abs(skewMs) / 1000)} s ${skewMs > 0 ? 'ahead of' : 'behind'} the Log Analytics service's; ` +
        'the windows follow the service (its Date header)',
      { hostTime: hostTime.toISOString(), serviceTime: now.toISOString(), skewMs },
    );
  }
  return { ok: true, now, summary: { serviceTime: now.toISOString(), hostTime: hostTime.toISOString(), skewMs } };
}

/** The fake's and the tests' way to tell the probe from the hunt's queries. */
export function isServiceClockProbe(query: string): boolean {
  return query === SERVICE_CLOCK_PROBE_QUERY;
}
