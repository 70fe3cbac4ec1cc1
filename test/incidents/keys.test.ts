import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { groupHits, DEFAULT_GROUPING_WINDOW_MS } from '../../src/incidents/grouping.js';
import { checkpointPartitionKeyOf, hitRowKeyOf, isIncidentKey, isValidTableKey } from '../../src/incidents/keys.js';
import type { VerifiedHit } from '../../src/incidents/model.js';

const hostile = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.string({ unit: fc.constantFrom('/', '\\', '#', '?', '\u0000', '\u001f', '\u007f', '\u0085', '\u009f', 'é', '\ud83d\ude00', '\ud800'), maxLength: 50 }),
  fc.constant('x'.repeat(100_000)),
  fc.constant('C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe'),
);

function hit(parts: { id: string; host: string; image: string; fqdn: string; ip: string; rule: string }): VerifiedHit {
  return {
    ruleId: parts.rule || 'r',
    ruleTitle: parts.rule,
    hitId: parts.id || 'h',
    eventTime: new Date(Date.UTC(2024, 0, 1)),
    host: parts.host,
    processImage: parts.image,
    destination: { fqdn: parts.fqdn, ip: parts.ip, port: 443 },
    event: { Image: parts.image },
    explanation: { matchedSearches: [], unmatchedSearches: [], reasons: [] },
  };
}

describe('table keys', () => {
  test('keys derived from any input are valid PartitionKey/RowKey values', () => {
    fc.assert(
      fc.property(fc.record({ id: hostile, host: hostile, image: hostile, fqdn: hostile, ip: hostile, rule: hostile }), (parts) => {
        const [group] = groupHits([hit(parts)], DEFAULT_GROUPING_WINDOW_MS);
        expect(group).toBeDefined();
        expect(isIncidentKey(group!.incidentKey)).toBe(true);
        expect(isValidTableKey(group!.incidentKey)).toBe(true);
        expect(isValidTableKey(group!.hits[0]!.rowKey)).toBe(true);
        expect(isValidTableKey(hitRowKeyOf(parts.id))).toBe(true);
        expect(isValidTableKey(checkpointPartitionKeyOf(parts.host))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  test('isValidTableKey refuses each forbidden character and control range', () => {
    for (const bad of ['a/b', 'a\\b', 'a#b', 'a?b', 'a\u0000', '\u001f', '\u007f', '\u0080', '\u009f', '', 'k'.repeat(513)]) {
      expect(isValidTableKey(bad), JSON.stringify(bad)).toBe(false);
    }
    for (const good of ['incident', 'hit_00ff', '\u00a0', 'é', 'k'.repeat(512)]) expect(isValidTableKey(good)).toBe(true);
  });

  test('hit row keys are the same for the same id and differ for different ids', () => {
    expect(hitRowKeyOf('row-1')).toBe(hitRowKeyOf('row-1'));
    expect(hitRowKeyOf('row-1')).not.toBe(hitRowKeyOf('row-2'));
    expect(hitRowKeyOf('row-1')).toMatch(/^hit_[0-9a-f]{64}$/);
  });

  test('checkpoint keys differ per scope', () => {
    expect(checkpointPartitionKeyOf('ws-1/rules')).not.toBe(checkpointPartitionKeyOf('ws-2/rules'));
    expect(checkpointPartitionKeyOf('ws-1/rules')).toMatch(/^[0-9a-f]{32}$/);
  });
});

describe('key stability', () => {
  test('the incident key of a fixed hit does not change between versions (a change would split incidents on deploy)', () => {
    const [group] = groupHits(
      [
        {
          ruleId: '5f1b6b4c-0000-4000-8000-000000000001',
          ruleTitle: 'any',
          hitId: 'row-1',
          eventTime: new Date('2024-05-01T13:37:00Z'),
          host: 'WS01',
          processImage: 'C:\\Windows\\System32\\curl.exe',
          destination: { fqdn: 'raw.githubusercontent.com', ip: '185.199.108.133', port: 443 },
          event: {},
          explanation: { matchedSearches: [], unmatchedSearches: [], reasons: [] },
        },
      ],
      DEFAULT_GROUPING_WINDOW_MS,
    );
    // sha256 of the JSON ["sigma-hunt/incident/v1", ruleId, "ws01", "c:\\windows\\system32\\curl.exe", "fqdn",
    // "raw.githubusercontent.com", 443, 1714521600000, 86400000], first 32 hex digits (checked with node:crypto).
    expect(group!.incidentKey).toBe('4cabc7c0ca883b9a42fd055ba7c2289d');
  });
});
