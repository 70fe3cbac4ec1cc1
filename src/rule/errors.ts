import type { SourceLocation } from './model.js';

/** Stable codes so callers (CLI, hunt, tests) can tell refusals apart without parsing messages. */
export type SigmaErrorCode =
  | 'yaml' // the file is not YAML, or hits the alias/size limits
  | 'schema' // a required field is missing or has the wrong type/value
  | 'modifier' // unknown modifier, or a modifier used where the spec forbids it
  | 'value' // a value a modifier cannot take (wildcard in base64, bad CIDR, bad regex, null in a list...)
  | 'condition' // condition syntax, unknown identifier, deprecated pipe/aggregation
  | 'placeholder' // expand with a placeholder that has no values
  | 'unsupported' // valid Sigma the engine does not support yet (correlations)
  | 'io'; // the file cannot be read

/** A refusal that names the file, the YAML location and the reason:
 *  `rules/foo.yml:14 detection.selection.Image|contanis: unknown modifier 'contanis'`. */
export class SigmaError extends Error {
  override readonly name = 'SigmaError';
  constructor(
    readonly code: SigmaErrorCode,
    readonly location: Pick<SourceLocation, 'file'> & Partial<SourceLocation>,
    readonly reason: string,
  ) {
    super(formatLocation(location) + reason);
  }
}

export function formatLocation(location: Pick<SourceLocation, 'file'> & Partial<SourceLocation>): string {
  const line = location.line !== undefined ? `:${location.line}` : '';
  const path = location.path ? ` ${location.path}` : '';
  return `${location.file}${line}${path}: `;
}
