// Numbers, date-times and IP networks: the product's readings (src/match) against the reference's own
// (reference-values.ts), on values crowded around each boundary, and the whole matcher against the reference
// evaluator on rules that use gt/gte/lt/lte, time parts and cidr.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileCidr } from '../../src/match/cidr.js';
import { compileRule } from '../../src/match/compile.js';
import { parseDateTime, timePartOf, type TimePart } from '../../src/match/timepart.js';
import { numericValue } from '../../src/match/values.js';
import type { ValuePattern } from '../../src/rule/model.js';
import { makeRule, search } from './build.js';
import { referenceMatches } from './reference.js';
import { referenceDateTime, referenceInNetwork, referenceNumber, referenceTimePart } from './reference-values.js';
import { propertyRuns } from '../support/runs.js';

const pad = (value: number, width: number) => String(value).padStart(width, '0');

/** Strings that are a character away from an accepted form as often as they are in it. */
function mangled(text: fc.Arbitrary<string>, alphabet: string): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 4, arbitrary: text },
    {
      weight: 1,
      arbitrary: fc.tuple(text, fc.nat(), fc.constantFrom(...alphabet), fc.constantFrom('insert', 'delete', 'replace')).map(([t, at, c, edit]) => {
        const k = t.length === 0 ? 0 : at % t.length;
        return edit === 'insert' ? t.slice(0, k) + c + t.slice(k) : edit === 'delete' ? t.slice(0, k) + t.slice(k + 1) : t.slice(0, k) + c + t.slice(k + 1);
      }),
    },
  );
}

const yearArb = fc.oneof(fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 0, max: 101 }), fc.integer({ min: 1968, max: 1972 }), fc.constantFrom(1900, 2000, 2020, 2021, 2024, 2100));
const dateTimeArb = mangled(
  fc
    .record({
      year: yearArb,
      month: fc.integer({ min: 0, max: 13 }),
      day: fc.oneof(fc.integer({ min: 0, max: 32 }), fc.constantFrom(28, 29, 30, 31)),
      time: fc.option(
        fc.record({
          separator: fc.constantFrom('T', 't', ' '),
          hour: fc.integer({ min: 0, max: 24 }),
          minute: fc.oneof(fc.integer({ min: 0, max: 60 }), fc.constantFrom(0, 59, 60)),
          second: fc.option(fc.oneof(fc.integer({ min: 0, max: 60 }), fc.constantFrom(59, 60)), { nil: undefined }),
          fraction: fc.option(fc.tuple(fc.constantFrom('.', ','), fc.stringMatching(/^\d{1,7}$/)), { nil: undefined }),
          offset: fc.option(fc.oneof(fc.constantFrom('Z', 'z'), fc.tuple(fc.constantFrom('+', '-'), fc.integer({ min: 0, max: 24 }), fc.constantFrom(':', ''), fc.oneof(fc.integer({ min: 0, max: 60 }), fc.constantFrom(59, 60))).map(([sign, h, colon, m]) => `${sign}${pad(h, 2)}${colon}${pad(m, 2)}`)), { nil: undefined }),
        }),
        { nil: undefined },
      ),
    })
    .map(({ year, month, day, time }) => {
      let text = `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`;
      if (time) {
        text += `${time.separator}${pad(time.hour, 2)}:${pad(time.minute, 2)}`;
        if (time.second !== undefined) text += `:${pad(time.second, 2)}${time.fraction ? time.fraction.join('') : ''}`;
        if (time.offset !== undefined) text += time.offset;
      }
      return text;
    }),
  '0123456789-:TZ+., x',
);
const PARTS: TimePart[] = ['minute', 'hour', 'day', 'week', 'month', 'year'];

const numberTextArb = mangled(
  fc.oneof(
    fc.double({ noNaN: false }).map(String),
    fc.integer({ min: -20, max: 20 }).map(String),
    fc.tuple(fc.constantFrom('', '+', '-'), fc.stringMatching(/^\d{0,3}$/), fc.constantFrom('', '.'), fc.stringMatching(/^\d{0,3}$/), fc.constantFrom('', 'e', 'E', 'e+', 'e-'), fc.stringMatching(/^\d{0,3}$/)).map((p) => p.join('')),
  ),
  '0123456789.+-eE x',
);
const numberValueArb = fc.oneof(numberTextArb, fc.double(), fc.integer({ min: -20, max: 20 }), fc.boolean(), fc.constantFrom('1e999', '-1e999', 'Infinity', 'NaN', '0x10', ''));

const octetArb = fc.oneof(fc.integer({ min: 0, max: 255 }).map(String), fc.constantFrom('0', '10', '127', '128', '192', '255', '256', '010', '1000', ''));
const ipv4Arb = fc.tuple(octetArb, octetArb, octetArb, octetArb).map((octets) => octets.join('.'));
const nearIpv4Arb = fc.tuple(fc.constantFrom(10, 172, 192), fc.integer({ min: 0, max: 255 }), fc.constantFrom(0, 1, 16, 31, 127, 128, 168, 255), fc.integer({ min: 0, max: 255 })).map((o) => o.join('.'));
const groupArb = fc.oneof(fc.constantFrom('0', '1', 'ffff', 'FFFF', 'fe80', 'febf', 'fec0', 'db8', '2001', '0000', '00001', 'g'), fc.integer({ min: 0, max: 0xffff }).map((n) => n.toString(16)));
const ipv6Arb = mangled(
  fc.oneof(
    fc.array(groupArb, { minLength: 8, maxLength: 8 }).map((groups) => groups.join(':')),
    fc.tuple(fc.array(groupArb, { maxLength: 4 }), fc.array(groupArb, { maxLength: 4 })).map(([head, tail]) => `${head.join(':')}::${tail.join(':')}`),
    fc.tuple(fc.constantFrom('::ffff:', '::', '0:0:0:0:0:ffff:', '::fffe:', '64:ff9b::'), nearIpv4Arb).map(([prefix, v4]) => prefix + v4),
    fc.tuple(fc.constantFrom('fe80::1', 'fe80::'), fc.constantFrom('%', '%12', '%eth0')).map(([a, zone]) => a + zone),
  ),
  '0123456789abcdefABCDEF:.%g',
);
const networkArb = fc.oneof(
  fc.tuple(fc.constant<4 | 6>(4), fc.oneof(nearIpv4Arb, ipv4Arb), fc.oneof(fc.integer({ min: 0, max: 32 }), fc.constantFrom(8, 12, 16, 24, 31, 33, -1, 1.5))),
  fc.tuple(fc.constant<4 | 6>(6), fc.oneof(ipv6Arb, fc.constantFrom('fe80::', '::ffff:0:0', '::ffff:10.0.0.0', '2001:db8::', '::')), fc.oneof(fc.integer({ min: 0, max: 128 }), fc.constantFrom(10, 64, 96, 104, 127, 128, 129))),
);
const addressArb = fc.oneof(nearIpv4Arb, ipv4Arb, ipv6Arb);

describe('the matcher’s readings of values against the reference’s own', () => {
  it('reads date-times and their parts alike', () => {
    fc.assert(
      fc.property(dateTimeArb, (text) => {
        const mine = parseDateTime(text);
        expect(mine, text).toBe(referenceDateTime(text));
        if (mine !== null) for (const part of PARTS) expect(timePartOf(mine, part), `${part} of ${text}`).toBe(referenceTimePart(mine, part));
      }),
      { numRuns: propertyRuns(5000) },
    );
  });

  it('reads every part of the first days of the years 0-101, whose ISO week may lie in the year before, alike', () => {
    // Found by the property above under load (run 3 of 3): the week of 0100-01-01 read -99085, not 53, because
    // Date.UTC reads the year 99 as 1999. Every first and last week of those years, where the Thursday can cross.
    for (let year = 0; year <= 101; year++) {
      for (const day of [`${String(year).padStart(4, '0')}-01-0`, `${String(year).padStart(4, '0')}-12-2`]) {
        for (let digit = day.endsWith('-0') ? 1 : 5; digit <= 9; digit++) {
          const text = `${day}${digit}T00:00:59Z`;
          const mine = parseDateTime(text);
          expect(mine, text).toBe(referenceDateTime(text));
          for (const part of PARTS) expect(timePartOf(mine!, part), `${part} of ${text}`).toBe(referenceTimePart(mine!, part));
        }
      }
    }
    expect(timePartOf(parseDateTime('0100-01-01T00:00:59Z')!, 'week')).toBe(53);
  });

  it('reads numbers alike', () => {
    fc.assert(
      fc.property(numberValueArb, (value) => {
        expect(numericValue(value), String(value)).toBe(referenceNumber(value));
      }),
      { numRuns: propertyRuns(5000) },
    );
  });

  it('decides network membership alike, and refuses the same networks', () => {
    fc.assert(
      fc.property(networkArb, fc.array(addressArb, { minLength: 1, maxLength: 4 }), ([family, network, prefix], addresses) => {
        const inNetwork = compileCidr(family, network, prefix);
        const label = `${network}/${prefix}`;
        expect(inNetwork === null, label).toBe(referenceInNetwork(family, network, prefix, '') === null);
        if (inNetwork !== null) for (const address of addresses) expect(inNetwork(address), `${address} in ${label}`).toBe(referenceInNetwork(family, network, prefix, address));
      }),
      { numRuns: propertyRuns(5000) },
    );
  });
  it('puts addresses made from a network inside it, and its neighbours outside', () => {
    const cases: Array<[4 | 6, string, number, string, boolean]> = [
      [4, '10.0.0.0', 8, '10.255.255.255', true],
      [4, '10.0.0.0', 8, '11.0.0.0', false],
      [4, '10.0.0.0', 8, '9.255.255.255', false],
      [4, '172.16.0.0', 12, '172.31.0.1', true],
      [4, '172.16.0.0', 12, '172.32.0.1', false],
      [4, '0.0.0.0', 0, '255.255.255.255', true],
      [4, '10.0.0.0', 8, '::ffff:10.1.2.3', true],
      [4, '10.0.0.0', 8, '::fffe:10.1.2.3', false],
      [6, 'fe80::', 10, 'febf::1', true],
      [6, 'fe80::', 10, 'fec0::1', false],
      [6, '::', 0, '10.0.0.1', false],
    ];
    for (const [family, network, prefix, address, inside] of cases) {
      expect(compileCidr(family, network, prefix)!(address), `${address} in ${network}/${prefix}`).toBe(inside);
      expect(referenceInNetwork(family, network, prefix, address), `reference: ${address} in ${network}/${prefix}`).toBe(inside);
    }
  });
});

describe('compileRule against the reference evaluator on numbers, time parts and networks', () => {
  const patternArb: fc.Arbitrary<ValuePattern> = fc.oneof(
    fc.record({ op: fc.constantFrom<'gt' | 'gte' | 'lt' | 'lte'>('gt', 'gte', 'lt', 'lte'), value: fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constantFrom(0.5, 10, 100)) }).map(({ op, value }): ValuePattern => ({ kind: 'compare', op, value })),
    fc.record({ part: fc.constantFrom(...PARTS), value: fc.constantFrom(0, 1, 12, 23, 29, 31, 52, 53, 59, 2024) }).map(({ part, value }): ValuePattern => ({ kind: 'timepart', part, value })),
    fc.constantFrom<ValuePattern>(
      { kind: 'cidr', family: 4, network: '10.0.0.0', prefixLength: 8 },
      { kind: 'cidr', family: 4, network: '192.168.0.0', prefixLength: 16 },
      { kind: 'cidr', family: 6, network: 'fe80::', prefixLength: 10 },
      { kind: 'cidr', family: 6, network: '::ffff:0:0', prefixLength: 96 },
    ),
  );
  const valueArb = fc.oneof(dateTimeArb, numberValueArb, addressArb, fc.array(fc.oneof(dateTimeArb, numberTextArb, addressArb), { maxLength: 3 }), fc.constantFrom(null, { nested: '10.0.0.1' }));
  it('agrees on single-field items with any mix of these patterns', () => {
    fc.assert(
      fc.property(fc.array(fc.array(patternArb, { minLength: 1, maxLength: 2 }), { minLength: 1, maxLength: 3 }), fc.boolean(), fc.boolean(), fc.array(valueArb, { minLength: 1, maxLength: 5 }), (groups, all, negated, values) => {
        const rule = makeRule([search('selection', { F: 'x' })]);
        const selection = rule.detection.searches.get('selection')!;
        if (selection.kind !== 'fields') throw new Error('expected a field search');
        const item = selection.alternatives[0].items[0];
        item.values = groups.map((patterns) => ({ written: 'x', patterns, location: item.location }));
        item.combine = all ? 'all' : 'any';
        item.negated = negated;
        const compiled = compileRule(rule);
        for (const value of values) {
          const event = { F: value };
          expect(compiled.matches(event), JSON.stringify(event)).toBe(referenceMatches(rule, event));
        }
      }),
      { numRuns: propertyRuns(3000) },
    );
  });
});
