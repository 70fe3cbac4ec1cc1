/**
 * A small local HTTP server for the review page and API (`sigma-hunt review`): node:http in front of the same
 * handler the Function App runs (api.ts). Development only: it listens on the loopback interface, because with
 * REVIEW_AUTH=development every request runs as the development principal.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ReviewHandler } from './setup.js';
import { ReviewError } from './errors.js';

export interface RunningReviewServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 256 * 1024;

export async function startReviewServer(handle: ReviewHandler, options: { port?: number; host?: string } = {}): Promise<RunningReviewServer> {
  const host = options.host ?? '127.0.0.1';
  const server = http.createServer((incoming, outgoing) => {
    void serve(handle, incoming, outgoing, host).catch((error: unknown) => {
      outgoing.statusCode = 500;
      outgoing.end(error instanceof Error ? error.message : String(error));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${port}/api/review/`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function serve(handle: ReviewHandler, incoming: http.IncomingMessage, outgoing: http.ServerResponse, host: string): Promise<void> {
  const url = new URL(incoming.url ?? '/', `http://${host}`);
  if (url.pathname === '/' || url.pathname === '/api/review') {
    outgoing.writeHead(302, { location: '/api/review/' });
    outgoing.end();
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of incoming) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new ReviewError('bad-request', 'body too large');
    chunks.push(chunk as Buffer);
  }
  const headers = new Headers();
  for (const [name, value] of Object.entries(incoming.headers)) {
    if (typeof value === 'string') headers.set(name, value);
    else if (Array.isArray(value)) for (const item of value) headers.append(name, item);
  }
  const method = incoming.method ?? 'GET';
  const response = await handle({ method, url, headers, ...(chunks.length > 0 ? { body: Buffer.concat(chunks).toString('utf8') } : {}) });
  outgoing.writeHead(response.status, response.headers);
  outgoing.end(method === 'HEAD' ? undefined : response.body);
}
