// The review API and page (issue 11). Everything lives in src/review/; this file only translates between the
// Functions runtime and that code. authLevel is anonymous on purpose: Flex Consumption does not support App
// Service Authentication, so src/review/auth.ts validates the caller's Entra access token on every API request
// (the page's static files carry no data and are public).
import functions, { app, type HttpRequest, type HttpResponse, type InvocationContext } from '@azure/functions';
import { reviewHandler } from '../src/review/setup.js';

let log: InvocationContext | undefined;
const handle = reviewHandler(process.env, { log: (message, fields) => log?.log(message, ...(fields ? [fields] : [])) });

export async function review(request: HttpRequest, context: InvocationContext): Promise<HttpResponse> {
  log = context;
  const body = request.method === 'PATCH' || request.method === 'POST' ? await request.text() : undefined;
  const response = await handle({
    method: request.method,
    url: new URL(request.url),
    headers: new Headers([...request.headers.entries()]),
    ...(body !== undefined ? { body } : {}),
  });
  // Through the default export: Node's ESM loader does not find HttpResponse among this CommonJS package's named
  // exports, so the tsc output would fail to load unbundled (esbuild's bundle hid it).
  return new functions.HttpResponse({ status: response.status, headers: response.headers, body: response.body });
}

// The paths are the API's contract (host.json keeps the default route prefix `api`).
app.http('reviewIncidents', { route: 'incidents/{id?}', methods: ['GET', 'PATCH'], authLevel: 'anonymous', handler: review });
app.http('reviewExceptions', { route: 'exceptions/{id?}', methods: ['GET', 'POST', 'DELETE'], authLevel: 'anonymous', handler: review });
app.http('reviewPage', { route: 'review/{*asset}', methods: ['GET', 'HEAD'], authLevel: 'anonymous', handler: review });
