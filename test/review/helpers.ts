// Review test fixtures: an API over fresh tables in one Azurite, Entra-like tokens signed by a local key.
import { exportJWK, generateKeyPair, createLocalJWKSet, SignJWT, type JWK } from 'jose';
import type { TableClient } from '@azure/data-tables';
import { authenticator, parseReviewAuth, type Authenticate } from '../../src/review/auth.js';
import { reviewApi, type ReviewResponse } from '../../src/review/api.js';
import { IncidentStore } from '../../src/store/incident-store.js';
import { ENRICHMENT, makeHit } from '../store/helpers.js';
import type { VerifiedHit } from '../../src/incidents/model.js';

export const TENANT = '11111111-2222-3333-4444-555555555555';
export const AUDIENCE = 'api://sigma-hunt-review';

export interface TokenIssuer {
  authenticate: Authenticate;
  token(claims: Record<string, unknown>, options?: { audience?: string; issuer?: string; expiresIn?: string }): Promise<string>;
}

export async function tokenIssuer(): Promise<TokenIssuer> {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };
  const settings = parseReviewAuth({ REVIEW_AUTH: 'entra', REVIEW_TENANT_ID: TENANT, REVIEW_AUDIENCE: AUDIENCE });
  if (settings.mode !== 'entra') throw new Error('expected entra');
  return {
    authenticate: authenticator({ ...settings, jwks: createLocalJWKSet({ keys: [jwk] }) }),
    token: (claims, options = {}) =>
      new SignJWT({ tid: TENANT, oid: 'oid-' + String(claims.preferred_username ?? 'x'), ...claims })
        .setProtectedHeader({ alg: 'RS256', kid: 'test-key' })
        .setIssuer(options.issuer ?? `https://login.microsoftonline.com/${TENANT}/v2.0`)
        .setAudience(options.audience ?? AUDIENCE)
        .setIssuedAt()
        .setExpirationTime(options.expiresIn ?? '10m')
        .sign(privateKey),
  };
}

export type Call = (method: string, path: string, init?: { token?: string; body?: unknown; headers?: Record<string, string> }) => Promise<ReviewResponse & { json: any }>;

export function caller(incidents: TableClient, authenticate: Authenticate, now?: () => Date): Call {
  const api = reviewApi({ incidents, authenticate, pageConfig: { auth: 'test' }, ...(now ? { now } : {}) });
  return async (method, path, init = {}) => {
    const headers = new Headers(init.headers);
    if (init.token) headers.set('authorization', `Bearer ${init.token}`);
    const response = await api({
      method,
      url: new URL(path, 'http://localhost'),
      headers,
      ...(init.body !== undefined ? { body: typeof init.body === 'string' ? init.body : JSON.stringify(init.body) } : {}),
    });
    let parsed: unknown;
    try {
      parsed = typeof response.body === 'string' && response.body !== '' ? JSON.parse(response.body) : undefined;
    } catch {
      parsed = undefined;
    }
    return { ...response, json: parsed };
  };
}

/** Stores `hits` as the hunt would, and returns the incident keys. */
export async function storeHits(client: TableClient, hits: VerifiedHit[]): Promise<string[]> {
  const store = new IncidentStore(client);
  await store.upsertHits(hits, ENRICHMENT);
  return (await store.listIncidents()).map((incident) => incident.incidentKey);
}

export { makeHit };
