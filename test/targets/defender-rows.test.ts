// Defender's process rows, in the shapes of the real exports (Azure-Sentinel Sample Data/ASIM), read through the
// mde target and through the ASIM Defender parser's output: the same rule gives the same verdict both ways.
import { describe, expect, it } from 'vitest';
import { compileToKql } from '../../src/kql/compile.js';
import { lintKql } from '../../src/kql/lint.js';
import { compileKqlQuery } from '../../src/kql/oracle.js';
import { compileRule } from '../../src/match/compile.js';
import { parseRuleText } from '../../src/rule/load.js';
import { adaptRow, categoryMapping } from '../../src/targets/index.js';
import { asimProcessRowOfDefender, defenderProcessRows } from './defender-asim.js';

/** A Windows DeviceProcessEvents row (values as Defender writes them: lower-case paths, PE version data). */
const MDE_ROW = {
  ActionType: 'ProcessCreated',
  DeviceName: 'win-app-01',
  FolderPath: 'c:\\program files\\nodejs\\node.exe',
  FileName: 'node.exe',
  ProcessCommandLine: '"node.exe" server.js',
  ProcessId: 7312,
  CreatedProcessSessionId: 2,
  ProcessUniqueId: 4318,
  ProcessVersionInfoCompanyName: 'Node.js',
  ProcessVersionInfoProductName: 'Node.js',
  ProcessVersionInfoFileDescription: 'Node.js JavaScript Runtime',
  ProcessVersionInfoProductVersion: '18.17.1',
  ProcessVersionInfoOriginalFileName: 'node.exe',
  AdditionalFields: {},
};

/** The same row after the ASIM Defender process parser (renamed columns; PE version fields passed through). */
const ASIM_ROW = {
  EventType: 'ProcessCreated',
  EventProduct: 'M365 Defender for Endpoint',
  DvcOs: 'Windows',
  Dvc: 'win-app-01',
  TargetProcessName: 'c:\\program files\\nodejs\\node.exe',
  TargetProcessFilename: 'node.exe',
  TargetProcessCommandLine: '"node.exe" server.js',
  TargetProcessId: '7312',
  ProcessVersionInfoCompanyName: 'Node.js',
  ProcessVersionInfoProductName: 'Node.js',
  ProcessVersionInfoFileDescription: 'Node.js JavaScript Runtime',
  ProcessVersionInfoProductVersion: '18.17.1',
  ProcessVersionInfoOriginalFileName: 'node.exe',
  // The union's Sysmon-leg columns, empty on a Defender row (Log Analytics returns every column of a result).
  TargetProcessFileProduct: '',
  TargetProcessFileCompany: '',
  TargetProcessFileDescription: '',
  TargetProcessFileVersion: '',
};

const rule = (field: string, value: string) =>
  compileRule(
    parseRuleText(
      `title: t\nlogsource:\n    category: process_creation\n    product: windows\ndetection:\n    selection:\n        ${field}: '${value}'\n    condition: selection\n`,
      'r.yml',
    ).rules[0]!,
  );

describe('Defender process rows', () => {
  it.each([
    ['Product', 'Node.js'],
    ['Company', 'Node.js'],
    ['Description', 'Node.js JavaScript Runtime'],
    ['FileVersion', '18.17.1'],
    ['OriginalFileName', 'node.exe'],
  ])('%s matches through asim as through mde', (field, value) => {
    const mde = adaptRow(categoryMapping('mde', 'process_creation')!, MDE_ROW);
    const asim = adaptRow(categoryMapping('asim', 'process_creation')!, ASIM_ROW);
    expect(rule(field, value).matches(mde)).toBe(true);
    expect(rule(field, value).matches(asim)).toBe(true);
  });

  it('mde: TerminalSessionId is CreatedProcessSessionId; ProcessGuid is not the numeric ProcessUniqueId', () => {
    const event = adaptRow(categoryMapping('mde', 'process_creation')!, MDE_ROW);
    expect(event.TerminalSessionId).toBe(2);
    expect(event).not.toHaveProperty('ProcessGuid');
  });

  it('the fixture\'s rows adapt on both targets to the same image, command line and PE data', () => {
    for (const row of defenderProcessRows()) {
      const mde = adaptRow(categoryMapping('mde', 'process_creation')!, row);
      const asim = adaptRow(categoryMapping('asim', 'process_creation')!, asimProcessRowOfDefender(row));
      for (const field of ['Image', 'CommandLine', 'ParentImage', 'ParentCommandLine', 'Product', 'Company', 'Description', 'OriginalFileName', 'User']) {
        expect(asim[field], field).toEqual(mde[field]);
      }
    }
  });

  it('mde: CurrentDirectory is AdditionalFields.ProcessCurrentWorkingDirectory, read alike by the query and the adapter', () => {
    const mapping = categoryMapping('mde', 'process_creation')!;
    const linuxRow = defenderProcessRows().find((row) => String(row.ProcessCommandLine).startsWith('base64'))!;
    expect(adaptRow(mapping, linuxRow).CurrentDirectory).toBe('/tmp/.x');
    const text = `title: t\nlogsource:\n    category: process_creation\n    product: linux\ndetection:\n    selection:\n        CurrentDirectory|startswith: '/tmp/'\n    condition: selection\n`;
    const conversion = compileToKql(parseRuleText(text, 'cwd.yml').rules[0]!, 'mde');
    if (!conversion.ok) throw new Error(conversion.reason);
    expect(conversion.kql).toContain('tostring(AdditionalFields.ProcessCurrentWorkingDirectory)');
    const query = compileKqlQuery(conversion.kql, { columns: mapping.columns, now: new Date(linuxRow.TimeGenerated as Date) });
    expect(query.matches(linuxRow)).toBe(true);
    for (const row of defenderProcessRows()) {
      expect(query.matches(row)).toBe(compileRule(parseRuleText(text, 'cwd.yml').rules[0]!).matches(adaptRow(mapping, row)));
    }
  });

  it("lint-kql accepts Defender's real EventType values on ASIM process events", () => {
    for (const value of ['ProcessCreated', 'ProcessCreatedAggregatedReport']) {
      const findings = lintKql(`_Im_ProcessCreate(starttime=ago(1h), endtime=now())\n| where EventType == "${value}"`, 'asim');
      expect(findings.filter((finding) => finding.message.includes('EventType'))).toEqual([]);
    }
    const typo = lintKql('_Im_ProcessCreate(starttime=ago(1h), endtime=now())\n| where EventType == "ProcessCreate"', 'asim');
    expect(typo.some((finding) => finding.message.includes('EventType'))).toBe(true);
  });
});
