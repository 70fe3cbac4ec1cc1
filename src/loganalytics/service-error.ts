/**
 * The Log Analytics query API's error objects, read from the raw response body because
 * @azure/monitor-query-logs 1.0.0 drops `details[].innererror` (its errorDetailDeserializer copies only
 * code/message/target/value/resources), and that is where the reason for a partial result lives.
 *
 * Wire shapes, all with a lower-case `innererror` key (the SDK's errorInfoDeserializer reads `innererror`):
 * - partial result, HTTP 200 (live recording, Azure/azure-sdk-for-java sdk/monitor/azure-monitor-query/src/test/
 *   resources/session-records/LogsQueryClientTest.testLogsQueryAllowPartialSuccess.json):
 *   {"tables":[...],"error":{"code":"PartialError","message":"There were some errors when processing your query.",
 *    "details":[{"code":"EngineError","message":"Something went wrong processing your query on the server.",
 *    "innererror":{"code":"-2133196797","message":"Query result set has exceeded the internal data size limit
 *    64000000 (E_QUERY_RESULT_SET_TOO_LARGE; see https://aka.ms/kustoquerylimits)","severity":2,
 *    "severityName":"Error"}}]}}
 * - failed query, HTTP 4xx/5xx (Azure/azure-sdk-for-js sdk/monitor/monitor-query/TROUBLESHOOTING.md and its nock
 *   recordings): {"error":{"message":"The request had some invalid properties","code":"BadArgumentError",
 *   "correlationId":"...","innererror":{"code":"SyntaxError","message":"...","innererror":{"code":"SYN0002",...}}}}
 *   and for a server timeout (504) {"error":{"code":"GatewayTimeout","message":"Gateway timeout",
 *   "innererror":{"code":"GatewayTimeout","message":"Kusto query timed out"}}}.
 */

/** One OneAPI error object; unknown extra fields (correlationId, severity, line, pos...) are kept. */
export interface ServiceErrorInfo {
  code?: string;
  message?: string;
  details?: ServiceErrorInfo[];
  innererror?: ServiceErrorInfo;
  [field: string]: unknown;
}

/** Which result limit cut a result short: 500,000 records or 64 MB of data. */
export type ResultLimit = 'records' | 'size' | 'unknown';

export interface ServiceErrorSummary {
  /** The most specific code: the Kusto code name when a message names one (E_QUERY_RESULT_SET_TOO_LARGE),
   *  else the deepest `code` found. */
  code: string;
  /** Every message along the chain, outermost first, joined with " / ". */
  reason: string;
  /** The first `innererror` found (details first, as in partial results; then the top level). */
  innerError?: ServiceErrorInfo;
  /** Set when the error says the result hit the row or size limit. */
  truncatedBy?: ResultLimit;
}

/** Kusto's E_QUERY_RESULT_SET_TOO_LARGE is HRESULT 0x80DA0003, which the API prints as the signed int32
 *  -2133196797 (see the recording above). Kusto's messages: "Query result set has exceeded the internal record
 *  count limit 500000 (E_QUERY_RESULT_SET_TOO_LARGE)" and "... the internal data size limit 67108864 ..."
 *  (MicrosoftDocs dataexplorer-docs, concepts/result-truncation; 64000000 in the live recording). */
const TOO_LARGE_CODES = /E_QUERY_RESULT_SET_TOO_LARGE|0x80DA0003|^-2133196797$/i;
const TOO_LARGE_MESSAGE =
  /(?:result set has exceeded the internal (record count|data size) limit)|E_QUERY_RESULT_SET_TOO_LARGE|80DA0003/i;
const KUSTO_CODE_IN_MESSAGE = /\b(E_[A-Z_]{3,})\b/;

/** Reads an unknown JSON value as an error object, or undefined when it is not one. */
export function toServiceErrorInfo(value: unknown): ServiceErrorInfo | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const source = value as Record<string, unknown>;
  const info: ServiceErrorInfo = { ...source };
  info.code = typeof source.code === 'string' ? source.code : source.code === undefined ? undefined : String(source.code);
  info.message = typeof source.message === 'string' ? source.message : undefined;
  // The JS SDK's troubleshooting guide prints `innerError`; the wire uses `innererror`. Accept both.
  const inner = toServiceErrorInfo(source.innererror ?? source.innerError);
  if (inner) info.innererror = inner;
  else delete info.innererror;
  if (Array.isArray(source.details)) {
    info.details = source.details.map(toServiceErrorInfo).filter((d): d is ServiceErrorInfo => d !== undefined);
  } else delete info.details;
  return info;
}

/** The `error` member of a raw response body, or undefined when the body is not JSON or has none. */
export function serviceErrorFromBody(bodyText: string | undefined): ServiceErrorInfo | undefined {
  if (!bodyText) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(bodyText);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  return toServiceErrorInfo((parsed as Record<string, unknown>).error);
}

/** Walks an error with its details and inner errors, outermost first. */
function* walk(info: ServiceErrorInfo): Generator<ServiceErrorInfo> {
  yield info;
  for (const detail of info.details ?? []) yield* walk(detail);
  if (info.innererror) yield* walk(info.innererror);
}

export function summarizeServiceError(info: ServiceErrorInfo): ServiceErrorSummary {
  const nodes = [...walk(info)];
  const messages = nodes.map((n) => n.message).filter((m): m is string => !!m);
  let truncatedBy: ResultLimit | undefined;
  for (const node of nodes) {
    const limitMatch = node.message ? TOO_LARGE_MESSAGE.exec(node.message) : null;
    if (limitMatch) {
      const which = limitMatch[1]?.toLowerCase();
      truncatedBy = which === 'record count' ? 'records' : which === 'data size' ? 'size' : (truncatedBy ?? 'unknown');
      if (truncatedBy !== 'unknown') break;
    } else if (node.code && TOO_LARGE_CODES.test(node.code)) {
      truncatedBy ??= 'unknown';
    }
  }
  const namedInMessage = [...messages].reverse().map((m) => KUSTO_CODE_IN_MESSAGE.exec(m)?.[1]).find((c) => c);
  const deepestCode = [...nodes].reverse().map((n) => n.code).find((c) => c);
  const innerError = info.details?.find((d) => d.innererror)?.innererror ?? info.innererror;
  return {
    code: truncatedBy ? 'E_QUERY_RESULT_SET_TOO_LARGE' : (namedInMessage ?? deepestCode ?? 'Unknown'),
    reason: messages.join(' / ') || (deepestCode ?? 'no error message'),
    ...(innerError ? { innerError } : {}),
    ...(truncatedBy ? { truncatedBy } : {}),
  };
}
