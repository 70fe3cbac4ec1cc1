import { randomUUID } from 'node:crypto';
import { LogsQueryResultStatus, type LogsQueryClient, type LogsQueryResult } from '@azure/monitor-query-logs';
import { CLIENT_REQUEST_ID_HEADER, ensureResponseCapture, type CapturedResponse } from './client.js';
import { LogAnalyticsError } from './errors.js';
import { backoffDelayMs, headerSource, parseRetryAfterMs, type BackoffSettings, type HeaderSource } from './retry.js';
import { tableToRows, type QueryTable } from './rows.js';
import {
  serviceErrorFromBody,
  summarizeServiceError,
  toServiceErrorInfo,
  type ResultLimit,
  type ServiceErrorInfo,
} from './service-error.js';

/** The service's per-result row limit (Azure Monitor service limits: 500,000 records, ~64 MB compressed). */
export const SERVICE_ROW_LIMIT = 500_000;

export interface QueryTimespan {
  startTime: Date;
  endTime: Date;
}

export interface RunQueryOptions {
  /** Epoch ms by which `runQuery` must have returned: no attempt or wait is started that would end after it. */
  deadline: number;
  /** `Prefer: wait=N`, 1..600, default 180 (the service's default). Lowered to the budget left. */
  serverTimeoutSeconds?: number;
  /** Client-side timeout of one attempt. Default: the server wait + 30 s; never past the deadline. */
  requestTimeoutMs?: number;
  /** `Prefer: include-statistics=true`; the outcome then carries `statistics`. */
  includeStatistics?: boolean;
  additionalWorkspaces?: string[];
  /** Default 5. */
  maxAttempts?: number;
  /** An attempt with less budget than this is not started. Default 1000. */
  minAttemptMs?: number;
  /** Default: 1 s base, doubling, capped at 30 s, half of each step jittered. */
  backoff?: Partial<BackoffSettings>;
  /** A complete result with this many rows is reported as truncated. Default 500,000. */
  rowLimit?: number;
  clock?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** The timer that ends an attempt: a signal that aborts after `ms` (default AbortSignal.timeout). The one
   *  timer of an attempt, so a test that runs `clock` and `sleep` virtually can fire it on its own schedule. */
  attemptTimer?: (ms: number) => AbortSignal;
  random?: () => number;
  log?: (event: QueryRetryEvent) => void;
}

/** Emitted before each wait between attempts. */
export interface QueryRetryEvent {
  attempt: number;
  requestId: string;
  statusCode?: number;
  code?: string;
  reason: string;
  delayMs: number;
}

interface OutcomeBase {
  /** Attempts made, including the last. */
  attempts: number;
  /** The `x-ms-client-request-id` of each attempt, for LAQueryLogs and support cases. */
  requestIds: string[];
  /** The service's clock: the `Date` header of the last response that carried one (any status: a 429 or a 503
   *  is stamped too). Absent when no response came back. */
  serviceDate?: Date;
}

/** Every row the query produced. */
export interface CompleteOutcome extends OutcomeBase, QueryTable {
  kind: 'complete';
  statistics?: Record<string, unknown>;
}

/** The result hit the 500,000-row or 64 MB limit: `rows` is a prefix. The caller should split the window. */
export interface TruncatedOutcome extends OutcomeBase, QueryTable {
  kind: 'truncated';
  code: 'E_QUERY_RESULT_SET_TOO_LARGE';
  limit: ResultLimit;
  reason: string;
  innerError?: ServiceErrorInfo;
  statistics?: Record<string, unknown>;
}

/** The service returned rows with a PartialError for another reason (runaway query, low memory...). */
export interface PartialOutcome extends OutcomeBase, QueryTable {
  kind: 'partial';
  code: string;
  reason: string;
  innerError?: ServiceErrorInfo;
  statistics?: Record<string, unknown>;
}

/** No result. `retryable` says whether a later run may succeed (throttling, 5xx, network, timeouts). */
export interface FailedOutcome extends OutcomeBase {
  kind: 'failed';
  retryable: boolean;
  reason: string;
  statusCode?: number;
  code?: string;
  innerError?: ServiceErrorInfo;
}

export type QueryOutcome = CompleteOutcome | TruncatedOutcome | PartialOutcome | FailedOutcome;

const DEFAULT_BACKOFF: BackoffSettings = { baseDelayMs: 1_000, maxDelayMs: 30_000 };
const CLIENT_TIMEOUT_GRACE_MS = 30_000;

/**
 * Runs one query with retries inside a time budget and says what came back. Never throws for service or
 * network trouble; throws `LogAnalyticsError('timespan')` for a window whose start is after its end.
 *
 * Datetime columns arrive as `Date` (milliseconds): project `tostring(col)` for any column used as a watermark
 * and read it with `fullPrecisionDatetime`.
 */
export async function runQuery(
  client: LogsQueryClient,
  workspaceId: string,
  query: string,
  timespan: QueryTimespan,
  options: RunQueryOptions,
): Promise<QueryOutcome> {
  checkTimespan(timespan);
  const clock = options.clock ?? Date.now;
  const sleep = options.sleep ?? defaultSleep;
  const attemptTimer = options.attemptTimer ?? ((ms: number) => AbortSignal.timeout(ms));
  const random = options.random ?? Math.random;
  const maxAttempts = Math.max(1, options.maxAttempts ?? 5);
  const minAttemptMs = options.minAttemptMs ?? 1_000;
  const backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
  const rowLimit = options.rowLimit ?? SERVICE_ROW_LIMIT;
  const serverTimeoutSeconds = clampInt(options.serverTimeoutSeconds ?? 180, 1, 600);
  const capture = ensureResponseCapture(client);
  const requestIds: string[] = [];
  let previous: FailedOutcome | undefined;
  let serviceDate: Date | undefined;
  const taken = (requestId: string): CapturedResponse | undefined => {
    const captured = capture.take(requestId);
    serviceDate = serviceDateOf(captured) ?? serviceDate;
    return captured;
  };
  const dated = () => (serviceDate ? { serviceDate } : {});

  for (let attempt = 1; ; attempt++) {
    const remainingMs = options.deadline - clock();
    if (remainingMs < minAttemptMs) {
      // Only reachable after a sleep that overran (a real clock under load), or with no budget at all.
      if (previous) return { ...previous, reason: `${previous.reason} (the deadline passed while waiting to retry)`, ...dated() };
      const reason = 'the deadline left no time to run the query';
      return { kind: 'failed', retryable: true, reason, code: 'DeadlineExceeded', attempts: 0, requestIds };
    }
    const waitSeconds = clampInt(Math.min(serverTimeoutSeconds, Math.floor(remainingMs / 1000)), 1, 600);
    const attemptTimeoutMs = options.requestTimeoutMs ?? waitSeconds * 1000 + CLIENT_TIMEOUT_GRACE_MS;
    const timeoutMs = Math.max(1, Math.min(attemptTimeoutMs, remainingMs));
    const requestId = randomUUID();
    requestIds.push(requestId);
    capture.expect(requestId, attemptTimer(timeoutMs));

    let failure: AttemptFailure;
    try {
      const result = await client.queryWorkspace(workspaceId, query, timespan, {
        serverTimeoutInSeconds: waitSeconds,
        includeQueryStatistics: options.includeStatistics === true,
        ...(options.additionalWorkspaces ? { additionalWorkspaces: options.additionalWorkspaces } : {}),
        // No `requestOptions.timeout`: the attempt's signal (attached by the capture policy) already ends it, body
        // included, and a second timer would race it.
        requestOptions: { headers: { [CLIENT_REQUEST_ID_HEADER]: requestId } },
      });
      const captured = taken(requestId);
      return { ...readResult(result, captured, rowLimit), attempts: attempt, requestIds, ...dated() };
    } catch (error) {
      const classified = classifyFailure(error, taken(requestId), clock(), timeoutMs);
      if (classified === 'empty') return { kind: 'complete', columns: [], rows: [], attempts: attempt, requestIds, ...dated() };
      failure = classified;
    }

    const failed = (reason: string): FailedOutcome => ({
      kind: 'failed',
      retryable: failure.retryable,
      reason,
      ...(failure.statusCode !== undefined ? { statusCode: failure.statusCode } : {}),
      ...(failure.code !== undefined ? { code: failure.code } : {}),
      ...(failure.innerError ? { innerError: failure.innerError } : {}),
      attempts: attempt,
      requestIds,
      ...dated(),
    });
    if (!failure.retryable) return failed(failure.reason);
    if (attempt >= maxAttempts) return failed(`${failure.reason} (gave up after ${attempt} attempts)`);
    const delayMs = failure.retryAfterMs ?? backoffDelayMs(attempt, backoff, random);
    if (clock() + delayMs + minAttemptMs > options.deadline) {
      const asked = failure.retryAfterMs !== undefined ? `the service asked to wait ${delayMs} ms, ` : '';
      return failed(`${failure.reason} (${asked}no budget left for another attempt after ${attempt})`);
    }
    options.log?.({
      attempt,
      requestId,
      ...(failure.statusCode !== undefined ? { statusCode: failure.statusCode } : {}),
      ...(failure.code !== undefined ? { code: failure.code } : {}),
      reason: failure.reason,
      delayMs,
    });
    previous = failed(failure.reason);
    await sleep(delayMs);
  }
}

/** The `Date` header of a captured response, or undefined when it has none or it is not an HTTP-date. */
function serviceDateOf(captured: CapturedResponse | undefined): Date | undefined {
  const text = captured ? headerSource(captured.headers).get('date') : undefined;
  if (!text) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : new Date(ms);
}

type ResultOutcome =
  | Omit<CompleteOutcome, keyof OutcomeBase>
  | Omit<TruncatedOutcome, keyof OutcomeBase>
  | Omit<PartialOutcome, keyof OutcomeBase>;

function readResult(result: LogsQueryResult, captured: CapturedResponse | undefined, rowLimit: number): ResultOutcome {
  const statistics = result.statistics ? { statistics: result.statistics } : {};
  if (result.status === LogsQueryResultStatus.Success) {
    const table = tableToRows(result.tables[0]);
    if (table.rows.length >= rowLimit) {
      return {
        kind: 'truncated',
        code: 'E_QUERY_RESULT_SET_TOO_LARGE',
        limit: 'records',
        reason: `the result has ${table.rows.length} rows, the service's row limit (${rowLimit}); rows past it may be missing`,
        ...table,
        ...statistics,
      };
    }
    return { kind: 'complete', ...table, ...statistics };
  }
  const table = tableToRows(result.partialTables[0]);
  // The raw body still has details[].innererror, which the SDK dropped.
  const errorInfo = errorMemberOf(captured?.bodyText) ?? toServiceErrorInfo(result.partialError) ?? {};
  const summary = summarizeServiceError(errorInfo);
  const innerError = summary.innerError ? { innerError: summary.innerError } : {};
  if (summary.truncatedBy) {
    return {
      kind: 'truncated',
      code: 'E_QUERY_RESULT_SET_TOO_LARGE',
      limit: summary.truncatedBy,
      reason: summary.reason,
      ...innerError,
      ...table,
      ...statistics,
    };
  }
  return { kind: 'partial', code: summary.code, reason: summary.reason, ...innerError, ...table, ...statistics };
}

/**
 * The top-level `error` member of a result body. A truncated result is up to 64 MB and its error comes after
 * the tables, so cut the error object out from the end instead of parsing the whole body a second time.
 * A `"error":{` inside a string cell is escaped (`\"error\":{`) and cannot match.
 */
function errorMemberOf(bodyText: string | undefined): ServiceErrorInfo | undefined {
  if (!bodyText) return undefined;
  const key = '"error":{';
  const at = bodyText.lastIndexOf(key);
  if (at < 0) return undefined;
  const start = at + key.length - 1;
  const end = endOfJsonObject(bodyText, start);
  if (end > start) {
    try {
      return toServiceErrorInfo(JSON.parse(bodyText.slice(start, end)));
    } catch {
      // fall through to the full parse
    }
  }
  return serviceErrorFromBody(bodyText);
}

/** Index just past the JSON object that opens at `start`, or -1. */
function endOfJsonObject(text: string, start: number): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 0x5c) i++; // backslash: skip the escaped character
      else if (ch === 0x22) inString = false;
    } else if (ch === 0x22) inString = true;
    else if (ch === 0x7b) depth++;
    else if (ch === 0x7d && --depth === 0) return i + 1;
  }
  return -1;
}

interface AttemptFailure {
  retryable: boolean;
  reason: string;
  statusCode?: number;
  code?: string;
  innerError?: ServiceErrorInfo;
  retryAfterMs?: number;
}

/** Transport errors worth another attempt (Node socket codes and the pipeline's own). */
const TRANSIENT_NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'REQUEST_SEND_ERROR',
  'PARSE_ERROR',
]);

/** @azure/identity's errors: no login available or the token request refused. Retrying will not help. */
const AUTH_ERROR_NAMES = new Set([
  'CredentialUnavailableError',
  'AuthenticationError',
  'AggregateAuthenticationError',
  'AuthenticationRequiredError',
]);

export function isRetryableStatus(status: number): boolean {
  if (status === 408 || status === 429) return true;
  return status >= 500 && status !== 501 && status !== 505;
}

function classifyFailure(
  error: unknown,
  captured: CapturedResponse | undefined,
  nowMs: number,
  timeoutMs: number,
): AttemptFailure | 'empty' {
  const name = error instanceof Error ? error.name : typeof error;
  const message = error instanceof Error ? error.message : String(error);
  if (captured) {
    const { status, bodyText } = captured;
    // Repaired by the capture policy; kept for clients whose pipeline reached the SDK some other way.
    if (status === 204 || (status === 200 && bodyText.trim() === '')) return 'empty';
    if (status >= 200 && status < 300) {
      const reason = `HTTP ${status} that the SDK could not read: ${message}`;
      return { retryable: true, statusCode: status, code: 'UnreadableResponse', reason };
    }
    const snippet = bodyText.trim().slice(0, 200);
    const bodyDescription = snippet
      ? `HTTP ${status} without a JSON error body: ${snippet}`
      : `HTTP ${status} with an empty body`;
    return fromStatus(status, serviceErrorFromBody(bodyText), headerSource(captured.headers), nowMs, bodyDescription);
  }
  if (name === 'AbortError') {
    return { retryable: true, code: 'ClientTimeout', reason: `no response within ${timeoutMs} ms` };
  }
  if (AUTH_ERROR_NAMES.has(name)) {
    return { retryable: false, code: 'Authentication', reason: `${name}: ${message}` };
  }
  const restError = asRestError(error);
  if (restError?.statusCode !== undefined) {
    const status = restError.statusCode;
    const serviceError = toServiceErrorInfo(restError.details?.error);
    return fromStatus(status, serviceError, restError.headers, nowMs, `HTTP ${status}: ${message}`);
  }
  if (restError?.code !== undefined && TRANSIENT_NETWORK_CODES.has(restError.code)) {
    return { retryable: true, code: restError.code, reason: `network error ${restError.code}: ${message}` };
  }
  return { retryable: false, code: restError?.code ?? name, reason: `${name}: ${message}` };
}

function fromStatus(
  status: number,
  serviceError: ServiceErrorInfo | undefined,
  headers: HeaderSource | undefined,
  nowMs: number,
  fallbackMessage: string,
): AttemptFailure {
  const summary = serviceError ? summarizeServiceError(serviceError) : undefined;
  const retryAfterMs = headers ? parseRetryAfterMs(headers, nowMs) : undefined;
  return {
    retryable: isRetryableStatus(status),
    statusCode: status,
    code: serviceError?.code ?? `HttpStatus${status}`,
    reason: summary ? `HTTP ${status}: ${summary.reason}` : fallbackMessage,
    ...(summary?.innerError ? { innerError: summary.innerError } : {}),
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
  };
}

interface RestErrorView {
  statusCode?: number;
  code?: string;
  details?: { error?: unknown };
  headers?: HeaderSource;
}

/** RestError is not exported by the SDK we depend on; read the fields it documents. */
function asRestError(error: unknown): RestErrorView | undefined {
  if (!(error instanceof Error) || error.name !== 'RestError') return undefined;
  const fields = error as Error & { statusCode?: unknown; code?: unknown; details?: unknown; response?: unknown };
  const response = fields.response as { headers?: { get?: unknown } } | undefined;
  const get = response?.headers?.get;
  const headers = response?.headers;
  return {
    ...(typeof fields.statusCode === 'number' ? { statusCode: fields.statusCode } : {}),
    ...(typeof fields.code === 'string' ? { code: fields.code } : {}),
    ...(typeof fields.details === 'object' && fields.details !== null
      ? { details: fields.details as { error?: unknown } }
      : {}),
    ...(typeof get === 'function' && headers
      ? { headers: { get: (n: string) => (get as (n: string) => string | undefined).call(headers, n) } }
      : {}),
  };
}

function checkTimespan(timespan: QueryTimespan): void {
  const start = timespan.startTime.getTime();
  const end = timespan.endTime.getTime();
  if (Number.isNaN(start) || Number.isNaN(end)) throw new LogAnalyticsError('timespan', 'the query window has an invalid Date');
  if (start > end) {
    throw new LogAnalyticsError(
      'timespan',
      `the query window starts (${timespan.startTime.toISOString()}) after it ends (${timespan.endTime.toISOString()})`,
    );
  }
}

function clampInt(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, Math.floor(value)));
}

function defaultSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
