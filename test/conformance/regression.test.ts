import { describe, expect, it } from 'vitest';
import { loadRules } from '../../src/rule/load.js';
import { compileRule } from '../../src/match/compile.js';
import { readEvents, readManifest } from './regression-samples.js';

// SigmaHQ's own regression data: real recorded events that prove each rule fires. A sample asserts that its
// rule matches at least `match_count` events of its file (at least 1 when the column is empty). What must not
// match: regression-negative.test.ts.
describe('SigmaHQ regression samples', () => {
  const samples = readManifest();

  it('has all 202 samples of the manifest', () => {
    expect(samples).toHaveLength(202);
  });

  it('matches every sample at least match_count times with its rule', async () => {
    const failures: string[] = [];
    let eventsChecked = 0;
    for (const sample of samples) {
      const loaded = await loadRules([sample.rulePath]);
      const rule = loaded.rules.find((r) => r.id === sample.ruleId);
      if (!rule) {
        failures.push(`${sample.ruleId} (${sample.title}): rule did not load: ${loaded.outcomes.map((o) => o.error?.message).join('; ')}`);
        continue;
      }
      const compiled = compileRule(rule);
      const events = readEvents(sample);
      eventsChecked += events.length;
      const matched = events.filter((e) => compiled.matches(e));
      if (matched.length < sample.minimumMatches) {
        failures.push(`${sample.ruleId} (${sample.title}): ${matched.length} of ${events.length} events matched, expected >= ${sample.minimumMatches}`);
      }
      // The explanation must agree with the verdict on every event.
      for (const event of events) expect(compiled.explain(event) !== null).toBe(compiled.matches(event));
    }
    expect(failures).toEqual([]);
    expect(eventsChecked).toBe(238);
  });
});
