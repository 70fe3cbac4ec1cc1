// What must NOT match (issue 15): the regression samples only prove that rules fire, so a matcher that always
// says yes would pass them. Here every sample's events meet the rules of the other samples of the same log
// source; the few pairs that do match are recorded in fixtures/regression-cross-matches.tsv (reviewed: each is
// a rule whose selection the other sample's event really satisfies), and every other pair must not match.
// After a deliberate change of semantics, rewrite the file with UPDATE_CROSS_MATCHES=1 and review its diff.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileRule } from '../../src/match/compile.js';
import type { CompiledRule } from '../../src/match/types.js';
import { loadRules } from '../../src/rule/load.js';
import type { LogSource } from '../../src/rule/model.js';
import { readEvents, readManifest, type Sample } from './regression-samples.js';

const expectedFile = path.join(import.meta.dirname, 'fixtures', 'regression-cross-matches.tsv');
const HEADER = 'log_source\tevent_sample\tevent\trule_id\trule_title';

interface Loaded {
  sample: Sample;
  rule: CompiledRule;
  logSource: string;
  events: Array<Record<string, unknown>>;
}

const logSourceKey = (logsource: LogSource): string => [logsource.product ?? '', logsource.category ?? '', logsource.service ?? ''].join('/');

describe('SigmaHQ regression samples: pairs that must not match', () => {
  const loaded: Loaded[] = [];
  beforeAll(async () => {
    for (const sample of readManifest()) {
      const rules = await loadRules([sample.rulePath]);
      const rule = rules.rules.find((r) => r.id === sample.ruleId);
      if (rule === undefined) throw new Error(`${sample.ruleId}: rule did not load`);
      loaded.push({ sample, rule: compileRule(rule), logSource: logSourceKey(rule.logsource), events: readEvents(sample) });
    }
  });

  it('matches each sample’s events with the other samples’ rules of its log source exactly in the recorded pairs', () => {
    const crossMatches: string[] = [];
    let pairs = 0;
    for (const eventSample of loaded) {
      for (const ruleSample of loaded) {
        if (ruleSample.logSource !== eventSample.logSource || ruleSample.sample.ruleId === eventSample.sample.ruleId) continue;
        eventSample.events.forEach((event, index) => {
          pairs++;
          const verdict = ruleSample.rule.matches(event);
          expect(ruleSample.rule.explain(event) !== null).toBe(verdict);
          if (verdict) crossMatches.push([eventSample.logSource, eventSample.sample.ruleId, index, ruleSample.sample.ruleId, ruleSample.rule.rule.title].join('\t'));
        });
      }
    }
    crossMatches.sort();
    if (process.env.UPDATE_CROSS_MATCHES === '1') writeFileSync(expectedFile, [HEADER, ...crossMatches].join('\n') + '\n');
    const expected = readFileSync(expectedFile, 'utf8').trimEnd().split('\n').slice(1);
    expect(crossMatches).toEqual(expected);
    expect(pairs).toBe(EXPECTED_PAIRS);
    // The negatives are the point: far more pairs must be false than are true.
    expect(pairs - crossMatches.length).toBe(EXPECTED_PAIRS - EXPECTED_CROSS_MATCHES);
  });
});

const EXPECTED_PAIRS = 21_894;
const EXPECTED_CROSS_MATCHES = 52;
