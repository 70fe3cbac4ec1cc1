/** Stable codes for refusals of the incident model: input our own pipeline should never produce. */
export type IncidentErrorCode =
  | 'value' // a hit field that cannot be stored (invalid Date, empty id, port out of range, value JSON cannot hold)
  | 'config'; // a grouping window outside the supported range

export class IncidentError extends Error {
  override readonly name = 'IncidentError';
  constructor(
    readonly code: IncidentErrorCode,
    readonly reason: string,
  ) {
    super(`incident ${code}: ${reason}`);
  }
}
