/** Stable codes for refusals of the Log Analytics layer. Query failures are not thrown: `runQuery` returns
 *  them as a `failed` outcome. These are for wrong input from our own code. */
export type LogAnalyticsErrorCode =
  | 'config' // client options that cannot work (plain-http endpoint with bearer auth, unparseable endpoint...)
  | 'timespan' // a query window whose start is after its end, or an invalid Date
  | 'precision' // a full-precision datetime was asked of a value the SDK already cut to milliseconds
  | 'datetime'; // text that is not an ISO 8601 UTC datetime with 0 to 7 fractional digits, or an invalid Date

export class LogAnalyticsError extends Error {
  override readonly name = 'LogAnalyticsError';
  constructor(
    readonly code: LogAnalyticsErrorCode,
    readonly reason: string,
  ) {
    super(`log analytics ${code}: ${reason}`);
  }
}
