// `npm run bench:review [-- --incidents N] [--page-size N] [--runs N]`: the review list API over N stored
// incidents (default 10,000) in Azurite: seeds them in the incident store's format (summary + one hit each, as
// the hunt writes them; ./review-seed.ts), then pages through the whole list several times and prints p50/p95 of
// the first page and of the following pages, and of a filtered first page. A script, not a test: the figures go to docs/review.md.
import { performance } from 'node:perf_hooks';
import { startAzurite } from '../../src/local/azurite.js';
import { reviewApi } from '../../src/review/api.js';
import { authenticator } from '../../src/review/auth.js';
import { createTableClients } from '../../src/store/tables.js';
import { reviewHit, seedIncidents } from './review-seed.js';

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  const value = index >= 0 ? Number(process.argv[index + 1]) : fallback;
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer`);
  return value;
}

function percentile(values: number[], fraction: number): number {
  const sorted = [...values].sort((left, right) => left - right);
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)]!;
}

async function main(): Promise<void> {
  const incidents = option('incidents', 10_000);
  const pageSize = option('page-size', 50);
  const runs = option('runs', 3);
  const azurite = await startAzurite({ silent: true });
  try {
    const tables = await createTableClients({ connectionString: azurite.connectionString, incidentsTable: 'BenchIncidents', checkpointsTable: 'BenchCheckpoints' });
    const seeded = performance.now();
    await seedIncidents(tables.incidents, Array.from({ length: incidents }, (_, index) => reviewHit(index)), () => ({}));
    process.stdout.write(`seeded ${incidents} incidents in ${((performance.now() - seeded) / 1000).toFixed(1)} s\n`);

    const api = reviewApi({ incidents: tables.incidents, authenticate: authenticator({ mode: 'development' }), pageConfig: {} });
    const get = async (path: string) => {
      const started = performance.now();
      const response = await api({ method: 'GET', url: new URL(path, 'http://localhost'), headers: new Headers() });
      const elapsed = performance.now() - started;
      if (response.status !== 200) throw new Error(`${path}: ${response.status} ${String(response.body)}`);
      return { elapsed, body: JSON.parse(String(response.body)) as { incidents: { incidentKey: string }[]; continuation?: string } };
    };
    const firstPages: number[] = [];
    const laterPages: number[] = [];
    const filtered: number[] = [];
    for (let run = 0; run < runs; run++) {
      let seen = 0;
      let continuation: string | undefined;
      let pageIndex = 0;
      do {
        const page = await get(`/api/incidents?pageSize=${pageSize}${continuation ? `&continuation=${continuation}` : ''}`);
        (pageIndex === 0 ? firstPages : laterPages).push(page.elapsed);
        seen += page.body.incidents.length;
        continuation = page.body.continuation;
        pageIndex += 1;
        // Every page of a 10,000-incident list would be 200 requests per run; the first 20 and the last 20 say
        // how the cost moves as the keyset narrows.
        if (pageIndex === 20 && continuation) {
          const skip = Math.max(0, Math.ceil(incidents / pageSize) - 40);
          for (let skipped = 0; skipped < skip && continuation; skipped++) {
            const page = await get(`/api/incidents?pageSize=${pageSize}&continuation=${continuation}`);
            seen += page.body.incidents.length;
            continuation = page.body.continuation;
          }
        }
      } while (continuation);
      if (seen !== incidents) throw new Error(`paged ${seen} incidents, stored ${incidents}`);
      filtered.push((await get(`/api/incidents?pageSize=${pageSize}&severity=high&status=new`)).elapsed);
    }
    // Following pages on an instance without the first page's snapshot (another instance, or past its TTL):
    // the keyset query alone, at cursors spread over the list.
    const cold: number[] = [];
    const cursors: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await get(`/api/incidents?pageSize=${pageSize}${cursor ? `&continuation=${cursor}` : ''}`);
      cursor = page.body.continuation;
      if (cursor) cursors.push(cursor);
    } while (cursor);
    const sample = cursors.filter((_, index) => index % Math.max(1, Math.floor(cursors.length / 10)) === 0);
    for (const continuation of sample) {
      const other = reviewApi({ incidents: tables.incidents, authenticate: authenticator({ mode: 'development' }), pageConfig: {} });
      const started = performance.now();
      const response = await other({ method: 'GET', url: new URL(`/api/incidents?pageSize=${pageSize}&continuation=${continuation}`, 'http://localhost'), headers: new Headers() });
      if (response.status !== 200) throw new Error(`cold page: ${response.status}`);
      cold.push(performance.now() - started);
    }
    const line = (name: string, values: number[]) =>
      `${name.padEnd(34)} n=${String(values.length).padStart(4)}  p50 ${percentile(values, 0.5).toFixed(0).padStart(5)} ms  p95 ${percentile(values, 0.95).toFixed(0).padStart(5)} ms`;
    process.stdout.write(
      [
        `list API over ${incidents} incidents in Azurite, page size ${pageSize}, ${runs} runs`,
        line('first page', firstPages),
        line('following pages (first/last 20)', laterPages),
        line('following page, no snapshot', cold),
        line('first page, severity+status filter', filtered),
      ].join('\n') + '\n',
    );
  } finally {
    await azurite.stop();
  }
}

await main();
