import { expect, it } from 'vitest';
import { formatDisagreements, RUNS_PER_RULE, runAgreement } from './harness.js';

it('the mde KQL agrees with the matcher on rows built from every Windows and Linux network_connection and process_creation rule and every macOS process_creation rule', async () => {
  const report = await runAgreement('mde');
  const { disagreements, ...totals } = report;
  console.log(JSON.stringify({ ...totals, runsPerRule: RUNS_PER_RULE, disagreements: disagreements.length }));
  expect(report.compiled).toBeGreaterThan(1000);
  // Every rule is accounted for: the matcher refuses none, the compiler refuses exactly these (rules whose
  // selection cannot hold on this target's columns), and every other rule is compiled and checked.
  expect(report.matcherRefused).toBe(0);
  expect(report.refusedByCompiler).toEqual({ 'never-matches': 5 });
  expect(report.compiled + report.matcherRefused + 5).toBe(report.rules);
  expect(report.compiledByProduct.linux).toBeGreaterThan(100);
  // Every macOS rule of the corpus compiles: the target serves macos (the OS scope tells a Mac's rows apart).
  expect(report.compiledByProduct.macos).toBe(67);
  expect(formatDisagreements(disagreements)).toBe('');
}, 240_000);
