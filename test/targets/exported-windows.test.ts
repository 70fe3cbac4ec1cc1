// Windows DeviceProcessEvents rows in the real Defender portal export's shape (test/targets/fixtures/README.md),
// through `scan --target mde` (the CSV itself) and `--target asim` (the rows after the ASIM Defender parser), and
// through the hunt (Log Analytics fake + the real LogsQueryClient): every rule testing Product / Company /
// Description gives the same verdict through asim as through mde, some of them match, and no Linux rule does.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { loadHuntRules } from '../../src/hunt/clients.js';
import type { HuntRule } from '../../src/hunt/pipeline.js';
import { HIT_ROW_KEY_PREFIX } from '../../src/incidents/keys.js';
import { DEFAULT_INGESTION_TIME_COLUMN } from '../../src/kql/oracle.js';
import type { SampleWorkspace } from '../../src/local/sample-workspace.js';
import { adaptRow, categoryMapping } from '../../src/targets/index.js';
import { rowInProduct } from '../../src/targets/product.js';
import { ANCHOR, collectingLog, dumpTables, freshTables, huntRunner, serveWorkspace, startServices, type Services } from '../integration/harness.js';
import { captureCli } from '../support/cli.js';
import { sharedRoot } from '../support/paths.js';
import { asimProcessRowOfDefender } from './defender-asim.js';
import { portalDatetime, WINDOWS_EXPORT_CSV, windowsExportRows } from './exported-windows.js';

const WINDOWS = path.join(sharedRoot, 'sigma-rules', 'rules', 'windows', 'process_creation');
const LINUX = path.join(sharedRoot, 'sigma-rules', 'rules', 'linux', 'process_creation');
const HOST = 'srv-app07';

/** The header of the public export (marcusforsberg-truesec/ctf-Utili-Mystery DeviceProcessEvents.csv at
 *  00620f96d7a75efa2ba240ca1388e3d1e28d8a5f), in its order: the Defender portal's advanced hunting export. */
const REAL_EXPORT_HEADER = [
  'Timestamp', 'DeviceId', 'DeviceName', 'ActionType', 'FileName', 'FolderPath', 'SHA1', 'SHA256', 'MD5', 'FileSize',
  'ProcessVersionInfoCompanyName', 'ProcessVersionInfoProductName', 'ProcessVersionInfoProductVersion', 'ProcessVersionInfoInternalFileName',
  'ProcessVersionInfoOriginalFileName', 'ProcessVersionInfoFileDescription', 'ProcessId', 'ProcessCommandLine', 'ProcessIntegrityLevel',
  'ProcessTokenElevation', 'ProcessCreationTime', 'AccountDomain', 'AccountName', 'AccountSid', 'LogonId', 'InitiatingProcessAccountDomain',
  'InitiatingProcessAccountName', 'InitiatingProcessAccountSid', 'InitiatingProcessLogonId', 'InitiatingProcessIntegrityLevel',
  'InitiatingProcessTokenElevation', 'InitiatingProcessSHA1', 'InitiatingProcessSHA256', 'InitiatingProcessMD5', 'InitiatingProcessFileName',
  'InitiatingProcessFileSize', 'InitiatingProcessVersionInfoCompanyName', 'InitiatingProcessVersionInfoProductName',
  'InitiatingProcessVersionInfoProductVersion', 'InitiatingProcessVersionInfoInternalFileName', 'InitiatingProcessVersionInfoOriginalFileName',
  'InitiatingProcessVersionInfoFileDescription', 'InitiatingProcessId', 'InitiatingProcessCommandLine', 'InitiatingProcessCreationTime',
  'InitiatingProcessFolderPath', 'InitiatingProcessParentId', 'InitiatingProcessParentFileName', 'InitiatingProcessParentCreationTime',
  'InitiatingProcessSignerType', 'InitiatingProcessSignatureStatus', 'ReportId', 'AdditionalFields', 'InitiatingProcessSessionId',
  'IsInitiatingProcessRemoteSession', 'CreatedProcessSessionId', 'IsProcessRemoteSession', 'ProcessUniqueId', 'InitiatingProcessUniqueId',
];

type Row = Record<string, unknown>;
type Target = 'mde' | 'asim';
let rows: Row[];
let asimFile: string;
const loaded = new Map<Target, HuntRule[]>();
async function rulesOf(target: Target): Promise<HuntRule[]> {
  if (!loaded.has(target)) {
    const all: HuntRule[] = [];
    for (const folder of [WINDOWS, LINUX]) all.push(...(await loadHuntRules({ rulesPath: folder, target }, collectingLog())).rules);
    loaded.set(target, all);
  }
  return loaded.get(target)!;
}
const rowFor = (target: Target, row: Row) => (target === 'asim' ? asimProcessRowOfDefender(row) : row);
const VERSION_INFO = new Set(['Product', 'Company', 'Description']);
const testsVersionInfo = (rule: HuntRule) =>
  [...rule.rule.detection.searches.values()].some((search) => search.kind === 'fields' && search.alternatives.some((map) => map.items.some((item) => VERSION_INFO.has(item.field ?? ''))));

beforeAll(async () => {
  rows = await windowsExportRows();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sigma-hunt-exported-windows-'));
  asimFile = path.join(dir, 'im-process-create.jsonl');
  await writeFile(asimFile, rows.map((row) => JSON.stringify(asimProcessRowOfDefender(row))).join('\n') + '\n');
}, 120_000);

describe('the Windows rows in the portal export shape', () => {
  it('keep the real export header, and are ten ProcessCreated rows of one Windows device on both targets', async () => {
    const header = (await readFile(WINDOWS_EXPORT_CSV, 'utf8')).split('\n')[0]!.split(',');
    expect(header).toEqual(REAL_EXPORT_HEADER);
    expect(rows).toHaveLength(10);
    const mde = categoryMapping('mde', 'process_creation')!;
    const asim = categoryMapping('asim', 'process_creation')!;
    for (const row of rows) {
      expect(row.DeviceName).toBe(HOST);
      expect(row.ActionType).toBe('ProcessCreated');
      expect(rowInProduct(mde.products.windows!, row)).toBe(true);
      expect(rowInProduct(mde.products.linux!, row)).toBe(false);
      expect(asimProcessRowOfDefender(row).DvcOs).toBe('Windows');
      expect(rowInProduct(asim.products.windows!, asimProcessRowOfDefender(row))).toBe(true);
      expect(typeof row.ProcessUniqueId).toBe('number');
      expect(row.TimeGenerated).toBeInstanceOf(Date);
    }
    // The export's own forms: packaged apps carry no version info; a description with a mis-decoded ®.
    expect(rows.filter((row) => row.ProcessVersionInfoCompanyName === '').map((row) => row.FileName)).toEqual(['StartMenuExperienceHost.exe']);
    expect(rows.map((row) => row.ProcessVersionInfoFileDescription)).toContain('Microsoft AzureÂ®');
    expect(portalDatetime('Oct 9, 2024 2:41:10 PM')?.toISOString()).toBe('2024-10-09T14:41:10.000Z');
    expect(portalDatetime('Oct 9, 2024 12:05:01 AM')?.toISOString()).toBe('2024-10-09T00:05:01.000Z');
    expect(portalDatetime('9 Oct 2024 14:41')).toBeNull();
  });

  it('adapt on mde and asim to the same PE version fields, image, command line and users', () => {
    const mde = categoryMapping('mde', 'process_creation')!;
    const asim = categoryMapping('asim', 'process_creation')!;
    for (const row of rows) {
      const fromMde = adaptRow(mde, row);
      const fromAsim = adaptRow(asim, asimProcessRowOfDefender(row));
      for (const field of ['Image', 'CommandLine', 'ParentImage', 'ParentCommandLine', 'Product', 'Company', 'Description', 'FileVersion', 'OriginalFileName', 'User', 'IntegrityLevel']) {
        expect(fromAsim[field], `${String(row.ReportId)} ${field}`).toEqual(fromMde[field]);
      }
      expect(fromMde.Company).toBe(row.ProcessVersionInfoCompanyName === '' ? undefined : row.ProcessVersionInfoCompanyName);
    }
  });

  it('every rule testing Product / Company / Description gives the same verdict through asim as through mde, each field deciding some', async () => {
    const mde = new Map((await rulesOf('mde')).filter(testsVersionInfo).map((rule) => [rule.ruleId, rule]));
    const asim = new Map((await rulesOf('asim')).filter(testsVersionInfo).map((rule) => [rule.ruleId, rule]));
    expect([...asim.keys()].sort()).toEqual([...mde.keys()].sort());
    const matched = new Set<string>();
    /** Per field, the matches that the field decides: without it in the event, the rule no longer matches. */
    const decidedBy = new Map<string, Set<string>>([...VERSION_INFO].map((field) => [field, new Set<string>()]));
    for (const [id, rule] of mde) {
      const other = asim.get(id)!;
      for (const row of rows) {
        const event = adaptRow(rule.mapping, rowFor('mde', row));
        const verdict = rule.compiled.matches(event);
        expect(other.compiled.matches(adaptRow(other.mapping, rowFor('asim', row))), `${rule.rule.title} on ${String(row.ReportId)}`).toBe(verdict);
        if (!verdict) continue;
        matched.add(rule.rule.title);
        for (const [field, decided] of decidedBy) {
          const without = { ...event };
          delete without[field];
          if (!rule.compiled.matches(without)) decided.add(`${rule.rule.title} on ${String(row.FileName)}`);
        }
      }
    }
    for (const [field, decided] of decidedBy) expect(decided.size, field).toBeGreaterThan(0);
    console.log(JSON.stringify({ versionInfoRules: mde.size, matching: [...matched].sort(), decidedBy: Object.fromEntries([...decidedBy].map(([field, decided]) => [field, [...decided].sort()])) }));
  }, 120_000);
});

async function unscopedLinux(target: Target): Promise<string[]> {
  return (await rulesOf(target))
    .filter((rule) => rule.rule.logsource.product === 'linux' && rows.some((row) => rule.compiled.matches(adaptRow(rule.mapping, rowFor(target, row)))))
    .map((rule) => rule.rule.title)
    .sort();
}

async function scan(target: Target): Promise<{ code: number; matches: { ruleId: string; line: number }[]; err: string }> {
  const cli = captureCli({ cwd: process.cwd() });
  const code = await main(['scan', '--rule', WINDOWS, LINUX, '--events', target === 'mde' ? WINDOWS_EXPORT_CSV : asimFile, '--target', target], cli.io);
  const matches = cli.out().split('\n').filter(Boolean).map((line) => JSON.parse(line) as { ruleId: string; line: number });
  return { code, matches, err: cli.err() };
}

describe('scan --target on the Windows rows', () => {
  const runs = new Map<Target, ReturnType<typeof scan>>();
  const run = (target: Target) => {
    if (!runs.has(target)) runs.set(target, scan(target));
    return runs.get(target)!;
  };
  for (const target of ['mde', 'asim'] as const) {
    it(`${target}: rules on Product / Company / Description match, no Linux rule does`, async () => {
      const { code, matches, err } = await run(target);
      expect(code, err).toBe(0);
      const rules = await rulesOf(target);
      const linux = new Set(rules.filter((rule) => rule.rule.logsource.product === 'linux').map((rule) => rule.ruleId));
      expect(matches.filter((match) => linux.has(match.ruleId))).toEqual([]);
      // The miner's command line is one a Linux rule matches when its OS scope is left out.
      const unscoped = await unscopedLinux(target);
      expect(unscoped.length).toBeGreaterThan(0);
      const versionInfo = new Set(rules.filter(testsVersionInfo).map((rule) => rule.ruleId));
      expect(matches.filter((match) => versionInfo.has(match.ruleId)).length).toBeGreaterThanOrEqual(3);
      console.log(JSON.stringify({ target, rows: rows.length, matches: matches.length, versionInfoMatches: matches.filter((match) => versionInfo.has(match.ruleId)).length, linuxRulesUnscoped: unscoped }));
    }, 300_000);
  }
  it('mde and asim give the same matches, and the same Linux rules would match without the OS scope', async () => {
    const key = (matches: { ruleId: string; line: number }[]) => matches.map((match) => `${match.ruleId}@${match.line}`).sort();
    expect(key((await run('asim')).matches)).toEqual(key((await run('mde')).matches));
    expect(await unscopedLinux('asim')).toEqual(await unscopedLinux('mde'));
  }, 300_000);
});

describe('the hunt on the Windows rows', () => {
  let services: Services;
  beforeAll(async () => {
    services = await startServices();
  }, 120_000);
  afterAll(async () => services?.stop());

  function workspaceOf(target: Target): SampleWorkspace {
    const mapping = categoryMapping(target, 'process_creation')!;
    const placed = rows.map((row, index) => {
      const ingestedAt = new Date(ANCHOR.getTime() - 20 * 60_000 + index * 60_000);
      const timed = { ...row, TimeGenerated: new Date(ingestedAt.getTime() - 30_000) };
      return { ...rowFor(target, timed), [DEFAULT_INGESTION_TIME_COLUMN]: ingestedAt };
    });
    return { target, mapping, rows: placed };
  }

  const incidentsOf = new Map<Target, string[]>();
  for (const target of ['mde', 'asim'] as const) {
    it(`${target}: the rules on Product / Company / Description make incidents on the Windows device, no Linux rule does`, async () => {
      // Hunt every rule that matches some row (the Linux ones only without their OS scope), as the hunt would.
      const rules = (await rulesOf(target)).filter((rule) => rows.some((row) => rule.compiled.matches(adaptRow(rule.mapping, rowFor(target, row)))));
      serveWorkspace(services.fake, workspaceOf(target));
      const tables = await freshTables(services.azurite);
      const summary = await huntRunner(services, tables, rules).run(ANCHOR, { settings: { target } });
      expect(summary.outcome).toBe('ok');
      expect(summary.totals.kqlOverMatch).toBe(0);
      // The incidents table also holds each incident's hits (RowKey hit_...): the incidents are the other entities.
      const incidents = (await dumpTables(tables)).incidents.filter((entity) => !String(entity.rowKey).startsWith(HIT_ROW_KEY_PREFIX));
      expect(incidents.length).toBeGreaterThan(0);
      const linux = new Set(rules.filter((rule) => rule.rule.logsource.product === 'linux').map((rule) => rule.ruleId));
      expect(linux.size).toBeGreaterThan(0);
      expect(incidents.filter((incident) => linux.has(String(incident.ruleId)))).toEqual([]);
      for (const incident of incidents) expect(String(incident.host).toLowerCase().startsWith(HOST)).toBe(true);
      // Every rule on the version info that the matcher matches on some row (9 of them) makes its incident.
      const versionInfo = rules.filter(testsVersionInfo).map((rule) => rule.ruleId);
      expect(versionInfo.length).toBeGreaterThanOrEqual(3);
      const incidentRules = new Set(incidents.map((incident) => String(incident.ruleId)));
      expect(versionInfo.filter((id) => !incidentRules.has(id))).toEqual([]);
      incidentsOf.set(target, incidents.map((incident) => String(incident.ruleId)).sort());
      console.log(JSON.stringify({ target, rulesHunted: rules.length, linuxRulesHunted: linux.size, incidents: incidents.length }));
    }, 300_000);
  }
  it('mde and asim make the same incidents', () => {
    expect(incidentsOf.get('asim')).toEqual(incidentsOf.get('mde'));
  });
});
