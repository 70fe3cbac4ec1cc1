// Paging GET /api/incidents over 10,000 stored incidents (issue 11's acceptance): every incident exactly once, newest
// activity first, pages of the requested size, a filter paged against a count from the seed, and a continuation
// token honoured by another instance (no snapshot). Reports p50/p95 per page; asserts nothing about time (a shared,
// noisy machine). The seed goes straight to Azurite in the incident store's own format (test/bench/review-seed.ts).
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { TableClient } from '@azure/data-tables';
import { startAzurite, type RunningAzurite } from '../../src/local/azurite.js';
import type { IncidentRecord } from '../../src/incidents/merge.js';
import type { IncidentStatus } from '../../src/incidents/model.js';
import { reviewApi } from '../../src/review/api.js';
import { authenticator } from '../../src/review/auth.js';
import { IncidentStore } from '../../src/store/incident-store.js';
import { REVIEW_BASE_TIME, reviewHit, seedIncidents } from '../bench/review-seed.js';
import { dumpTable, ENRICHMENT, freshTables } from '../store/helpers.js';

const INCIDENTS = 10_000;
const PAGE_SIZE = 50;
const FILTER_PAGE_SIZE = 37;
const STATUSES: IncidentStatus[] = ['new', 'active', 'closed'];

interface Item {
  incidentKey: string;
  lastSeen: string;
  severity: string;
  status: string;
}
interface Page {
  incidents: Item[];
  continuation?: string;
}

let azurite: RunningAzurite;
let incidents: TableClient;
let seeded: IncidentRecord[];
const timings = { first: [] as number[], following: [] as number[], filteredFirst: [] as number[], filteredFollowing: [] as number[], otherInstance: [] as number[] };

// Three incidents share each lastSeen, so page boundaries (50, 37) fall inside ties: the keyset's tie-break on the
// key is exercised. Status: a third each, as triage would have merged it into the summaries.
const hitAt = (index: number) => reviewHit(index, new Date(REVIEW_BASE_TIME + Math.floor(index / 3) * 61_000));
const statusOf = (record: IncidentRecord): IncidentStatus => STATUSES[parseInt(record.incidentKey.slice(0, 4), 16) % 3]!;

function handler() {
  return reviewApi({ incidents, authenticate: authenticator({ mode: 'development' }), pageConfig: {} });
}

async function get(api: ReturnType<typeof handler>, query: string, into?: number[]): Promise<Page> {
  const started = performance.now();
  const response = await api({ method: 'GET', url: new URL(`/api/incidents?${query}`, 'http://localhost'), headers: new Headers() });
  into?.push(performance.now() - started);
  expect(response.status, String(response.body)).toBe(200);
  return JSON.parse(String(response.body)) as Page;
}

/** Every page of `query` from one handler: the pages, in order. */
async function pageThrough(api: ReturnType<typeof handler>, query: string, firstTimes: number[], followingTimes: number[]): Promise<Page[]> {
  const pages: Page[] = [];
  let continuation: string | undefined;
  do {
    const page = await get(api, `${query}${continuation ? `&continuation=${encodeURIComponent(continuation)}` : ''}`, pages.length === 0 ? firstTimes : followingTimes);
    pages.push(page);
    continuation = page.continuation;
    if (pages.length > INCIDENTS) throw new Error('paging does not end');
  } while (continuation);
  return pages;
}

function newestFirst(left: { lastSeen: string; incidentKey: string }, right: { lastSeen: string; incidentKey: string }): number {
  if (left.lastSeen !== right.lastSeen) return left.lastSeen < right.lastSeen ? 1 : -1;
  return left.incidentKey < right.incidentKey ? -1 : left.incidentKey > right.incidentKey ? 1 : 0;
}

/** The list order of `records`, computed from the seed (not from the API). */
function expectedKeys(records: IncidentRecord[]): string[] {
  return records
    .map((record) => ({ incidentKey: record.incidentKey, lastSeen: record.lastSeen.toISOString() }))
    .sort(newestFirst)
    .map((item) => item.incidentKey);
}

function expectPageSizes(pages: Page[], pageSize: number, total: number): void {
  expect(pages).toHaveLength(Math.max(1, Math.ceil(total / pageSize)));
  pages.forEach((page, index) => {
    const isLast = index === pages.length - 1;
    expect(page.incidents.length, `page ${index + 1}`).toBe(isLast ? total - pageSize * index : pageSize);
    expect(page.continuation === undefined, `page ${index + 1} continuation`).toBe(isLast);
  });
}

function percentile(values: number[], fraction: number): number {
  const sorted = [...values].sort((left, right) => left - right);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1))]!;
}

beforeAll(async () => {
  azurite = await startAzurite({ silent: true });
  incidents = (await freshTables(azurite)).incidents;
  const started = performance.now();
  seeded = await seedIncidents(incidents, Array.from({ length: INCIDENTS }, (_, index) => hitAt(index)), ENRICHMENT, { statusOf });
  console.log(`paging.test: seeded ${seeded.length} incidents (summary + 1 hit each) in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}, 180_000);

afterAll(async () => {
  const lines = [`list API over ${INCIDENTS} incidents in Azurite (ms per page, no time assertions):`];
  for (const [name, values] of Object.entries(timings)) {
    if (values.length > 0) lines.push(`  ${name.padEnd(18)} n=${String(values.length).padStart(4)}  p50 ${percentile(values, 0.5).toFixed(0).padStart(5)}  p95 ${percentile(values, 0.95).toFixed(0).padStart(5)}`);
  }
  console.log(lines.join('\n'));
  await azurite?.stop();
});

describe('paging over 10,000 incidents', () => {
  test('the seed writes the entities the incident store writes', async () => {
    const hits = Array.from({ length: 6 }, (_, index) => hitAt(index));
    const viaStore = (await freshTables(azurite)).incidents;
    await new IncidentStore(viaStore).upsertHits(hits, ENRICHMENT);
    const viaSeed = (await freshTables(azurite)).incidents;
    await seedIncidents(viaSeed, hits, ENRICHMENT);
    expect(await dumpTable(viaSeed)).toEqual(await dumpTable(viaStore));
  });

  test('every incident exactly once, newest first, in pages of the requested size', async ({ annotate }) => {
    expect(seeded).toHaveLength(INCIDENTS);
    const api = handler();
    const pages = await pageThrough(api, `pageSize=${PAGE_SIZE}`, timings.first, timings.following);
    expectPageSizes(pages, PAGE_SIZE, INCIDENTS);
    const keys = pages.flatMap((page) => page.incidents.map((item) => item.incidentKey));
    expect(new Set(keys).size).toBe(INCIDENTS);
    expect(keys).toEqual(expectedKeys(seeded));
    const items = pages.flatMap((page) => page.incidents);
    for (let index = 1; index < items.length; index++) expect(newestFirst(items[index - 1]!, items[index]!), `item ${index}`).toBeLessThan(0);
    // More first pages, for a p95 of more than one: each on a fresh handler (a first page always scans).
    for (let run = 0; run < 4; run++) expect(await get(handler(), `pageSize=${PAGE_SIZE}`, timings.first)).toEqual(pages[0]);
    await annotate(`first page p50 ${percentile(timings.first, 0.5).toFixed(0)} ms, p95 ${percentile(timings.first, 0.95).toFixed(0)} ms; following pages p50 ${percentile(timings.following, 0.5).toFixed(0)} ms, p95 ${percentile(timings.following, 0.95).toFixed(0)} ms`);
  }, 120_000);

  test('a severity + status filter pages exactly the seeded incidents it selects', async ({ annotate }) => {
    const selected = seeded.filter((record) => (record.severity === 'high' || record.severity === 'critical') && record.status === 'new');
    expect(selected.length).toBeGreaterThan(FILTER_PAGE_SIZE * 10);
    expect(selected.length % FILTER_PAGE_SIZE).not.toBe(0);
    const pages = await pageThrough(handler(), `pageSize=${FILTER_PAGE_SIZE}&severity=high,critical&status=new`, timings.filteredFirst, timings.filteredFollowing);
    expectPageSizes(pages, FILTER_PAGE_SIZE, selected.length);
    const items = pages.flatMap((page) => page.incidents);
    for (const item of items) {
      expect(['high', 'critical']).toContain(item.severity);
      expect(item.status).toBe('new');
    }
    expect(items.map((item) => item.incidentKey)).toEqual(expectedKeys(selected));
    for (let run = 0; run < 4; run++) expect(await get(handler(), `pageSize=${FILTER_PAGE_SIZE}&severity=high,critical&status=new`, timings.filteredFirst)).toEqual(pages[0]);
    await annotate(`${selected.length} of ${INCIDENTS} selected; first page p50 ${percentile(timings.filteredFirst, 0.5).toFixed(0)} ms, p95 ${percentile(timings.filteredFirst, 0.95).toFixed(0)} ms`);
  }, 120_000);

  test('another instance (no snapshot) continues from a token: the same page the first instance served', async ({ annotate }) => {
    const first = handler();
    const query = `pageSize=${PAGE_SIZE}`;
    const pages = await pageThrough(first, query, [], []);
    // Tokens spread over the list, first and last included; each one on a fresh handler (its own IncidentQueries).
    const positions = [0, 1, 49, 100, 150, pages.length - 2];
    for (const position of positions) {
      const token = pages[position]!.continuation!;
      const page = await get(handler(), `${query}&continuation=${encodeURIComponent(token)}`, timings.otherInstance);
      expect(page, `after page ${position + 1}`).toEqual(pages[position + 1]);
    }
    // A chain of pages on fresh instances, each continuing the last one's token.
    let token = pages[120]!.continuation!;
    for (let step = 0; step < 3; step++) {
      const page = await get(handler(), `${query}&continuation=${encodeURIComponent(token)}`, timings.otherInstance);
      expect(page.incidents).toEqual(pages[121 + step]!.incidents);
      token = page.continuation!;
    }
    await annotate(`following page without snapshot p50 ${percentile(timings.otherInstance, 0.5).toFixed(0)} ms, p95 ${percentile(timings.otherInstance, 0.95).toFixed(0)} ms`);
  }, 120_000);
});
