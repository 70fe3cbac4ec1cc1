/**
 * Ingestion-time watermarks, one per scope (a workspace, a rule set...). The hunt reads the watermark, queries
 * `ingestion_time() > watermark`, stores the incidents, and only then advances the watermark with the ETag it
 * read: if another run advanced it meanwhile, the advance fails with a conflict instead of moving it backwards
 * or skipping a window.
 */
import { type TableClient } from '@azure/data-tables';
import { boundText } from '../incidents/bounds.js';
import { CHECKPOINT_ROW_KEY, checkpointPartitionKeyOf } from '../incidents/keys.js';
import { normalizeKustoDatetime } from '../loganalytics/datetime.js';
import { StoreError, statusOf } from './errors.js';

export interface Checkpoint {
  /** Full-precision (7 fractional digits) ISO ingestion time, e.g. `2024-05-01T10:00:00.1234567Z`. */
  watermark: string;
  etag: string;
}

/** The watermark moved under us (412), was created by someone else first (409), or vanished (404). */
export class CheckpointConflictError extends StoreError {
  constructor(
    readonly scope: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super('conflict', `checkpoint '${scope}': ${reason}`, options);
  }
}

export class CheckpointStore {
  constructor(private readonly client: TableClient) {}

  async read(scope: string): Promise<Checkpoint | undefined> {
    try {
      const entity = await this.client.getEntity<Record<string, unknown>>(checkpointPartitionKeyOf(scope), CHECKPOINT_ROW_KEY);
      const watermark = typeof entity.watermark === 'string' ? normalizeKustoDatetime(entity.watermark) : undefined;
      if (watermark === undefined) {
        throw new StoreError('corrupt', `checkpoint '${scope}': stored watermark is not a Kusto datetime`);
      }
      return { watermark, etag: entity.etag };
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  }

  /**
   * Sets the watermark to `to` if it is still what the caller read (`from` = that read's ETag, undefined when
   * there was no checkpoint). `to` is stored in 7-digit form, which compares correctly as text.
   */
  async advance(scope: string, from: string | undefined, to: string): Promise<Checkpoint> {
    const watermark = normalizeKustoDatetime(to);
    if (watermark === undefined) {
      throw new StoreError('value', `checkpoint '${scope}': watermark '${to}' is not an ISO UTC datetime (0-7 fractional digits)`);
    }
    const entity = {
      partitionKey: checkpointPartitionKeyOf(scope),
      rowKey: CHECKPOINT_ROW_KEY,
      // For people reading the table: the key is a hash of this.
      scope: boundText(scope, 1024).value,
      watermark,
    };
    try {
      const response =
        from === undefined
          ? await this.client.createEntity(entity)
          : await this.client.updateEntity(entity, 'Replace', { etag: from });
      if (!response.etag) throw new StoreError('corrupt', `checkpoint '${scope}': the service returned no ETag`);
      return { watermark, etag: response.etag };
    } catch (error) {
      const status = statusOf(error);
      if (status === 412) throw new CheckpointConflictError(scope, 'another run advanced it since it was read', { cause: error });
      if (status === 409) throw new CheckpointConflictError(scope, 'another run created it first', { cause: error });
      if (status === 404) throw new CheckpointConflictError(scope, 'it was deleted since it was read', { cause: error });
      throw error;
    }
  }
}
