// A window's second pass makes its hits from the explanations the first pass kept, and the SDK table is
// converted once, letting go of its cells.
import path from 'node:path';
import type { LogsTable } from '@azure/monitor-query-logs';
import { beforeAll, describe, expect, test } from 'vitest';
import { hitBatchesOf } from '../../../src/hunt/pipeline.js';
import { verifiedWindow } from './rows.js';
import { RowVerifier } from '../../../src/hunt/verify.js';
import { tableToRows } from '../../../src/loganalytics/index.js';
import { compileRule } from '../../../src/match/compile.js';
import type { CompiledRule } from '../../../src/match/types.js';
import { loadRules } from '../../../src/rule/load.js';
import { categoryMapping } from '../../../src/targets/index.js';
import { projectRoot } from '../../support/paths.js';

const DAY = 24 * 3_600_000;
const asim = () => categoryMapping('asim', 'network_connection')!;

let seedRule: CompiledRule;
beforeAll(async () => {
  seedRule = compileRule((await loadRules([path.join(projectRoot, 'rules')])).rules[0]!);
});

function rowOf(index: number): Record<string, unknown> {
  return {
    TimeGenerated: index % 17 === 16 ? null : new Date(Date.UTC(2026, 2, 2, 9) + index * 60_000),
    Dvc: `WKS-${index % 3}`,
    EventProduct: 'Sysmon',
    EventOriginalUid: '',
    _ItemId: `item-${index}`,
    InitiatingProcessFolderPath: '',
    DstProcessName: index % 5 === 0 ? 'C:\\Users\\bob\\Music\\update.exe' : 'C:\\Users\\Public\\Downloads\\svchost.exe',
    SrcProcessName: '',
    SrcUsername: '',
    SrcProcessId: '',
    NetworkDirection: '',
    DstFQDN: index % 10 === 9 ? 'raw.githubusercontent.com' : `c2-${index % 4}.example.net`,
    DstHostname: '',
    DstIpAddr: '185.244.25.10',
    DstPortNumber: 8443,
    DstUsername: index % 7 === 0 ? '' : 'CORP\\anna',
    DstProcessId: String(4000 + index),
  };
}

describe('second pass', () => {
  test('hitOf with the explanation verify found gives the hit verify gives', () => {
    const verifier = new RowVerifier(asim(), seedRule);
    let hits = 0;
    for (let index = 0; index < 200; index++) {
      const row = rowOf(index);
      const verified = verifier.verify(row);
      if (typeof verified === 'string') continue;
      hits += 1;
      expect(verifier.hitOf(row, verified.explanation)).toStrictEqual(verified);
    }
    expect(hits).toBeGreaterThan(100);
  });

  test('hitOf refuses a row without an event time as verify does', () => {
    const verifier = new RowVerifier(asim(), seedRule);
    const explanation = { matchedSearches: ['selection'], unmatchedSearches: [], reasons: [] };
    expect(verifier.hitOf(rowOf(16), explanation)).toBe('no-time');
    expect(verifier.verify(rowOf(16))).toBe('no-time');
  });

  test('each group keeps, per row, the explanation verify gives that row', async () => {
    const rows = Array.from({ length: 300 }, (_, index) => rowOf(index));
    const window = await verifiedWindow(rows, { mapping: asim(), compiled: seedRule }, { groupingWindowMs: DAY });
    const verifier = new RowVerifier(asim(), seedRule);
    for (const group of window.groups) {
      expect(group.explanations).toHaveLength(group.rowIndexes.length);
      group.rowIndexes.forEach((index, position) => {
        const verified = verifier.verify(rows[index]!);
        expect(typeof verified === 'string' ? verified : verified.explanation).toEqual(group.explanations[position]);
      });
      const remade = [...hitBatchesOf(window, group)].flat();
      expect(remade).toStrictEqual(group.rowIndexes.map((index) => verifier.verify(rows[index]!)));
    }
  });
});

describe('tableToRows', () => {
  test('gives each row keyed by column and lets go of the table\'s cell arrays', () => {
    const cells = [
      [new Date(Date.UTC(2026, 2, 2)), 'a', 1],
      [new Date(Date.UTC(2026, 2, 3)), null, 2],
    ];
    const table = {
      name: 'PrimaryResult',
      columnDescriptors: [
        { name: 'TimeGenerated', type: 'datetime' },
        { name: 'Dvc', type: 'string' },
        { name: 'DstPortNumber', type: 'int' },
      ],
      rows: cells.map((row) => [...row]),
    } as LogsTable;
    const converted = tableToRows(table);
    expect(converted.rows).toStrictEqual([
      { TimeGenerated: cells[0]![0], Dvc: 'a', DstPortNumber: 1 },
      { TimeGenerated: cells[1]![0], Dvc: null, DstPortNumber: 2 },
    ]);
    expect(table.rows.every((row) => row.length === 0 && Object.isFrozen(row))).toBe(true);
  });
});
