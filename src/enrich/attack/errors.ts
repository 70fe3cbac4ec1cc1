/** Stable codes so the build script, the loader and their callers can tell failures apart. */
export type AttackDataErrorCode =
  | 'io' // a file cannot be read or written
  | 'bundle' // the STIX bundle or MITRE's LICENSE.txt is not what the build expects
  | 'data' // the shipped data file is missing or not in the format this module reads
  | 'usage'; // the build script was called with arguments it does not take

/** A failure reading MITRE ATT&CK® input or the data derived from it; names the file and the reason. */
export class AttackDataError extends Error {
  override readonly name = 'AttackDataError';
  constructor(
    readonly code: AttackDataErrorCode,
    readonly file: string,
    readonly reason: string,
  ) {
    super(`${file}: ${reason}`);
  }
}
