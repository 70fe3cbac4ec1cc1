import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { analyzeKql, kqlErrors } from '../../../src/kql/analysis.js';
import { compileKqlQuery } from '../../../src/kql/oracle.js';
import { QueryPlanError, ruleQueryOf, windowQuery } from '../../../src/hunt/query-plan.js';
import { planWindow, type HuntWindow } from '../../../src/hunt/window.js';
import { loadRules } from '../../../src/rule/load.js';
import type { SigmaRule } from '../../../src/rule/model.js';
import { categoryMapping, targetDatabase } from '../../../src/targets/index.js';
import { projectRoot } from '../../support/paths.js';

let seed: SigmaRule;
let window: HuntWindow;
beforeAll(async () => {
  seed = (await loadRules([path.join(projectRoot, 'rules')])).rules[0]!;
  window = planWindow({ now: new Date('2026-03-02T10:00:00Z'), lookbackMs: 3_600_000, ingestionDelayMs: 300_000, safetyLagMs: 120_000 }).windows[0]!;
});

const mapping = () => categoryMapping('asim', 'network_connection')!;
const columns = () => mapping().columns.map(({ name, type }) => ({ name, type }));

describe('windowQuery', () => {
  test('replaces the query-parameter declaration with lets holding the window bounds', async () => {
    const query = windowQuery((await ruleQueryOf(seed, 'asim')).template, window);
    expect(query).not.toMatch(/declare query_parameters/);
    expect(query.startsWith('let starttime = datetime(2026-03-02T08:55:00.0000000Z);\nlet endtime = datetime(2026-03-02T10:03:00.0000000Z);\n')).toBe(true);
  });

  test('puts the ingestion filter and projection directly after the parser call and keeps IngestionTime in the final project', async () => {
    const query = windowQuery((await ruleQueryOf(seed, 'asim')).template, window);
    const lines = query.split('\n');
    const source = lines.findIndex((line) => line.startsWith('_Im_NetworkSession('));
    expect(lines[source + 1]).toBe(
      '| where isnull(ingestion_time()) or (ingestion_time() > datetime(2026-03-02T09:00:00.0000000Z) and ingestion_time() <= datetime(2026-03-02T09:58:00.0000000Z))',
    );
    expect(lines[source + 2]).toBe('| extend IngestionTime = tostring(ingestion_time())');
    expect(lines[lines.length - 1]).toMatch(/^\| project .*, IngestionTime$/);
  });

  test('rows without an ingestion time pass the default filter and are dropped by the strict one', async () => {
    const template = (await ruleQueryOf(seed, 'asim')).template;
    const row = { TimeGenerated: new Date('2026-03-02T09:30:00Z'), Dvc: 'WS1', DvcOs: 'Windows', DstProcessName: 'C:\\Users\\Public\\x.exe', DstFQDN: 'evil.example', _ItemId: 'a' };
    const keep = compileKqlQuery(windowQuery(template, window), { columns: columns() });
    const drop = compileKqlQuery(windowQuery(template, window, { rowsWithoutIngestionTime: 'drop' }), { columns: columns() });
    expect(keep.run(row)).toMatchObject({ IngestionTime: '' });
    expect(drop.run(row)).toBeNull();
  });

  test('the ingestion window is exclusive at the old watermark and inclusive at the new one', async () => {
    const program = compileKqlQuery(windowQuery((await ruleQueryOf(seed, 'asim')).template, window), { columns: columns() });
    const row = (ingested: string) => ({ TimeGenerated: new Date('2026-03-02T09:30:00Z'), DvcOs: 'Windows', DstProcessName: 'C:\\Users\\Public\\x.exe', $IngestionTime: new Date(ingested) });
    expect(program.matches(row('2026-03-02T09:00:00.000Z'))).toBe(false);
    expect(program.matches(row('2026-03-02T09:00:00.001Z'))).toBe(true);
    expect(program.matches(row('2026-03-02T09:58:00.000Z'))).toBe(true);
    expect(program.matches(row('2026-03-02T09:58:00.001Z'))).toBe(false);
  });

  test('a hand-written query without parameters gets the cursor after its source', () => {
    const query = windowQuery('imNetworkSession\n| where DstPortNumber == 443', window);
    expect(query.split('\n').slice(2, 5)).toEqual([
      'imNetworkSession',
      '| where isnull(ingestion_time()) or (ingestion_time() > datetime(2026-03-02T09:00:00.0000000Z) and ingestion_time() <= datetime(2026-03-02T09:58:00.0000000Z))',
      '| extend IngestionTime = tostring(ingestion_time())',
    ]);
  });

  test('a page asks for the first rows by ingestion time, rows without one first, and passes the Kusto analyzer', async () => {
    const query = windowQuery((await ruleQueryOf(seed, 'asim')).template, window, { pageRows: 2 });
    expect(query.split('\n').at(-1)).toBe('| top 2 by column_ifexists("IngestionTime", "") asc');
    expect(kqlErrors(analyzeKql(query, targetDatabase('asim')))).toEqual([]);
    const program = compileKqlQuery(query, { columns: columns() });
    const row = (id: string, ingested?: string) => ({
      _ItemId: id,
      DvcOs: 'Windows',
      TimeGenerated: new Date('2026-03-02T09:30:00Z'),
      DstProcessName: 'C:\\Users\\Public\\x.exe',
      ...(ingested ? { $IngestionTime: new Date(ingested) } : {}),
    });
    const rows = [row('late', '2026-03-02T09:40:00Z'), row('early', '2026-03-02T09:10:00Z'), row('untimed'), row('middle', '2026-03-02T09:20:00Z')];
    expect(program.runAll(rows).map((output) => output._ItemId)).toEqual(['untimed', 'early']);
  });

  test('a page of a hand-written query whose last operator drops IngestionTime still parses', () => {
    const query = windowQuery('imNetworkSession\n| project Dvc, TimeGenerated\n| where Dvc != ""', window, { pageRows: 10 });
    expect(kqlErrors(analyzeKql(query, targetDatabase('asim')))).toEqual([]);
  });

  test('a declared parameter other than starttime/endtime is refused', () => {
    expect(() => windowQuery('declare query_parameters(starttime:datetime, host:string);\nEvent', window)).toThrow(QueryPlanError);
  });
});

describe('ruleQueryOf', () => {
  test('reads <ruleId>.kql from the overrides folder and lints it', async () => {
    const folder = await mkdtemp(path.join(os.tmpdir(), 'sigma-hunt-overrides-'));
    await writeFile(path.join(folder, `${seed.id}.kql`), 'imNetworkSession\n| where NetworkDirection =~ "true"');
    const query = await ruleQueryOf(seed, 'asim', { overridesPath: folder });
    expect(query.source).toBe('override');
    expect(query.exact).toBe(false);
    expect(query.lint.some((finding) => finding.column === 'NetworkDirection' && finding.severity === 'error')).toBe(true);
  });

  test('without an override file the compiled query is used', async () => {
    const folder = await mkdtemp(path.join(os.tmpdir(), 'sigma-hunt-overrides-'));
    const query = await ruleQueryOf(seed, 'asim', { overridesPath: folder });
    expect(query.source).toBe('compiled');
    expect(query.template).toMatch(/^declare query_parameters\(starttime:datetime, endtime:datetime\);/);
  });

  test('a rule the compiler refuses for the target is a QueryPlanError with the refusal', async () => {
    const processRule = { ...seed, logsource: { category: 'file_event', product: 'windows' } } as SigmaRule;
    await expect(ruleQueryOf(processRule, 'asim')).rejects.toMatchObject({ code: 'refused', refusal: { code: 'category' } });
  });
});
