import type { KqlSpan } from '../syntax-tree.js';

export type KqlOracleErrorCode =
  | 'syntax' // the query does not parse
  | 'unsupported' // valid KQL the oracle does not model (an operator, function or form we never emit)
  | 'column' // a column that is neither declared nor computed by the query
  | 'type' // operand types the oracle refuses (e.g. a string operator on a number): the service would coerce
  | 'undecidable' // Kusto's answer on this row depends on behaviour the docs leave open (e.g. not(null))
  | 'input'; // a row cell that does not fit its declared column type

/** A refusal of the KQL oracle: it never guesses, so anything it cannot evaluate exactly ends here. */
export class KqlOracleError extends Error {
  override readonly name = 'KqlOracleError';
  constructor(
    readonly code: KqlOracleErrorCode,
    readonly reason: string,
    readonly span?: KqlSpan,
  ) {
    super(`kql oracle ${code}: ${reason}${span ? ` (at ${span.start})` : ''}`);
  }
}
