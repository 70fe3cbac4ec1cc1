// The pack over the real rule set: every active SigmaHQ rule in one pack must return, for real recorded
// events and for a generated mixed Sysmon set, exactly the (event, rule) pairs that running each rule's
// matches() alone returns, while evaluating far fewer rules than it holds.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileRule } from '../../src/match/compile.js';
import type { CompiledRule, SigmaEvent } from '../../src/match/types.js';
import { buildRulePack, type RulePack } from '../../src/pack/rule-pack.js';
import { loadPlaceholderValues, loadRules } from '../../src/rule/load.js';
import { generateSysmonMixedEvents } from '../bench/generate-mixed.js';
import { ACTIVE_CORPUS_FOLDERS } from '../support/corpus-regexes.js';
import { projectRoot, sharedRoot } from '../support/paths.js';

const corpus = path.join(sharedRoot, 'sigma-rules');
const regressionEvents = path.join(sharedRoot, 'sigma-regression', 'events');

function regressionSamples(): SigmaEvent[] {
  const files = readdirSync(regressionEvents, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.jsonl'))
    .map((entry) => path.join(entry.parentPath, entry.name))
    .sort();
  return files.flatMap((file) =>
    readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as SigmaEvent),
  );
}

interface Comparison {
  /** (event, rule) pairs that match. */
  pairs: number;
  /** Rules the pack evaluated, summed over events. */
  candidates: number;
  mismatches: string[];
}

function compare(pack: RulePack, rules: readonly CompiledRule[], events: readonly SigmaEvent[]): Comparison {
  const result: Comparison = { pairs: 0, candidates: 0, mismatches: [] };
  events.forEach((event, e) => {
    const expected: number[] = [];
    for (let r = 0; r < rules.length; r++) if (rules[r].matches(event)) expected.push(r);
    const got = pack.matching(event);
    if (JSON.stringify(got) !== JSON.stringify(expected)) {
      const titles = (list: readonly number[]) => list.map((r) => rules[r].rule.title).join(' | ');
      result.mismatches.push(`event ${e}: pack [${titles(got)}], each rule alone [${titles(expected)}]`);
    }
    result.pairs += expected.length;
    result.candidates += pack.candidates(event).length;
  });
  return result;
}

describe('rule pack over the active SigmaHQ corpus', () => {
  let rules: CompiledRule[];
  let pack: RulePack;

  beforeAll(async () => {
    const placeholders = await loadPlaceholderValues(path.join(projectRoot, 'test/conformance/fixtures/placeholders.yml'));
    const loaded = await loadRules(
      ACTIVE_CORPUS_FOLDERS.map((folder) => path.join(corpus, folder)),
      { placeholders },
    );
    rules = loaded.rules.map((rule) => compileRule(rule));
    pack = buildRulePack(rules);
  }, 120_000);

  it('holds every active rule', () => {
    expect(rules).toHaveLength(3780);
  });

  it('returns exactly the per-rule matches on the 238 regression events', () => {
    const events = regressionSamples();
    expect(events).toHaveLength(238);
    const result = compare(pack, rules, events);
    expect(result.mismatches).toEqual([]);
    // Every sample matches its rule, so at least one pair per event file's rule.
    expect(result.pairs).toBeGreaterThanOrEqual(202);
    expect(result.candidates / events.length).toBeLessThan(rules.length / 20);
  }, 120_000);

  it('returns exactly the per-rule matches on 2,000 generated mixed Sysmon events, and prunes', () => {
    const events = [...generateSysmonMixedEvents(2000, 20261205)].map((line) => JSON.parse(line) as SigmaEvent);
    const result = compare(pack, rules, events);
    expect(result.mismatches).toEqual([]);
    expect(result.pairs).toBeGreaterThan(100);
    // A pack that evaluated everything would average 3,780 candidates per event.
    expect(result.candidates / events.length).toBeLessThan(rules.length / 40);
  }, 300_000);
});
