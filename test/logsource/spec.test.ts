import { describe, expect, it } from 'vitest';
import { LogsourceSpecError, parseLogsourceSpec } from '../../src/logsource/index.js';

describe('--logsource', () => {
  it('reads product, category and service in any order, lower-cased', () => {
    expect(parseLogsourceSpec('category=process_creation,product=windows')).toEqual({ category: 'process_creation', product: 'windows' });
    expect(parseLogsourceSpec('product=Windows,service=Sysmon')).toEqual({ product: 'windows', service: 'sysmon' });
  });

  it.each([
    ['', 'needs key=value pairs'],
    ['category', "'category' is not key=value"],
    ['categroy=process_creation', "unknown key 'categroy'"],
    ['product=windows,product=linux', "'product' given twice"],
    ['product=', "product '' must be a name"],
    ['category=process creation', "category 'process creation' must be a name"],
    ['product=windows,', "'' is not key=value"],
  ])('refuses %j', (spec, reason) => {
    expect(() => parseLogsourceSpec(spec)).toThrow(LogsourceSpecError);
    expect(() => parseLogsourceSpec(spec)).toThrow(reason);
  });
});
