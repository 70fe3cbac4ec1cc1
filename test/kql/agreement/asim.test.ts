import { expect, it } from 'vitest';
import { formatDisagreements, RUNS_PER_RULE, runAgreement } from './harness.js';

it('the asim KQL agrees with the matcher on rows built from every Windows and Linux network_connection and process_creation rule', async () => {
  const report = await runAgreement('asim');
  const { disagreements, ...totals } = report;
  console.log(JSON.stringify({ ...totals, runsPerRule: RUNS_PER_RULE, disagreements: disagreements.length }));
  expect(report.compiled).toBeGreaterThan(1000);
  expect(report.compiledByProduct.linux).toBeGreaterThan(100);
  expect(formatDisagreements(disagreements)).toBe('');
}, 240_000);
