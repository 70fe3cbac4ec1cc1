/**
 * Incidents in Azure Table Storage, exactly once under re-runs, crashes and concurrent writers.
 *
 * Layout: one partition per incident (PartitionKey = incident key). RowKey `incident` holds the summary;
 * every hit is its own entity, RowKey `hit_<sha256(hitId)>`. A hit counts once because it is stored once.
 *
 * Write protocol, per incident partition:
 *   1. read the summary (and its ETag) and which of the incoming hits are already stored;
 *   2. for the new hits, in chunks: one entity-group transaction that creates the chunk's hits AND writes the
 *      summary folded over exactly those hits (If-Match the ETag, or create when new).
 * A transaction commits all or nothing, so after a crash between transactions the summary describes exactly
 * the hits stored; the next run finds those hits, skips them and folds in the rest. The fold is order- and
 * split-independent (src/incidents/merge.ts), so the final tables equal those of one clean run. A concurrent
 * writer that touched the incident makes our transaction fail (412 on the summary, 409 on a hit, 404 when the
 * summary vanished); we re-read and redo the partition.
 */
import { odata, type TableClient, type TransactionAction } from '@azure/data-tables';
import { assertGroupingWindow, groupHits, DEFAULT_GROUPING_WINDOW_MS, type HitGroup, type PreparedHit } from '../incidents/grouping.js';
import { HIT_ROW_KEY_PREFIX, INCIDENT_ROW_KEY, isIncidentKey } from '../incidents/keys.js';
import { incidentOf, mergeIncident, ruleContextOf, type IncidentRecord, type RuleContext } from '../incidents/merge.js';
import type { Incident, VerifiedHit } from '../incidents/model.js';
import { emptyWriteStats, fittingCount, submitTransaction, type TransactionSubmitter, type WriteStats } from './batches.js';
import { StoreError, statusOf } from './errors.js';
import { runPool } from './pool.js';
import { decodeHit, decodeIncident, encodeHit, encodeIncident, type StoredHit } from './incident-entity.js';
import {
  assertEntityWithinLimits,
  operationWireBytes,
  operationWireBytesBound,
  STORE_BUDGET,
  TABLE_LIMITS,
  TRANSACTION_OVERHEAD_BYTES,
  type StoredEntity,
} from './limits.js';

export interface IncidentStoreOptions {
  /** Grouping bucket width; default 24 h. Changing it starts new incidents (the width is part of the key). */
  groupingWindowMs?: number;
  /** Replaces the transaction submitter (tests inject crashes and interleavings here). */
  submitTransaction?: TransactionSubmitter;
  /** Incident partitions written in parallel; default 8. */
  concurrency?: number;
  /** Attempts per partition when other writers keep winning the ETag race; default 10. */
  maxAttempts?: number;
  /** The workspace whose hits this store writes, when a deployment hunts many (src/fanout/): part of every
   *  incident key, so two workspaces never share an incident. Absent: the single-workspace keys. */
  scope?: string;
}

export function emptyUpsertReport(): UpsertReport {
  return {
    hitsReceived: 0,
    hitsDistinct: 0,
    hitsStored: 0,
    hitsAlreadyStored: 0,
    incidentsCreated: 0,
    incidentsUpdated: 0,
    incidentsUnchanged: 0,
    conflictRetries: 0,
  };
}

/** Enrichment for a rule: an opaque JSON object built elsewhere (rule metadata, ATT&CK, entities, pivots). */
export type EnrichmentLookup = (ruleId: string) => object;

export interface UpsertReport {
  hitsReceived: number;
  /** Distinct hits after grouping (a hit id repeated in the input counts once). */
  hitsDistinct: number;
  /** Hits written by this call. */
  hitsStored: number;
  /** Hits found already stored (a re-run, or another writer). */
  hitsAlreadyStored: number;
  incidentsCreated: number;
  incidentsUpdated: number;
  /** Incidents whose summary already said everything (nothing written). */
  incidentsUnchanged: number;
  /** Partition attempts redone after an ETag/conflict failure. */
  conflictRetries: number;
}

/** A $filter may hold at most 15 discrete comparisons (Table service, "Querying tables and entities"); one is
 *  the PartitionKey. */
const ROW_KEYS_PER_LOOKUP = 14;
const ROWS_PER_PAGE = 1000;
const CONFLICT_STATUSES = new Set([404, 409, 412]);

/** What one call did to one incident, over all its attempts. */
interface GroupOutcome {
  hitsStored: number;
  created: boolean;
  summaryWritten: boolean;
}

export class IncidentStore {
  /** Live counters of requests sent by this store. */
  readonly stats: WriteStats = emptyWriteStats();
  private readonly windowMs: number;
  private readonly submit: TransactionSubmitter;
  private readonly concurrency: number;
  private readonly maxAttempts: number;
  private readonly scope: string | undefined;

  constructor(
    private readonly client: TableClient,
    options: IncidentStoreOptions = {},
  ) {
    this.windowMs = options.groupingWindowMs ?? DEFAULT_GROUPING_WINDOW_MS;
    assertGroupingWindow(this.windowMs);
    this.submit = options.submitTransaction ?? submitTransaction;
    this.concurrency = Math.max(1, options.concurrency ?? 8);
    this.maxAttempts = Math.max(1, options.maxAttempts ?? 10);
    this.scope = options.scope;
  }

  async upsertHits(hits: readonly VerifiedHit[], enrichmentFor: EnrichmentLookup): Promise<UpsertReport> {
    const groups = groupHits(hits, this.windowMs, this.scope);
    const report = emptyUpsertReport();
    report.hitsReceived = hits.length;
    report.hitsDistinct = groups.reduce((sum, group) => sum + group.hits.length, 0);
    const enrichmentByRule = new Map<string, unknown>();
    const contexts = groups.map((group) => {
      const ruleId = group.identity.ruleId;
      if (!enrichmentByRule.has(ruleId)) enrichmentByRule.set(ruleId, enrichmentFor(ruleId));
      return ruleContextOf(group, enrichmentByRule.get(ruleId));
    });
    await runPool(groups.length, this.concurrency, (index, aborted) =>
      this.upsertGroup(groups[index] as HitGroup, contexts[index] as RuleContext, report, aborted),
    );
    return report;
  }

  /** Every incident, newest activity first (lastSeen descending, then key). */
  async listIncidents(): Promise<Incident[]> {
    const incidents: Incident[] = [];
    const pages = this.client
      .listEntities<Record<string, unknown>>({ queryOptions: { filter: odata`RowKey eq ${INCIDENT_ROW_KEY}` } })
      .byPage({ maxPageSize: ROWS_PER_PAGE });
    for await (const page of pages) {
      this.stats.readRequests += 1;
      for (const entity of page) incidents.push(incidentOf(decodeIncident(entity)));
    }
    return incidents.sort(
      (left, right) =>
        right.lastSeen.getTime() - left.lastSeen.getTime() ||
        (left.incidentKey < right.incidentKey ? -1 : left.incidentKey > right.incidentKey ? 1 : 0),
    );
  }

  async getIncident(incidentKey: string): Promise<Incident | undefined> {
    if (!isIncidentKey(incidentKey)) return undefined;
    const stored = await this.readSummary(incidentKey);
    return stored && incidentOf(stored.record);
  }

  /** The stored hits of an incident, in (eventTime, hitId) order. */
  async listHits(incidentKey: string): Promise<StoredHit[]> {
    if (!isIncidentKey(incidentKey)) return [];
    const hits: StoredHit[] = [];
    const pages = this.client
      .listEntities<Record<string, unknown>>({ queryOptions: { filter: hitRangeFilter(incidentKey) } })
      .byPage({ maxPageSize: ROWS_PER_PAGE });
    for await (const page of pages) {
      this.stats.readRequests += 1;
      for (const entity of page) hits.push(decodeHit(entity));
    }
    return hits.sort(
      (left, right) =>
        left.eventTime.getTime() - right.eventTime.getTime() || (left.hitId < right.hitId ? -1 : left.hitId > right.hitId ? 1 : 0),
    );
  }

  private async upsertGroup(group: HitGroup, context: RuleContext, report: UpsertReport, aborted: () => boolean): Promise<void> {
    // Kept across attempts: a chunk committed before a conflict stays ours when the retry finds it stored.
    const outcome: GroupOutcome = { hitsStored: 0, created: false, summaryWritten: false };
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.writeGroup(group, context, outcome, aborted);
        break;
      } catch (error) {
        if (!isConflict(error)) throw error;
        if (attempt >= this.maxAttempts) {
          throw new StoreError('conflict', `incident ${group.incidentKey}: still conflicting after ${attempt} attempts`, { cause: error });
        }
        report.conflictRetries += 1;
        // Jittered so that two writers that collided do not collide again in lockstep.
        await delay(Math.random() * 20 * attempt);
      }
    }
    report.hitsStored += outcome.hitsStored;
    report.hitsAlreadyStored += group.hits.length - outcome.hitsStored;
    if (outcome.created) report.incidentsCreated += 1;
    else if (outcome.summaryWritten) report.incidentsUpdated += 1;
    else report.incidentsUnchanged += 1;
  }

  private async writeGroup(group: HitGroup, context: RuleContext, outcome: GroupOutcome, aborted: () => boolean): Promise<void> {
    const stored = await this.readSummary(group.incidentKey);
    const storedRowKeys = stored
      ? await this.storedHitRowKeys(group.incidentKey, group.hits, stored.record.hitCount)
      : new Set<string>(); // hits are only ever written together with their summary: no summary, no hits
    const fresh = group.hits.filter((hit) => !storedRowKeys.has(hit.rowKey));
    let record = stored?.record;
    let etag = stored?.etag;

    if (fresh.length === 0) {
      // Nothing to count; the rule context (title, severity, enrichment) may still have changed.
      const next = mergeIncident(record, group.incidentKey, group.identity, [], context);
      const nextEntity = encodeIncident(next);
      if (record && sameEntity(encodeIncident(record), nextEntity)) return;
      if (aborted()) return;
      assertEntityWithinLimits(nextEntity);
      await this.submitChecked(group.incidentKey, [summaryAction(nextEntity, etag)]);
      outcome.summaryWritten = true;
      return;
    }

    // Each hit is encoded and measured once, when a chunk first reaches it, and dropped once written: at most a
    // transaction's worth of entities is alive per partition, whatever the number of hits.
    const hitEntities: (StoredEntity | undefined)[] = [];
    const boundBytes: number[] = [];
    const exactBytes: number[] = [];
    const entityAt = (index: number): StoredEntity => (hitEntities[index] ??= encodeHit(fresh[index]!));
    // Sizes: the cheap bound first; the exact count only for a chunk that the bound would make smaller.
    const boundAt = (index: number): number => (boundBytes[index] ??= operationWireBytesBound(entityAt(index)));
    const hitBytes = (index: number): number => (exactBytes[index] ??= operationWireBytes(entityAt(index)));
    // The stored summary's wire size, kept from the last transaction instead of encoding it again.
    let summaryBytes = record ? operationWireBytes(encodeIncident(record)) : 0;
    let offset = 0;
    while (offset < fresh.length) {
      if (aborted()) return;
      const start = offset;
      const reservedBytes = TRANSACTION_OVERHEAD_BYTES + summaryBytes + 256 * 1024;
      const limits = { maxOperations: TABLE_LIMITS.maxTransactionOperations, maxBytes: STORE_BUDGET.maxTransactionBytes };
      const reserved = { operations: 1, bytes: reservedBytes };
      const most = Math.min(fresh.length - start, limits.maxOperations - reserved.operations);
      let take = fittingCount(fresh.length - start, (index) => boundAt(start + index), limits, reserved);
      if (take < most) take = fittingCount(fresh.length - start, (index) => hitBytes(start + index), limits, reserved);
      // The summary may grow with the chunk (new samples, reasons): check the real body and halve if needed.
      for (;;) {
        const chunk = fresh.slice(start, start + take);
        const next = mergeIncident(record, group.incidentKey, group.identity, chunk, context);
        const summaryEntity = encodeIncident(next);
        const nextSummaryBytes = operationWireBytes(summaryEntity);
        let bodyBytes = TRANSACTION_OVERHEAD_BYTES + nextSummaryBytes;
        for (let index = start; index < start + take; index++) bodyBytes += boundAt(index);
        if (bodyBytes > STORE_BUDGET.maxTransactionBytes) {
          bodyBytes = TRANSACTION_OVERHEAD_BYTES + nextSummaryBytes;
          for (let index = start; index < start + take; index++) bodyBytes += hitBytes(index);
        }
        if (bodyBytes > STORE_BUDGET.maxTransactionBytes && take > 1) {
          take = Math.ceil(take / 2);
          continue;
        }
        if (bodyBytes > STORE_BUDGET.maxTransactionBytes) {
          throw new StoreError('limit', `incident ${group.incidentKey}: one hit and the summary need ${bodyBytes} bytes`);
        }
        const chunkEntities = Array.from({ length: take }, (_, index) => entityAt(start + index));
        for (const entity of chunkEntities) assertEntityWithinLimits(entity);
        assertEntityWithinLimits(summaryEntity);
        const actions: TransactionAction[] = [...chunkEntities.map((entity): TransactionAction => ['create', entity]), summaryAction(summaryEntity, etag)];
        const response = await this.submitChecked(group.incidentKey, actions);
        if (record === undefined) outcome.created = true;
        outcome.summaryWritten = true;
        outcome.hitsStored += chunk.length;
        // Sub-responses come back in operation order; the summary is the last operation. (Update responses
        // carry no RowKey, so the SDK's getResponseForEntity cannot find them.)
        etag = response.subResponses[actions.length - 1]?.etag ?? (await this.readSummary(group.incidentKey))?.etag;
        record = next;
        summaryBytes = nextSummaryBytes;
        hitEntities.fill(undefined, start, start + take);
        offset = start + take;
        break;
      }
    }
  }

  private async submitChecked(partitionKey: string, actions: TransactionAction[]) {
    this.stats.requests += 1;
    let response;
    try {
      response = await this.submit(this.client, partitionKey, actions);
    } catch (error) {
      // A refusal that retrying cannot cure (a malformed body, an emulator's parser: see line-separators.ts) must
      // not pass as a bare "Transaction Failed": name the incident and the hits, so the failed run says which
      // values to look at. The run fails and keeps its watermark, so the hits are read again, never dropped.
      const status = statusOf(error);
      if (status === undefined || isConflict(error)) throw error;
      const hitIds = actions.flatMap(([, entity]) => {
        const hitId = (entity as Record<string, unknown>).hitId;
        return typeof hitId === 'string' ? [hitId] : [];
      });
      const shown = hitIds.slice(0, 5).map((hitId) => JSON.stringify(hitId.length > 80 ? `${hitId.slice(0, 80)}…` : hitId));
      throw new StoreError(
        'refused',
        `incident ${partitionKey}: the table service refused a transaction of ${actions.length} operations (${hitIds.length} hits: ${shown.join(', ')}${hitIds.length > shown.length ? ', …' : ''}) with status ${status}: ${(error as Error).message.split('\n')[0]}`,
        { cause: error },
      );
    }
    this.stats.transactions += 1;
    this.stats.operations += actions.length;
    return response;
  }

  private async readSummary(incidentKey: string): Promise<{ record: IncidentRecord; etag: string } | undefined> {
    this.stats.readRequests += 1;
    try {
      const entity = await this.client.getEntity<Record<string, unknown>>(incidentKey, INCIDENT_ROW_KEY);
      return { record: decodeIncident(entity), etag: entity.etag };
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  }

  /**
   * Which of `hits` are stored. Scanning the partition costs one request per 1,000 stored hits; looking the
   * hits up costs one per 14 incoming hits. Take the cheaper: a re-run of a small window against a large
   * incident looks up, a large batch against a small incident scans.
   */
  private async storedHitRowKeys(incidentKey: string, hits: readonly PreparedHit[], storedHitCount: number): Promise<Set<string>> {
    const found = new Set<string>();
    const scanRequests = Math.max(1, Math.ceil(storedHitCount / ROWS_PER_PAGE));
    const lookupRequests = Math.ceil(hits.length / ROW_KEYS_PER_LOOKUP);
    const filters: string[] = [];
    if (scanRequests <= lookupRequests) {
      filters.push(hitRangeFilter(incidentKey));
    } else {
      for (let start = 0; start < hits.length; start += ROW_KEYS_PER_LOOKUP) {
        const rowKeys = hits.slice(start, start + ROW_KEYS_PER_LOOKUP).map((hit) => odata`RowKey eq ${hit.rowKey}`);
        filters.push(`${odata`PartitionKey eq ${incidentKey}`} and (${rowKeys.join(' or ')})`);
      }
    }
    for (const filter of filters) {
      const pages = this.client
        .listEntities<Record<string, unknown>>({ queryOptions: { filter, select: ['RowKey'] } })
        .byPage({ maxPageSize: ROWS_PER_PAGE });
      for await (const page of pages) {
        this.stats.readRequests += 1;
        for (const entity of page) if (typeof entity.rowKey === 'string') found.add(entity.rowKey);
      }
    }
    return found;
  }
}

/** Another writer got there first. A 404 counts only when the entity vanished, not the table. */
function isConflict(error: unknown): boolean {
  const status = statusOf(error);
  if (status === 404) return (error as { code?: unknown }).code !== 'TableNotFound';
  return status !== undefined && CONFLICT_STATUSES.has(status);
}

function hitRangeFilter(incidentKey: string): string {
  // '`' is the character after '_': the range holds exactly the RowKeys that start with 'hit_'.
  return odata`PartitionKey eq ${incidentKey} and RowKey ge ${HIT_ROW_KEY_PREFIX} and RowKey lt ${'hit`'}`;
}

function summaryAction(entity: StoredEntity, etag: string | undefined): TransactionAction {
  return etag === undefined ? ['create', entity] : ['update', entity, 'Replace', { etag }];
}

function sameEntity(left: StoredEntity, right: StoredEntity): boolean {
  return JSON.stringify(left) === JSON.stringify(right);
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
