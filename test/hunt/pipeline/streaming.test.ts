import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { hitIdOf } from '../../../src/hunt/hit-identity.js';
import { hitBatchesOf, MAX_HITS_PER_UPSERT } from '../../../src/hunt/pipeline.js';
import { verifiedWindow } from './rows.js';
import { verifyRows } from '../../../src/hunt/verify.js';
import { groupHits } from '../../../src/incidents/grouping.js';
import { compileRule } from '../../../src/match/compile.js';
import type { CompiledRule } from '../../../src/match/types.js';
import { loadRules } from '../../../src/rule/load.js';
import { categoryMapping } from '../../../src/targets/index.js';
import { projectRoot } from '../../support/paths.js';
import { SEED_MATCHING_ROW } from './rows.js';

const DAY = 24 * 3_600_000;
const asim = () => categoryMapping('asim', 'network_connection')!;

const baseRow = { ...SEED_MATCHING_ROW, DstFQDN: 'c2.example.net' };

let seedRule: CompiledRule;
let controlCharRule: CompiledRule;
let ruleFolder: string;
beforeAll(async () => {
  seedRule = compileRule((await loadRules([path.join(projectRoot, 'rules')])).rules[0]!);
  // Tests DestinationHostname, DestinationIp and Image (in that order): the verdict cache keys on all three.
  ruleFolder = await mkdtemp(path.join(tmpdir(), 'sigma-hunt-verdict-'));
  await writeFile(
    path.join(ruleFolder, 'rule.yml'),
    [
      'title: Hostname holding a marker',
      'id: 5f0c6f4e-0a51-4d1e-9d55-1f3c2b7a9e10',
      'logsource: { category: network_connection, product: windows }',
      'detection:',
      "  selection: { DestinationHostname|contains: 'string:y' }",
      "  filter_ip: { DestinationIp: '10.0.0.1' }",
      "  filter_image: { Image: 'never.exe' }",
      '  condition: selection and not filter_ip and not filter_image',
      'level: low',
    ].join('\n'),
  );
  controlCharRule = compileRule((await loadRules([ruleFolder])).rules[0]!);
});
afterAll(async () => {
  await rm(ruleFolder, { recursive: true, force: true });
});

describe('verdict cache', () => {
  test('rows whose tested values only differ across field boundaries (control characters) get their own verdicts', () => {
    // Joined with separators, both rows read `x␁␀string:y␁␀string:z␁`; only the second field is absent in both.
    const matching = { ...baseRow, _ItemId: 'a', DstFQDN: 'x\u0001\u0000string:y', DstIpAddr: '', DstProcessName: 'z' };
    const notMatching = { ...baseRow, _ItemId: 'b', DstFQDN: 'x', DstIpAddr: '', DstProcessName: 'y\u0001\u0000string:z' };
    for (const rows of [[matching, notMatching], [notMatching, matching]]) {
      const outcome = verifyRows(rows, asim(), controlCharRule);
      expect(outcome.hits.map((hit) => hit.hitId)).toEqual([hitIdOf(matching, asim())]);
      expect(outcome.kqlOverMatch).toBe(1);
    }
  });

  test('a number and the string of its digits are cached apart', () => {
    const rows = [
      { ...baseRow, _ItemId: 'n', DstPortNumber: 443 },
      { ...baseRow, _ItemId: 's', DstPortNumber: '443' },
    ];
    const cached = verifyRows(rows, asim(), seedRule).hits.map((hit) => hit.explanation);
    const alone = rows.map((row) => verifyRows([row], asim(), seedRule).hits[0]!.explanation);
    expect(cached).toEqual(alone);
  });
});

describe('streamed window', () => {
  test('a window groups and re-makes its hits as verifyRows and the store would', async () => {
    const rows = Array.from({ length: 300 }, (_, index) => ({
      ...baseRow,
      _ItemId: `item-${index}`,
      Dvc: `WKS-${index % 3}`,
      TimeGenerated: new Date(Date.UTC(2026, 2, 2, 9) + index * 60_000),
      DstFQDN: index % 10 === 9 ? 'raw.githubusercontent.com' : 'c2.example.net',
    }));
    const window = await verifiedWindow(rows, { mapping: asim(), compiled: seedRule }, { groupingWindowMs: DAY });
    const direct = verifyRows(rows, asim(), seedRule);
    expect(window.hits).toBe(direct.hits.length);
    expect(window.kqlOverMatch).toBe(direct.kqlOverMatch);
    const streamed = window.groups.flatMap((group) => [...hitBatchesOf(window, group)].flat());
    const byKey = (groups: ReturnType<typeof groupHits>) => groups.map((group) => JSON.stringify(group));
    expect(byKey(groupHits(streamed, DAY))).toEqual(byKey(groupHits(direct.hits, DAY)));
    for (const group of window.groups) {
      const hits = [...hitBatchesOf(window, group)].flat();
      const earliest = [...hits].sort((left, right) => left.eventTime.getTime() - right.eventTime.getTime() || (left.hitId < right.hitId ? -1 : 1))[0]!;
      expect(group.earliest).toEqual(earliest);
    }
  });

  test('a group over the per-call limit is split into batches that partition it, copies of a hit id together', async () => {
    const count = MAX_HITS_PER_UPSERT + 500;
    const rows = Array.from({ length: count }, (_, index) => ({
      ...baseRow,
      // Every 100th row repeats the previous row's id (a copy).
      _ItemId: `item-${index % 100 === 99 ? index - 1 : index}`,
      TimeGenerated: new Date(Date.UTC(2026, 2, 2, 9) + index),
    }));
    const window = await verifiedWindow(rows, { mapping: asim(), compiled: seedRule }, { groupingWindowMs: DAY });
    expect(window.groups).toHaveLength(1);
    const batches = [...hitBatchesOf(window, window.groups[0]!)];
    expect(batches.length).toBeGreaterThan(1);
    expect(batches.every((batch) => batch.length <= MAX_HITS_PER_UPSERT)).toBe(true);
    expect(batches.reduce((sum, batch) => sum + batch.length, 0)).toBe(count);
    const batchOfId = new Map<string, number>();
    batches.forEach((batch, index) => {
      for (const hit of batch) {
        expect(batchOfId.get(hit.hitId) ?? index).toBe(index);
        batchOfId.set(hit.hitId, index);
      }
    });
  });
});
