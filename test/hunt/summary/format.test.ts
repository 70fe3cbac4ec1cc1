import { describe, expect, it } from 'vitest';
import { emptyRuleSummary, formatSummary, totalsOf, type HuntSummary } from '../../../src/hunt/summary.js';

function summaryOf(stopped: boolean): HuntSummary {
  const rule = emptyRuleSummary('7b434893-c57d-4f41-908d-6a17bf1ae98f', 'seed rule', 'compiled');
  if (stopped) rule.stopped = { reason: 'query-failed', detail: 'HTTP 403 Forbidden' };
  return {
    event: 'sigma-hunt.run',
    outcome: stopped ? 'incomplete' : 'ok',
    startedAt: '2026-03-02T10:00:00.000Z',
    durationMs: 1200,
    workspaceId: '11111111-2222-4333-8444-555555555555',
    target: 'asim',
    rules: [rule],
    batches: [],
    skippedRules: [],
    totals: totalsOf([rule]),
  };
}

describe('formatSummary', () => {
  it('says "nothing new to read" only when every rule ran to the end', () => {
    expect(formatSummary(summaryOf(false))).toContain('window:     nothing new to read');
  });

  it('does not call a run whose rules failed before any window "nothing new to read"', () => {
    const text = formatSummary(summaryOf(true));
    expect(text).not.toContain('nothing new to read');
    expect(text).toContain('window:     none read: 1 of 1 rules stopped before their first window');
    expect(text).toContain('seed rule: stopped (query-failed): HTTP 403 Forbidden');
  });
});
