// The preparer's shortcuts (an event kept as is, the last key and destination remembered) against preparing
// every hit alone with a fresh preparer.
import { describe, expect, test } from 'vitest';
import { fitJsonObject, toJsonObject, wellFormed } from '../../src/incidents/bounds.js';
import { EVENT_MAX_CHARS, HitPreparer, prepareHit } from '../../src/incidents/grouping.js';
import type { VerifiedHit } from '../../src/incidents/model.js';

const DAY = 24 * 3_600_000;
const explanation = { matchedSearches: ['selection'], unmatchedSearches: [], reasons: [] };

function hit(overrides: Partial<VerifiedHit> = {}): VerifiedHit {
  return {
    ruleId: 'rule-1',
    ruleTitle: 'Rule one',
    hitId: 'row-1',
    eventTime: new Date(Date.UTC(2024, 4, 1, 10)),
    host: 'WS01',
    processImage: 'C:\\Users\\Public\\a.exe',
    destination: { fqdn: 'c2.example.net', ip: '10.0.0.1', port: 443 },
    event: { DestinationHostname: 'c2.example.net', Image: 'C:\\Users\\Public\\a.exe' },
    explanation,
    ...overrides,
  };
}

describe('events kept as they are', () => {
  test('an event already in key order, of JSON values only, is stored as itself', () => {
    const event = { A: 'a', B: 1, C: true, D: null };
    const prepared = prepareHit(hit({ event }), DAY);
    expect(prepared.event.value).toBe(event);
    expect(prepared.event.truncated).toBe(false);
  });

  test.each([
    ['a member to drop', { A: 'a', B: undefined }],
    ['-0', { A: -0 }],
    ['a non-finite number', { A: Number.NaN, B: Infinity }],
    ['keys out of order', { B: 'b', A: 'a' }],
  ])('an event with %s is copied, bounded as its JSON round trip is', (_what, event: Record<string, unknown>) => {
    const prepared = prepareHit(hit({ event }), DAY);
    expect(prepared.event.value).not.toBe(event);
    expect(JSON.stringify(prepared.event.value)).toBe(JSON.stringify(fitJsonObject(toJsonObject(event, 'event'), EVENT_MAX_CHARS).value));
  });

  test('an event without Object.prototype is copied into a plain object', () => {
    const event = Object.assign(Object.create(null) as Record<string, unknown>, { A: 'a' });
    const prepared = prepareHit(hit({ event }), DAY);
    expect(Object.getPrototypeOf(prepared.event.value)).toBe(Object.prototype);
    expect(prepared.event.value).toEqual({ A: 'a' });
  });
});

describe('remembered keys and destinations', () => {
  test('hits in sequence, each differing from the one before in one grouping member, key as alone', () => {
    const base = hit();
    const sequence: VerifiedHit[] = [
      base,
      base,
      { ...base, ruleId: 'rule-2' },
      base,
      { ...base, host: 'WS02' },
      { ...base, processImage: 'C:\\b.exe' },
      { ...base, destination: { ...base.destination, fqdn: 'other.example.net' } },
      { ...base, destination: { ...base.destination, ip: '10.0.0.2' } },
      { ...base, destination: { ...base.destination, port: 8443 } },
      { ...base, destination: { ...base.destination, port: undefined } },
      { ...base, destination: { ip: '10.0.0.1', port: 443 } },
      { ...base, destination: { fqdn: '', ip: '10.0.0.1', port: 443 } },
      { ...base, eventTime: new Date(base.eventTime.getTime() + DAY) },
      base,
    ];
    const preparer = new HitPreparer(DAY);
    const remembered = sequence.map((entry) => preparer.prepare(entry));
    const alone = sequence.map((entry) => prepareHit(entry, DAY));
    expect(remembered.map((prepared) => JSON.stringify(prepared))).toEqual(alone.map((prepared) => JSON.stringify(prepared)));
    // Nine incidents: the IP is not part of the key when there is an FQDN, and an empty FQDN is none.
    expect(new Set(remembered.map((prepared) => prepared.incidentKey)).size).toBe(9);
  });

  test('a hit that fails validation fails also right after a valid hit with the same tuple', () => {
    const preparer = new HitPreparer(DAY);
    preparer.prepare(hit());
    expect(() => preparer.prepare(hit({ hitId: '' }))).toThrowError(expect.objectContaining({ code: 'value' }) as Error);
  });
});

describe('wellFormed', () => {
  test('returns a well-formed text itself and replaces lone surrogates in any other', () => {
    const text = 'C:\\Users\\\ud83d\ude00.exe';
    expect(wellFormed(text)).toBe(text);
    expect(wellFormed('a\ud800b\udc00')).toBe('a\ufffdb\ufffd');
  });
});
