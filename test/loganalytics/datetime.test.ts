import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compareKustoDatetimes,
  formatKustoDatetime,
  normalizeKustoDatetime,
  parseKustoDatetime,
  ticksOfDate,
} from '../../src/loganalytics/index.js';

describe('Kusto datetime text', () => {
  it('formats cells like the service: trailing fractional zeros trimmed', () => {
    expect(formatKustoDatetime(ticksOfDate(new Date('2000-01-02T03:04:05.000Z')), 'wire')).toBe('2000-01-02T03:04:05Z');
    expect(formatKustoDatetime(ticksOfDate(new Date('2022-06-03T19:50:29.043Z')), 'wire')).toBe('2022-06-03T19:50:29.043Z');
  });

  it('normalises wire and tostring() texts to 7 digits so they compare as strings', () => {
    expect(normalizeKustoDatetime('2000-01-02T03:04:05Z')).toBe('2000-01-02T03:04:05.0000000Z');
    expect(normalizeKustoDatetime('2024-05-01T10:00:00.1234567Z')).toBe('2024-05-01T10:00:00.1234567Z');
    expect(normalizeKustoDatetime('2024-05-01T10:00:00.12Z')! < normalizeKustoDatetime('2024-05-01T10:00:00.1200001Z')!).toBe(true);
    expect(normalizeKustoDatetime('2024-05-01 10:00')).toBeUndefined();
  });
});

describe('full-precision datetimes', () => {
  it('keeps all 7 fractional digits through parse and format', () => {
    expect(formatKustoDatetime(parseKustoDatetime('2026-11-28T06:00:00.1234567Z'))).toBe('2026-11-28T06:00:00.1234567Z');
  });

  it('pads shorter fractions and a missing fraction to 7 digits', () => {
    expect(formatKustoDatetime(parseKustoDatetime('2026-11-28T06:00:00.5Z'))).toBe('2026-11-28T06:00:00.5000000Z');
    expect(formatKustoDatetime(parseKustoDatetime('2026-11-28T06:00:00Z'))).toBe('2026-11-28T06:00:00.0000000Z');
  });

  it('orders datetimes that differ by 100 ns, which Date cannot tell apart', () => {
    expect(new Date('2026-11-28T06:00:00.1234567Z').getTime()).toBe(new Date('2026-11-28T06:00:00.1234568Z').getTime());
    expect(compareKustoDatetimes('2026-11-28T06:00:00.1234567Z', '2026-11-28T06:00:00.1234568Z')).toBe(-1);
  });

  it('compares texts of different fraction widths by value, not as text', () => {
    // As text '.1Z' > '.0999999Z' happens to hold, but '.1Z' vs '.10Z' would differ: compare by value.
    expect(compareKustoDatetimes('2026-11-28T06:00:00.1Z', '2026-11-28T06:00:00.1000000Z')).toBe(0);
    expect(compareKustoDatetimes('2026-11-28T06:00:00Z', '2026-11-28T06:00:00.0000001Z')).toBe(-1);
    expect(compareKustoDatetimes('2026-11-28T06:00:01Z', '2026-11-28T06:00:00.9999999Z')).toBe(1);
  });

  it.each([
    ['a rolled-over calendar date', '2026-02-30T00:00:00Z'],
    ['an offset instead of Z', '2026-11-28T06:00:00+01:00'],
    ['8 fractional digits', '2026-11-28T06:00:00.12345678Z'],
    ['hour 24', '2026-11-28T24:00:00Z'],
    ['KQL after the datetime', '2026-11-28T06:00:00Z) | take 1 //'],
    ['a date without time', '2026-11-28'],
  ])('refuses %s with code datetime', (_what, text) => {
    expect(() => parseKustoDatetime(text)).toThrow(expect.objectContaining({ name: 'LogAnalyticsError', code: 'datetime' }));
  });

  it('round-trips every tick value in 1900..2100 (property)', () => {
    const low = parseKustoDatetime('1900-01-01T00:00:00Z');
    const high = parseKustoDatetime('2100-01-01T00:00:00Z');
    fc.assert(
      fc.property(fc.bigInt({ min: low, max: high }), (value) => {
        expect(parseKustoDatetime(formatKustoDatetime(value))).toBe(value);
      }),
    );
  });
});
