import { describe, expect, test } from 'vitest';
import { fitJsonObject, toJsonObject } from '../../src/incidents/bounds.js';
import { EVENT_MAX_CHARS, groupHits, HitPreparer, prepareHit } from '../../src/incidents/grouping.js';
import type { VerifiedHit } from '../../src/incidents/model.js';

const DAY = 24 * 3_600_000;
const explanation = { matchedSearches: ['selection'], unmatchedSearches: [], reasons: [{ identifier: 'selection', field: 'Image', modifiers: ['contains'], ruleValue: '\\Public\\', eventValue: 'x' }] };

function hit(index: number, event: Record<string, unknown>): VerifiedHit {
  return {
    ruleId: 'rule-1',
    ruleTitle: 'Rule one',
    level: index % 2 ? 'high' : 'High ',
    hitId: `row-${index}`,
    eventTime: new Date(Date.UTC(2024, 4, 1) + index * 3_600_000),
    host: index % 3 ? 'WS01' : 'ws01',
    processImage: 'C:\\Users\\Public\\a.exe',
    destination: index % 4 ? { fqdn: 'C2.example.net.', ip: '10.0.0.1', port: 443 } : { ip: '2001:DB8:0:0::1', port: 443 },
    account: index % 5 ? 'CORP\\anna' : '',
    processId: String(index),
    event,
    explanation,
  };
}

/** Events the flat fast path must bound exactly as the JSON round trip does. */
const EVENTS: Record<string, unknown>[] = [
  { Image: 'C:\\a.exe', DestinationPort: 443, Initiated: 'true' },
  { zero: -0, nan: Number.NaN, inf: -Infinity, gone: undefined, none: null, yes: true },
  { '10': 'integer-like key', '2': 'sorts first', b: 'b', a: 'a', A: 'A' },
  { lone: 'x\ud800y', pair: '\ud83d\ude00', control: 'a\u0000b\u001f' },
  { long: 'x'.repeat(EVENT_MAX_CHARS) },
  { quoted: '"'.repeat(EVENT_MAX_CHARS / 4) },
  { nested: { b: 1, a: [1, { d: 2, c: 3 }] }, date: new Date(0) },
  Object.assign(Object.create(null) as Record<string, unknown>, { b: 2, a: 1 }),
];

describe('hit preparation', () => {
  test.each(EVENTS.map((event, index) => [index, event] as const))('event %i is bounded as its JSON round trip is', (_index, event) => {
    const prepared = prepareHit(hit(1, event), DAY);
    const general = fitJsonObject(toJsonObject(event, 'event'), EVENT_MAX_CHARS);
    expect(JSON.stringify(prepared.event.value)).toBe(JSON.stringify(general.value));
    expect(prepared.event.truncated).toBe(general.truncated);
  });

  test('hits prepared together equal hits prepared one by one (the memos change nothing)', () => {
    const hits = Array.from({ length: 60 }, (_, index) => hit(index, EVENTS[index % EVENTS.length]!));
    const together = groupHits(hits, DAY).flatMap((group) => group.hits);
    const alone = new Map(hits.map((raw) => [raw.hitId, prepareHit(raw, DAY)] as const));
    expect(together).toHaveLength(hits.length);
    for (const prepared of together) expect(JSON.stringify(prepared)).toBe(JSON.stringify(alone.get(prepared.hitId)));
  });

  test('one preparer keys hits that differ only in absence or emptiness as fresh preparers do', () => {
    const base = hit(1, {});
    const variants = [
      base,
      { ...base, destination: { ...base.destination, fqdn: undefined } },
      { ...base, destination: { ...base.destination, fqdn: '' } },
      { ...base, destination: { ...base.destination, ip: undefined } },
      { ...base, destination: { ...base.destination, port: undefined } },
      { ...base, host: 'WS01 ' },
    ] as VerifiedHit[];
    const preparer = new HitPreparer(DAY);
    const memoised = variants.map((variant) => preparer.keyOf(variant).incidentKey);
    const fresh = variants.map((variant) => new HitPreparer(DAY).keyOf(variant).incidentKey);
    expect(memoised).toEqual(fresh);
    expect(memoised[0]).toBe(memoised[3]); // the FQDN names the destination: its IP is not part of the key
    expect(memoised[1]).toBe(memoised[2]); // no FQDN and an empty one both fall back to the IP
    expect(new Set([memoised[0], memoised[1], memoised[4]]).size).toBe(3);
  });
});
