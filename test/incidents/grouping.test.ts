import { describe, expect, test } from 'vitest';
import { IncidentError } from '../../src/incidents/errors.js';
import { bucketStartOf, DEFAULT_GROUPING_WINDOW_MS, DISPLAY_MAX_CHARS, EVENT_MAX_CHARS, HIT_FIELD_MAX_CHARS, groupHits, HOUR_MS, MINUTE_MS, prepareHit } from '../../src/incidents/grouping.js';
import { isIncidentKey, isValidTableKey } from '../../src/incidents/keys.js';
import type { VerifiedHit } from '../../src/incidents/model.js';

const DAY = DEFAULT_GROUPING_WINDOW_MS;

function hit(overrides: Partial<VerifiedHit> = {}): VerifiedHit {
  return {
    ruleId: 'rule-1',
    ruleTitle: 'Rule one',
    level: 'high',
    hitId: 'row-1',
    eventTime: new Date('2024-05-01T13:37:00.123Z'),
    host: 'WS01',
    processImage: 'C:\\Windows\\System32\\curl.exe',
    destination: { fqdn: 'raw.githubusercontent.com', ip: '185.199.108.133', port: 443 },
    event: {},
    explanation: { matchedSearches: ['selection'], unmatchedSearches: [], reasons: [] },
    ...overrides,
  };
}

function keyOf(overrides: Partial<VerifiedHit>, windowMs = DAY): string {
  return groupHits([hit(overrides)], windowMs)[0]!.incidentKey;
}

describe('grouping buckets', () => {
  test('a bucket starts at the epoch-aligned floor of the event time (UTC midnight for 24 h)', () => {
    expect(bucketStartOf(new Date('2024-05-01T13:37:00.123Z'), DAY).toISOString()).toBe('2024-05-01T00:00:00.000Z');
    expect(bucketStartOf(new Date('2024-05-01T13:37:00.123Z'), 5 * MINUTE_MS).toISOString()).toBe('2024-05-01T13:35:00.000Z');
    expect(bucketStartOf(new Date('2024-05-01T00:00:00.000Z'), DAY).toISOString()).toBe('2024-05-01T00:00:00.000Z');
  });

  test('hits in the same bucket share an incident, hits across a boundary do not', () => {
    const base = keyOf({});
    expect(keyOf({ eventTime: new Date('2024-05-01T23:59:59.999Z') })).toBe(base);
    expect(keyOf({ eventTime: new Date('2024-05-02T00:00:00.000Z') })).not.toBe(base);
  });

  test('the window width is part of the key', () => {
    expect(keyOf({}, 12 * HOUR_MS)).not.toBe(keyOf({}, DAY));
  });

  test('a window outside 5 minutes to 7 days is refused with a config error', () => {
    for (const windowMs of [MINUTE_MS, 8 * DAY, 1.5 * HOUR_MS + 0.5, Number.NaN]) {
      expect(() => groupHits([hit()], windowMs)).toThrowError(expect.objectContaining({ code: 'config' }) as IncidentError);
    }
  });
});

describe('grouping fields', () => {
  test('host, image and destination compare case-insensitively', () => {
    expect(keyOf({ host: 'ws01 ', processImage: 'c:\\windows\\system32\\CURL.EXE', destination: { fqdn: 'RAW.GitHubUserContent.com.', port: 443 } })).toBe(keyOf({}));
  });

  test('the fqdn decides the destination when present, whatever the IP', () => {
    expect(keyOf({ destination: { fqdn: 'raw.githubusercontent.com', ip: '10.0.0.1', port: 443 } })).toBe(keyOf({}));
  });

  test('the IP decides when there is no fqdn, IPv6 in any spelling', () => {
    const v6 = keyOf({ destination: { ip: '2001:DB8:0:0::1', port: 443 } });
    expect(keyOf({ destination: { ip: '2001:db8::1', port: 443 } })).toBe(v6);
    expect(keyOf({ destination: { ip: '185.199.108.133', port: 443 } })).not.toBe(keyOf({}));
  });

  test('each of rule, host, image, fqdn and port separates incidents', () => {
    const base = keyOf({});
    const variants: Partial<VerifiedHit>[] = [
      { ruleId: 'rule-2' },
      { host: 'WS02' },
      { processImage: 'C:\\Windows\\System32\\certutil.exe' },
      { destination: { fqdn: 'gist.githubusercontent.com', port: 443 } },
      { destination: { fqdn: 'raw.githubusercontent.com', port: 80 } },
      { destination: { fqdn: 'raw.githubusercontent.com' } },
    ];
    const keys = variants.map((variant) => keyOf(variant));
    expect(new Set([base, ...keys]).size).toBe(variants.length + 1);
  });

  test('account and hit id do not separate incidents', () => {
    const groups = groupHits([hit({ account: 'a' }), hit({ hitId: 'row-2', account: 'b' })], DAY);
    expect(groups).toHaveLength(1);
    expect(groups[0]!.hits).toHaveLength(2);
  });
});

describe('hits in a group', () => {
  test('a hit id repeated in one call is one hit, and the kept copy does not depend on order', () => {
    const first = hit({ event: { version: 1 } });
    const second = hit({ event: { version: 2 } });
    const forward = groupHits([first, second], DAY)[0]!.hits;
    const backward = groupHits([second, first], DAY)[0]!.hits;
    expect(forward).toHaveLength(1);
    expect(forward).toEqual(backward);
  });

  test('hits are sorted by event time, then hit id', () => {
    const hits = [
      hit({ hitId: 'b', eventTime: new Date('2024-05-01T01:00:00Z') }),
      hit({ hitId: 'c', eventTime: new Date('2024-05-01T00:00:00Z') }),
      hit({ hitId: 'a', eventTime: new Date('2024-05-01T01:00:00Z') }),
    ];
    expect(groupHits(hits, DAY)[0]!.hits.map((h) => h.hitId)).toEqual(['c', 'a', 'b']);
  });

  test('an invalid event time, empty hit id or out-of-range port is refused with a value error', () => {
    for (const bad of [{ eventTime: new Date(Number.NaN) }, { hitId: '' }, { destination: { port: 70000 } }, { destination: { port: 1.5 } }]) {
      expect(() => groupHits([hit(bad)], DAY)).toThrowError(expect.objectContaining({ code: 'value' }) as IncidentError);
    }
  });

  test('an event that cannot be JSON (BigInt) is refused with a value error', () => {
    expect(() => groupHits([hit({ event: { big: 1n } })], DAY)).toThrowError(expect.objectContaining({ code: 'value' }) as IncidentError);
  });
});

describe('hostile values', () => {
  const head = 'WS"\\| // \u0000\u0007\n\u2028K\u212A\u0130\ud83d\ude00\ud800 ';
  const huge = (tail: string): string => head + 'a'.repeat(2_000_000 - head.length - tail.length) + tail;

  test('a 2,000,000-character host, image and account give hashed keys and bounded, marked display parts', () => {
    const value = huge('z');
    const prepared = prepareHit(hit({ host: value, processImage: value, account: value, processId: value, hitId: value, destination: { fqdn: value, ip: value, port: 443 }, event: { Dvc: value } }), DAY);
    expect(isIncidentKey(prepared.incidentKey)).toBe(true);
    expect(isValidTableKey(prepared.incidentKey) && isValidTableKey(prepared.rowKey)).toBe(true);
    expect(prepared.rowKey).toMatch(/^hit_[0-9a-f]{64}$/);
    for (const part of [prepared.host, prepared.processImage]) expect(part).toMatchObject({ truncated: true, value: expect.stringMatching(/\u2026$/) });
    expect(prepared.host.value.length).toBeLessThanOrEqual(DISPLAY_MAX_CHARS);
    expect(prepared.account?.value.length).toBeLessThanOrEqual(HIT_FIELD_MAX_CHARS);
    expect(prepared.processId?.length).toBeLessThanOrEqual(HIT_FIELD_MAX_CHARS);
    expect(prepared.destination.value.fqdn?.length).toBeLessThanOrEqual(HIT_FIELD_MAX_CHARS);
    expect(prepared.hitId.length).toBeLessThan(400);
    expect(JSON.stringify(prepared.event.value).length).toBeLessThanOrEqual(EVENT_MAX_CHARS);
  });

  test('two long hosts that differ only in their last character are two incidents; the same host in another case is one', () => {
    const groups = groupHits(
      [hit({ hitId: 'a', host: huge('x') }), hit({ hitId: 'b', host: huge('y') }), hit({ hitId: 'c', host: huge('X') })],
      DAY,
    );
    expect(groups.map((group) => group.hits.map((each) => each.hitId).sort())).toEqual(expect.arrayContaining([['a', 'c'], ['b']]));
    expect(groups).toHaveLength(2);
  });
});
