import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import { escapeLineSeparators } from '../../src/store/line-separators.js';
import fc from 'fast-check';
import type { TransactionAction } from '@azure/data-tables';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { VerifiedHit } from '../../src/incidents/model.js';
import { startAzurite, type RunningAzurite } from '../../src/local/azurite.js';
import { submitTransaction } from '../../src/store/batches.js';
import { StoreError } from '../../src/store/errors.js';
import { IncidentStore } from '../../src/store/incident-store.js';
import {
  assertEntityWithinLimits,
  entitySizeBytes,
  int32,
  jsonStringBytes,
  operationWireBytes,
  operationWireBytesBound,
  splitText,
  TABLE_LIMITS,
  TRANSACTION_OVERHEAD_BYTES,
  type StoredEntity,
} from '../../src/store/limits.js';
import { BASE_TIME, dumpTable, freshTables, makeHit } from './helpers.js';

let azurite: RunningAzurite;
beforeAll(async () => {
  azurite = await startAzurite({ silent: true });
});
afterAll(async () => {
  await azurite?.stop();
});

/** Text that is worst case for every size: control characters (6 JSON characters each), key-forbidden
 *  characters, astral-plane pairs (4 UTF-8 bytes) and quotes. */
const hostileCache = new Map<number, string>();
function hostile(length: number): string {
  // Memoised: the inputs repeat these strings thousands of times, and sharing keeps the test's memory small.
  let text = hostileCache.get(length);
  if (text === undefined) {
    const alphabet = '\u0001/\\#?"\u007f\u0085é\ud83d\ude00';
    text = alphabet.repeat(Math.ceil(length / alphabet.length)).slice(0, length);
    hostileCache.set(length, text);
  }
  return text;
}

function oversizedHit(index: number): VerifiedHit {
  return makeHit({
    ruleId: hostile(5000),
    ruleTitle: hostile(100_000),
    hitId: hostile(100_000) + index,
    eventTime: new Date(BASE_TIME + index),
    host: hostile(100_000),
    account: hostile(50_000),
    processImage: hostile(50_000),
    processId: hostile(10_000),
    destination: { fqdn: hostile(10_000), ip: hostile(1000), port: 443 },
    event: {
      CommandLine: hostile(400_000),
      Nested: JSON.parse(JSON.stringify(Array.from({ length: 200 }, (_, depth) => ({ depth, text: hostile(2000) })))),
      ...Object.fromEntries(Array.from({ length: 3000 }, (_, key) => [`Field${key}${hostile(20)}`, hostile(300)])),
    },
    explanation: {
      matchedSearches: Array.from({ length: 500 }, (_, search) => `selection_${search}_${hostile(1000)}`),
      unmatchedSearches: Array.from({ length: 500 }, (_, search) => `filter_${search}_${hostile(1000)}`),
      reasons: Array.from({ length: 300 }, (_, reason) => ({
        identifier: `selection_${reason}`,
        field: hostile(2000),
        modifiers: Array.from({ length: 50 }, () => hostile(100)),
        ruleValue: hostile(10_000),
        eventValue: `${index}:${hostile(10_000)}`,
      })),
    },
  });
}

const HUGE_ENRICHMENT = () => ({
  pivots: Array.from({ length: 2000 }, (_, index) => ({ query: hostile(2500), index })),
  note: hostile(1_000_000),
});

describe('Table Storage limits', () => {
  test('entity size follows the service formula', () => {
    const entity: StoredEntity = { partitionKey: 'pk', rowKey: 'rk', name: 'abc', count: int32(1), seen: new Date(0), flag: true };
    // 4 + 2*(2+2) + (8+2*4+4+2*3) + (8+2*5+4) + (8+2*4+8) + (8+2*4+1)
    expect(entitySizeBytes(entity)).toBe(4 + 8 + 26 + 22 + 24 + 17);
  });

  test('entities Azure would reject are refused before sending: 253 properties, a 64 KiB+ property, over 1 MiB', () => {
    const many: StoredEntity = { partitionKey: 'p', rowKey: 'r', ...Object.fromEntries(Array.from({ length: 253 }, (_, index) => [`p${index}`, 'x'])) };
    const wide: StoredEntity = { partitionKey: 'p', rowKey: 'r', text: 'x'.repeat(TABLE_LIMITS.maxStringChars + 1) };
    const heavy: StoredEntity = { partitionKey: 'p', rowKey: 'r', ...Object.fromEntries(Array.from({ length: 17 }, (_, index) => [`p${index}`, 'x'.repeat(32_000)])) };
    for (const entity of [many, wide, heavy]) {
      expect(() => assertEntityWithinLimits(entity)).toThrowError(StoreError);
    }
    const fine: StoredEntity = { partitionKey: 'p', rowKey: 'r', ...Object.fromEntries(Array.from({ length: 15 }, (_, index) => [`p${index}`, 'x'.repeat(32_000)])) };
    expect(() => assertEntityWithinLimits(fine)).not.toThrow();
  });

  test('the wire size is counted exactly as the UTF-8 bytes of the JSON the SDK would send, without making it, and bounded above cheaply', () => {
    const text = fc.string({ unit: fc.oneof(fc.constant('"'), fc.constant('\\'), fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)), fc.constantFrom('😀', '\u007f', '\u2028')), maxLength: 40 });
    const value = fc.oneof(
      text,
      fc.boolean(),
      fc.date({ min: new Date(0), max: new Date(Date.UTC(9999, 0)), noInvalidDate: true }),
      fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }).map(int32),
      fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map((big) => ({ value: String(big), type: 'Int64' as const })),
    );
    const reference = (entity: StoredEntity): number => {
      const wire: Record<string, unknown> = { PartitionKey: entity.partitionKey, RowKey: entity.rowKey };
      for (const [name, stored] of Object.entries(entity)) {
        if (name === 'partitionKey' || name === 'rowKey') continue;
        if (typeof stored === 'string' || typeof stored === 'boolean') wire[name] = stored;
        else if (stored instanceof Date) Object.assign(wire, { [name]: stored.toISOString(), [`${name}@odata.type`]: 'Edm.DateTime' });
        else Object.assign(wire, { [name]: (stored as { value: unknown }).value, [`${name}@odata.type`]: `Edm.${(stored as { type: string }).type}` });
      }
      return Buffer.byteLength(escapeLineSeparators(JSON.stringify(wire)), 'utf8');
    };
    fc.assert(
      fc.property(text, text, fc.dictionary(text.filter((name) => name !== 'partitionKey' && name !== 'rowKey' && name !== 'PartitionKey' && name !== 'RowKey'), value), (partitionKey, rowKey, properties) => {
        const entity = { partitionKey, rowKey, ...properties } as StoredEntity;
        expect(operationWireBytes(entity) - operationWireBytes({ partitionKey: '', rowKey: '' })).toBe(reference(entity) - reference({ partitionKey: '', rowKey: '' }));
        expect(jsonStringBytes(partitionKey)).toBe(Buffer.byteLength(escapeLineSeparators(JSON.stringify(partitionKey)), 'utf8'));
        // The cheap bound the store sizes batches with first is never below the exact count.
        expect(operationWireBytesBound(entity)).toBeGreaterThanOrEqual(operationWireBytes(entity));
      }),
      { numRuns: 500, seed: 20261128 },
    );
  });

  test('split text never separates a surrogate pair and joins back to the original', () => {
    const text = 'a' + '\ud83d\ude00'.repeat(40);
    const chunks = splitText(text, 4);
    expect(chunks.join('')).toBe(text);
    for (const chunk of chunks) {
      expect(chunk.length).toBeLessThanOrEqual(4);
      expect((chunk as unknown as { isWellFormed(): boolean }).isWellFormed()).toBe(true);
    }
  });

  test('oversized hits, explanations and enrichment are written within every limit and flagged as truncated', async () => {
    const { incidents } = await freshTables(azurite);
    const written: TransactionAction[][] = [];
    const store = new IncidentStore(incidents, {
      submitTransaction: (client, partitionKey, actions) => {
        written.push(actions);
        return submitTransaction(client, partitionKey, actions);
      },
    });
    const hits = Array.from({ length: 8 }, (_, index) => oversizedHit(index));
    await store.upsertHits(hits, HUGE_ENRICHMENT);

    expect(written.length).toBeGreaterThan(0);
    for (const actions of written) {
      let body = TRANSACTION_OVERHEAD_BYTES;
      expect(actions.length).toBeLessThanOrEqual(TABLE_LIMITS.maxTransactionOperations);
      for (const action of actions) {
        const entity = action[1] as StoredEntity;
        expect(entitySizeBytes(entity)).toBeLessThanOrEqual(TABLE_LIMITS.maxEntityBytes);
        const properties = Object.entries(entity).filter(([name]) => name !== 'partitionKey' && name !== 'rowKey');
        expect(properties.length).toBeLessThanOrEqual(TABLE_LIMITS.maxCustomProperties);
        for (const [, value] of properties) if (typeof value === 'string') expect(value.length).toBeLessThanOrEqual(TABLE_LIMITS.maxStringChars);
        body += operationWireBytes(entity);
      }
      expect(body).toBeLessThanOrEqual(TABLE_LIMITS.maxTransactionBytes);
    }
    const summary = written.flat().find((action) => (action[1] as StoredEntity).rowKey === 'incident')![1] as StoredEntity;
    console.info(`worst-case summary: ${entitySizeBytes(summary)} bytes by the service formula (limit ${TABLE_LIMITS.maxEntityBytes})`);

    const [incident] = await store.listIncidents();
    expect(incident!.hitCount).toBe(8);
    expect(incident!.sampleHits).toHaveLength(5);
    expect(incident!.truncated).toEqual(['ruleId', 'ruleTitle', 'host', 'account', 'processImage', 'destination', 'sampleHits', 'explanation', 'enrichment']);
    const stored = await store.listHits(incident!.incidentKey);
    expect(stored).toHaveLength(8);
    expect(stored.every((hit) => hit.truncated)).toBe(true);
    // Re-running the oversized input is still a no-op.
    const before = await dumpTable(incidents);
    await store.upsertHits(hits, HUGE_ENRICHMENT);
    expect(await dumpTable(incidents)).toEqual(before);
  });

  test('inputs just under every bound give a summary near, and under, the entity limit', async () => {
    const { incidents } = await freshTables(azurite);
    let largest = 0;
    const store = new IncidentStore(incidents, {
      submitTransaction: (client, partitionKey, actions) => {
        for (const action of actions) largest = Math.max(largest, entitySizeBytes(action[1] as StoredEntity));
        return submitTransaction(client, partitionKey, actions);
      },
    });
    const hits = Array.from({ length: 6 }, (_, index) =>
      makeHit({
        hitId: `${index}`.padEnd(500, 'i'),
        ruleTitle: 't'.repeat(1000),
        host: 'h'.repeat(1000),
        processImage: 'p'.repeat(1000),
        account: 'a'.repeat(250),
        processId: 'n'.repeat(250),
        destination: { fqdn: 'f'.repeat(250), ip: '1'.repeat(250), port: 443 },
        event: { text: 'x'.repeat(11_980) },
        explanation: {
          matchedSearches: Array.from({ length: 11 }, (_, search) => `s${index}_${search}`.padEnd(128, 's')),
          unmatchedSearches: Array.from({ length: 11 }, (_, search) => `u${index}_${search}`.padEnd(128, 'u')),
          reasons: Array.from({ length: 9 }, (_, reason) => ({ identifier: `r${index}_${reason}`, field: 'F', modifiers: [], ruleValue: 'v', eventValue: 'e'.repeat(200) })),
        },
      }),
    );
    await store.upsertHits(hits, () => ({ text: '\u00e9'.repeat(159_980) }));
    const [incident] = await store.listIncidents();
    expect(incident!.truncated).toEqual(['explanation']);
    console.info(`largest summary with inputs at the bounds: ${largest} bytes by the service formula (limit ${TABLE_LIMITS.maxEntityBytes})`);
    expect(largest).toBeGreaterThan(500_000);
    expect(largest).toBeLessThanOrEqual(TABLE_LIMITS.maxEntityBytes);
  });

  test('the request body estimate is an upper bound of the bytes the SDK sends', async () => {
    const { incidents } = await freshTables(azurite);
    const bodies: number[] = [];
    const measure: PipelinePolicy = {
      name: 'measureTransactionBody',
      sendRequest: (request, next) => {
        if (typeof request.body === 'string' && request.url.endsWith('$batch')) bodies.push(Buffer.byteLength(request.body, 'utf8'));
        return next(request);
      },
    };
    incidents.pipeline.addPolicy(measure);
    const estimates: number[] = [];
    const store = new IncidentStore(incidents, {
      concurrency: 1,
      submitTransaction: (client, partitionKey, actions) => {
        estimates.push(actions.reduce((sum, action) => sum + operationWireBytes(action[1] as StoredEntity), TRANSACTION_OVERHEAD_BYTES));
        return submitTransaction(client, partitionKey, actions);
      },
    });
    await store.upsertHits([...Array.from({ length: 3 }, (_, index) => oversizedHit(index)), ...Array.from({ length: 150 }, (_, index) => makeHit({ hitId: `small-${index}` }))], HUGE_ENRICHMENT);
    expect(bodies.length).toBe(estimates.length);
    bodies.forEach((actual, index) => expect(actual).toBeLessThanOrEqual(estimates[index]!));
    console.info(`transaction bodies: actual ${bodies.join(', ')} bytes; estimated ${estimates.join(', ')}`);
  });
});
