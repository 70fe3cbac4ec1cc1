/**
 * The review API and page as one request handler, independent of the Functions runtime: functions/review-http.ts
 * and the local server (server.ts) both translate their requests into a ReviewRequest and back.
 *
 *   GET    /api/incidents                 Incidents.Read    filtered, paged list
 *   GET    /api/incidents/{incidentKey}   Incidents.Read    detail; ETag = triage version
 *   PATCH  /api/incidents/{incidentKey}   Incidents.Triage  triage; If-Match required (428), stale → 412
 *   GET    /api/exceptions                Incidents.Read    list (?format=sigma: every exception as Sigma YAML)
 *   POST   /api/exceptions                Incidents.Triage  create (?preview=true: count what it would suppress)
 *   GET    /api/exceptions/{id}           Incidents.Read    one exception as a Sigma filter file (YAML)
 *   DELETE /api/exceptions/{id}           Incidents.Triage  remove
 *   GET    /api/review/...                anonymous         the page's static files (no data in them)
 */
import { ROLE_READ, ROLE_TRIAGE, requireRole, type Authenticate, type Principal } from './auth.js';
import { ReviewError } from './errors.js';
import { ExceptionService, parseExceptionRequest } from './exceptions.js';
import { IncidentQueries, parseListQuery } from './incident-queries.js';
import { parseTriageChange } from './triage.js';
import { staticAsset } from './static-assets.js';
import { isWorkspaceResourceId, logAnalyticsLink } from './log-analytics-link.js';
import type { TableClient } from '@azure/data-tables';

export interface ReviewRequest {
  method: string;
  url: URL;
  headers: Headers;
  /** The raw body (PATCH/POST), undefined when there is none. */
  body?: string;
}

export interface ReviewResponse {
  status: number;
  headers: Record<string, string>;
  body: string | Uint8Array;
}

export interface ReviewApiOptions {
  incidents: TableClient;
  authenticate: Authenticate;
  /** What the page needs to know about sign-in (auth mode, tenant, client id, scope): served at /api/review/config.json. */
  pageConfig: Record<string, unknown>;
  now?: () => Date;
  log?: (message: string, fields?: Record<string, unknown>) => void;
}

/** Page and API: no inline script or style, nothing from elsewhere but Entra's sign-in endpoints. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self' https://login.microsoftonline.com",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

const MAX_BODY_CHARS = 64 * 1024;

export function reviewApi(options: ReviewApiOptions): (request: ReviewRequest) => Promise<ReviewResponse> {
  const queries = new IncidentQueries(options.incidents);
  const exceptions = new ExceptionService(options.incidents);
  const now = options.now ?? (() => new Date());

  async function route(request: ReviewRequest): Promise<ReviewResponse> {
    const path = request.url.pathname.replace(/\/+$/, '') || '/';
    const segments = path.split('/').filter(Boolean).map(decodeURIComponent);
    if (segments[0] !== 'api') throw new ReviewError('not-found', `no route ${path}`);
    const [, resource, id, ...rest] = segments;
    if (resource === 'review') {
      if (request.method !== 'GET' && request.method !== 'HEAD') throw new ReviewError('method-not-allowed', 'the page is read-only');
      if (id === 'config.json' && rest.length === 0) return json(200, options.pageConfig);
      const asset = await staticAsset(id === undefined ? 'index.html' : [id, ...rest].join('/'));
      if (!asset) throw new ReviewError('not-found', `no page asset ${path}`);
      return { status: 200, headers: { ...SECURITY_HEADERS, 'cache-control': 'no-cache', 'content-type': asset.contentType }, body: asset.body };
    }
    if (rest.length > 0) throw new ReviewError('not-found', `no route ${path}`);
    const principal = await options.authenticate(request.headers);

    if (resource === 'incidents' && id === undefined) {
      if (request.method !== 'GET') throw new ReviewError('method-not-allowed', 'GET /api/incidents');
      requireRole(principal, ROLE_READ);
      const { filter, pageSize, continuation } = parseListQuery(request.url.searchParams);
      return json(200, await queries.list(filter, pageSize, continuation));
    }
    if (resource === 'incidents' && id !== undefined) {
      if (request.method === 'GET') {
        requireRole(principal, ROLE_READ);
        const detail = await queries.detail(id);
        if (!detail) throw new ReviewError('not-found', `no incident ${id}`);
        return json(200, { ...detail, pivotLinks: pivotLinksOf(detail.incident, options.pageConfig), principal: principalView(principal) }, { etag: detail.triage.version });
      }
      if (request.method === 'PATCH') {
        requireRole(principal, ROLE_TRIAGE);
        const change = parseTriageChange(parseJson(request.body));
        const result = await queries.triage.update(id, request.headers.get('if-match') ?? undefined, change, principal, now());
        options.log?.('incident triaged', { incidentKey: id, by: principal.name, changes: result.audit.changes });
        return json(200, result, { etag: result.triage.version });
      }
      throw new ReviewError('method-not-allowed', 'GET or PATCH /api/incidents/{id}');
    }
    if (resource === 'exceptions' && id === undefined) {
      if (request.method === 'GET') {
        requireRole(principal, ROLE_READ);
        const all = await exceptions.list(now());
        if (request.url.searchParams.get('format') === 'sigma') return yaml(all.map((exception) => exception.sigma).join('---\n'), 'exceptions.yml');
        return json(200, { exceptions: all });
      }
      if (request.method === 'POST') {
        requireRole(principal, ROLE_TRIAGE);
        const draft = parseExceptionRequest(parseJson(request.body), principal, now());
        if (request.url.searchParams.get('preview') === 'true') return json(200, await exceptions.preview(draft));
        const created = await exceptions.create(draft);
        options.log?.('exception created', { id: created.id, ruleId: created.ruleId, by: principal.name });
        return json(201, created, { location: `/api/exceptions/${created.id}` });
      }
      throw new ReviewError('method-not-allowed', 'GET or POST /api/exceptions');
    }
    if (resource === 'exceptions' && id !== undefined) {
      if (request.method === 'GET') {
        requireRole(principal, ROLE_READ);
        const exception = await exceptions.get(id, now());
        if (!exception) throw new ReviewError('not-found', `no exception ${id}`);
        if (request.url.searchParams.get('format') === 'json') return json(200, exception);
        return yaml(exception.sigma, `${exception.id}.yml`);
      }
      if (request.method === 'DELETE') {
        requireRole(principal, ROLE_TRIAGE);
        if (!(await exceptions.delete(id))) throw new ReviewError('not-found', `no exception ${id}`);
        options.log?.('exception deleted', { id, by: principal.name });
        return { status: 204, headers: { ...SECURITY_HEADERS }, body: '' };
      }
      throw new ReviewError('method-not-allowed', 'GET or DELETE /api/exceptions/{id}');
    }
    throw new ReviewError('not-found', `no route ${path}`);
  }

  return async (request) => {
    try {
      if (request.body !== undefined && request.body.length > MAX_BODY_CHARS) throw new ReviewError('bad-request', `the body is larger than ${MAX_BODY_CHARS} characters`);
      return await route(request);
    } catch (error) {
      if (error instanceof ReviewError) {
        const headers: Record<string, string> = {};
        if (error.code === 'unauthenticated') headers['www-authenticate'] = 'Bearer';
        if (error.code === 'precondition-failed' && typeof error.details?.currentVersion === 'string') headers.etag = error.details.currentVersion;
        if (error.code === 'config') options.log?.(error.message);
        return json(error.status, { error: { code: error.code, message: error.reason, ...error.details } }, headers);
      }
      options.log?.('review request failed', { error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
      return json(500, { error: { code: 'internal', message: 'the request failed; see the function log' } });
    }
  };
}

/** One portal link per pivot query, when the workspace's resource id is configured. */
function pivotLinksOf(incident: Record<string, unknown>, pageConfig: Record<string, unknown>): string[] | undefined {
  const workspace = pageConfig.workspaceResourceId;
  if (typeof workspace !== 'string' || !isWorkspaceResourceId(workspace)) return undefined;
  const pivots = (incident.enrichment as { pivots?: unknown } | undefined)?.pivots;
  if (!Array.isArray(pivots)) return undefined;
  const tenant = typeof pageConfig.tenantId === 'string' ? pageConfig.tenantId : undefined;
  return pivots.map((pivot) => logAnalyticsLink(workspace, String((pivot as { query?: unknown }).query ?? ''), tenant));
}

function principalView(principal: Principal): Record<string, unknown> {
  return { name: principal.name, roles: principal.roles, ...(principal.development ? { development: true } : {}) };
}

function parseJson(body: string | undefined): unknown {
  if (body === undefined || body.trim() === '') throw new ReviewError('bad-request', 'a JSON body is required');
  try {
    return JSON.parse(body) as unknown;
  } catch {
    throw new ReviewError('bad-request', 'the body is not JSON');
  }
}

function json(status: number, value: unknown, headers: Record<string, string> = {}): ReviewResponse {
  return { status, headers: { ...SECURITY_HEADERS, 'content-type': 'application/json; charset=utf-8', ...headers }, body: JSON.stringify(value) };
}

function yaml(text: string, fileName: string): ReviewResponse {
  return {
    status: 200,
    headers: { ...SECURITY_HEADERS, 'content-type': 'application/yaml; charset=utf-8', 'content-disposition': `attachment; filename="${fileName}"` },
    body: text,
  };
}
