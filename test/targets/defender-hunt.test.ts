// The fixture's Defender rows (Windows and Linux devices, test/targets/fixtures) served by the Log Analytics fake
// and hunted through the real LogsQueryClient, on mde (DeviceProcessEvents) and on asim (the same rows after the
// ASIM Defender parser): no Windows rule matches a Linux device's row, Linux rules do, and both targets agree.
import { describe, expect, test } from 'vitest';
import type { HuntRule } from '../../src/hunt/pipeline.js';
import { adaptRow } from '../../src/targets/index.js';
import { defenderProcessRows } from './defender-asim.js';
import { defenderRowFor, defenderRules, useDefenderHunt, type DefenderTarget } from './defender-hunt-fixture.js';

const LINUX_HOST = 'ip-172-31-46-50.eu-central-1.compute.internal';

const rows = defenderProcessRows();
const isLinux = (row: Record<string, unknown>) => String(row.FolderPath).startsWith('/');
const defender = useDefenderHunt();

/** Every rule that the matcher alone (no product test) matches on some fixture row: what the OS scope decides. */
async function candidates(target: DefenderTarget): Promise<{ rules: HuntRule[]; windowsOnLinux: string[] }> {
  const rules: HuntRule[] = [];
  const windowsOnLinux: string[] = [];
  for (const rule of await defenderRules(target)) {
    const matched = rows.filter((row) => rule.compiled.matches(adaptRow(rule.mapping, defenderRowFor(target, row))));
    if (matched.length === 0) continue;
    rules.push(rule);
    if (rule.rule.logsource.product === 'windows' && matched.some(isLinux)) windowsOnLinux.push(rule.rule.title);
  }
  return { rules, windowsOnLinux };
}

type Outcome = { hits: Map<string, Set<string>>; incidents: Record<string, unknown>[]; windowsOnLinux: string[]; overMatch: number };
const outcomes = new Map<string, Outcome>();

async function hunt(target: DefenderTarget): Promise<Outcome> {
  const cached = outcomes.get(target);
  if (cached) return cached;
  const { rules, windowsOnLinux } = await candidates(target);
  const { summary, incidents } = await defender.hunt(target, rows, rules);
  expect(summary.outcome).toBe('ok');
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
    for (const rule of await defenderRules('mde')) productOf.set(rule.ruleId, rule.rule.logsource.product ?? '');
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
