/**
 * A global bound on Log Analytics queries in flight, across every instance of the app: one managed identity is
 * one "user" to the service (5 concurrent queries, 200 requests per 30 s, then 429: docs/research/
 * log-analytics-limits.md), however many instances Flex Consumption starts.
 *
 * A counting semaphore of N leases in a Table Storage table (the storage account the app already has):
 * PartitionKey `slot`, RowKeys `00`..`N-1`, each `{holder, leaseUntil}`. A query takes a free slot (absent, or
 * its lease expired) with an ETag-checked write (create: 409 when another took it; update: 412), runs, and frees
 * it. A holder that dies keeps its slot until the lease expires: concurrency drops for that long, correctness
 * never depends on a slot.
 *
 * The same table holds the shared pause (PartitionKey `pause`, RowKey `429`): a 429 from the service sets
 * `until` to now + its Retry-After, and every instance waits for it before taking a slot, so one instance's
 * throttling slows them all instead of each hammering on its own. The hunt's own retry (src/loganalytics/query.ts)
 * still backs off within the run budget: a window that stays throttled is left for the next run.
 *
 * Clocks: lease and pause instants are each host's clock. Hosts may disagree by up to CLOCK_SKEW_TOLERANCE_MS:
 * a lease is LEASE_MS = the longest query attempt + twice that tolerance, so a skewed reader never takes a slot
 * whose holder may still be querying. A pause also records its length: a reader whose clock is behind the
 * setter's waits at most that length from when it reads the pause, not the length plus the skew.
 *
 * `querySlotPolicy` puts this into the LogsQueryClient pipeline, around each attempt (after the retry phase).
 */
import { odata, type TableClient } from '@azure/data-tables';
import type { LogsQueryClient } from '@azure/monitor-query-logs';
import { randomUUID } from 'node:crypto';
import { headerSource, parseRetryAfterMs } from '../loganalytics/retry.js';
import { statusOf } from '../store/errors.js';

/** Host clocks may differ by this much (NTP keeps Azure hosts far closer); README "Fan-out" documents it. */
export const CLOCK_SKEW_TOLERANCE_MS = 60_000;
/** The longest query attempt: the service's 10-minute maximum run time plus the client's 30 s margin. */
export const MAX_QUERY_ATTEMPT_MS = 10 * 60_000 + 30_000;
export const LEASE_MS = MAX_QUERY_ATTEMPT_MS + 2 * CLOCK_SKEW_TOLERANCE_MS;
/** A 429 without Retry-After pauses everyone this long. */
export const DEFAULT_PAUSE_MS = 5_000;
/** A pause longer than this is capped (a hostile or broken header must not stop the hunt for hours). */
export const MAX_PAUSE_MS = 5 * 60_000;

const SLOT_PARTITION = 'slot';
const PAUSE_PARTITION = 'pause';
const PAUSE_ROW = '429';

export interface QuerySlotsOptions {
  slots: number;
  /** Who holds a slot (logs, the table): instance id + a random suffix by default. */
  holder?: string;
  leaseMs?: number;
  /** Longest wait for a slot before the attempt is answered as throttled (a synthetic 429); default 60 s. */
  maxWaitMs?: number;
  /** Poll interval while every slot is taken; jittered. Default 250 ms. */
  pollMs?: number;
  clock?: () => number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

export interface SlotLease {
  slot: string;
  etag: string;
}

export class QuerySlotTimeout extends Error {
  override readonly name = 'QuerySlotTimeout';
  readonly code = 'query-slot-timeout' as const;
}

export class QuerySlots {
  readonly holder: string;
  private readonly leaseMs: number;
  private readonly maxWaitMs: number;
  private readonly pollMs: number;
  private readonly clock: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  /** Counters for the run log. */
  readonly stats = { acquired: 0, waits: 0, conflicts: 0, pauses: 0, timeouts: 0, takenOver: 0 };

  constructor(
    private readonly table: TableClient,
    private readonly options: QuerySlotsOptions,
  ) {
    this.holder = options.holder ?? `${process.env.WEBSITE_INSTANCE_ID?.slice(0, 12) ?? 'local'}-${randomUUID().slice(0, 8)}`;
    this.leaseMs = options.leaseMs ?? LEASE_MS;
    this.maxWaitMs = options.maxWaitMs ?? 60_000;
    this.pollMs = options.pollMs ?? 250;
    this.clock = options.clock ?? Date.now;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.random = options.random ?? Math.random;
  }

  /** Takes a slot, waiting out a shared pause and taken slots; throws QuerySlotTimeout past maxWaitMs. */
  async acquire(): Promise<SlotLease> {
    const startedAt = this.clock();
    // A pause already waited out in full is not waited for again (the reader's clock may still be behind it).
    let pausedSeen = 0;
    for (;;) {
      const now = this.clock();
      const read = await this.read();
      const state = read.pausedUntil === pausedSeen ? { ...read, pausedUntil: 0 } : read;
      const waitedMs = now - startedAt;
      const pauseLeftMs = Math.min(state.pausedUntil - now, state.pauseMs);
      if (pauseLeftMs > 0) {
        this.stats.pauses += 1;
        if (waitedMs + pauseLeftMs > this.maxWaitMs) return this.timeout();
        await this.sleep(pauseLeftMs);
        pausedSeen = state.pausedUntil;
        continue;
      }
      const candidates: { slot: string; etag?: string; expired: boolean }[] = [];
      for (let index = 0; index < this.options.slots; index++) {
        const slot = String(index).padStart(2, '0');
        const entity = state.slots.get(slot);
        if (!entity) candidates.push({ slot, expired: false });
        else if (entity.leaseUntil <= now) candidates.push({ slot, etag: entity.etag, expired: entity.holder !== '' });
      }
      // Random order: instances that read the same state do not all race for slot 00.
      for (let index = candidates.length - 1; index > 0; index--) {
        const other = Math.floor(this.random() * (index + 1));
        [candidates[index], candidates[other]] = [candidates[other]!, candidates[index]!];
      }
      for (const candidate of candidates) {
        const entity = { partitionKey: SLOT_PARTITION, rowKey: candidate.slot, holder: this.holder, leaseUntil: now + this.leaseMs };
        try {
          const response = candidate.etag === undefined ? await this.table.createEntity(entity) : await this.table.updateEntity(entity, 'Replace', { etag: candidate.etag });
          this.stats.acquired += 1;
          if (candidate.expired) this.stats.takenOver += 1;
          return { slot: candidate.slot, etag: response.etag ?? '' };
        } catch (error) {
          const status = statusOf(error);
          if (status !== 409 && status !== 412) throw error;
          this.stats.conflicts += 1;
        }
      }
      this.stats.waits += 1;
      if (this.clock() - startedAt >= this.maxWaitMs) return this.timeout();
      await this.sleep(this.pollMs / 2 + this.random() * this.pollMs);
    }
  }

  /** Frees a slot (only if still ours: a lease taken over after expiry is left to its new holder). */
  async release(lease: SlotLease): Promise<void> {
    try {
      await this.table.updateEntity({ partitionKey: SLOT_PARTITION, rowKey: lease.slot, holder: '', leaseUntil: 0 }, 'Replace', { etag: lease.etag });
    } catch (error) {
      if (statusOf(error) !== 412 && statusOf(error) !== 404) throw error;
    }
  }

  /** Everyone waits until `now + ms` (kept if a later pause is already set). */
  async pause(ms: number): Promise<void> {
    const pauseMs = Math.min(Math.max(ms, 0), MAX_PAUSE_MS);
    const until = this.clock() + pauseMs;
    for (let attempt = 0; attempt < 5; attempt++) {
      let current: { until: number; etag: string } | undefined;
      try {
        const entity = await this.table.getEntity<{ until?: number }>(PAUSE_PARTITION, PAUSE_ROW);
        current = { until: Number(entity.until ?? 0), etag: entity.etag };
      } catch (error) {
        if (statusOf(error) !== 404) throw error;
      }
      if (current && current.until >= until) return;
      try {
        const entity = { partitionKey: PAUSE_PARTITION, rowKey: PAUSE_ROW, until, pauseMs, holder: this.holder };
        if (current) await this.table.updateEntity(entity, 'Replace', { etag: current.etag });
        else await this.table.createEntity(entity);
        return;
      } catch (error) {
        const status = statusOf(error);
        if (status !== 409 && status !== 412) throw error;
      }
    }
  }

  private timeout(): never {
    this.stats.timeouts += 1;
    throw new QuerySlotTimeout(`no Log Analytics query slot free within ${this.maxWaitMs} ms (${this.options.slots} slots shared by every instance)`);
  }

  /** This host's clock (a Retry-After date is read against it). */
  now(): number {
    return this.clock();
  }

  private async read(): Promise<{ slots: Map<string, { holder: string; leaseUntil: number; etag: string }>; pausedUntil: number; pauseMs: number }> {
    const slots = new Map<string, { holder: string; leaseUntil: number; etag: string }>();
    let pausedUntil = 0;
    // A pause written before pauses carried their length is bounded by the longest pause.
    let pauseMs = MAX_PAUSE_MS;
    const filter = odata`PartitionKey eq ${SLOT_PARTITION} or PartitionKey eq ${PAUSE_PARTITION}`;
    for await (const entity of this.table.listEntities<{ holder?: string; leaseUntil?: number; until?: number; pauseMs?: number }>({ queryOptions: { filter } })) {
      if (entity.partitionKey === PAUSE_PARTITION) {
        pausedUntil = Number(entity.until ?? 0);
        if (entity.pauseMs !== undefined) pauseMs = Number(entity.pauseMs);
      }
      else slots.set(entity.rowKey!, { holder: String(entity.holder ?? ''), leaseUntil: Number(entity.leaseUntil ?? 0), etag: entity.etag });
    }
    return { slots, pausedUntil, pauseMs };
  }
}

type PipelinePolicy = Parameters<LogsQueryClient['pipeline']['addPolicy']>[0];
type PipelineResponse = Awaited<ReturnType<PipelinePolicy['sendRequest']>>;

export const QUERY_SLOT_POLICY = 'sigmaHuntQuerySlot';

/** The HttpHeaders of a synthetic response (core-rest-pipeline's createHttpHeaders, without depending on it). */
function syntheticHeaders(values: Record<string, string>): PipelineResponse['headers'] {
  const map = new Map(Object.entries(values).map(([name, value]) => [name.toLowerCase(), value]));
  return {
    get: (name: string) => map.get(name.toLowerCase()),
    has: (name: string) => map.has(name.toLowerCase()),
    set: (name: string, value: string | number | boolean) => void map.set(name.toLowerCase(), String(value)),
    delete: (name: string) => void map.delete(name.toLowerCase()),
    toJSON: () => Object.fromEntries(map),
    [Symbol.iterator]: () => map.entries(),
  } as PipelineResponse['headers'];
}

/**
 * A pipeline policy that holds a query slot for each query attempt (`POST .../query`), records the shared pause
 * on a 429, and answers an attempt that found no slot in time as the service would (429, Retry-After 1 s), so
 * the hunt's retry backs off as for a real throttle. Other requests pass untouched.
 */
export function querySlotPolicy(slots: QuerySlots, onEvent?: (event: { kind: 'throttled'; pauseMs: number } | { kind: 'no-slot'; reason: string }) => void): PipelinePolicy {
  return {
    name: QUERY_SLOT_POLICY,
    async sendRequest(request, next): Promise<PipelineResponse> {
      if (request.method !== 'POST' || !/\/query$/.test(new URL(request.url).pathname)) return next(request);
      let lease: SlotLease;
      try {
        lease = await slots.acquire();
      } catch (error) {
        if (!(error instanceof QuerySlotTimeout)) throw error;
        onEvent?.({ kind: 'no-slot', reason: error.message });
        return {
          request,
          status: 429,
          headers: syntheticHeaders({ 'retry-after': '1', 'content-type': 'application/json' }),
          bodyAsText: JSON.stringify({ error: { code: 'QuerySlotTimeout', message: error.message } }),
        };
      }
      try {
        const response = await next(request);
        if (response.status === 429) {
          const pauseMs = parseRetryAfterMs(headerSource(response.headers.toJSON()), slots.now()) ?? DEFAULT_PAUSE_MS;
          onEvent?.({ kind: 'throttled', pauseMs });
          await slots.pause(pauseMs).catch(() => undefined);
        }
        return response;
      } finally {
        await slots.release(lease).catch(() => undefined);
      }
    },
  };
}
