/**
 * The review API as the Function App runs it: settings parsed once (the hunt's table settings, plus REVIEW_*),
 * the table client built once and reused, every problem reported on every request (500, and the log) instead of
 * a host that fails to start. functions/review-http.ts only registers this.
 */
import type { TokenCredential } from '@azure/identity';
import { DefaultAzureCredential } from '@azure/identity';
import { ConfigError, parseHuntConfig } from '../hunt/config.js';
import { TableClient } from '@azure/data-tables';
import { reviewApi, type ReviewRequest, type ReviewResponse } from './api.js';
import { authenticator, parseReviewAuth, type ReviewAuthSettings } from './auth.js';
import { ReviewError } from './errors.js';

/** The app settings the review reads (infra/main.bicep sets each one; test/infra checks the names). */
export const REVIEW_SETTING_NAMES = ['REVIEW_AUTH', 'REVIEW_TENANT_ID', 'REVIEW_CLIENT_ID', 'REVIEW_AUDIENCE', 'REVIEW_SCOPE', 'REVIEW_WORKSPACE_RESOURCE_ID'] as const;

export interface ReviewSettings {
  auth: ReviewAuthSettings;
  tableEndpoint: string;
  incidentsTable: string;
  checkpointsTable: string;
  managedIdentityClientId?: string;
  /** What the page needs to sign in (public values only). */
  pageConfig: Record<string, unknown>;
}

/** REVIEW_AUTH, REVIEW_TENANT_ID, REVIEW_AUDIENCE, REVIEW_CLIENT_ID (the page's sign-in client), REVIEW_SCOPE,
 *  REVIEW_WORKSPACE_RESOURCE_ID (for "open in Log Analytics" links); tables as the hunt. */
export function parseReviewSettings(env: Readonly<Record<string, string | undefined>>): ReviewSettings {
  const auth = parseReviewAuth(env);
  let hunt;
  try {
    hunt = parseHuntConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) throw new ReviewError('config', error.message);
    throw error;
  }
  if (!hunt.tableEndpoint) throw new ReviewError('config', 'HUNT_STORAGE_TABLE_ENDPOINT is required');
  return {
    auth,
    tableEndpoint: hunt.tableEndpoint,
    incidentsTable: hunt.incidentsTable,
    checkpointsTable: hunt.checkpointsTable,
    ...(hunt.managedIdentityClientId ? { managedIdentityClientId: hunt.managedIdentityClientId } : {}),
    pageConfig: pageConfigOf(auth, env),
  };
}

export function pageConfigOf(auth: ReviewAuthSettings, env: Readonly<Record<string, string | undefined>>): Record<string, unknown> {
  const workspace = env.REVIEW_WORKSPACE_RESOURCE_ID?.trim();
  return {
    auth: auth.mode,
    ...(auth.mode === 'entra'
      ? { tenantId: auth.tenantId, clientId: env.REVIEW_CLIENT_ID?.trim() ?? '', scope: env.REVIEW_SCOPE?.trim() ?? `${auth.audiences[0]}/Incidents.Access` }
      : {}),
    ...(workspace ? { workspaceResourceId: workspace } : {}),
  };
}

export type ReviewHandler = (request: ReviewRequest) => Promise<ReviewResponse>;

export function reviewHandler(env: Readonly<Record<string, string | undefined>>, options: { credential?: TokenCredential; log?: (message: string, fields?: Record<string, unknown>) => void } = {}): ReviewHandler {
  let settings: ReviewSettings | ReviewError;
  try {
    settings = parseReviewSettings(env);
  } catch (error) {
    if (!(error instanceof ReviewError)) throw error;
    settings = error;
  }
  let api: ReviewHandler | undefined;
  return async (request) => {
    if (settings instanceof ReviewError) {
      options.log?.(settings.message);
      return { status: 500, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ error: { code: 'config', message: 'the review API is not configured; see the function log' } }) };
    }
    const ready = settings;
    // No request to storage here: the hunt creates the tables, and a caller without a valid token is refused
    // before the API touches storage at all.
    api ??= (() => {
      const credential = options.credential ?? new DefaultAzureCredential(ready.managedIdentityClientId ? { managedIdentityClientId: ready.managedIdentityClientId } : {});
      const incidents = new TableClient(ready.tableEndpoint, ready.incidentsTable, credential);
      return reviewApi({ incidents, authenticate: authenticator(ready.auth), pageConfig: ready.pageConfig, ...(options.log ? { log: options.log } : {}) });
    })();
    return api(request);
  };
}
