// Seeding many incidents for the review list (npm run bench:review and test/review/paging.test.ts): the hits a
// hunt would have stored, and a fast writer that stores them in the incident store's own entity format.
//
// The store's upsertHits reads each incident's summary and hits before writing (the hunt must not double count),
// which is most of its cost on fresh incidents. seedIncidents skips the reads: it folds each incident's hits with
// the store's own functions (groupHits, mergeIncident, encodeIncident, encodeHit) and writes each incident's
// summary and hits in one entity-group transaction (a transaction holds one partition, and every incident is its
// own partition, so that is as large as transactions get here), many partitions in parallel. paging.test.ts
// checks that the entities are the ones upsertHits writes.
import type { TableClient, TransactionAction } from '@azure/data-tables';
import { DEFAULT_GROUPING_WINDOW_MS, groupHits } from '../../src/incidents/grouping.js';
import { mergeIncident, ruleContextOf, type IncidentRecord } from '../../src/incidents/merge.js';
import type { IncidentStatus, VerifiedHit } from '../../src/incidents/model.js';
import { encodeHit, encodeIncident } from '../../src/store/incident-entity.js';
import { runPool } from '../../src/store/pool.js';
import type { EnrichmentLookup } from '../../src/store/incident-store.js';

export const REVIEW_BASE_TIME = Date.UTC(2026, 10, 1);
const LEVELS = ['informational', 'low', 'medium', 'high', 'critical'];

/** Hit `index` of a seeded list: its own host (so its own incident), a rule and level cycling with the index. */
export function reviewHit(index: number, eventTime = new Date(REVIEW_BASE_TIME + index * 61_000)): VerifiedHit {
  return {
    ruleId: `rule-${index % 40}`,
    ruleTitle: `Bench rule ${index % 40}`,
    level: LEVELS[index % LEVELS.length]!,
    hitId: `bench-${index}`,
    eventTime,
    host: `WS${String(index).padStart(5, '0')}.corp.contoso.com`,
    account: `CONTOSO\\user${index % 97}`,
    processImage: 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe',
    processId: String(1000 + (index % 5000)),
    destination: { fqdn: `h${index % 500}.example.net`, ip: `10.${(index >> 16) & 255}.${(index >> 8) & 255}.${index & 255}`, port: 443 },
    event: { Image: 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe', DestinationHostname: `h${index % 500}.example.net`, DestinationPort: 443 },
    explanation: { matchedSearches: ['selection'], unmatchedSearches: [], reasons: [{ identifier: 'selection', field: 'DestinationPort', modifiers: [], ruleValue: 443, eventValue: '443' }] },
  };
}

export interface SeedOptions {
  /** Partitions written in parallel (default 32). */
  concurrency?: number;
  /** The summary's status, as a triage would have merged it (default: the hunt's `new`). */
  statusOf?: (record: IncidentRecord) => IncidentStatus;
}

/** Stores `hits` as new incidents (none of them may be stored yet) and returns their summaries as written. */
export async function seedIncidents(client: TableClient, hits: readonly VerifiedHit[], enrichmentFor: EnrichmentLookup, options: SeedOptions = {}): Promise<IncidentRecord[]> {
  const groups = groupHits(hits, DEFAULT_GROUPING_WINDOW_MS);
  const records: IncidentRecord[] = new Array(groups.length);
  await runPool(groups.length, options.concurrency ?? 32, async (index) => {
    const group = groups[index]!;
    const record = mergeIncident(undefined, group.incidentKey, group.identity, group.hits, ruleContextOf(group, enrichmentFor(group.identity.ruleId)));
    if (options.statusOf) record.status = options.statusOf(record);
    if (group.hits.length > 99) throw new Error(`seedIncidents: incident ${group.incidentKey} has ${group.hits.length} hits; at most 99 fit its transaction`);
    const actions: TransactionAction[] = [...group.hits.map((hit): TransactionAction => ['create', encodeHit(hit)]), ['create', encodeIncident(record)]];
    await client.submitTransaction(actions);
    records[index] = record;
  });
  return records;
}
