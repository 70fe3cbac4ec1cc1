import { formatLocation } from '../rule/errors.js';

export type LogsourceMapErrorCode =
  | 'io' // the map file cannot be read
  | 'yaml' // not YAML/JSON, or past the size and alias limits
  | 'schema'; // a key, value or shape the map does not allow

/** A refused log source map, naming the file, line, field and reason: `map.yml:7 tables.Event.channel: ...`. */
export class LogsourceMapError extends Error {
  override readonly name = 'LogsourceMapError';
  constructor(
    readonly code: LogsourceMapErrorCode,
    readonly location: { readonly file: string; readonly line?: number; readonly path?: string },
    readonly reason: string,
  ) {
    super(formatLocation(location) + reason);
  }
}

/** A `--logsource` value that does not say a log source (`category=process_creation,product=windows`). */
export class LogsourceSpecError extends Error {
  override readonly name = 'LogsourceSpecError';
  readonly code = 'spec';
}
