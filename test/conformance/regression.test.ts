import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRules } from '../../src/rule/load.js';
import { compileRule } from '../../src/match/compile.js';
import { sharedRoot } from '../support/paths.js';

// SigmaHQ's own regression data: real recorded events that prove each rule fires. A sample asserts that its
// rule matches at least `match_count` events of its file (at least 1 when the column is empty).
const regressionRoot = path.join(sharedRoot, 'sigma-regression');

interface Sample {
  ruleId: string;
  rulePath: string;
  eventsPath: string;
  minimumMatches: number;
  title: string;
}

function readManifest(): Sample[] {
  const [header, ...lines] = readFileSync(path.join(regressionRoot, 'manifest.tsv'), 'utf8').trimEnd().split('\n');
  const columns = header.split('\t');
  const at = (name: string) => columns.indexOf(name);
  return lines.map((line) => {
    const cells = line.split('\t');
    return {
      ruleId: cells[at('rule_id')],
      rulePath: path.join(sharedRoot, cells[at('rule_path')]),
      eventsPath: path.join(regressionRoot, cells[at('jsonl')]),
      minimumMatches: cells[at('match_count')] ? Number(cells[at('match_count')]) : 1,
      title: cells[at('rule_title')],
    };
  });
}

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
      const events = readFileSync(sample.eventsPath, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
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
