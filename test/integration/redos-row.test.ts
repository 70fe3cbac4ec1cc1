// Hunt fault suite, the reviewer's ReDoS row (issue 10): a page of ASIM process-creation rows holding the crafted
// invoke_obfuscation command line, hunted with that SigmaHQ rule through the real LogsQueryClient, the Log
// Analytics fake and Azurite. On V8's backtracking RegExp the row cost minutes of CPU and, as the watermark only
// moves after a page is stored, stalled every tick. On RE2 the page completes inside its run budget, the crafted
// row is a verified hit (no verdict lost), and a second run, or a re-run of the window, changes nothing.
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { loadHuntRules } from '../../src/hunt/clients.js';
import type { HuntRule } from '../../src/hunt/pipeline.js';
import { DEFAULT_INGESTION_TIME_COLUMN } from '../../src/kql/oracle.js';
import { oracleResponder } from '../../src/local/sample-workspace.js';
import { IncidentStore } from '../../src/store/incident-store.js';
import { categoryMapping } from '../../src/targets/index.js';
import { sharedRoot } from '../support/paths.js';
import { CRAFTED_INVOKE_OBFUSCATION_COMMAND_LINE, INVOKE_OBFUSCATION_RULE_FILE } from '../redos/crafted.js';
import { ANCHOR, collectingLog, dumpTables, freshTables, huntRunner, startServices, type Services } from './harness.js';

const MINUTE = 60_000;
const mapping = categoryMapping('asim', 'process_creation')!;

/** An ASIM process-creation row: every declared column, blank unless given. */
function processRow(index: number, commandLine: string): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  for (const column of mapping.columns) row[column.name] = column.type === 'string' ? '' : null;
  const timeGenerated = new Date(ANCHOR.getTime() - (30 - index) * MINUTE);
  return {
    ...row,
    TimeGenerated: timeGenerated,
    [DEFAULT_INGESTION_TIME_COLUMN]: new Date(timeGenerated.getTime() + 30_000),
    EventProduct: 'Sysmon',
    EventOriginalUid: `uid-${index}`,
    _ItemId: `item-${index}`,
    Dvc: 'WKS-07',
    DvcHostname: 'WKS-07',
    TargetProcessName: 'C:\\Windows\\System32\\cmd.exe',
    TargetProcessCommandLine: commandLine,
    TargetProcessId: String(4000 + index),
    TargetUsername: 'CONTOSO\\alice',
    ActingProcessName: 'C:\\Windows\\explorer.exe',
  };
}

const rows = [
  processRow(0, 'cmd.exe /c dir'),
  processRow(1, CRAFTED_INVOKE_OBFUSCATION_COMMAND_LINE),
  processRow(2, 'cmd /c"set abcd {0}\\" -f)"' + ')'.repeat(20_000)),
  processRow(3, 'cmd /c"set abcd {0}\\" -f' + ')'.repeat(5_000)),
];

let services: Services;
let rules: HuntRule[];
beforeAll(async () => {
  services = await startServices();
  services.fake.setRespond(oracleResponder({ mapping, rows: () => rows }));
  rules = (await loadHuntRules({ rulesPath: path.join(sharedRoot, 'sigma-rules', INVOKE_OBFUSCATION_RULE_FILE), target: 'asim' }, collectingLog())).rules;
});
afterAll(async () => services?.stop());

test('a page holding the crafted invoke_obfuscation row completes in its budget with the row as a hit, idempotently', async () => {
  expect(rules.map((rule) => rule.ruleId)).toEqual(['27aec9c9-dbb0-4939-8422-1742242471d0']);
  const tables = await freshTables(services.azurite);
  const runner = huntRunner(services, tables, rules);
  const first = await runner.run(ANCHOR);
  expect(first.outcome).toBe('ok');
  expect(first.rules[0]!.stopped).toBeUndefined();
  // Rows 1 and 2 match (the closing quote follows a parenthesis); row 3 has no quote after `-f`: the KQL
  // pre-filter may pass it, the matcher rejects it.
  expect(first.totals.verifiedHits).toBe(2);
  const hits = await new IncidentStore(tables.incidents).listIncidents();
  expect(hits.length).toBeGreaterThan(0);
  const clean = await dumpTables(tables);
  expect(JSON.stringify(clean.incidents)).toContain('uid-1');

  const second = await runner.run(new Date(ANCHOR.getTime() + 5 * MINUTE));
  expect(second.outcome).toBe('ok');
  expect(second.totals.incidentsCreated).toBe(0);
  const rerun = await runner.run(ANCHOR, { settings: { sinceMs: 60 * MINUTE } });
  expect(rerun.totals.verifiedHits).toBe(2);
  expect(await dumpTables(tables)).toEqual({ ...clean, checkpoints: (await dumpTables(tables)).checkpoints });
  expect((await dumpTables(tables)).incidents).toEqual(clean.incidents);
});
