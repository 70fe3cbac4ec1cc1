import { DefaultAzureCredential, type AccessToken, type TokenCredential } from '@azure/identity';
import { LogsQueryClient, type LogsQueryClientOptions } from '@azure/monitor-query-logs';
import { LogAnalyticsError } from './errors.js';
import { serviceErrorFromBody } from './service-error.js';

export const PUBLIC_CLOUD_ENDPOINT = 'https://api.loganalytics.io/v1';

/** The header that ties a pipeline response to the `runQuery` attempt that sent it. The service logs it too,
 *  so it is also the id to quote to Microsoft support. */
export const CLIENT_REQUEST_ID_HEADER = 'x-ms-client-request-id';

export interface CreateLogsQueryClientOptions {
  /** `https://host/v1`. A bare origin gets `/v1` appended (the SDK uses the endpoint verbatim and would post
   *  to `https://host/workspaces/...`). Default: the public cloud. */
  endpoint?: string;
  /** Default: `DefaultAzureCredential` (managed identity in Azure, developer login locally). */
  credential?: TokenCredential;
  /** Token scopes. Default: `<endpoint origin>/.default` (api.loganalytics.io for the public cloud). The SDK's
   *  own `audience` option is ignored by 1.0.0, so this is the only way to reach a sovereign cloud. */
  scopes?: string[];
  /** Plain http without a token, for the local fake: allows insecure connections and removes the bearer
   *  policy (which refuses http even with allowInsecureConnection). Never for a real workspace. */
  insecureLocal?: boolean;
  /** Retries inside the SDK pipeline. Default 0: `runQuery` retries with a deadline, and the SDK's default of 3
   *  would re-run an expensive query that just hit a 504 outside any budget. */
  maxRetries?: number;
  /** Prepended to the user agent, so LAQueryLogs can tell our queries apart. */
  userAgentPrefix?: string;
}

type Pipeline = LogsQueryClient['pipeline'];
type PipelinePolicy = Parameters<Pipeline['addPolicy']>[0];
type PipelineResponse = Awaited<ReturnType<PipelinePolicy['sendRequest']>>;

/** What the service really sent for one attempt, before the SDK's deserializers lose parts of it. */
export interface CapturedResponse {
  status: number;
  headers: Record<string, string>;
  /** The raw body (the same string the SDK parsed, so holding it costs no copy). */
  bodyText: string;
}

interface ExpectedResponse {
  abortSignal?: AbortSignal;
  captured?: CapturedResponse;
}

/** Per-pipeline store of the raw responses that `runQuery` asked for, keyed by client request id. */
export class ResponseCapture {
  private readonly expected = new Map<string, ExpectedResponse>();

  /** `abortSignal` is attached to the request: 1.0.0 ignores a top-level abortSignal, and
   *  `requestOptions.timeout` stops at the response headers, not at a body that stalls halfway. */
  expect(requestId: string, abortSignal?: AbortSignal): void {
    this.expected.set(requestId, abortSignal ? { abortSignal } : {});
  }

  abortSignalFor(requestId: string): AbortSignal | undefined {
    return this.expected.get(requestId)?.abortSignal;
  }

  record(requestId: string, response: CapturedResponse): void {
    const entry = this.expected.get(requestId);
    if (entry) entry.captured = response;
  }

  /** The captured response (if one arrived) and forget the id. */
  take(requestId: string): CapturedResponse | undefined {
    const captured = this.expected.get(requestId)?.captured;
    this.expected.delete(requestId);
    return captured;
  }
}

const RESPONSE_CAPTURE_POLICY = 'sigmaHuntResponseCapture';
const BEARER_POLICY = 'bearerTokenAuthenticationPolicy';
const captures = new WeakMap<Pipeline, ResponseCapture>();

/**
 * Makes a `LogsQueryClient` on the real SDK with the 1.0.0 defects worked around:
 * scopes instead of the ignored `audience`, no SDK retries by default, a policy that keeps raw responses for
 * `runQuery` and repairs the empty replies that make the SDK throw a TypeError.
 */
export function createLogsQueryClient(options: CreateLogsQueryClientOptions = {}): LogsQueryClient {
  const endpoint = normalizeEndpoint(options.endpoint ?? PUBLIC_CLOUD_ENDPOINT, options.insecureLocal === true);
  const credential = options.credential ?? (options.insecureLocal ? localCredential : new DefaultAzureCredential());
  const clientOptions: LogsQueryClientOptions = {
    endpoint: endpoint.href,
    credentials: { scopes: options.scopes ?? defaultScopes(endpoint) },
    retryOptions: { maxRetries: options.maxRetries ?? 0 },
    ...(options.userAgentPrefix ? { userAgentOptions: { userAgentPrefix: options.userAgentPrefix } } : {}),
    ...(options.insecureLocal ? { allowInsecureConnection: true } : {}),
  };
  const client = new LogsQueryClient(credential, clientOptions);
  if (options.insecureLocal) client.pipeline.removePolicy({ name: BEARER_POLICY });
  ensureResponseCapture(client);
  return client;
}

/** The capture store of a client, adding the capture policy to clients made elsewhere. */
export function ensureResponseCapture(client: LogsQueryClient): ResponseCapture {
  const existing = captures.get(client.pipeline);
  if (existing) return existing;
  const capture = new ResponseCapture();
  captures.set(client.pipeline, capture);
  client.pipeline.addPolicy(responseCapturePolicy(capture));
  return capture;
}

function responseCapturePolicy(capture: ResponseCapture): PipelinePolicy {
  return {
    name: RESPONSE_CAPTURE_POLICY,
    async sendRequest(request, next) {
      const requestId = request.headers.get(CLIENT_REQUEST_ID_HEADER);
      const abortSignal = requestId ? capture.abortSignalFor(requestId) : undefined;
      if (abortSignal) request.abortSignal = eitherSignal(request.abortSignal, abortSignal);
      const response = await next(request);
      if (requestId) {
        capture.record(requestId, {
          status: response.status,
          headers: response.headers.toJSON(),
          bodyText: response.bodyAsText ?? '',
        });
      }
      return repairResponse(response);
    },
  };
}

/**
 * The SDK 1.0.0 accepts only status 200 and then reads `body.tables`; for any other status it reads
 * `body.error.*`. So a 204 "no data", an empty 200, or an error status whose body is empty or not a JSON error
 * object (a gateway's HTML page, a bare 429) throws a TypeError that hides the status. Rewrite those into the
 * shapes the SDK can read: an empty result, or an error whose code names the status.
 */
function repairResponse(response: PipelineResponse): PipelineResponse {
  const body = response.bodyAsText ?? '';
  if (response.status === 204 || (response.status === 200 && body.trim() === '')) {
    response.headers.set('content-type', 'application/json; charset=utf-8');
    return { ...response, status: 200, bodyAsText: '{"tables":[]}' };
  }
  if (response.status >= 400 && !serviceErrorFromBody(body)) {
    const snippet = body.trim().slice(0, 200);
    const message = snippet
      ? `HTTP ${response.status} without a JSON error body: ${snippet}`
      : `HTTP ${response.status} with an empty body`;
    response.headers.set('content-type', 'application/json; charset=utf-8');
    return { ...response, bodyAsText: JSON.stringify({ error: { code: statusCodeName(response.status), message } }) };
  }
  return response;
}

type AbortSignalLike = NonNullable<Parameters<PipelinePolicy['sendRequest']>[0]['abortSignal']>;

function eitherSignal(existing: AbortSignalLike | undefined, added: AbortSignal): AbortSignalLike {
  if (!existing) return added;
  const controller = new AbortController();
  const abort = (): void => controller.abort();
  if (existing.aborted || added.aborted) abort();
  existing.addEventListener('abort', abort);
  added.addEventListener('abort', abort);
  return controller.signal;
}

function statusCodeName(status: number): string {
  const names: Record<number, string> = {
    408: 'RequestTimeout',
    429: 'TooManyRequests',
    500: 'InternalServerError',
    502: 'BadGateway',
    503: 'ServiceUnavailable',
    504: 'GatewayTimeout',
  };
  return names[status] ?? `HttpStatus${status}`;
}

function normalizeEndpoint(endpoint: string, insecureLocal: boolean): URL {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new LogAnalyticsError('config', `endpoint '${endpoint}' is not an absolute URL`);
  }
  if (url.protocol !== 'https:' && !(insecureLocal && url.protocol === 'http:')) {
    throw new LogAnalyticsError(
      'config',
      `endpoint '${endpoint}' must be https (bearer auth refuses plain http); use insecureLocal only for the local fake`,
    );
  }
  if (url.pathname === '/' || url.pathname === '') url.pathname = '/v1';
  url.pathname = url.pathname.replace(/\/+$/, '');
  return url;
}

function defaultScopes(endpoint: URL): string[] {
  // api.loganalytics.azure.com is the public cloud's newer host name; its tokens are issued for api.loganalytics.io.
  const host = endpoint.hostname.toLowerCase();
  if (host === 'api.loganalytics.io' || host === 'api.loganalytics.azure.com') {
    return ['https://api.loganalytics.io/.default'];
  }
  return [`${endpoint.origin}/.default`];
}

/** Stands in for a credential in local mode, where the bearer policy is removed and nothing asks for a token. */
const localCredential: TokenCredential = {
  getToken: async (): Promise<AccessToken> => ({ token: 'local-fake', expiresOnTimestamp: Date.now() + 3_600_000 }),
};
