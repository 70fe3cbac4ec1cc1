import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { expect, test } from 'vitest';
import { main } from '../../src/cli/main.js';
import { runLocal } from '../../src/local/run-local.js';
import { captureCli } from '../support/cli.js';
import { until } from '../support/until.js';

test('sigma-hunt review serves page and API over the local store, prints the URL, marks the development principal, stops on SIGINT', async ({ signal }) => {
  const localDir = await mkdtemp(path.join(os.tmpdir(), 'sigma-hunt-review-cli-'));
  const quiet = new PassThrough();
  quiet.resume();
  const hunted = await runLocal({ localDir, env: {}, out: quiet });
  const run = captureCli();
  const exit = main(['review', '--port', '0', '--local-dir', localDir], run.io);
  let url: string | undefined;
  await until(() => (url = /review page: (http:\/\/127\.0\.0\.1:\d+\/api\/review\/)/.exec(run.out())?.[1]) !== undefined, signal, 100);
  expect(run.err()).toContain('DEVELOPMENT PRINCIPAL');
  const page = await fetch(url!);
  expect(page.status).toBe(200);
  expect(page.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
  const list = (await (await fetch(new URL('/api/incidents', url)).then((response) => response)).json()) as { incidents: unknown[] };
  expect(list.incidents).toHaveLength(hunted.incidents.length);
  process.emit('SIGINT');
  expect(await exit).toBe(0);
});
