// The ASIM Defender process parser leaves some Sigma fields out of the ASIM columns but passes Defender's own
// columns through unrenamed (src/targets/asim.ts PASSED_THROUGH): CurrentDirectory is read from
// AdditionalFields.ProcessCurrentWorkingDirectory on Defender rows, as mde reads it, in the adapter and in the
// KQL, which still analyses and runs where the Defender leg (and so AdditionalFields) is missing.
import { describe, expect, it } from 'vitest';
import { analyzeKql, kqlErrors } from '../../src/kql/analysis.js';
import { compileToKql } from '../../src/kql/compile.js';
import { compileKqlQuery } from '../../src/kql/oracle.js';
import { compileRule } from '../../src/match/compile.js';
import { parseRuleText } from '../../src/rule/load.js';
import { adaptRow, categoryMapping, targetDatabase } from '../../src/targets/index.js';
import { asimProcessRowOfDefender } from './defender-asim.js';
import { exportedDefenderRows } from './exported-defender.js';

const WINDOW = { start: new Date('2023-10-25T09:00:00Z'), end: new Date('2023-10-25T10:00:00Z') };

const rule = parseRuleText(
  `title: t
id: 11111111-2222-4333-8444-999999999999
status: test
level: high
logsource:
    category: process_creation
    product: linux
detection:
    selection:
        CurrentDirectory|startswith: '/run/containerd/'
    condition: selection
`,
  'cwd.yml',
).rules[0]!;

describe('asim CurrentDirectory on Defender rows', () => {
  it('is AdditionalFields.ProcessCurrentWorkingDirectory on the real exported rows, as on mde', async () => {
    const rows = await exportedDefenderRows();
    const mde = categoryMapping('mde', 'process_creation')!;
    const asim = categoryMapping('asim', 'process_creation')!;
    const directories = rows.map((row) => adaptRow(asim, asimProcessRowOfDefender(row)).CurrentDirectory);
    expect(directories).toEqual(rows.map((row) => adaptRow(mde, row).CurrentDirectory));
    expect(directories[0]).toBe('/');
    expect(String(directories[1])).toMatch(/^\/run\/containerd\//);
  });

  it('the KQL reads AdditionalFields through column_ifexists, analyses without the Defender leg, and agrees with the matcher', async () => {
    const conversion = compileToKql(rule, 'asim', { window: WINDOW });
    if (!conversion.ok) throw new Error(conversion.reason);
    expect(conversion.kql).toContain('AdditionalFields = column_ifexists("AdditionalFields", dynamic(null))');
    expect(conversion.warnings.join('\n')).toContain('AdditionalFields.ProcessCurrentWorkingDirectory');
    // The declared schema omits the optional columns: this is the workspace without the Defender leg.
    expect(kqlErrors(analyzeKql(conversion.kql, targetDatabase('asim')))).toEqual([]);
    const mapping = categoryMapping('asim', 'process_creation')!;
    const query = compileKqlQuery(conversion.kql, { columns: mapping.columns });
    const matcher = compileRule(rule);
    const rows: Record<string, unknown>[] = (await exportedDefenderRows()).map((row) => ({ ...asimProcessRowOfDefender(row), TimeGenerated: new Date('2023-10-25T09:43:22Z') }));
    const verdicts = rows.map((row) => matcher.matches(adaptRow(mapping, row)));
    expect(verdicts).toEqual([false, true, true]);
    expect(rows.map((row) => query.matches(row))).toEqual(verdicts);
    // A row of the union without AdditionalFields at all, and a Sysmon for Linux row whose bag (were it there) is
    // not read: the ASIM column decides.
    const withoutBag = { ...rows[1]! };
    delete withoutBag.AdditionalFields;
    expect(query.matches(withoutBag)).toBe(false);
    const sysmon = { ...rows[1]!, EventProduct: 'Sysmon for Linux', DvcOs: '', TargetProcessCurrentDirectory: '/home/x' };
    expect(adaptRow(mapping, sysmon).CurrentDirectory).toBe('/home/x');
    expect(query.matches(sysmon)).toBe(false);
    expect(query.matches({ ...sysmon, TargetProcessCurrentDirectory: '/run/containerd/x' })).toBe(true);
  });
});
