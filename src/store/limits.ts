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
 * serialises it (JSON in UTF-8, `name@odata.type` annotations for typed values) plus framing. Counted without
 * building that JSON: this runs once per stored hit, and the text would be made again by the SDK anyway.
 * Equal to `Buffer.byteLength(escapeLineSeparators(JSON.stringify(wire)))`, the body the transaction policy sends
 * (property-tested against it in test/store/limits.test.ts).
 */
export function operationWireBytes(entity: StoredEntity): number {
  // {"PartitionKey":<pk>,"RowKey":<rk>} is 2 braces, 2 colons, 1 comma and the two names (14 + 8 with quotes).
  let bytes = 2 + 2 + 1 + 14 + 8 + jsonStringBytes(entity.partitionKey) + jsonStringBytes(entity.rowKey);
  for (const name in entity) {
    if (name === 'partitionKey' || name === 'rowKey' || !Object.hasOwn(entity, name)) continue;
    const value = (entity as Record<string, unknown>)[name] as StoredValue;
    const key = jsonStringBytes(name);
    // ,"name":value
    bytes += 2 + key;
    if (typeof value === 'string') {
      bytes += jsonStringBytes(value);
      continue;
    }
    if (typeof value === 'boolean') {
      bytes += value ? 4 : 5;
      continue;
    }
    let type: string;
    if (value instanceof Date) {
      bytes += jsonStringBytes(value.toISOString());
      type = 'Edm.DateTime';
    } else {
      bytes += typeof value.value === 'number' ? Buffer.byteLength(JSON.stringify(value.value)) : jsonStringBytes(value.value);
      type = `Edm.${value.type}`;
    }
    // ,"name@odata.type":"Edm.X" (the annotation's name is the property's name plus 11 ASCII characters)
    bytes += 2 + key + 11 + jsonStringBytes(type);
  }
  return bytes + OPERATION_OVERHEAD_BYTES;
}

/**
 * A cheap upper bound of operationWireBytes: every character of a string counted as its worst case (6 bytes, a
 * \u escape), without reading the text. A batch that fits under it fits; only a batch near the transaction limit
 * needs the exact count.
 */
export function operationWireBytesBound(entity: StoredEntity): number {
  let bytes = 27 + 6 * (entity.partitionKey.length + entity.rowKey.length) + 4;
  for (const name in entity) {
    if (name === 'partitionKey' || name === 'rowKey' || !Object.hasOwn(entity, name)) continue;
    const value = (entity as Record<string, unknown>)[name] as StoredValue;
    const key = 6 * name.length + 2;
    if (typeof value === 'string') bytes += 2 + key + 6 * value.length + 2;
    // Typed values: the value (at most 26 bytes: a quoted ISO date, a quoted Int64) and its annotation.
    else bytes += 2 + key + 26 + (typeof value === 'boolean' ? 0 : 2 + key + 11 + 14);
  }
  return bytes + OPERATION_OVERHEAD_BYTES;
}

/** UTF-8 bytes of JSON.stringify(text): quotes, two-byte escapes for " \ \b \f \n \r \t, six-byte \u escapes for
 *  the other control characters and for lone surrogates (well-formed JSON.stringify), 4 bytes per surrogate pair. */
export function jsonStringBytes(text: string): number {
  let bytes = 2;
  const length = text.length;
  for (let index = 0; index < length; index++) {
    const code = text.charCodeAt(index);
    if (code >= 0x20 && code < 0x7f) {
      bytes += code === 0x22 || code === 0x5c ? 2 : 1;
    } else if (code < 0x20) {
      bytes += code === 0x08 || code === 0x09 || code === 0x0a || code === 0x0c || code === 0x0d ? 2 : 6;
    } else if (code < 0x800) {
      bytes += code === 0x7f ? 1 : 2;
    } else if (code >= 0xd800 && code <= 0xdbff) {
      const next = index + 1 < length ? text.charCodeAt(index + 1) : 0;
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        index += 1;
      } else {
        bytes += 6;
      }
    } else if ((code >= 0xdc00 && code <= 0xdfff) || code === 0x2028 || code === 0x2029) {
      bytes += 6; // a lone surrogate, or a line separator the transaction policy escapes (line-separators.ts)
    } else {
      bytes += 3;
    }
  }
  return bytes;
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
