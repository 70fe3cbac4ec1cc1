/**
 * The ledger of incident versions the workspace has received, kept in the checkpoints table (one entity per
 * incident under one partition): read whole once per run, written after each successful send. Recording is
 * the last step of a send, so a crash before it only sends the version again.
 */
import type { TableClient } from '@azure/data-tables';
import type { SentLedger } from './write-back.js';

/** Checkpoint partition keys are hashes of the hunt scope; this literal cannot collide with one. */
export const LEDGER_PARTITION_KEY = 'sentinel-writeback';

export class TableSentLedger implements SentLedger {
  constructor(private readonly client: TableClient) {}

  async sentVersions(): Promise<Map<string, number>> {
    const versions = new Map<string, number>();
    const entities = this.client.listEntities<{ rowKey?: string; sentVersion?: number }>({
      queryOptions: { filter: `PartitionKey eq '${LEDGER_PARTITION_KEY}'`, select: ['RowKey', 'sentVersion'] },
    });
    for await (const entity of entities) {
      if (typeof entity.rowKey === 'string' && typeof entity.sentVersion === 'number') versions.set(entity.rowKey, entity.sentVersion);
    }
    return versions;
  }

  async recordSent(incidentKey: string, version: number): Promise<void> {
    // Versions only grow; a stale concurrent writer recording a lower one is harmless: it causes one resend.
    await this.client.upsertEntity({ partitionKey: LEDGER_PARTITION_KEY, rowKey: incidentKey, sentVersion: version }, 'Replace');
  }
}

/** In memory, for tests. */
export class MemorySentLedger implements SentLedger {
  readonly versions = new Map<string, number>();
  async sentVersions(): Promise<Map<string, number>> {
    return new Map(this.versions);
  }
  async recordSent(incidentKey: string, version: number): Promise<void> {
    this.versions.set(incidentKey, version);
  }
}
