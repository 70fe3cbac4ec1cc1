// The proof, as CI runs it: at least 100 seeded fault schedules of the fan-out (src/fanout/chaos/), each
// compared with one clean sequential run. `npm run chaos -- --seed S --schedules N` runs more.
import { expect, test } from 'vitest';
import { runChaos } from '../../src/fanout/chaos/main.js';

const SCHEDULES = 100;

test(`${SCHEDULES} seeded fault schedules lose nothing, double nothing and keep every bound`, async () => {
  const lines: string[] = [];
  const totals = await runChaos({ seed: 20261206, schedules: SCHEDULES, parallel: 8, out: (line) => lines.push(line) });
  expect(totals.violations).toEqual([]);
  expect(lines.at(-1)).toBe(`schedules ${SCHEDULES}, lost 0, doubled 0`);
  // The schedules did meet their faults: hunters from 2 to 8, and poison messages reported with their reasons.
  expect(new Set(totals.results.map((result) => result.hunters))).toEqual(new Set([2, 3, 4, 5, 6, 7, 8]));
  expect(totals.results.reduce((sum, result) => sum + result.poisoned, 0)).toBeGreaterThan(0);
}, 40 * 60_000);
