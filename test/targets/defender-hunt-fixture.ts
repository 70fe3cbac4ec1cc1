// The hunt over Defender process rows that the target tests share: Azurite and the Log Analytics fake, the rows
// placed as the target's source holds them, the SigmaHQ Windows and Linux process_creation rules, and one hunt
// run through the real LogsQueryClient. One place, so the mde/asim tests cannot drift apart in how they hunt.
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { loadHuntRules } from '../../src/hunt/clients.js';
import type { HuntRule } from '../../src/hunt/pipeline.js';
import type { HuntSummary } from '../../src/hunt/summary.js';
import { DEFAULT_INGESTION_TIME_COLUMN } from '../../src/kql/oracle.js';
import type { SampleWorkspace } from '../../src/local/sample-workspace.js';
import { categoryMapping } from '../../src/targets/index.js';
import { ANCHOR, collectingLog, dumpTables, freshTables, huntRunner, serveWorkspace, startServices, type Services } from '../integration/harness.js';
import { sharedRoot } from '../support/paths.js';
import { asimProcessRowOfDefender } from './defender-asim.js';

export type DefenderTarget = 'mde' | 'asim';
type Row = Record<string, unknown>;

/** The corpus's process_creation rules for both device OSes (a Linux row must be hunted by Windows rules too). */
export const PROCESS_CREATION_RULES = ['windows', 'linux'].map((os) => path.join(sharedRoot, 'sigma-rules', 'rules', os, 'process_creation'));

/** A DeviceProcessEvents row as the target reads it: as is on mde, after the ASIM Defender parser on asim. */
export function defenderRowFor(target: DefenderTarget, row: Row): Row {
  return target === 'asim' ? asimProcessRowOfDefender(row) : row;
}

const loaded = new Map<DefenderTarget, Promise<HuntRule[]>>();
/** PROCESS_CREATION_RULES loaded for `target` (once per test file). */
export function defenderRules(target: DefenderTarget): Promise<HuntRule[]> {
  if (!loaded.has(target)) {
    loaded.set(
      target,
      (async () => {
        const rules: HuntRule[] = [];
        for (const folder of PROCESS_CREATION_RULES) rules.push(...(await loadHuntRules({ rulesPath: folder, target }, collectingLog())).rules);
        return rules;
      })(),
    );
  }
  return loaded.get(target)!;
}

/** The rows as the target's source holds them, ingested one a minute over the 20 minutes before ANCHOR. */
export function defenderWorkspace(target: DefenderTarget, rows: readonly Row[]): SampleWorkspace {
  const mapping = categoryMapping(target, 'process_creation')!;
  const placed = rows.map((row, index) => {
    const ingestedAt = new Date(ANCHOR.getTime() - 20 * 60_000 + index * 60_000);
    const timed = { ...row, TimeGenerated: new Date(ingestedAt.getTime() - 30_000) };
    return { ...defenderRowFor(target, timed), [DEFAULT_INGESTION_TIME_COLUMN]: ingestedAt };
  });
  return { target, mapping, rows: placed };
}

export interface DefenderHunt {
  /** One hunt at ANCHOR of `rules` over `rows` on `target`, into fresh tables: its summary and the incidents. */
  hunt(target: DefenderTarget, rows: readonly Row[], rules: HuntRule[]): Promise<{ summary: HuntSummary; incidents: Row[] }>;
}

/** Starts Azurite and the fake for the enclosing describe (or file) and stops them after it. */
export function useDefenderHunt(): DefenderHunt {
  let services: Services;
  beforeAll(async () => {
    services = await startServices();
  }, 120_000);
  afterAll(async () => services?.stop());
  return {
    async hunt(target, rows, rules) {
      serveWorkspace(services.fake, defenderWorkspace(target, rows));
      const tables = await freshTables(services.azurite);
      const summary = await huntRunner(services, tables, rules).run(ANCHOR, { settings: { target } });
      return { summary, incidents: (await dumpTables(tables)).incidents };
    },
  };
}
