// Shared test fixtures for the store tests: hit builders, table dumps, fresh tables in one Azurite.
import { randomUUID } from 'node:crypto';
import type { TableClient } from '@azure/data-tables';
import type { VerifiedHit } from '../../src/incidents/model.js';
import { createTableClients, type TableClients } from '../../src/store/tables.js';
import type { RunningAzurite } from '../../src/local/azurite.js';

export const BASE_TIME = Date.UTC(2024, 4, 1, 0, 0, 0);

export function makeHit(overrides: Partial<VerifiedHit> & { hitId: string }): VerifiedHit {
  return {
    ruleId: '5f1b6b4c-0000-4000-8000-000000000001',
    ruleTitle: 'Suspicious download from raw.githubusercontent.com',
    level: 'high',
    eventTime: new Date(BASE_TIME + 60_000),
    host: 'WS01.contoso.local',
    account: 'CONTOSO\\alice',
    processImage: 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe',
    processId: '4242',
    destination: { fqdn: 'raw.githubusercontent.com', ip: '185.199.108.133', port: 443 },
    event: { Image: 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe', DestinationHostname: 'raw.githubusercontent.com', DestinationPort: 443 },
    explanation: {
      matchedSearches: ['selection'], unmatchedSearches: [],
      reasons: [{ identifier: 'selection', field: 'DestinationHostname', modifiers: ['endswith'], ruleValue: '.githubusercontent.com', eventValue: 'raw.githubusercontent.com' }],
    },
    ...overrides,
  };
}

/** `count` hits spread over `incidents` groups (different hosts), deterministic content per index. */
export function makeHits(count: number, options: { incidents?: number; prefix?: string; spreadMs?: number } = {}): VerifiedHit[] {
  const incidents = options.incidents ?? 1;
  return Array.from({ length: count }, (_, index) =>
    makeHit({
      hitId: `${options.prefix ?? 'row'}-${index}`,
      host: `WS${String(index % incidents).padStart(2, '0')}`,
      eventTime: new Date(BASE_TIME + ((index * 7919) % (options.spreadMs ?? 3_600_000))),
      account: index % 3 === 0 ? undefined : `CONTOSO\\user${index % 5}`,
      event: { Image: 'powershell.exe', DestinationPort: 443, SourcePort: 40000 + index, Row: index },
      explanation: {
        matchedSearches: index % 2 === 0 ? ['selection'] : ['selection', 'selection_port'],
        unmatchedSearches: index % 2 === 0 ? ['selection_port'] : [],
        reasons: [
          { identifier: 'selection', field: 'DestinationHostname', modifiers: ['endswith'], ruleValue: '.githubusercontent.com', eventValue: `h${index % 4}.githubusercontent.com` },
        ],
      },
    }),
  );
}

export const ENRICHMENT = (ruleId: string) => ({ rule: { id: ruleId, tags: ['attack.command_and_control', 'attack.t1105'] }, attack: [{ id: 'T1105', name: 'Ingress Tool Transfer' }] });

/** A table in the shared Azurite that no other test uses. */
export async function freshTables(azurite: RunningAzurite): Promise<TableClients> {
  const suffix = randomUUID().replace(/-/g, '').slice(0, 16);
  return createTableClients({ connectionString: azurite.connectionString, incidentsTable: `inc${suffix}`, checkpointsTable: `chk${suffix}` });
}

/** Every entity minus the system Timestamp and ETag, sorted by keys, as comparable JSON values. */
export async function dumpTable(client: TableClient): Promise<Record<string, unknown>[]> {
  const rows: Record<string, unknown>[] = [];
  for await (const entity of client.listEntities<Record<string, unknown>>()) {
    const { etag: _etag, timestamp: _timestamp, 'odata.metadata': _metadata, ...rest } = entity as Record<string, unknown>;
    rows.push(JSON.parse(JSON.stringify(rest)) as Record<string, unknown>);
  }
  return rows.sort((left, right) => {
    const leftKey = `${String(left.partitionKey)}/${String(left.rowKey)}`;
    const rightKey = `${String(right.partitionKey)}/${String(right.rowKey)}`;
    return leftKey < rightKey ? -1 : leftKey > rightKey ? 1 : 0;
  });
}
