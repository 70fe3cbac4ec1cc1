/**
 * Table Storage limits, enforced here because Azurite does not enforce all of them (it accepts entities over
 * 1 MiB and over 252 properties that Azure rejects). Sizes are computed the way the service counts them:
 *
 *   entity = 4 + 2·len(PartitionKey + RowKey) + Σ over properties (8 + 2·len(name) + size(value))
 *   size(String) = 4 + 2·len (UTF-16), Int32 4, Int64/Double/DateTime 8, Boolean 1, Guid 16, Binary 4 + bytes
 *
 * (Microsoft, "How the size of an entity is calculated in Windows Azure table storage"). Measurements against
 * Azure put the real ceiling ~90 bytes under 1 MiB by that formula, so we keep a margin.
 */
import type { TableEntity } from '@azure/data-tables';
import { StoreError } from './errors.js';

export const TABLE_LIMITS = {
  maxEntityBytes: 1024 * 1024,
  /** 64 KiB per property: 32,768 UTF-16 units for a string. */
  maxPropertyBytes: 64 * 1024,
  maxStringChars: 32 * 1024,
  /** 255 properties including PartitionKey, RowKey and Timestamp. */
  maxCustomProperties: 252,
  maxPropertyNameChars: 255,
  /** 1 KiB of UTF-16. */
  maxKeyChars: 512,
  maxTransactionOperations: 100,
  maxTransactionBytes: 4 * 1024 * 1024,
} as const;

/** What we allow ourselves, under the service limits. */
export const STORE_BUDGET = {
  /** Below 1 MiB by more than the ~90 bytes measured against the service. */
  maxEntityBytes: TABLE_LIMITS.maxEntityBytes - 4096,
  /** Chunk size for long JSON text split across numbered properties. */
  chunkChars: 32_000,
  /** Request body of one transaction, with room for what our estimate may miss. */
  maxTransactionBytes: TABLE_LIMITS.maxTransactionBytes - 256 * 1024,
} as const;

/** The property values the store writes. Numbers are always given an explicit EDM type. */
export type StoredValue = string | boolean | Date | { value: number; type: 'Int32' } | { value: string; type: 'Int64' };
export type StoredProperties = Record<string, StoredValue>;
export type StoredEntity = TableEntity<StoredProperties>;

export function int32(value: number): { value: number; type: 'Int32' } {
  return { value, type: 'Int32' };
}

function valueBytes(value: StoredValue): number {
  if (typeof value === 'string') return 4 + 2 * value.length;
  if (typeof value === 'boolean') return 1;
  if (value instanceof Date) return 8;
  return value.type === 'Int32' ? 4 : 8;
}

/** The entity's size as the service counts it. */
export function entitySizeBytes(entity: StoredEntity): number {
  let size = 4 + 2 * (entity.partitionKey.length + entity.rowKey.length);
  for (const [name, value] of customProperties(entity)) size += 8 + 2 * name.length + valueBytes(value);
  return size;
}

function customProperties(entity: StoredEntity): [string, StoredValue][] {
  return Object.entries(entity).filter(([name]) => name !== 'partitionKey' && name !== 'rowKey') as [string, StoredValue][];
}

/** Throws StoreError('limit') when the entity would be rejected by Azure (or is over our margin). */
export function assertEntityWithinLimits(entity: StoredEntity): void {
  const where = `entity ${entity.partitionKey}/${entity.rowKey}`;
  for (const key of [entity.partitionKey, entity.rowKey]) {
    if (key.length > TABLE_LIMITS.maxKeyChars) throw new StoreError('limit', `${where}: key over 1 KiB`);
  }
  const properties = customProperties(entity);
  if (properties.length > TABLE_LIMITS.maxCustomProperties) {
    throw new StoreError('limit', `${where}: ${properties.length} properties (limit ${TABLE_LIMITS.maxCustomProperties})`);
  }
  for (const [name, value] of properties) {
    if (name.length > TABLE_LIMITS.maxPropertyNameChars) throw new StoreError('limit', `${where}: property name over 255 characters`);
    if (valueBytes(value) > TABLE_LIMITS.maxPropertyBytes) {
      throw new StoreError('limit', `${where}: property ${name} is ${valueBytes(value)} bytes (limit 64 KiB)`);
    }
  }
  const size = entitySizeBytes(entity);
  if (size > STORE_BUDGET.maxEntityBytes) {
    throw new StoreError('limit', `${where}: ${size} bytes (budget ${STORE_BUDGET.maxEntityBytes}, limit 1 MiB)`);
  }
}

/** Bytes of multipart framing and headers per operation: boundary, `Content-Type`, `PUT <url>` with both keys,
 *  `If-Match` with an ETag, `DataServiceVersion` (~450 measured; doubled for safety). */
const OPERATION_OVERHEAD_BYTES = 1024;
/** Batch envelope: the outer boundary and changeset headers. */
export const TRANSACTION_OVERHEAD_BYTES = 1024;

/**
 * An upper bound on the bytes one operation adds to a transaction's request body: the entity as the SDK
 * serialises it (JSON in UTF-8, `name@odata.type` annotations for typed values) plus framing.
 */
export function operationWireBytes(entity: StoredEntity): number {
  const wire: Record<string, unknown> = { PartitionKey: entity.partitionKey, RowKey: entity.rowKey };
  for (const [name, value] of customProperties(entity)) {
    if (typeof value === 'string' || typeof value === 'boolean') {
      wire[name] = value;
    } else if (value instanceof Date) {
      wire[name] = value.toISOString();
      wire[`${name}@odata.type`] = 'Edm.DateTime';
    } else {
      wire[name] = value.value;
      wire[`${name}@odata.type`] = `Edm.${value.type}`;
    }
  }
  return Buffer.byteLength(JSON.stringify(wire), 'utf8') + OPERATION_OVERHEAD_BYTES;
}

/** Splits text into chunks of at most `chunkChars` UTF-16 units without separating a surrogate pair. */
export function splitText(text: string, chunkChars: number = STORE_BUDGET.chunkChars): string[] {
  const chunks: string[] = [];
  let start = 0;
  while (start < text.length) {
    let end = Math.min(text.length, start + chunkChars);
    const last = text.charCodeAt(end - 1);
    if (end < text.length && last >= 0xd800 && last <= 0xdbff) end -= 1;
    chunks.push(text.slice(start, end));
    start = end;
  }
  return chunks.length > 0 ? chunks : [''];
}
