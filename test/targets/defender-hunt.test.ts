// The fixture's Defender rows (Windows and Linux devices, test/targets/fixtures) served by the Log Analytics fake
// and hunted through the real LogsQueryClient, on mde (DeviceProcessEvents) and on asim (the same rows after the
// ASIM Defender parser): no Windows rule matches a Linux device's row, Linux rules do, and both targets agree.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadHuntRules } from '../../src/hunt/clients.js';
import type { HuntRule } from '../../src/hunt/pipeline.js';
import { DEFAULT_INGESTION_TIME_COLUMN } from '../../src/kql/oracle.js';
import type { SampleWorkspace } from '../../src/local/sample-workspace.js';
import { adaptRow, categoryMapping } from '../../src/targets/index.js';
import type { TargetName } from '../../src/targets/types.js';
import { ANCHOR, collectingLog, dumpTables, freshTables, huntRunner, serveWorkspace, startServices, type Services } from '../integration/harness.js';
import { sharedRoot } from '../support/paths.js';
import { asimProcessRowOfDefender, defenderProcessRows } from './defender-asim.js';

const RULES = ['windows', 'linux'].map((os) => path.join(sharedRoot, 'sigma-rules', 'rules', os, 'process_creation'));
const LINUX_HOST = 'ip-172-31-46-50.eu-central-1.compute.internal';

let services: Services;
const rows = defenderProcessRows();
const isLinux = (row: Record<string, unknown>) => String(row.FolderPath).startsWith('/');

beforeAll(async () => {
  services = await startServices();
}, 120_000);
afterAll(async () => services?.stop());

/** The fixture as the target's source holds it, ingested over the 20 minutes before ANCHOR. */
function workspaceOf(target: 'mde' | 'asim'): SampleWorkspace {
  const mapping = categoryMapping(target, 'process_creation')!;
  const placed = rows.map((row, index) => {
    const ingestedAt = new Date(ANCHOR.getTime() - 20 * 60_000 + index * 60_000);
    const timed = { ...row, TimeGenerated: new Date(ingestedAt.getTime() - 30_000) };
    return { ...(target === 'asim' ? asimProcessRowOfDefender(timed) : timed), [DEFAULT_INGESTION_TIME_COLUMN]: ingestedAt };
  });
  return { target, mapping, rows: placed };
}

/** Every rule that the matcher alone (no product test) matches on some fixture row: what the OS scope decides. */
async function candidates(target: TargetName): Promise<{ rules: HuntRule[]; windowsOnLinux: string[] }> {
  const rules: HuntRule[] = [];
  const windowsOnLinux: string[] = [];
  for (const folder of RULES) {
    for (const rule of (await loadHuntRules({ rulesPath: folder, target }, collectingLog())).rules) {
      const matched = rows.filter((row) => rule.compiled.matches(adaptRow(rule.mapping, target === 'asim' ? asimProcessRowOfDefender(row) : row)));
      if (matched.length === 0) continue;
      rules.push(rule);
      if (rule.rule.logsource.product === 'windows' && matched.some(isLinux)) windowsOnLinux.push(rule.rule.title);
    }
  }
  return { rules, windowsOnLinux };
}

type Outcome = { hits: Map<string, Set<string>>; incidents: Record<string, unknown>[]; windowsOnLinux: string[]; overMatch: number };
const outcomes = new Map<string, Outcome>();

async function hunt(target: 'mde' | 'asim'): Promise<Outcome> {
  const cached = outcomes.get(target);
  if (cached) return cached;
  const { rules, windowsOnLinux } = await candidates(target);
  serveWorkspace(services.fake, workspaceOf(target));
  const tables = await freshTables(services.azurite);
  const summary = await huntRunner(services, tables, rules).run(ANCHOR, { settings: { target } });
  expect(summary.outcome).toBe('ok');
  const { incidents } = await dumpTables(tables);
  const hits = new Map<string, Set<string>>();
  for (const incident of incidents) {
    const key = `${String(incident.ruleId)}`;
    const hosts = hits.get(key) ?? new Set<string>();
    hosts.add(String(incident.host));
    hits.set(key, hosts);
  }
  const outcome = { hits, incidents, windowsOnLinux, overMatch: summary.totals.kqlOverMatch };
  outcomes.set(target, outcome);
  return outcome;
}

const productOf = new Map<string, string>();
async function products(): Promise<Map<string, string>> {
  if (productOf.size === 0) {
    for (const folder of RULES) for (const rule of (await loadHuntRules({ rulesPath: folder, target: 'mde' }, collectingLog())).rules) productOf.set(rule.ruleId, rule.rule.logsource.product ?? '');
  }
  return productOf;
}

describe('Defender rows from Windows and Linux devices, hunted', () => {
  for (const target of ['mde', 'asim'] as const) {
    test(`${target}: no Windows rule makes an incident on the Linux device; a Linux rule does`, async () => {
      const outcome = await hunt(target);
      const product = await products();
      // Without the OS scope these Windows rules would have matched Linux rows (the 18 hits).
      expect(outcome.windowsOnLinux.length).toBeGreaterThan(0);
      const windowsOnLinux = [...outcome.hits].filter(([rule, hosts]) => product.get(rule) === 'windows' && [...hosts].some((host) => host.startsWith('ip-172-31-46-50')));
      expect(windowsOnLinux).toEqual([]);
      const linuxRules = [...outcome.hits].filter(([rule]) => product.get(rule) === 'linux');
      expect(linuxRules.length).toBeGreaterThan(0);
      for (const [, hosts] of linuxRules) for (const host of hosts) expect(host.startsWith(LINUX_HOST.split('.')[0]!)).toBe(true);
      const windowsRules = [...outcome.hits].filter(([rule]) => product.get(rule) === 'windows');
      expect(windowsRules.length).toBeGreaterThan(0);
      expect(outcome.overMatch).toBe(0);
      // Aggregated reports carry ProcessId 0: never an incident's process id.
      for (const incident of outcome.incidents) expect(JSON.stringify(incident)).not.toMatch(/"processId":"0"/);
      console.log(JSON.stringify({ target, rulesHunted: outcome.hits.size, incidents: outcome.incidents.length, windowsRulesSuppressedOnLinux: outcome.windowsOnLinux.length, linuxRules: linuxRules.map(([rule]) => rule), windowsRules: windowsRules.map(([rule]) => rule) }));
    }, 300_000);
  }

  test('mde and asim make incidents for the same rules', async () => {
    const mde = await hunt('mde');
    const asim = await hunt('asim');
    expect([...asim.hits.keys()].sort()).toEqual([...mde.hits.keys()].sort());
  }, 300_000);
});
