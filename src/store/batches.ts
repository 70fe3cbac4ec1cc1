/**
 * Entity-group transactions: the submitter seam (injectable, so tests can crash a run after any transaction),
 * write counters, and chunking under the limits (100 operations, one partition, 4 MiB body).
 */
import type { TableClient, TableTransactionResponse, TransactionAction } from '@azure/data-tables';

/** Submits one transaction. The default sends it; tests wrap it to fail or interleave. */
export type TransactionSubmitter = (
  client: TableClient,
  partitionKey: string,
  actions: TransactionAction[],
) => Promise<TableTransactionResponse>;

export const submitTransaction: TransactionSubmitter = (client, _partitionKey, actions) => client.submitTransaction(actions);

/** Counters of what a store sent. `operations / requests` is the entities-per-request figure for batchable
 *  writes; failed and retried transactions count as requests but their operations do not. */
export interface WriteStats {
  /** Transactions submitted (committed or not). */
  requests: number;
  /** Transactions that committed. */
  transactions: number;
  /** Entities written by committed transactions. */
  operations: number;
  /** Read requests (point reads and query pages). */
  readRequests: number;
}

export function emptyWriteStats(): WriteStats {
  return { requests: 0, transactions: 0, operations: 0, readRequests: 0 };
}

export function entitiesPerRequest(stats: WriteStats): number {
  return stats.requests === 0 ? 0 : stats.operations / stats.requests;
}

/**
 * How many of `itemCount` items (from the start) fit one transaction next to `reservedOperations` other operations and
 * `reservedBytes` of body: at least one, at most `maxOperations - reservedOperations`.
 */
export function fittingCount(
  itemCount: number,
  itemBytes: (index: number) => number,
  limits: { maxOperations: number; maxBytes: number },
  reserved: { operations: number; bytes: number },
): number {
  const maxItems = Math.max(1, limits.maxOperations - reserved.operations);
  let bytes = reserved.bytes;
  let count = 0;
  while (count < itemCount && count < maxItems) {
    const next = itemBytes(count);
    if (count > 0 && bytes + next > limits.maxBytes) break;
    bytes += next;
    count += 1;
  }
  return count;
}
