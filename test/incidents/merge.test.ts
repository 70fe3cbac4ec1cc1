import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { DEFAULT_GROUPING_WINDOW_MS, groupHits, type HitGroup } from '../../src/incidents/grouping.js';
import { ENRICHMENT_MAX_CHARS, INCIDENT_EXPLANATION_BOUNDS, mergeIncident, ruleContextOf, type IncidentRecord } from '../../src/incidents/merge.js';
import { MAX_SAMPLE_HITS, type VerifiedHit } from '../../src/incidents/model.js';
import { decodeIncident, encodeIncident } from '../../src/store/incident-entity.js';
import type { StoredEntity } from '../../src/store/limits.js';

const BASE = Date.UTC(2024, 4, 1);

/** What the SDK hands back for an entity we wrote: typed numbers as plain numbers, Dates as Dates. */
function asRead(entity: StoredEntity): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(entity).map(([name, value]) => [name, typeof value === 'object' && value !== null && !(value instanceof Date) && 'type' in value ? Number(value.value) : value]),
  );
}

function roundTrip(record: IncidentRecord): IncidentRecord {
  return decodeIncident(asRead(encodeIncident(record)));
}

const hitArbitrary = fc.record({
  id: fc.integer({ min: 0, max: 200 }),
  minute: fc.integer({ min: 0, max: 600 }),
  host: fc.constantFrom('WS01', 'ws01', 'Ws01'),
  account: fc.option(fc.constantFrom('CONTOSO\\alice', 'CONTOSO\\bob', 'svc'), { nil: undefined }),
  searches: fc.subarray(['selection', 'selection_img', 'filter_main', 'keywords']),
  // Often none, so that a later part can add nothing to an explanation that an earlier part truncated.
  values: fc.oneof(fc.constant<string[]>([]), fc.array(fc.string({ maxLength: 12 }), { maxLength: 6 })),
});

interface HitSpec {
  id: number;
  minute: number;
  host: string;
  account: string | undefined;
  searches: string[];
  values: string[];
}

function toHit(spec: HitSpec): VerifiedHit {
  return {
    ruleId: 'rule-1',
    ruleTitle: 'Rule one',
    level: 'medium',
    hitId: `row-${spec.id}`,
    // The time is a function of the id: one row, one time (what the caller guarantees).
    eventTime: new Date(BASE + ((spec.id * 37) % 600) * 60_000),
    host: spec.host,
    ...(spec.account ? { account: spec.account } : {}),
    processImage: 'C:\\Tools\\curl.exe',
    destination: { fqdn: 'example.org', port: 443 },
    event: { Row: spec.id },
    explanation: {
      matchedSearches: spec.searches,
      unmatchedSearches: [],
      reasons: spec.values.map((value) => ({ identifier: 'selection', field: 'Url', modifiers: ['contains'], ruleValue: value, eventValue: `${value}/${spec.id}` })),
    },
  };
}

function singleGroup(hits: VerifiedHit[]): HitGroup {
  const groups = groupHits(hits, DEFAULT_GROUPING_WINDOW_MS);
  expect(groups).toHaveLength(1);
  return groups[0]!;
}

describe('folding hits into an incident', () => {
  test('any order and any split of the same hits folds to the same incident (through the stored form)', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(hitArbitrary, { minLength: 1, maxLength: 90, size: 'max', selector: (spec) => spec.id }),
        fc.array(fc.integer({ min: 1, max: 10 }), { minLength: 1, maxLength: 6 }),
        fc.integer(),
        (specs, splitSizes, seed) => {
          const hits = specs.map(toHit);
          const all = singleGroup(hits);
          const context = ruleContextOf(all, { tags: ['t1105'] });
          const clean = mergeIncident(undefined, all.incidentKey, all.identity, all.hits, context);

          // Shuffle deterministically from the seed, then fold part by part, storing in between.
          const shuffled = [...hits].sort((a, b) => ((hash(a.hitId, seed) - hash(b.hitId, seed)) || (a.hitId < b.hitId ? -1 : 1)));
          let record: IncidentRecord | undefined;
          let start = 0;
          for (let part = 0; start < shuffled.length; part += 1) {
            const size = splitSizes[part % splitSizes.length]!;
            const group = singleGroup(shuffled.slice(start, start + size));
            start += size;
            record = roundTrip(mergeIncident(record, group.incidentKey, group.identity, group.hits, context));
          }
          expect(record).toEqual(roundTrip(clean));
        },
      ),
      { numRuns: 300 },
    );
  });

  test('the enrichment is the one computed for the earliest hit, whatever order and split the calls come in', () => {
    // Each call computes its enrichment from the earliest hit it has (as the pipeline does per page).
    const contextFor = (group: HitGroup) => ruleContextOf(group, { entities: [{ hit: group.hits[0]!.hitId }] });
    fc.assert(
      fc.property(
        fc.uniqueArray(hitArbitrary, { minLength: 2, maxLength: 60, selector: (spec) => spec.id }),
        fc.array(fc.integer({ min: 1, max: 8 }), { minLength: 1, maxLength: 5 }),
        fc.integer(),
        (specs, splitSizes, seed) => {
          const hits = specs.map(toHit);
          const all = singleGroup(hits);
          const clean = mergeIncident(undefined, all.incidentKey, all.identity, all.hits, contextFor(all));
          const shuffled = [...hits].sort((a, b) => (hash(a.hitId, seed) - hash(b.hitId, seed)) || (a.hitId < b.hitId ? -1 : 1));
          let record: IncidentRecord | undefined;
          for (let start = 0, part = 0; start < shuffled.length; part += 1) {
            const size = splitSizes[part % splitSizes.length]!;
            const group = singleGroup(shuffled.slice(start, start + size));
            start += size;
            record = roundTrip(mergeIncident(record, group.incidentKey, group.identity, group.hits, contextFor(group)));
          }
          expect(record!.enrichment).toEqual({ entities: [{ hit: all.hits[0]!.hitId }] });
          expect(record).toEqual(roundTrip(clean));
        },
      ),
      { numRuns: 200 },
    );
  });

  test('samples are the five smallest by (event time, hit id), whatever arrives first', () => {
    const hits = Array.from({ length: 12 }, (_, index) =>
      toHit({ id: index, minute: 0, host: 'WS01', account: undefined, searches: [], values: [] }),
    );
    const group = singleGroup(hits);
    const context = ruleContextOf(group, {});
    const record = mergeIncident(undefined, group.incidentKey, group.identity, group.hits, context);
    const expected = [...group.hits].map((h) => ({ t: h.eventTime.getTime(), id: h.hitId })).sort((a, b) => a.t - b.t || (a.id < b.id ? -1 : 1));
    expect(record.sampleHits.map((sample) => sample.hitId)).toEqual(expected.slice(0, MAX_SAMPLE_HITS).map((entry) => entry.id));
  });

  test('host, image and destination show the earliest hit as written; account the earliest hit that has one', () => {
    const early = toHit({ id: 0, minute: 0, host: 'ws01', account: undefined, searches: [], values: [] });
    const later = { ...toHit({ id: 1, minute: 0, host: 'WS01', account: 'CONTOSO\\bob', searches: [], values: [] }), eventTime: new Date(BASE + 3_600_000) };
    const latest = { ...toHit({ id: 2, minute: 0, host: 'WS01', account: 'CONTOSO\\carol', searches: [], values: [] }), eventTime: new Date(BASE + 7_200_000) };
    const group = singleGroup([latest, later, early]);
    const record = mergeIncident(undefined, group.incidentKey, group.identity, group.hits, ruleContextOf(group, {}));
    expect(record.host).toBe('ws01');
    expect(record.account).toBe('CONTOSO\\bob');
    expect(record.firstSeen.getTime()).toBe(BASE);
    expect(record.lastSeen.getTime()).toBe(BASE + 7_200_000);
    expect(record.hitCount).toBe(3);
  });

  test('the explanation union is sorted and deduplicated, and marked truncated past its bounds', () => {
    const small = singleGroup([
      toHit({ id: 1, minute: 0, host: 'WS01', account: undefined, searches: ['b', 'a'], values: ['x'] }),
      toHit({ id: 2, minute: 0, host: 'WS01', account: undefined, searches: ['a'], values: ['x'] }),
    ]);
    const record = mergeIncident(undefined, small.incidentKey, small.identity, small.hits, ruleContextOf(small, {}));
    expect(record.explanation.matchedSearches).toEqual(['a', 'b']);
    expect(record.explanation.reasons).toHaveLength(2); // eventValue differs per row: x/1, x/2
    expect(record.truncated).toEqual([]);

    const many = singleGroup(
      Array.from({ length: INCIDENT_EXPLANATION_BOUNDS.maxReasons + 5 }, (_, index) =>
        toHit({ id: index, minute: 0, host: 'WS01', account: undefined, searches: [], values: ['v'] }),
      ),
    );
    const big = mergeIncident(undefined, many.incidentKey, many.identity, many.hits, ruleContextOf(many, {}));
    expect(big.explanation.reasons).toHaveLength(INCIDENT_EXPLANATION_BOUNDS.maxReasons);
    expect(big.truncated).toContain('explanation');

    // A later hit that adds nothing new leaves the union at its bound: the flag must stay.
    const quiet = singleGroup([toHit({ id: 500, minute: 0, host: 'WS01', account: undefined, searches: [], values: [] })]);
    const after = mergeIncident(roundTrip(big), quiet.incidentKey, quiet.identity, quiet.hits, ruleContextOf(quiet, {}));
    expect(after.truncated).toContain('explanation');
  });

  test('a stored status is kept when new hits arrive', () => {
    const group = singleGroup([toHit({ id: 1, minute: 0, host: 'WS01', account: undefined, searches: [], values: [] })]);
    const context = ruleContextOf(group, {});
    const closed = { ...mergeIncident(undefined, group.incidentKey, group.identity, group.hits, context), status: 'closed' as const };
    const more = singleGroup([toHit({ id: 2, minute: 0, host: 'WS01', account: undefined, searches: [], values: [] })]);
    expect(mergeIncident(closed, more.incidentKey, more.identity, more.hits, context).status).toBe('closed');
  });

  test('an enrichment over its budget is shrunk to fit and flagged', () => {
    const group = singleGroup([toHit({ id: 1, minute: 0, host: 'WS01', account: undefined, searches: [], values: [] })]);
    const context = ruleContextOf(group, { pivots: Array.from({ length: 5000 }, (_, index) => ({ query: 'q'.repeat(100), index })) });
    expect(context.enrichment.truncated).toBe(true);
    expect(JSON.stringify(context.enrichment.value).length).toBeLessThanOrEqual(ENRICHMENT_MAX_CHARS);
    const record = mergeIncident(undefined, group.incidentKey, group.identity, group.hits, context);
    expect(record.truncated).toContain('enrichment');
  });
});

function hash(text: string, seed: number): number {
  let value = seed | 0;
  for (let index = 0; index < text.length; index += 1) value = Math.imul(value ^ text.charCodeAt(index), 16777619);
  return value;
}
