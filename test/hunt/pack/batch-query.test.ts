import path from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { loadHuntRules } from '../../../src/hunt/clients.js';
import { BATCH_TAG_COLUMN, batchTemplate, planBatches, sourceKeyOf, taggedMembers } from '../../../src/hunt/pack/batch-query.js';
import type { HuntRule } from '../../../src/hunt/pipeline.js';
import { ruleQueryOf } from '../../../src/hunt/query-plan.js';
import { analyzeKql, kqlErrors } from '../../../src/kql/analysis.js';
import type { KqlQueryParts } from '../../../src/kql/compile.js';
import { compileKqlQuery, type OracleRow } from '../../../src/kql/oracle.js';
import { defaultSampleTiming, readSampleEvents, sampleWorkspace, sysmonProcessCreationRow } from '../../../src/local/sample-workspace.js';
import { parseRuleText } from '../../../src/rule/load.js';
import { categoryMapping, targetDatabase } from '../../../src/targets/index.js';
import type { TargetName } from '../../../src/targets/types.js';
import { projectRoot, sharedRoot } from '../../support/paths.js';

const CORPUS = path.join(sharedRoot, 'sigma-rules', 'rules', 'windows');
const ANCHOR = new Date('2026-03-02T10:00:00.000Z');
const PARAMETERS = { starttime: new Date('2026-03-02T08:00:00Z'), endtime: new Date('2026-03-02T10:00:00Z') };
const silent = { info() {}, warn() {}, error() {} };

const partsOf = (rules: readonly HuntRule[]): KqlQueryParts[] => rules.map((rule) => rule.query.parts!);

async function corpusRules(category: string, target: TargetName): Promise<HuntRule[]> {
  return (await loadHuntRules({ rulesPath: path.join(CORPUS, category), target }, silent)).rules;
}

function oracleOf(query: string, target: TargetName, category: string) {
  const columns = categoryMapping(target, category)!.columns.map(({ name, type }) => ({ name, type }));
  return compileKqlQuery(query, { columns, parameters: PARAMETERS });
}

/** For each row: the members whose own query keeps it, and their own output; against the batch's tag and output. */
function expectBatchAgreesWithMembers(members: readonly HuntRule[], rows: readonly OracleRow[], target: TargetName, category: string): number {
  const batch = oracleOf(batchTemplate(partsOf(members)), target, category);
  const own = members.map((member) => oracleOf(member.query.template, target, category));
  let tagged = 0;
  for (const row of rows) {
    const output = batch.run(row);
    const expected = own.flatMap((query, position) => (query.matches(row) ? [position] : []));
    expect(output ? taggedMembers(output[BATCH_TAG_COLUMN], members.length) : []).toEqual(expected);
    for (const position of expected) {
      // What the member sees of the row: its own query's output, column for column.
      const view = Object.fromEntries(members[position]!.query.parts!.columns.map((column) => [column, output![column]]));
      expect(view).toEqual(own[position]!.run(row));
    }
    if (expected.length > 0) tagged += 1;
  }
  return tagged;
}

describe('a batch query', () => {
  let network: HuntRule[];
  let processes: HuntRule[];
  let rows: OracleRow[];
  beforeAll(async () => {
    network = await corpusRules('network_connection', 'sysmon');
    processes = (await corpusRules('process_creation', 'sysmon')).slice(0, 150);
    const events = await readSampleEvents(path.join(projectRoot, 'samples', 'sysmon-network-connection.jsonl'));
    const sample = sampleWorkspace('sysmon', events, (index, count) => defaultSampleTiming(ANCHOR, index, count));
    rows = sample.rows;
  }, 120_000);

  test('tags each row with exactly the members whose own query keeps it, and projects what each member projects', () => {
    expect(network.length).toBeGreaterThan(40);
    expect(new Set(partsOf(network).map(sourceKeyOf)).size).toBe(1);
    expect(expectBatchAgreesWithMembers(network, rows, 'sysmon', 'network_connection')).toBeGreaterThan(0);
  });

  test('agrees with its members on process creations too, with more members than strcat takes arguments', () => {
    const processRows = rows.map((row, index) =>
      sysmonProcessCreationRow(
        {
          Computer: 'ws1',
          EventRecordID: index,
          Image: index % 2 === 0 ? 'C:\\Windows\\System32\\reg.exe' : 'C:\\Windows\\System32\\rundll32.exe',
          CommandLine: index % 2 === 0 ? 'reg add "HKCU\\Software\\Microsoft\\Windows Script\\Settings" /v AmsiEnable /t REG_DWORD /d 0 /f' : 'rundll32.exe javascript:"\\..\\mshtml,RunHTMLApplication ";alert(1)',
          ParentImage: 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe',
          OriginalFileName: index % 2 === 0 ? 'reg.exe' : 'RUNDLL32.EXE',
        },
        row.TimeGenerated as Date,
      ),
    );
    expect(processes.length).toBeGreaterThan(64);
    expect(expectBatchAgreesWithMembers(processes, processRows, 'sysmon', 'process_creation')).toBeGreaterThan(0);
  });

  test.each(['asim', 'mde', 'sysmon'] as const)('is accepted by the Kusto language service on %s', async (target) => {
    const members = (await corpusRules('process_creation', target)).slice(0, 80);
    expect(kqlErrors(analyzeKql(batchTemplate(partsOf(members)), targetDatabase(target)))).toEqual([]);
  }, 120_000);

  test('rule values cannot change the meaning of the query: a value that spells the tag syntax is a literal', async () => {
    const hostile = '", "1,", ""), iff(true, "0,';
    const ruleText = (id: string, image: string) => `title: rule ${id}
id: ${id}
logsource:
    category: network_connection
    product: windows
detection:
    selection:
        Image|contains: '${image}'
    condition: selection
`;
    const members: HuntRule[] = [];
    for (const [id, image] of [['0e0f0a0b-1111-4222-8333-944455556601', hostile], ['0e0f0a0b-1111-4222-8333-944455556602', 'benign.exe']] as const) {
      const rule = parseRuleText(ruleText(id, image.replace(/'/g, "''")), `${id}.yml`).rules[0]!;
      members.push({ rule, ruleId: id, query: await ruleQueryOf(rule, 'sysmon') } as HuntRule);
    }
    const template = batchTemplate(partsOf(members));
    expect(kqlErrors(analyzeKql(template, targetDatabase('sysmon')))).toEqual([]);
    const base = rows[0]!;
    const withImage = (image: string) => ({ ...base, EventData: String(base.EventData).replace(/<Data Name="Image">[^<]*<\/Data>/, `<Data Name="Image">${image.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')}</Data>`) });
    const batch = oracleOf(template, 'sysmon', 'network_connection');
    expect(batch.run(withImage('C:\\other.exe'))).toBeNull();
    expect(taggedMembers(batch.run(withImage(`C:\\${hostile}.exe`))![BATCH_TAG_COLUMN], 2)).toEqual([0]);
    expect(taggedMembers(batch.run(withImage('C:\\benign.exe'))![BATCH_TAG_COLUMN], 2)).toEqual([1]);
  });
});

describe('planBatches', () => {
  test('splits a source into batches within the text limit, keeping every member once and in order', async () => {
    const members = (await corpusRules('process_creation', 'asim')).slice(0, 200).map((rule) => ({ ruleId: rule.ruleId, parts: rule.query.parts! }));
    const limit = 40_000;
    const batches = planBatches(members, limit);
    expect(batches.length).toBeGreaterThan(3);
    expect(batches.flat().map((member) => member.ruleId)).toEqual(members.map((member) => member.ruleId));
    for (const batch of batches) {
      const length = batchTemplate(batch.map((member) => member.parts)).length;
      if (batch.length > 1) expect(length).toBeLessThanOrEqual(limit);
    }
    // Greedy: no batch could have taken the next batch's first member.
    for (let index = 0; index + 1 < batches.length; index++) {
      const grown = [...batches[index]!, batches[index + 1]![0]!];
      expect(batchTemplate(grown.map((member) => member.parts)).length).toBeGreaterThan(limit * 0.8);
    }
  }, 120_000);

  test('puts a member whose alias would be computed differently into another batch', () => {
    const parts = (alias: { alias: string; expression: string }, predicate: string): KqlQueryParts => ({
      target: 'asim',
      category: 'process_creation',
      source: ['Table'],
      optionalColumns: [],
      aliases: [alias],
      predicate,
      columns: ['TimeGenerated'],
      warnings: [],
      exact: true,
    });
    const batches = planBatches([
      { parts: parts({ alias: 'sigma_A_B', expression: 'tostring(A)' }, 'sigma_A_B == "x"') },
      { parts: parts({ alias: 'sigma_A_B', expression: 'tostring(A)' }, 'sigma_A_B == "y"') },
      { parts: parts({ alias: 'sigma_A_B', expression: 'tostring(B)' }, 'sigma_A_B == "z"') },
    ]);
    expect(batches.map((batch) => batch.length)).toEqual([2, 1]);
  });

  test('reads a tag as member positions, ignoring anything that is not one', () => {
    expect(taggedMembers('0,3,', 4)).toEqual([0, 3]);
    expect(taggedMembers('0,9,x,,3,3,', 4)).toEqual([0, 3]);
    expect(taggedMembers(null, 4)).toEqual([]);
    expect(taggedMembers('', 4)).toEqual([]);
  });
});
