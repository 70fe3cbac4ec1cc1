import { describe, expect, test, vi } from 'vitest';
import { HttpRequest, InvocationContext } from '@azure/functions';

describe('functions/review-http.ts', () => {
  test('translates a request: the page is served, an API call without a token gets 401 before any storage request', async () => {
    vi.stubEnv('REVIEW_AUTH', 'entra');
    vi.stubEnv('REVIEW_TENANT_ID', '11111111-2222-3333-4444-555555555555');
    vi.stubEnv('REVIEW_AUDIENCE', 'api://sigma-hunt-review');
    vi.stubEnv('HUNT_STORAGE_TABLE_ENDPOINT', 'https://nostorage.table.core.windows.net');
    const { review } = await import('../../functions/review-http.js');
    const context = new InvocationContext({ invocationId: 'test', functionName: 'reviewIncidents' });
    const page = await review(new HttpRequest({ method: 'GET', url: 'https://func.example/api/review/' }), context);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
    const unauthenticated = await review(new HttpRequest({ method: 'GET', url: 'https://func.example/api/incidents' }), context);
    expect(unauthenticated.status).toBe(401);
    expect(unauthenticated.headers.get('www-authenticate')).toBe('Bearer');
    const forged = await review(
      new HttpRequest({ method: 'PATCH', url: 'https://func.example/api/incidents/0123456789abcdef0123456789abcdef', headers: { 'x-ms-client-principal-name': 'admin', 'if-match': '*' }, body: { string: '{"status":"closed"}' } }),
      context,
    );
    expect(forged.status).toBe(401);
    vi.unstubAllEnvs();
  });
});
