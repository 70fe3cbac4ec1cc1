// Real exported DeviceProcessEvents rows (test/targets/fixtures/README.md: three rows from a Linux device, copied
// unmodified from Azure-Sentinel's sample export; Windows rows in a real portal export's shape: exported-windows.test.ts).
// Through `scan --target mde` (the CSV export itself) and `--target asim` (the rows after the ASIM Defender
// parser), and through the hunt (Log Analytics fake + the real LogsQueryClient): no Windows rule matches the
// Linux device's rows, and every rule testing Product / Company / Description gives asim's verdict as mde's.
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { HuntRule } from '../../src/hunt/pipeline.js';
import { adaptRow, categoryMapping } from '../../src/targets/index.js';
import { captureCli } from '../support/cli.js';
import { asimProcessRowOfDefender } from './defender-asim.js';
import { defenderRowFor as rowFor, defenderRules as rulesOf, PROCESS_CREATION_RULES, useDefenderHunt } from './defender-hunt-fixture.js';
import { EXPORTED_DEFENDER_CSV, exportedDatetime, exportedDefenderRows } from './exported-defender.js';

const LINUX_HOST = 'ip-172-31-46-50';

type Row = Record<string, unknown>;
let rows: Row[];
let asimFile: string;
/** Rules whose detection tests a PE version-info field. */
const VERSION_INFO = new Set(['Product', 'Company', 'Description']);
const testsVersionInfo = (rule: HuntRule) =>
  [...rule.rule.detection.searches.values()].some((search) => search.kind === 'fields' && search.alternatives.some((map) => map.items.some((item) => VERSION_INFO.has(item.field ?? ''))));

beforeAll(async () => {
  rows = await exportedDefenderRows();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sigma-hunt-exported-'));
  asimFile = path.join(dir, 'im-process-create.jsonl');
  await writeFile(asimFile, rows.map((row) => JSON.stringify(asimProcessRowOfDefender(row))).join('\n') + '\n');
}, 120_000);

describe('the exported rows', () => {
  it('are three ProcessCreated rows of one Linux device, read as the ASIM parser reads them (DvcOs Linux)', () => {
    expect(rows).toHaveLength(3);
    expect(new Set(rows.map((row) => row.DeviceName))).toEqual(new Set([`${LINUX_HOST}.eu-central-1.compute.internal`]));
    for (const row of rows) {
      expect(row.ActionType).toBe('ProcessCreated');
      expect(asimProcessRowOfDefender(row).DvcOs).toBe('Linux');
      expect(typeof row.ProcessId).toBe('number');
      expect(row.TimeGenerated).toBeInstanceOf(Date);
    }
    // The export as it is: one row's FileName is "/" with an empty FolderPath; no row carries PE version data.
    expect(rows.map((row) => [row.FileName, row.FolderPath])).toEqual([['/', ''], ['runc', '/usr/sbin/runc'], ['runc', '/usr/sbin/runc']]);
    for (const row of rows) for (const column of ['ProcessVersionInfoCompanyName', 'ProcessVersionInfoProductName', 'ProcessVersionInfoFileDescription']) expect(row[column]).toBe('');
    expect(exportedDatetime('10/4/2023, 11:54:03.610 AM')?.toISOString()).toBe('2023-10-04T11:54:03.610Z');
    expect(exportedDatetime('10/4/2023, 12:54:03.610 PM')?.toISOString()).toBe('2023-10-04T12:54:03.610Z');
  });

  it('adapt on mde and asim to the same image, command line, user and PE version fields', () => {
    for (const row of rows) {
      const mde = adaptRow(categoryMapping('mde', 'process_creation')!, row);
      const asim = adaptRow(categoryMapping('asim', 'process_creation')!, asimProcessRowOfDefender(row));
      for (const field of ['Image', 'CommandLine', 'ParentImage', 'ParentCommandLine', 'Product', 'Company', 'Description', 'OriginalFileName', 'User']) {
        expect(asim[field], `${String(row.ReportId)} ${field}`).toEqual(mde[field]);
      }
      // The ASIM Defender parser never sets TargetProcessCurrentDirectory but passes AdditionalFields through:
      // both targets read the same cell.
      expect(mde.CurrentDirectory).toBe((row.AdditionalFields as Record<string, unknown>).ProcessCurrentWorkingDirectory);
      expect(asim.CurrentDirectory).toEqual(mde.CurrentDirectory);
    }
  });

  it('every rule testing Product / Company / Description gives the same verdict through asim as through mde', async () => {
    const mde = new Map((await rulesOf('mde')).filter(testsVersionInfo).map((rule) => [rule.ruleId, rule]));
    const asim = new Map((await rulesOf('asim')).filter(testsVersionInfo).map((rule) => [rule.ruleId, rule]));
    expect(mde.size).toBeGreaterThan(20);
    console.log(JSON.stringify({ versionInfoRules: mde.size }));
    expect([...asim.keys()].sort()).toEqual([...mde.keys()].sort());
    for (const [id, rule] of mde) {
      const other = asim.get(id)!;
      for (const row of rows) {
        expect(other.compiled.matches(adaptRow(other.mapping, rowFor('asim', row))), `${rule.rule.title} on ${String(row.ReportId)}`).toBe(
          rule.compiled.matches(adaptRow(rule.mapping, rowFor('mde', row))),
        );
      }
    }
  }, 120_000);
});

async function scan(target: 'mde' | 'asim'): Promise<{ code: number; matches: { ruleId: string; line: number }[]; err: string }> {
  const cli = captureCli({ cwd: process.cwd() });
  const code = await main(['scan', '--rule', ...PROCESS_CREATION_RULES, '--events', target === 'mde' ? EXPORTED_DEFENDER_CSV : asimFile, '--target', target], cli.io);
  const matches = cli.out().split('\n').filter(Boolean).map((line) => JSON.parse(line) as { ruleId: string; line: number });
  return { code, matches, err: cli.err() };
}

/** Windows rules the matcher alone (no OS scope) matches on some exported row: what the scope must hold back. */
async function unscopedWindows(target: 'mde' | 'asim'): Promise<string[]> {
  return (await rulesOf(target))
    .filter((rule) => rule.rule.logsource.product === 'windows' && rows.some((row) => rule.compiled.matches(adaptRow(rule.mapping, rowFor(target, row)))))
    .map((rule) => rule.ruleId)
    .sort();
}

describe('scan --target on the exported Linux rows', () => {
  const runs = new Map<string, ReturnType<typeof scan>>();
  const run = (target: 'mde' | 'asim') => {
    if (!runs.has(target)) runs.set(target, scan(target));
    return runs.get(target)!;
  };
  for (const target of ['mde', 'asim'] as const) {
    it(`${target}: no Windows rule matches`, async () => {
      const { code, matches, err } = await run(target);
      expect(code, err).toBe(0);
      const windows = new Set((await rulesOf(target)).filter((rule) => rule.rule.logsource.product === 'windows').map((rule) => rule.ruleId));
      expect(matches.filter((match) => windows.has(match.ruleId))).toEqual([]);
      const unscoped = await unscopedWindows(target);
      const titles = new Map((await rulesOf(target)).map((rule) => [rule.ruleId, rule.rule.title]));
      console.log(JSON.stringify({ target, rows: rows.length, matches: matches.length, windowsRulesUnscoped: unscoped.map((id) => titles.get(id)) }));
    }, 300_000);
  }
  it('mde and asim give the same matches, and the same Windows rules would match without the OS scope', async () => {
    const key = (matches: { ruleId: string; line: number }[]) => matches.map((match) => `${match.ruleId}@${match.line}`).sort();
    expect(key((await run('asim')).matches)).toEqual(key((await run('mde')).matches));
    expect(await unscopedWindows('asim')).toEqual(await unscopedWindows('mde'));
  }, 300_000);
});

describe('the hunt on the exported Linux rows', () => {
  const defender = useDefenderHunt();

  const incidentsOf = new Map<string, string[]>();
  for (const target of ['mde', 'asim'] as const) {
    it(`${target}: no Windows rule makes an incident on the Linux device`, async () => {
      // Hunt every rule that matches some row (the Windows ones only without their OS scope), as the hunt would.
      const rules = (await rulesOf(target)).filter((rule) => rows.some((row) => rule.compiled.matches(adaptRow(rule.mapping, rowFor(target, row)))));
      const windows = rules.filter((rule) => rule.rule.logsource.product === 'windows');
      expect(windows.length).toBeGreaterThan(0);
      const { summary, incidents } = await defender.hunt(target, rows, rules);
      expect(summary.outcome).toBe('ok');
      expect(summary.totals.kqlOverMatch).toBe(0);
      const windowsIds = new Set(windows.map((rule) => rule.ruleId));
      expect(incidents.filter((incident) => windowsIds.has(String(incident.ruleId)))).toEqual([]);
      for (const incident of incidents) expect(String(incident.host).startsWith(LINUX_HOST)).toBe(true);
      incidentsOf.set(target, incidents.map((incident) => String(incident.ruleId)).sort());
      console.log(JSON.stringify({ target, rulesHunted: rules.length, windowsRulesHunted: windows.length, incidents: incidents.length }));
    }, 300_000);
  }
  it('mde and asim make the same incidents', () => {
    expect(incidentsOf.get('asim')).toEqual(incidentsOf.get('mde'));
  });
});
