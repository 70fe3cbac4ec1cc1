/**
 * Who is calling the review API, and what they may do.
 *
 * Why tokens are validated in code: the app runs on Flex Consumption, where Microsoft's docs say App Service
 * Authentication ("EasyAuth") is not supported, and that unauthenticated callers are not blocked when it is
 * enabled (MicrosoftDocs/azure-docs, articles/azure-functions/flex-consumption-plan.md, "Considerations":
 * "Authorization: EasyAuth is currently not supported"). So the platform sets no principal we could trust, and
 * this module never reads `X-MS-CLIENT-PRINCIPAL*` headers: a caller who sends one gains nothing. Instead every
 * request carries an Entra ID access token (`Authorization: Bearer`), validated here with `jose` against the
 * tenant's JWKS: signature (RS256), issuer (v1 or v2 endpoint of the configured tenant), audience (the API's
 * app ID URI or client id), lifetime; the app roles come from the `roles` claim.
 *
 * Locally (`REVIEW_AUTH=development`) every request runs as one development principal with both roles, clearly
 * named as such; the setting is refused when the process runs in App Service (WEBSITE_SITE_NAME is set).
 */
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { ReviewError } from './errors.js';

export const ROLE_READ = 'Incidents.Read';
export const ROLE_TRIAGE = 'Incidents.Triage';
export type ReviewRole = typeof ROLE_READ | typeof ROLE_TRIAGE;

export interface Principal {
  /** Entra object id (`oid`), or `development`. */
  id: string;
  /** What the audit and the page show: the UPN/name, or the development label. */
  name: string;
  roles: ReviewRole[];
  development?: true;
}

export const DEVELOPMENT_PRINCIPAL: Principal = Object.freeze({
  id: 'development',
  name: 'DEVELOPMENT PRINCIPAL (local only, not authenticated)',
  roles: [ROLE_READ, ROLE_TRIAGE],
  development: true,
}) as Principal;

export type ReviewAuthSettings =
  | { mode: 'entra'; tenantId: string; audiences: string[]; jwks?: JWTVerifyGetKey }
  | { mode: 'development' };

export type Authenticate = (headers: Headers) => Promise<Principal>;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** REVIEW_AUTH (entra, the default | development), REVIEW_TENANT_ID, REVIEW_AUDIENCE (comma-separated). */
export function parseReviewAuth(env: Readonly<Record<string, string | undefined>>): ReviewAuthSettings {
  const mode = (env.REVIEW_AUTH ?? 'entra').trim().toLowerCase();
  if (mode === 'development') {
    if (env.WEBSITE_SITE_NAME) throw new ReviewError('config', 'REVIEW_AUTH=development is refused in Azure (WEBSITE_SITE_NAME is set): use entra');
    return { mode: 'development' };
  }
  if (mode !== 'entra') throw new ReviewError('config', `REVIEW_AUTH must be entra or development, not '${mode}'`);
  const tenantId = env.REVIEW_TENANT_ID?.trim() ?? '';
  const audiences = (env.REVIEW_AUDIENCE ?? '').split(',').map((audience) => audience.trim()).filter(Boolean);
  const problems: string[] = [];
  if (!GUID.test(tenantId)) problems.push('REVIEW_TENANT_ID must be the Entra tenant id (a GUID)');
  if (audiences.length === 0) problems.push("REVIEW_AUDIENCE must name the API's app ID URI and/or client id");
  if (problems.length > 0) throw new ReviewError('config', problems.join('; '));
  return { mode: 'entra', tenantId, audiences };
}

export function authenticator(settings: ReviewAuthSettings): Authenticate {
  if (settings.mode === 'development') return async () => DEVELOPMENT_PRINCIPAL;
  const jwks =
    settings.jwks ?? createRemoteJWKSet(new URL(`https://login.microsoftonline.com/${settings.tenantId}/discovery/v2.0/keys`), { cooldownDuration: 30_000 });
  const issuers = [`https://login.microsoftonline.com/${settings.tenantId}/v2.0`, `https://sts.windows.net/${settings.tenantId}/`];
  return async (headers) => {
    const authorization = headers.get('authorization') ?? '';
    const match = /^Bearer\s+([A-Za-z0-9_.-]+)$/i.exec(authorization.trim());
    if (!match) throw new ReviewError('unauthenticated', 'an Entra ID access token is required (Authorization: Bearer)');
    try {
      const { payload } = await jwtVerify(match[1]!, jwks, { issuer: issuers, audience: settings.audiences, algorithms: ['RS256'], clockTolerance: 60 });
      if (payload.tid !== settings.tenantId) throw new ReviewError('unauthenticated', 'the token is from another tenant');
      const roles = Array.isArray(payload.roles) ? payload.roles.filter((role): role is ReviewRole => role === ROLE_READ || role === ROLE_TRIAGE) : [];
      const id = typeof payload.oid === 'string' ? payload.oid : typeof payload.sub === 'string' ? payload.sub : 'unknown';
      const name = [payload.preferred_username, payload.upn, payload.name, payload.appid, payload.azp].find((value): value is string => typeof value === 'string') ?? id;
      return { id, name, roles };
    } catch (error) {
      if (error instanceof ReviewError) throw error;
      if (error instanceof joseErrors.JOSEError) throw new ReviewError('unauthenticated', `the token does not validate (${error.code})`);
      throw error;
    }
  };
}

/** Refuses a principal without `role` (403). Triage implies read. */
export function requireRole(principal: Principal, role: ReviewRole): void {
  const has = principal.roles.includes(role) || (role === ROLE_READ && principal.roles.includes(ROLE_TRIAGE));
  if (!has) throw new ReviewError('forbidden', `the app role ${role} is required`);
}
