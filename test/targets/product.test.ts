// The rule's product (the device's OS) is part of the query and of the verification on every target.
import { describe, expect, it } from 'vitest';
import { compileToKql } from '../../src/kql/compile.js';
import { compileKqlQuery } from '../../src/kql/oracle.js';
import { verifyRows } from '../../src/hunt/verify.js';
import { compileRule } from '../../src/match/compile.js';
import { parseRuleText } from '../../src/rule/load.js';
import { categoryMapping } from '../../src/targets/index.js';
import { productScopeOf, rowInProduct } from '../../src/targets/product.js';
import type { TargetName } from '../../src/targets/types.js';

const WINDOW = { start: new Date('2024-05-01T00:00:00Z'), end: new Date('2024-05-01T01:00:00Z') };
const AT = new Date('2024-05-01T00:30:00Z');

const rule = (product: string) =>
  parseRuleText(
    `title: t
id: 11111111-2222-4333-8444-${product === 'windows' ? '555555555555' : '666666666666'}
status: test
level: high
logsource:
    category: process_creation
    product: ${product}
detection:
    selection:
        CommandLine|contains: 'exec'
    condition: selection
`,
    `${product}.yml`,
  ).rules[0]!;

/** One process creation per OS and target, in the shape the target's source returns it. */
const ROWS: Record<'asim' | 'mde', { windows: Record<string, unknown>; linux: Record<string, unknown>; unknown: Record<string, unknown> }> = {
  mde: {
    windows: { TimeGenerated: AT, DeviceId: 'w', ReportId: 1, FolderPath: 'C:\\Windows\\System32\\cmd.exe', ProcessCommandLine: 'cmd /c exec' },
    linux: { TimeGenerated: AT, DeviceId: 'l', ReportId: 2, FolderPath: '/usr/sbin/runc', ProcessCommandLine: 'runc exec --detach' },
    unknown: { TimeGenerated: AT, DeviceId: 'u', ReportId: 3, FolderPath: '', ProcessCommandLine: 'exec' },
  },
  asim: {
    windows: { TimeGenerated: AT, EventProduct: 'M365 Defender for Endpoint', EventOriginalUid: '1', DvcOs: 'Windows', TargetProcessCommandLine: 'cmd /c exec' },
    linux: { TimeGenerated: AT, EventProduct: 'M365 Defender for Endpoint', EventOriginalUid: '2', DvcOs: 'Linux', TargetProcessCommandLine: 'runc exec --detach' },
    unknown: { TimeGenerated: AT, EventProduct: 'Other EDR', EventOriginalUid: '3', DvcOs: '', TargetProcessCommandLine: 'exec' },
  },
};

describe('product scoping', () => {
  for (const target of ['asim', 'mde'] as const satisfies readonly TargetName[]) {
    const mapping = categoryMapping(target, 'process_creation')!;
    for (const product of ['windows', 'linux'] as const) {
      const other = product === 'windows' ? 'linux' : 'windows';
      it(`${target}: a ${product} rule's query and verification keep ${product} rows only; unknown OS meets neither`, () => {
        const conversion = compileToKql(rule(product), target, { window: WINDOW });
        if (!conversion.ok) throw new Error(conversion.reason);
        const query = compileKqlQuery(conversion.kql, { columns: mapping.columns });
        const rows = ROWS[target];
        expect(query.matches(rows[product])).toBe(true);
        expect(query.matches(rows[other])).toBe(false);
        expect(query.matches(rows.unknown)).toBe(false);
        // The verification applies the same test to a row the query returned (a hand-written override may not).
        const outcome = verifyRows([rows[product], rows[other], rows.unknown], mapping, compileRule(rule(product)));
        expect(outcome.hits.map((hit) => hit.hitId)).toHaveLength(1);
        expect(outcome.kqlOverMatch).toBe(2);
      });
    }
  }

  it('sysmon: the Event table is Windows only; a Linux rule is refused, a Windows rule gets no OS test', () => {
    const linux = compileToKql(rule('linux'), 'sysmon', { window: WINDOW });
    expect(linux.ok).toBe(false);
    if (!linux.ok) expect(linux.code).toBe('category');
    const windows = compileToKql(rule('windows'), 'sysmon', { window: WINDOW });
    expect(windows.ok).toBe(true);
    const scope = productScopeOf(categoryMapping('sysmon', 'process_creation')!, 'windows');
    expect(scope.kind === 'scoped' && rowInProduct(scope.scope, {})).toBe(true);
  });

  it('a product no target serves (macos) is refused everywhere', () => {
    for (const target of ['asim', 'mde', 'sysmon'] as const) expect(compileToKql(rule('macos'), target).ok).toBe(false);
  });

  it('the product test is a source line: rules of two products never share a batch query', () => {
    const windows = compileToKql(rule('windows'), 'mde', { window: WINDOW });
    const linux = compileToKql(rule('linux'), 'mde', { window: WINDOW });
    if (!windows.ok || !linux.ok) throw new Error('refused');
    expect(windows.kql).toContain('| where (isnotempty(FolderPath) and not(FolderPath startswith_cs "/"))');
    expect(linux.kql).toContain('| where FolderPath startswith_cs "/"');
  });
});
