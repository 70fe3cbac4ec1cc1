// Minimal reproduction of a compiler bug found by the agreement tests (reported to the lead; fails until fixed).
//
// A negated `cidr` filter compiles to `not(ipv4_is_in_range(DstIpAddr, "10.0.0.0/8") or ...)`. On a row whose IP
// is empty (or IPv6, or any non-IPv4 text) ipv4_is_in_range() returns null (documented: "null if conversion ...
// wasn't successful"), `null or false` is not documented, and neither is `not(null)`: if it is null, `where`
// drops the row. The matcher keeps it (the filter's field is absent, so the filter is false and `not filter`
// true), and the conversion claims to be exact. A null-proof form is e.g. `ipv4_is_in_range(...) == true`
// (documented: == with one null operand is false) or iff(ipv4_is_in_range(...), true, false).
import { describe, expect, it } from 'vitest';
import { compileToKql } from '../../../src/kql/compile.js';
import { compileKqlQuery } from '../../../src/kql/oracle.js';
import { compileRule } from '../../../src/match/compile.js';
import { parseRuleText } from '../../../src/rule/load.js';
import { adaptRow, categoryMapping } from '../../../src/targets/index.js';
import type { TargetName } from '../../../src/targets/types.js';

const RULE = `title: Negated cidr filter
id: 0e0f0a0b-1111-4222-8333-944455556666
logsource:
    category: network_connection
    product: windows
detection:
    selection:
        Image|endswith: '\\x.exe'
    filter:
        DestinationIp|cidr: '10.0.0.0/8'
    condition: selection and not filter
`;

const ROWS: Record<TargetName, { source: Record<string, unknown>; adapted?: Record<string, unknown> }> = {
  asim: { source: { TimeGenerated: new Date('2024-05-01T00:30:00Z'), DvcOs: 'Windows', SrcProcessName: 'C:\\x.exe', DstIpAddr: '' } },
  mde: { source: { TimeGenerated: new Date('2024-05-01T00:30:00Z'), InitiatingProcessFolderPath: 'C:\\x.exe', RemoteIP: '', ActionType: 'ConnectionSuccess' } },
  sysmon: {
    source: {
      TimeGenerated: new Date('2024-05-01T00:30:00Z'),
      Source: 'Microsoft-Windows-Sysmon',
      EventID: 3,
      EventData: '<Data Name="Image">C:\\x.exe</Data>',
    },
    adapted: { Image: 'C:\\x.exe' },
  },
};

describe('a negated cidr filter on a row without an IPv4 address', () => {
  const rule = parseRuleText(RULE, 'negated-cidr.yml').rules[0]!;
  for (const target of ['asim', 'mde', 'sysmon'] as const) {
    it(`${target}: the exact KQL keeps the row the matcher matches`, () => {
      const mapping = categoryMapping(target, 'network_connection')!;
      const conversion = compileToKql(rule, target, { window: { start: new Date('2024-05-01T00:00:00Z'), end: new Date('2024-05-01T01:00:00Z') } });
      if (!conversion.ok) throw new Error(conversion.reason);
      const { source, adapted } = ROWS[target];
      const full = adapted ?? Object.fromEntries(mapping.columns.map((column) => [column.name, source[column.name] ?? (column.type === 'string' ? '' : null)]));
      expect(compileRule(rule).matches(adaptRow(mapping, full))).toBe(true);
      expect(conversion.exact).toBe(true);
      expect(compileKqlQuery(conversion.kql, { columns: mapping.columns }).matches(source)).toBe(true);
    });
  }
});
