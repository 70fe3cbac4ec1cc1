export {
  CLIENT_REQUEST_ID_HEADER,
  PUBLIC_CLOUD_ENDPOINT,
  createLogsQueryClient,
  ensureResponseCapture,
  type CreateLogsQueryClientOptions,
} from './client.js';
export {
  TICKS_PER_MS,
  TICKS_PER_SECOND,
  compareKustoDatetimes,
  dateAfterTicks,
  dateOfTicks,
  formatKustoDatetime,
  isKustoDatetimeText,
  kqlDatetime,
  normalizeKustoDatetime,
  parseKustoDatetime,
  ticksOfDate,
  ticksOfMs,
  type Ticks,
} from './datetime.js';
export { LogAnalyticsError, type LogAnalyticsErrorCode } from './errors.js';
export {
  SERVICE_ROW_LIMIT,
  isRetryableStatus,
  runQuery,
  type CompleteOutcome,
  type FailedOutcome,
  type PartialOutcome,
  type QueryOutcome,
  type QueryRetryEvent,
  type QueryTimespan,
  type RunQueryOptions,
  type TruncatedOutcome,
} from './query.js';
export { backoffDelayMs, parseRetryAfterMs } from './retry.js';
export { fullPrecisionDatetime, tableToRows, type QueryColumn, type QueryRow, type QueryTable } from './rows.js';
export { summarizeServiceError, type ResultLimit, type ServiceErrorInfo, type ServiceErrorSummary } from './service-error.js';
