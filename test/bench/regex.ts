// Benchmark section: `re` on RE2 (re2js) against the engine it replaced (V8's backtracking RegExp, without `u`,
// as main ran it before issue 10), both measured in this run, and the CPU per row on hostile values.
//
// - Patterns: each of the corpus's 149 patterns on every string of the SigmaHQ regression events (real
//   command lines, paths, hashes, registry keys).
// - Rules: the regex-heavy corpus rules (a conjunction of `re` items only), compiled once with each engine, each
//   evaluated on events whose `re` fields hold those strings (other fields absent, so the regexes decide).
// - Hostile rows: every regex-heavy rule against an event whose `re` fields hold one of recheck's attack strings
//   (test/redos/attacks.json, up to 212k characters) or the reviewer's crafted values; the best of 3 CPU
//   readings per row, worst row reported (target < 10 ms). V8 is not run on them: it would not finish.
import path from 'node:path';
import { compileRule, type RegexEngine } from '../../src/match/compile.js';
import type { CompiledRule, SigmaEvent } from '../../src/match/types.js';
import { loadPlaceholderValues, loadRules } from '../../src/rule/load.js';
import type { SigmaRule } from '../../src/rule/model.js';
import { compileRe2 } from '../../src/rule/values/regex.js';
import { ACTIVE_CORPUS_FOLDERS, regressionStrings } from '../support/corpus-regexes.js';
import { CRAFTED_INVOKE_OBFUSCATION_COMMAND_LINE, TEXTBOOK_REDOS_VALUE } from '../redos/crafted.js';
import { attackString, readRedosFixture } from '../redos/fixture.js';
import { interleave, type BenchContext, type BenchRow, type BenchSection } from './sections.js';

const ROUNDS = 5;
const HOSTILE_READINGS = 3;
const HOSTILE_TARGET_MS = 10;

/** The previous engine: V8 RegExp without `u`, flags i/m/s. */
const v8Engine: RegexEngine = (source, flags) => new RegExp(source, (flags.ignoreCase ? 'i' : '') + (flags.multiline ? 'm' : '') + (flags.dotAll ? 's' : ''));

/** The fields of a rule's `re` items, when some conjunction of the rule holds only `re` items (a regex-heavy rule:
 *  its verdict on an event with just those fields is decided by regexes); else empty. */
function regexFields(rule: SigmaRule): string[] {
  const fields = new Set<string>();
  let regexOnly = false;
  for (const search of rule.detection.searches.values()) {
    if (search.kind === 'keywords') continue;
    for (const conjunction of search.alternatives) {
      const isRegex = conjunction.items.map((item) => item.field !== null && item.values.every((group) => group.patterns.every((pattern) => pattern.kind === 're')));
      if (isRegex.length > 0 && isRegex.every(Boolean)) regexOnly = true;
      conjunction.items.forEach((item, index) => {
        if (isRegex[index]) fields.add(item.field!);
      });
    }
  }
  return regexOnly ? [...fields] : [];
}

function eventsFor(fields: readonly string[], values: readonly string[]): SigmaEvent[] {
  return values.map((value) => Object.fromEntries(fields.map((field) => [field, value])));
}

function cpuMs(run: () => void): number {
  const before = process.cpuUsage();
  run();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000;
}

export const regexSection: BenchSection = {
  name: 'Regular expressions: RE2 (re2js) vs the previous engine (V8 RegExp) on real values; CPU per hostile row',
  async run(context: BenchContext): Promise<BenchRow[]> {
    const shared = path.resolve(context.projectRoot, '../shared');
    const fixture = readRedosFixture(path.join(context.projectRoot, 'test/redos/attacks.json'));
    const values = regressionStrings(path.join(shared, 'sigma-regression/events'));
    const placeholders = await loadPlaceholderValues(path.join(context.projectRoot, 'test/conformance/fixtures/placeholders.yml'));
    const loaded = await loadRules(ACTIVE_CORPUS_FOLDERS.map((folder) => path.join(shared, 'sigma-rules', folder)), { placeholders });
    const regexRules = loaded.rules.map((rule) => ({ rule, fields: regexFields(rule) })).filter(({ fields }) => fields.length > 0);

    // Patterns alone.
    const re2Patterns = fixture.patterns.map((pattern) => compileRe2(pattern.source, pattern.flags));
    const v8Patterns = fixture.patterns.map((pattern) => v8Engine(pattern.source, pattern.flags));
    let sink = 0;
    const patternTimes = await interleave(ROUNDS, {
      v8: () => {
        for (const regex of v8Patterns) for (const value of values) if (regex.test(value)) sink++;
      },
      re2: () => {
        for (const regex of re2Patterns) for (const value of values) if (regex.test(value)) sink++;
      },
    });
    const patternTests = fixture.patterns.length * values.length;

    // Whole rules.
    const compiledWith = (engine: RegexEngine | undefined): Array<{ compiled: CompiledRule; events: SigmaEvent[] }> =>
      regexRules.map(({ rule, fields }) => ({ compiled: compileRule(rule, engine ? { regexEngine: engine } : {}), events: eventsFor(fields, values) }));
    const v8Rules = compiledWith(v8Engine);
    const re2Rules = compiledWith(undefined);
    const evaluate = (rules: typeof re2Rules) => () => {
      for (const { compiled, events } of rules) for (const event of events) if (compiled.matches(event)) sink++;
    };
    const ruleTimes = await interleave(ROUNDS, { v8: evaluate(v8Rules), re2: evaluate(re2Rules) });
    const ruleEvaluations = regexRules.length * values.length;

    // Hostile rows, RE2 only.
    const hostile = [
      ...fixture.patterns.flatMap((pattern) => (pattern.attack ? [attackString(pattern.attack)] : [])),
      CRAFTED_INVOKE_OBFUSCATION_COMMAND_LINE,
      TEXTBOOK_REDOS_VALUE,
    ];
    let worst = { ms: 0, rule: '', chars: 0 };
    let hostileTotalMs = 0;
    for (const { compiled, events } of re2Rules.map((entry, index) => ({ compiled: entry.compiled, events: eventsFor(regexRules[index]!.fields, hostile) }))) {
      for (const event of events) {
        let best = Infinity;
        for (let reading = 0; reading < HOSTILE_READINGS; reading++) best = Math.min(best, cpuMs(() => void compiled.explain(event)));
        hostileTotalMs += best;
        if (best > worst.ms) worst = { ms: best, rule: compiled.rule.id ?? compiled.rule.title, chars: String(Object.values(event)[0]).length };
      }
    }
    const hostileRows = re2Rules.length * hostile.length;
    context.log(`regex: ${fixture.patterns.length} patterns, ${values.length} regression strings, ${regexRules.length} rules, ${hostile.length} hostile values (sink ${sink})`);
    return [
      { label: `previous engine (V8 RegExp): ${fixture.patterns.length} patterns × ${values.length} real values, tests/s`, eventsPerSecond: (patternTests * 1000) / patternTimes.v8! },
      { label: 'RE2 (re2js): the same tests', eventsPerSecond: (patternTests * 1000) / patternTimes.re2!, ratio: patternTimes.v8! / patternTimes.re2!, target: 0.5 },
      { label: `previous engine (V8 RegExp): ${regexRules.length} regex rules × ${values.length} events, rule evaluations/s`, eventsPerSecond: (ruleEvaluations * 1000) / ruleTimes.v8! },
      { label: 'RE2 (re2js): the same rule evaluations', eventsPerSecond: (ruleEvaluations * 1000) / ruleTimes.re2!, ratio: ruleTimes.v8! / ruleTimes.re2!, target: 0.5 },
      {
        label: `RE2: ${hostileRows} hostile rows (${regexRules.length} rules × ${hostile.length} attack values), rows/s`,
        eventsPerSecond: (hostileRows * 1000) / hostileTotalMs,
        note: `worst ${worst.ms.toFixed(2)} ms CPU per row (rule ${worst.rule}, ${worst.chars.toLocaleString('en-US')} chars; target < ${HOSTILE_TARGET_MS} ms: ${worst.ms < HOSTILE_TARGET_MS ? 'ok' : 'MISSED'})`,
      },
    ];
  },
};
