import path from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { hitIdOf, rowHash } from '../../../src/hunt/hit-identity.js';
import { verifyRows } from '../../../src/hunt/verify.js';
import { compileRule } from '../../../src/match/compile.js';
import type { CompiledRule } from '../../../src/match/types.js';
import { loadRules } from '../../../src/rule/load.js';
import { categoryMapping } from '../../../src/targets/index.js';
import { projectRoot } from '../../support/paths.js';
import { SEED_MATCHING_ROW } from './rows.js';

let compiled: CompiledRule;
beforeAll(async () => {
  compiled = compileRule((await loadRules([path.join(projectRoot, 'rules')])).rules[0]!);
});
const asim = () => categoryMapping('asim', 'network_connection')!;
const mde = () => categoryMapping('mde', 'network_connection')!;

const matchingRow = { ...SEED_MATCHING_ROW, IngestionTime: '2026-03-02T09:31:00.0000000Z' };

describe('hit identity', () => {
  test('the row\'s _ItemId identifies it', () => {
    expect(hitIdOf(matchingRow, asim())).toBe('uid:EventProduct=Sysmon;_ItemId=item-1');
  });

  test('a qualifier alone (EventProduct) does not identify a row: the row hash does', () => {
    const row = { ...matchingRow, _ItemId: '' };
    expect(hitIdOf(row, asim())).toBe(`row:${rowHash(row)}`);
  });

  test('Defender rows are identified by DeviceId and ReportId', () => {
    expect(hitIdOf({ DeviceId: 'd1', ReportId: 77 }, mde())).toBe('uid:DeviceId=d1;ReportId=77');
  });

  test('the row hash ignores key order, the projected ingestion time and empty cells', () => {
    const { IngestionTime: _ignored, ...withoutIngestion } = matchingRow;
    const reordered = Object.fromEntries(Object.entries(withoutIngestion).reverse());
    expect(rowHash(reordered)).toBe(rowHash(matchingRow));
    expect(rowHash({ ...matchingRow, IngestionTime: '' })).toBe(rowHash(matchingRow));
  });

  test('rows that differ in any value hash differently, also by type', () => {
    expect(rowHash({ ...matchingRow, DstPortNumber: 8444 })).not.toBe(rowHash(matchingRow));
    expect(rowHash({ ...matchingRow, DstPortNumber: '8443' })).not.toBe(rowHash(matchingRow));
  });
});

describe('verifyRows', () => {
  test('a matching row becomes a hit with host, image, destination, account and explanation', () => {
    const outcome = verifyRows([matchingRow], asim(), compiled);
    expect(outcome.kqlOverMatch).toBe(0);
    expect(outcome.hits).toHaveLength(1);
    expect(outcome.hits[0]).toMatchObject({
      ruleId: '7b434893-c57d-4f41-908d-6a17bf1ae98f',
      hitId: 'uid:EventProduct=Sysmon;_ItemId=item-1',
      host: 'WKS-1042.corp.contoso.com',
      processImage: 'C:\\Users\\Public\\Downloads\\svchost.exe',
      destination: { ip: '185.244.25.10', port: 8443 },
      account: 'CORP\\anna',
      processId: '4242',
      level: 'high',
    });
    expect(outcome.hits[0]!.explanation.matchedSearches).toContain('selection');
  });

  test('rows the matcher rejects are dropped, counted as kqlOverMatch, and sampled by hit id and field names, without values', () => {
    const rows = Array.from({ length: 5 }, (_, index) => ({ ...matchingRow, _ItemId: `ok-${index}`, DstFQDN: 'raw.githubusercontent.com' }));
    const outcome = verifyRows([...rows, matchingRow], asim(), compiled);
    expect(outcome.hits).toHaveLength(1);
    expect(outcome.kqlOverMatch).toBe(5);
    expect(outcome.overMatchSample).toHaveLength(3);
    expect(outcome.overMatchSample[0]).toMatchObject({ hitId: expect.any(String), fields: expect.arrayContaining(['DestinationHostname', 'Image']) });
    expect(outcome.overMatchSample[0]!.values).toBeUndefined();
    expect(JSON.stringify(outcome.overMatchSample)).not.toContain('raw.githubusercontent.com');
  });

  test('with event values opted in, the sample carries each value cut to a bound with control characters escaped', () => {
    const long = `x\u001b[31m${'x'.repeat(5_000)}.raw.githubusercontent.com`;
    const rejected = { ...matchingRow, _ItemId: 'long-1', DstFQDN: long };
    const outcome = verifyRows([rejected], asim(), compiled, { logEventValues: true });
    const value = outcome.overMatchSample[0]!.values!.DestinationHostname!;
    expect(value.startsWith('x\\u001b[31mxxx')).toBe(true);
    expect(value).not.toMatch(/[\u0000-\u001f]/);
    expect(value.length).toBeLessThan(300);
    expect(value).toMatch(/\.\.\.\(\+\d+ chars\)$/);
  });
});
