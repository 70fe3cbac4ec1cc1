/**
 * A local stand-in for the Log Analytics query API (`POST {endpoint}/workspaces/{id}/query`), for tests and
 * the local run. Plain node:http on 127.0.0.1; pair it with `createLogsQueryClient({ endpoint: fake.url,
 * insecureLocal: true })`.
 *
 * Wire shapes follow live recordings of the real service (sources next to each builder): tables with
 * `{name, type}` columns and positional rows, datetime cells as ISO text with trailing zeros trimmed, dynamic
 * cells as JSON text, numbers and booleans as JSON values; OneAPI error objects with lower-case `innererror`.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { formatKustoDatetime, ticksOfDate } from '../loganalytics/datetime.js';

export type KustoColumnType =
  | 'string'
  | 'datetime'
  | 'long'
  | 'int'
  | 'real'
  | 'decimal'
  | 'bool'
  | 'dynamic'
  | 'guid'
  | 'timespan';

export interface FakeColumn {
  name: string;
  type: KustoColumnType;
}

/** A cell as it travels in the JSON body. */
export type WireCell = string | number | boolean | null;

export interface FakeTable {
  name: string;
  columns: FakeColumn[];
  rows: WireCell[][];
}

/** A OneAPI error object as the service sends it. */
export interface FakeServiceError {
  code: string;
  message: string;
  details?: FakeServiceError[];
  innererror?: FakeServiceError | { code: string; message: string; [field: string]: unknown };
  [field: string]: unknown;
}

export type FakeReply =
  /** HTTP 200 with tables; with `error` it is a partial result. `statistics: false` withholds statistics even
   *  when the request asked for them; an object replaces the generated ones. */
  | { kind: 'result'; tables: FakeTable[]; error?: FakeServiceError; statistics?: Record<string, unknown> | false }
  /** An error status with `{"error": ...}`, or an empty body when `error` is absent. */
  | { kind: 'error'; status: number; error?: FakeServiceError; headers?: Record<string, string> }
  | { kind: 'raw'; status: number; body: string; headers?: Record<string, string> }
  /** Answers after `ms`. When the request's `Prefer: wait=N` is shorter, answers 504 after N seconds instead,
   *  as the service does for a query that outruns its server timeout. */
  | { kind: 'delay'; ms: number; then: FakeReply }
  /** Destroys the connection without a response. */
  | { kind: 'reset' }
  /** Sends the status line, headers and the first half of `then`'s body, pauses `ms`, then sends the rest. */
  | { kind: 'stall-body'; ms: number; then: Extract<FakeReply, { kind: 'result' }> };

export interface FakePrefer {
  waitSeconds?: number;
  includeStatistics: boolean;
  includeRender: boolean;
}

export interface FakeRequest {
  workspaceId: string;
  query: string;
  /** The ISO 8601 interval exactly as sent, e.g. "2024-05-01T00:00:00.000Z/2024-05-01T01:00:00.000Z". */
  timespan?: string;
  /** `timespan` resolved to instants, when it parses. */
  window?: { start: Date; end: Date };
  additionalWorkspaces?: string[];
  prefer: FakePrefer;
  headers: http.IncomingHttpHeaders;
  receivedAt: Date;
}

export type FakeRespond = (request: FakeRequest) => FakeReply | Promise<FakeReply>;

export interface LogAnalyticsFakeOptions {
  respond?: FakeRespond;
  /** Default 0: a free port. */
  port?: number;
  /** Default "/v1", as in https://api.loganalytics.io/v1. */
  basePath?: string;
  /** The service's own clock (default: the host's). It stamps every reply's `Date` header and `receivedAt` (the
   *  instant the oracle evaluates `now()` at), so a test can run the service's clock apart from the hunt's. */
  clock?: () => Date;
  /** How a delayed or stalled reply waits `ms` (default: a real timer); a reply whose client hangs up stops
   *  waiting either way. Tests pass one that records the waits instead of taking them. */
  wait?: (ms: number) => Promise<void>;
}

export interface LogAnalyticsFake {
  /** The endpoint to give the client, e.g. "http://127.0.0.1:41234/v1". */
  readonly url: string;
  /** Every well-formed query request, in arrival order. */
  readonly requests: FakeRequest[];
  /** Replaces the behaviour for later requests. */
  setRespond(respond: FakeRespond): void;
  /** Replaces the service's clock for later requests. */
  setClock(clock: () => Date): void;
  close(): Promise<void>;
}

export async function startLogAnalyticsFake(options: LogAnalyticsFakeOptions = {}): Promise<LogAnalyticsFake> {
  let respond: FakeRespond = options.respond ?? (() => fakeReply.success(fakeReply.table([], [])));
  let clock = options.clock ?? (() => new Date());
  const basePath = (options.basePath ?? '/v1').replace(/\/+$/, '');
  const requests: FakeRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const queryPath = new RegExp(`^${escapeRegExp(basePath)}/workspaces/([^/]+)/query$`);

  const server = http.createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => {
      if (!res.headersSent && !res.destroyed) {
        const message = error instanceof Error ? error.message : String(error);
        sendJson(res, 500, { error: { code: 'FakeRespondFailed', message } });
      }
    });
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const bodyText = await readBody(req);
    const receivedAt = clock();
    // Every reply of the real service carries its clock as an HTTP-date (RFC 9110 §6.6.1, whole seconds); node
    // would stamp the host's.
    res.setHeader('date', receivedAt.toUTCString());
    const path = new URL(req.url ?? '/', 'http://fake').pathname;
    const match = queryPath.exec(path);
    if (req.method !== 'POST' || !match) {
      const message = `The requested path does not exist: ${req.method} ${path}`;
      sendJson(res, 404, { error: { code: 'PathNotFoundError', message } });
      return;
    }
    let body: unknown;
    try {
      body = JSON.parse(bodyText);
    } catch {
      sendJson(res, 400, badArgument('The request body is not valid JSON'));
      return;
    }
    const fields = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    if (typeof fields.query !== 'string' || fields.query.trim() === '') {
      sendJson(res, 400, badArgument('The query is missing or empty'));
      return;
    }
    const timespan = typeof fields.timespan === 'string' ? fields.timespan : undefined;
    const window = timespan ? parseTimespan(timespan, receivedAt) : undefined;
    const request: FakeRequest = {
      workspaceId: decodeURIComponent(match[1]),
      query: fields.query,
      ...(timespan !== undefined ? { timespan } : {}),
      ...(window ? { window } : {}),
      ...(Array.isArray(fields.workspaces) ? { additionalWorkspaces: fields.workspaces.map(String) } : {}),
      prefer: parsePrefer([req.headers.prefer ?? []].flat().join(',')),
      headers: req.headers,
      receivedAt,
    };
    requests.push(request);
    await send(res, request, await respond(request));
  }

  async function send(res: http.ServerResponse, request: FakeRequest, reply: FakeReply): Promise<void> {
    switch (reply.kind) {
      case 'delay': {
        const waitMs = request.prefer.waitSeconds !== undefined ? request.prefer.waitSeconds * 1000 : Infinity;
        const serverTimedOut = reply.ms > waitMs;
        await pause(serverTimedOut ? waitMs : reply.ms, res);
        if (res.destroyed) return; // the client gave up
        await send(res, request, serverTimedOut ? fakeReply.gatewayTimeout() : reply.then);
        return;
      }
      case 'reset':
        res.socket?.destroy();
        return;
      case 'stall-body': {
        const text = JSON.stringify(resultBody(request, reply.then));
        const half = Math.floor(text.length / 2);
        res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
        res.write(text.slice(0, half));
        await pause(reply.ms, res);
        if (!res.destroyed) res.end(text.slice(half));
        return;
      }
      case 'raw':
        res.writeHead(reply.status, {
          ...(reply.body ? { 'content-type': 'application/json; charset=utf-8' } : {}),
          ...reply.headers,
        });
        res.end(reply.body);
        return;
      case 'error':
        if (reply.error) sendJson(res, reply.status, { error: reply.error }, reply.headers);
        else {
          res.writeHead(reply.status, reply.headers ?? {});
          res.end();
        }
        return;
      case 'result':
        sendJson(res, 200, resultBody(request, reply));
        return;
    }
  }

  function pause(ms: number, res: http.ServerResponse): Promise<void> {
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      if (options.wait) void options.wait(ms).then(done);
      else timers.add((timer = setTimeout(done, ms)));
      res.once('close', done);
      function done(): void {
        if (timer !== undefined) {
          clearTimeout(timer);
          timers.delete(timer);
        }
        res.off('close', done);
        resolve();
      }
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}${basePath}`,
    requests,
    setRespond(next) {
      respond = next;
    },
    setClock(next) {
      clock = next;
    },
    close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

function resultBody(request: FakeRequest, reply: Extract<FakeReply, { kind: 'result' }>): Record<string, unknown> {
  const wanted = request.prefer.includeStatistics && reply.statistics !== false;
  const statistics = wanted ? { statistics: reply.statistics ?? fakeReply.statistics(reply.tables) } : {};
  return { tables: reply.tables, ...(reply.error ? { error: reply.error } : {}), ...statistics };
}

// ---------------------------------------------------------------------------------------------------------
// Reply builders

const PARTIAL_ERROR_MESSAGE = 'There were some errors when processing your query.';
/** Kusto HRESULT 0x80DA0003 (E_QUERY_RESULT_SET_TOO_LARGE) as the API prints it: a signed int32. */
const RESULT_SET_TOO_LARGE_HRESULT = '-2133196797';

export const fakeReply = {
  /** A table whose JS cells are encoded by column type: Date → datetime text, objects → dynamic JSON text. */
  table(columns: FakeColumn[], rows: unknown[][], name = 'PrimaryResult'): FakeTable {
    return { name, columns, rows: rows.map((cells) => columns.map((c, i) => toWireCell(cells[i], c.type))) };
  },

  /** Like `table`, from objects keyed by column name (missing keys become null). */
  tableFromObjects(columns: FakeColumn[], objects: Record<string, unknown>[], name = 'PrimaryResult'): FakeTable {
    return { name, columns, rows: objects.map((o) => columns.map((c) => toWireCell(o[c.name], c.type))) };
  },

  success(tables: FakeTable | FakeTable[], options: { statistics?: Record<string, unknown> | false } = {}): FakeReply {
    return { kind: 'result', tables: Array.isArray(tables) ? tables : [tables], ...options };
  },

  /** HTTP 200 with rows and a PartialError wrapping `details`. Shape of a live recording: Azure/azure-sdk-for-java
   *  sdk/monitor/azure-monitor-query/src/test/resources/session-records/
   *  LogsQueryClientTest.testLogsQueryAllowPartialSuccess.json. */
  partial(tables: FakeTable | FakeTable[], details: FakeServiceError[]): FakeReply {
    return {
      kind: 'result',
      tables: Array.isArray(tables) ? tables : [tables],
      error: { code: 'PartialError', message: PARTIAL_ERROR_MESSAGE, details },
    };
  },

  /** The partial result the service sends when a result passes 500,000 records or 64 MB: the rows up to the
   *  limit, and the reason only in details[0].innererror (exact wording of the live recording above; the
   *  record-count variant is Kusto's documented sibling message, concepts/result-truncation). */
  resultTooLarge(tables: FakeTable | FakeTable[], limit: 'records' | 'size' = 'records'): FakeReply {
    const exceeded = limit === 'records' ? 'record count limit 500000' : 'data size limit 64000000';
    const message = `Query result set has exceeded the internal ${exceeded} (E_QUERY_RESULT_SET_TOO_LARGE; see https://aka.ms/kustoquerylimits)`;
    return fakeReply.partial(tables, [
      {
        code: 'EngineError',
        message: 'Something went wrong processing your query on the server.',
        innererror: { code: RESULT_SET_TOO_LARGE_HRESULT, message, severity: 2, severityName: 'Error' },
      },
    ]);
  },

  /** HTTP 429. `retryAfter`: seconds, or a Date sent as an HTTP-date. The body's code/message are not from a
   *  recording of this API (none found); clients must not depend on them. */
  throttled(retryAfter?: number | Date): FakeReply {
    const headers: Record<string, string> = {};
    if (retryAfter !== undefined) {
      headers['retry-after'] = typeof retryAfter === 'number' ? String(retryAfter) : retryAfter.toUTCString();
    }
    const error = { code: 'ThrottledError', message: 'Your request has been throttled' };
    return { kind: 'error', status: 429, headers, error };
  },

  /** A 5xx. 504 has the recorded GatewayTimeout body; the others' codes are plausible, not recorded. */
  serverError(status = 500, error?: FakeServiceError, headers?: Record<string, string>): FakeReply {
    if (status === 504 && !error) return fakeReply.gatewayTimeout();
    const code = { 500: 'InternalServerError', 502: 'BadGateway', 503: 'ServiceUnavailable' }[status] ?? 'ServerError';
    return {
      kind: 'error',
      status,
      error: error ?? {
        code,
        message: 'Something went wrong processing your query on the server.',
        correlationId: fakeCorrelationId(),
      },
      ...(headers ? { headers } : {}),
    };
  },

  /** 504 as recorded in Azure/azure-sdk-for-js sdk/monitor/monitor-query/TROUBLESHOOTING.md. */
  gatewayTimeout(): FakeReply {
    return {
      kind: 'error',
      status: 504,
      error: {
        code: 'GatewayTimeout',
        message: 'Gateway timeout',
        innererror: { code: 'GatewayTimeout', message: 'Kusto query timed out' },
        correlationId: fakeCorrelationId(),
      },
    };
  },

  /** 400 for a query the service cannot parse, as recorded in the same TROUBLESHOOTING.md. */
  badQuery(detail = "Query could not be parsed at 'invalid' on line [1,11]"): FakeReply {
    return { kind: 'error', status: 400, error: syntaxError(detail) };
  },

  /** 400 for a query that names a column or function the workspace does not have: the service's semantic error
   *  (SEM0100), found before any row is read; a client must not retry it. */
  unknownName(name: string): FakeReply {
    return { kind: 'error', status: 400, error: semanticError(`'${name}' could not be resolved: Failed to resolve scalar expression named '${name}'`) };
  },

  /** 403 as recorded in the same TROUBLESHOOTING.md. */
  forbidden(): FakeReply {
    return {
      kind: 'error',
      status: 403,
      error: {
        code: 'InsufficientAccessError',
        message: 'The provided credentials have insufficient access to perform the requested operation',
        correlationId: fakeCorrelationId(),
      },
    };
  },

  /** HTTP 204 with no body ("no data"). */
  noContent(): FakeReply {
    return { kind: 'raw', status: 204, body: '' };
  },

  /** HTTP 200 with an empty body. */
  emptyBody(): FakeReply {
    return { kind: 'raw', status: 200, body: '' };
  },

  raw(status: number, body: string, headers?: Record<string, string>): FakeReply {
    return { kind: 'raw', status, body, ...(headers ? { headers } : {}) };
  },

  delayed(ms: number, then: FakeReply): FakeReply {
    return { kind: 'delay', ms, then };
  },

  connectionReset(): FakeReply {
    return { kind: 'reset' };
  },

  /** A 200 whose body stops halfway for `ms`: headers arrive in time, the rest does not. */
  stalledBody(ms: number, tables: FakeTable | FakeTable[]): FakeReply {
    return { kind: 'stall-body', ms, then: { kind: 'result', tables: Array.isArray(tables) ? tables : [tables] } };
  },

  /** Statistics in the shape of a live `include-statistics=true` reply (Azure/azure-sdk-for-js
   *  sdk/monitor/monitor-query-logs/recordings/node/logsqueryclient_live_tests/recording_includequerystatistics.json). */
  statistics(tables: FakeTable[]): Record<string, unknown> {
    const rowCount = tables.reduce((n, t) => n + t.rows.length, 0);
    return {
      query: {
        executionTime: 0.0155775,
        resourceUsage: {
          cache: { memory: { hits: 0, misses: 0, total: 0 }, disk: { hits: 0, misses: 0, total: 0 } },
          cpu: { user: '00:00:00', kernel: '00:00:00', totalCpu: '00:00:00' },
          memory: { peakPerNode: 524384 },
        },
        inputDatasetStatistics: { extents: { total: 0, scanned: 0 }, rows: { total: rowCount, scanned: rowCount } },
        datasetStatistics: tables.map((t) => ({ tableRowCount: t.rows.length, tableSize: JSON.stringify(t.rows).length })),
      },
    };
  },
};

/** Replies in order, then the last one for every later request. */
export function replySequence(...replies: FakeReply[]): FakeRespond {
  if (replies.length === 0) throw new RangeError('replySequence needs at least one reply');
  let next = 0;
  return () => replies[Math.min(next++, replies.length - 1)];
}

export interface FakeDataset {
  columns: FakeColumn[];
  /** Rows keyed by column name, with JS values (Date for datetime, objects for dynamic). */
  rows: Record<string, unknown>[];
  /** Keep only rows whose value in this column lies in the request's window, start inclusive, end exclusive
   *  (the real service's boundary semantics are not documented; do not rely on them). */
  timeColumn?: string;
  /** Further selection per request, e.g. on the query text; after the window filter. */
  select?: (request: FakeRequest, rows: Record<string, unknown>[]) => Record<string, unknown>[];
  /** Past this many selected rows, reply as the service does: the first `rowLimit` rows and a result-too-large
   *  partial error. Default 500,000. */
  rowLimit?: number;
}

/** A respond function over a fixed set of rows. */
export function datasetResponder(dataset: FakeDataset): FakeRespond {
  const rowLimit = dataset.rowLimit ?? 500_000;
  return (request) => {
    let rows = dataset.rows;
    const window = request.window;
    if (dataset.timeColumn && window) {
      const column = dataset.timeColumn;
      rows = rows.filter((row) => {
        const at = toInstant(row[column]);
        return at !== undefined && at >= window.start.getTime() && at < window.end.getTime();
      });
    }
    if (dataset.select) rows = dataset.select(request, rows);
    if (rows.length > rowLimit) {
      return fakeReply.resultTooLarge(fakeReply.tableFromObjects(dataset.columns, rows.slice(0, rowLimit)), 'records');
    }
    return fakeReply.success(fakeReply.tableFromObjects(dataset.columns, rows));
  };
}

// ---------------------------------------------------------------------------------------------------------
// Helpers

export function toWireCell(value: unknown, type: KustoColumnType): WireCell {
  if (value === null || value === undefined) return null;
  switch (type) {
    case 'datetime':
      if (value instanceof Date) return formatKustoDatetime(ticksOfDate(value), 'wire');
      return String(value);
    case 'dynamic':
      // The service sends dynamic cells as JSON text (recording_querylogsbatch_with_types.json: "{\"hello\":\"world\"}").
      return typeof value === 'string' ? value : JSON.stringify(value);
    case 'long':
    case 'int':
    case 'real':
    case 'decimal':
      return typeof value === 'number' ? value : Number(value);
    case 'bool':
      return Boolean(value);
    default:
      if (value instanceof Date) return formatKustoDatetime(ticksOfDate(value), 'wire');
      return typeof value === 'object' ? JSON.stringify(value) : String(value);
  }
}

function toInstant(value: unknown): number | undefined {
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'string') {
    const t = Date.parse(value);
    return Number.isNaN(t) ? undefined : t;
  }
  return undefined;
}

function parsePrefer(header: string | undefined): FakePrefer {
  const prefer: FakePrefer = { includeStatistics: false, includeRender: false };
  for (const part of (header ?? '').split(/[,;]/)) {
    const [key, value] = part.split('=').map((s) => s.trim().toLowerCase());
    if (key === 'wait' && value && /^\d+$/.test(value)) prefer.waitSeconds = Number(value);
    else if (key === 'include-statistics') prefer.includeStatistics = value === 'true';
    else if (key === 'include-render') prefer.includeRender = value === 'true';
  }
  return prefer;
}

/** ISO 8601 intervals the SDK sends: "start/end", "start/duration", "duration/end", or "duration" (ending now). */
export function parseTimespan(timespan: string, now: Date): { start: Date; end: Date } | undefined {
  const parts = timespan.split('/');
  if (parts.length === 1) {
    const ms = parseDurationMs(parts[0]);
    return ms === undefined ? undefined : { start: new Date(now.getTime() - ms), end: now };
  }
  if (parts.length !== 2) return undefined;
  const [first, second] = parts;
  const start = Date.parse(first);
  const end = Date.parse(second);
  if (!Number.isNaN(start) && !Number.isNaN(end)) return { start: new Date(start), end: new Date(end) };
  if (!Number.isNaN(start)) {
    const ms = parseDurationMs(second);
    return ms === undefined ? undefined : { start: new Date(start), end: new Date(start + ms) };
  }
  if (!Number.isNaN(end)) {
    const ms = parseDurationMs(first);
    return ms === undefined ? undefined : { start: new Date(end - ms), end: new Date(end) };
  }
  return undefined;
}

function parseDurationMs(text: string): number | undefined {
  const match = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(text);
  if (!match || text === 'P' || text.endsWith('T')) return undefined;
  const [, w, d, h, m, s] = match;
  const days = Number(w ?? 0) * 7 + Number(d ?? 0);
  const seconds = days * 86_400 + Number(h ?? 0) * 3_600 + Number(m ?? 0) * 60 + Number(s ?? 0);
  return seconds * 1000;
}

function syntaxError(detail: string): FakeServiceError {
  return {
    message: 'The request had some invalid properties',
    code: 'BadArgumentError',
    correlationId: fakeCorrelationId(),
    innererror: {
      code: 'SyntaxError',
      message: 'A recognition error occurred in the query.',
      innererror: { code: 'SYN0002', message: detail },
    },
  };
}

function semanticError(detail: string): FakeServiceError {
  return {
    message: 'The request had some invalid properties',
    code: 'BadArgumentError',
    correlationId: fakeCorrelationId(),
    innererror: {
      code: 'SemanticError',
      message: 'A semantic error occurred.',
      innererror: { code: 'SEM0100', message: detail },
    },
  };
}

function badArgument(detail: string): { error: FakeServiceError } {
  return {
    error: {
      message: 'The request had some invalid properties',
      code: 'BadArgumentError',
      correlationId: fakeCorrelationId(),
      innererror: { code: 'QueryValidationError', message: detail },
    },
  };
}

function fakeCorrelationId(): string {
  return '00000000-0000-4000-8000-' + Math.floor(Math.random() * 2 ** 48).toString(16).padStart(12, '0');
}

function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
