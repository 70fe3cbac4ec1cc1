import { describe, expect, it } from 'vitest';
import { emptyRuleSummary, formatSummary, listedRules, SHARED_STOP_LISTED, totalsOf, type HuntSummary, type RuleRunSummary } from '../../../src/hunt/summary.js';

function rule(index: number, changes: Partial<RuleRunSummary> = {}): RuleRunSummary {
  return { ...emptyRuleSummary(`rule-${index}`, `Rule ${index}`, 'compiled'), ...changes };
}

describe('listedRules', () => {
  it('lists only rules with activity; quiet ones are counted in the totals', () => {
    const rules = [rule(0), rule(1, { rows: 3 }), rule(2, { slowRows: 1 }), rule(3, { querySource: 'override' }), rule(4)];
    expect(listedRules(rules).rules.map((listed) => listed.ruleId)).toEqual(['rule-1', 'rule-2', 'rule-3']);
    expect(totalsOf(rules)).toMatchObject({ rules: 5, quietRules: 2 });
  });

  it('folds rules that only share a stop into one entry when there are more than a few, keeping rules with rows', () => {
    const stopped = { reason: 'error' as const, detail: 'Error: injected' };
    const rules = Array.from({ length: 40 }, (_unused, index) => rule(index, { stopped, ...(index === 7 ? { rows: 2 } : {}) }));
    const listed = listedRules(rules);
    expect(listed.rules.map((listedRule) => listedRule.ruleId)).toEqual(['rule-7']);
    expect(listed.sharedStops).toEqual([{ ...stopped, rules: 39, ruleIds: ['rule-0', 'rule-1', 'rule-2', 'rule-3', 'rule-4'] }]);
    const few = listedRules(rules.slice(0, SHARED_STOP_LISTED));
    expect(few.sharedStops).toEqual([]);
    expect(few.rules).toHaveLength(SHARED_STOP_LISTED);
  });

  it('counts folded rules as stopped in the terminal form', () => {
    const stopped = { reason: 'query-failed' as const, detail: 'HTTP 403 Forbidden' };
    const rules = Array.from({ length: 10 }, (_unused, index) => rule(index, { stopped }));
    const listed = listedRules(rules);
    const summary: HuntSummary = {
      event: 'sigma-hunt.run',
      outcome: 'incomplete',
      startedAt: '2026-03-02T10:00:00.000Z',
      durationMs: 100,
      workspaceId: 'w',
      target: 'sysmon',
      rules: listed.rules,
      sharedStops: listed.sharedStops,
      batches: [],
      skippedRules: [],
      totals: totalsOf(rules),
    };
    const text = formatSummary(summary);
    expect(text).toContain('none read: 10 of 10 rules stopped before their first window');
    expect(text).toContain('10 rules (rule-0, rule-1, rule-2, rule-3, rule-4, ...): stopped (query-failed): HTTP 403 Forbidden');
  });
});
