import { expect, it } from 'vitest';
import { formatDisagreements, RUNS_PER_RULE, runAgreement } from './harness.js';

it('the sysmon KQL agrees with the matcher on rows built from every Windows and Linux network_connection and process_creation rule and every macOS process_creation rule', async () => {
  const report = await runAgreement('sysmon');
  const { disagreements, ...totals } = report;
  console.log(JSON.stringify({ ...totals, runsPerRule: RUNS_PER_RULE, disagreements: disagreements.length }));
  expect(report.compiled).toBeGreaterThan(1000);
  // Every rule is accounted for: the matcher refuses none, the compiler refuses exactly these (rules whose
  // selection cannot hold on this target's columns, and the 127 Linux and 67 macOS rules: Event rows are Windows;
  // 194 = 127 + 67 since the macOS rules joined the run), and every other rule is compiled and checked.
  expect(report.matcherRefused).toBe(0);
  expect(report.refusedByCompiler).toEqual({ 'never-matches': 2, category: 194 });
  expect(report.compiled + report.matcherRefused + 196).toBe(report.rules);
  expect(report.compiledByProduct.linux).toBeUndefined();
  expect(report.compiledByProduct.macos).toBeUndefined();
  expect(formatDisagreements(disagreements)).toBe('');
}, 240_000);
