// The verify step's bounded work: rows over the per-row limit are recorded (never dropped), the run's deadline
// is checked between rows, and the event loop gets turns. Every clock here is injected.
import path from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { verifyWindow } from '../../../src/hunt/pipeline.js';
import { longestField, VerifyPacer } from '../../../src/hunt/verify-budget.js';
import { compileRule } from '../../../src/match/compile.js';
import type { CompiledRule, SigmaEvent } from '../../../src/match/types.js';
import { loadRules } from '../../../src/rule/load.js';
import { categoryMapping } from '../../../src/targets/index.js';
import { projectRoot } from '../../support/paths.js';
import { SEED_MATCHING_ROW, verifiedWindow } from './rows.js';

let seedRule: CompiledRule;
beforeAll(async () => {
  seedRule = compileRule((await loadRules([path.join(projectRoot, 'rules')])).rules[0]!);
});
const asim = () => categoryMapping('asim', 'network_connection')!;
const DAY = 86_400_000;

/** A fake clock, and the seed rule whose evaluation of an event costs `cost(event)` ms on that clock. */
function timedRule(cost: (event: SigmaEvent) => number) {
  const clock = { now: 0, readings: 0 };
  const compiled: CompiledRule = {
    rule: seedRule.rule,
    matches: (event) => seedRule.matches(event),
    explain: (event) => {
      clock.now += cost(event);
      return seedRule.explain(event);
    },
  };
  const read = () => {
    clock.readings += 1;
    return clock.now;
  };
  return { clock, compiled, read };
}

const row = (index: number, overrides: Record<string, unknown> = {}) => ({
  ...SEED_MATCHING_ROW,
  _ItemId: `item-${index}`,
  TimeGenerated: new Date(Date.UTC(2026, 2, 2, 9) + index * 1000),
  ...overrides,
});

describe('per-row limit', () => {
  test('a row over the limit keeps its verdict and is recorded by rule, hit id, longest tested field and its length, never its value', async () => {
    const hugeImage = `C:\\Users\\Public\\${'a'.repeat(200_000)}.exe`;
    const { compiled, read } = timedRule((event) => (String(event.Image).length > 1000 ? 150 : 0));
    const rows = [row(0), row(1, { DstProcessName: hugeImage }), row(2)];
    const window = await verifiedWindow(rows, { mapping: asim(), compiled }, { groupingWindowMs: DAY, rowLimitMs: 100, rowClock: read });
    expect(window.hits).toBe(3);
    expect(window.slowRows.count).toBe(1);
    expect(window.slowRows.sample).toEqual([{ ruleId: seedRule.rule.id, hitId: 'uid:EventProduct=Sysmon;_ItemId=item-1', field: 'Image', chars: hugeImage.length, ms: 150 }]);
    expect(JSON.stringify(window.slowRows.sample)).not.toContain('aaaa');
  });

  test('a row at the limit is not recorded', async () => {
    const { compiled, read } = timedRule(() => 100);
    const window = await verifiedWindow([row(0)], { mapping: asim(), compiled }, { groupingWindowMs: DAY, rowLimitMs: 100, rowClock: read });
    expect(window.slowRows.count).toBe(0);
  });

  test('only evaluations are timed: rows answered by the verdict cache read no clock', async () => {
    const { compiled, read, clock } = timedRule(() => 0);
    const rows = Array.from({ length: 500 }, (_, index) => row(index));
    await verifiedWindow(rows, { mapping: asim(), compiled }, { groupingWindowMs: DAY, rowClock: read });
    expect(clock.readings).toBe(2);
  });

  test('the sample is bounded; the count is exact', async () => {
    const { compiled, read } = timedRule(() => 500);
    const rows = Array.from({ length: 40 }, (_, index) => row(index, { DstProcessName: `C:\\Users\\Public\\${index}.exe` }));
    const window = await verifiedWindow(rows, { mapping: asim(), compiled }, { groupingWindowMs: DAY, rowClock: read });
    expect(window.slowRows.count).toBe(40);
    expect(window.slowRows.sample).toHaveLength(5);
  });

  test('the longest field of a keyword rule is the longest of the whole event', () => {
    expect(longestField({ A: 'xx', B: 'xxxxx', C: 12, D: null }, undefined)).toEqual({ field: 'B', chars: 5 });
    expect(longestField({ A: 'xx', B: 'xxxxx' }, ['A'])).toEqual({ field: 'A', chars: 2 });
  });
});

describe('run budget', () => {
  test('verification stops at the first check past the deadline, after the row that crossed it', async () => {
    const { compiled, read } = timedRule((event) => (String(event.Image).endsWith('\\3.exe') ? 60_000 : 0));
    const rows = Array.from({ length: 10 }, (_, index) => row(index, { DstProcessName: `C:\\Users\\Public\\${index}.exe` }));
    const pacer = new VerifyPacer({ deadline: 30_000, clock: read, yieldToLoop: async () => {} });
    const outcome = await verifyWindow(rows, { mapping: asim(), compiled }, { groupingWindowMs: DAY, rowClock: read, pacer });
    expect(outcome).toMatchObject({ kind: 'budget', rowsVerified: 4 });
  });

  test('a page verified within the deadline is complete, and the event loop gets a turn every slice', async () => {
    const { compiled, read } = timedRule(() => 3);
    let yields = 0;
    const pacer = new VerifyPacer({ deadline: 1_000_000, clock: read, yieldToLoop: async () => void (yields += 1) });
    const rows = Array.from({ length: 100 }, (_, index) => row(index, { DstProcessName: `C:\\Users\\Public\\${index}.exe` }));
    const outcome = await verifyWindow(rows, { mapping: asim(), compiled }, { groupingWindowMs: DAY, rowClock: read, pacer });
    expect(outcome.kind).toBe('verified');
    // 100 rows of 3 ms: a yield after every 20 ms slice, i.e. every 7 rows.
    expect(yields).toBe(14);
  });

  test('the pacer reads the clock only every 1024 cheap rows', async () => {
    let readings = 0;
    const pacer = new VerifyPacer({ deadline: 10, clock: () => (readings += 1, 0) });
    readings = 0;
    for (let index = 0; index < 2048; index++) if (pacer.rowDone(0)) expect(await pacer.pace()).toBe(true);
    expect(readings).toBe(2);
  });
});
