import { describe, expect, it } from 'vitest';
import { LogAnalyticsError, fullPrecisionDatetime, tableToRows } from '../../src/loganalytics/index.js';

describe('fullPrecisionDatetime', () => {
  it('returns the 7-digit text of a tostring() column', () => {
    expect(fullPrecisionDatetime({ IngestedAt: '2024-05-01T10:00:00.1234567Z' }, 'IngestedAt')).toBe('2024-05-01T10:00:00.1234567Z');
  });

  it('refuses a column the SDK already turned into a millisecond Date', () => {
    expect(() => fullPrecisionDatetime({ IngestedAt: new Date() }, 'IngestedAt')).toThrow(LogAnalyticsError);
    expect(() => fullPrecisionDatetime({ IngestedAt: new Date() }, 'IngestedAt')).toThrow(/tostring\(IngestedAt\)/);
  });

  it('returns undefined for a null cell', () => {
    expect(fullPrecisionDatetime({ IngestedAt: null }, 'IngestedAt')).toBeUndefined();
  });
});

describe('tableToRows', () => {
  it('keys cells by column name and turns missing cells into null', () => {
    const columnDescriptors = [{ name: 'a', type: 'long' as const }, { name: 'b', type: 'string' as const }];
    const table = tableToRows({ name: 'PrimaryResult', columnDescriptors, rows: [[1]] });
    expect(table.rows).toEqual([{ a: 1, b: null }]);
  });

  it('keeps a column named __proto__ as data instead of setting the prototype', () => {
    const table = tableToRows({ name: 'PrimaryResult', columnDescriptors: [{ name: '__proto__', type: 'string' }], rows: [['x']] });
    expect(Object.getPrototypeOf(table.rows[0])).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(table.rows[0], '__proto__')?.value).toBe('x');
  });
});
