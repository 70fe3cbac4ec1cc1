import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { loadHuntRules } from '../../../src/hunt/clients.js';
import { BATCH_TAG_COLUMN, batchTemplate, planBatches, sourceKeyOf, taggedMembers, widenedFor } from '../../../src/hunt/pack/batch-query.js';
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

  test('on rows holding case partners (ſ K İ ß) tags at least the members whose own query keeps them, and every extra through a partner flag', () => {
    const spelled = (value: string) => value.replace(/ss/g, '\u00DF').replace(/s/g, '\u017F').replace(/k/g, '\u212A').replace(/I/g, '\u0130');
    const partnered = rows.map((row) => ({ ...row, EventData: String(row.EventData).replace(/(<Data Name="[^"]*">)([^<]*)/g, (_, tag: string, value: string) => tag + spelled(value)) }));
    const batch = oracleOf(batchTemplate(partsOf(network)), 'sysmon', 'network_connection');
    const own = network.map((member) => oracleOf(member.query.template, 'sysmon', 'network_connection'));
    let widened = 0;
    let kept = 0;
    for (const row of partnered) {
      const output = batch.run(row);
      const tagged = output ? taggedMembers(output[BATCH_TAG_COLUMN], network.length) : [];
      const expected = own.flatMap((query, position) => (query.matches(row) ? [position] : []));
      kept += expected.length;
      expect(tagged).toEqual(expect.arrayContaining(expected));
      for (const position of tagged.filter((position) => !expected.includes(position))) {
        expect(widenedFor(output!, network[position]!.query.parts!)).toBe(true);
        widened += 1;
      }
    }
    expect(kept).toBeGreaterThan(0);
    expect(widened).toBeGreaterThan(0);
    // The same rows without partners are tagged exactly (the test above): the widening is the partners' doing.
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

describe('the batches of every process_creation rule of the corpus', () => {
  test('tag the regression events exactly as the rules\' own queries keep them, and their partner-spelled copies at least so', async () => {
    const rules = await corpusRules('process_creation', 'sysmon');
    const manifest = (await readFile(path.join(sharedRoot, 'sigma-regression', 'manifest.tsv'), 'utf8')).split('\n').slice(1);
    const files = manifest.map((line) => line.split('\t')).filter((fields) => fields[1] === 'process_creation').map((fields) => fields[6]!).filter((_, index) => index % 2 === 0); // half of the 136: the test's time is rules x rows
    const spelled = (value: string) => value.replace(/ss/g, '\u00DF').replace(/s/g, '\u017F').replace(/k/g, '\u212A').replace(/I/g, '\u0130');
    const plain: OracleRow[] = [];
    const partnered: OracleRow[] = [];
    for (const [index, file] of files.entries()) {
      const event = JSON.parse((await readFile(path.join(sharedRoot, 'sigma-regression', file), 'utf8')).split('\n')[0]!) as Record<string, unknown>;
      const spelledEvent = Object.fromEntries(Object.entries(event).map(([key, value]) => [key, typeof value === 'string' ? spelled(value) : value]));
      plain.push(sysmonProcessCreationRow({ ...event, EventRecordID: index }, PARAMETERS.endtime));
      partnered.push(sysmonProcessCreationRow({ ...spelledEvent, EventRecordID: index }, PARAMETERS.endtime));
    }
    const batches = planBatches(rules.map((rule) => ({ rule, parts: rule.query.parts! })));
    expect(batches.length).toBeLessThanOrEqual(4);
    let kept = 0;
    let widened = 0;
    for (const batch of batches) {
      const query = oracleOf(batchTemplate(batch.map((member) => member.parts)), 'sysmon', 'process_creation');
      const own = batch.map((member) => oracleOf(member.rule.query.template, 'sysmon', 'process_creation'));
      for (const [rows, exact] of [[plain, true], [partnered, false]] as const) {
        for (const row of rows) {
          const output = query.run(row);
          const tagged = output ? taggedMembers(output[BATCH_TAG_COLUMN], batch.length) : [];
          const expected = own.flatMap((member, position) => (member.matches(row) ? [position] : []));
          kept += expected.length;
          if (exact) expect(tagged).toEqual(expected);
          else expect(tagged).toEqual(expect.arrayContaining(expected));
          for (const position of tagged.filter((position) => !expected.includes(position))) {
            expect(widenedFor(output!, batch[position]!.parts)).toBe(true);
            widened += 1;
          }
        }
      }
    }
    expect(files.length).toBeGreaterThan(60);
    expect(kept).toBeGreaterThan(files.length);
    expect(widened).toBeGreaterThan(0);
  }, 600_000);
});

describe('planBatches', () => {
  test('splits a source into batches within the text limit, keeping every member once and in order', async () => {
    const members = (await corpusRules('process_creation', 'asim')).slice(0, 200).map((rule) => ({ ruleId: rule.ruleId, parts: rule.query.parts! }));
    const limit = 15_000;
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
      tag: { predicate, partnerFlags: [] },
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
