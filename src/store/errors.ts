/** Stable codes for refusals of the Table Storage layer. */
export type StoreErrorCode =
  | 'config' // table client settings that cannot work (shared key against Azure, bad table name, ...)
  | 'conflict' // an ETag check failed: another writer changed the entity (checkpoints), or kept changing it (incidents)
  | 'limit' // an entity or transaction we built would break a Table Storage limit (a bug: bounds should prevent it)
  | 'corrupt' // a stored entity that does not decode (written by something else, or by an incompatible version)
  | 'refused' // the service refused an incident transaction for a reason other than another writer (the hits stay unstored, the run fails)
  | 'value'; // an argument that cannot be stored (not a Kusto datetime watermark, malformed key)

export class StoreError extends Error {
  override readonly name = 'StoreError';
  constructor(
    readonly code: StoreErrorCode,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`table store ${code}: ${reason}`, options);
  }
}

/** The HTTP status of a failed Table Storage call (single entity or transaction), when there is one. For a
 *  transaction the SDK reports the status of the failing sub-operation (409, 412, 404...). */
export function statusOf(error: unknown): number | undefined {
  if (typeof error === 'object' && error !== null && 'statusCode' in error) {
    const status = (error as { statusCode?: unknown }).statusCode;
    return typeof status === 'number' ? status : undefined;
  }
  return undefined;
}
