// The rule pack's one promise: for every event, `matching` returns exactly the rules whose own `matches`
// holds, in rule order. Checked on random packs of random rules (string values with wildcards, cased and
// not, regexes, comparisons, cidr, fieldref, null, exists both ways, negated items, keywords, every
// condition shape) against random events written as raw JSON in random valid spellings and parsed (JSON
// escapes, numbers in exponent form, U+0130/U+212A, arrays, nested objects, null and absent fields, and
// keys that reach a field only through the lookup's spaces-removed fallback).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileRule } from '../../src/match/compile.js';
import type { CompiledRule, SigmaEvent } from '../../src/match/types.js';
import { buildRulePack } from '../../src/pack/rule-pack.js';
import type { SigmaRule, ValuePattern } from '../../src/rule/model.js';
import { eventArb, literalsOf, ruleArbWith, spellingArb, write } from '../match/random-sigma.js';

fc.configureGlobal({ seed: 20261205 });

const OTHER_PATTERNS = fc.constantFrom<ValuePattern>(
  { kind: 'null' },
  { kind: 'exists', expected: true },
  { kind: 'exists', expected: false },
  { kind: 're', source: 'a.b', flags: { ignoreCase: true, multiline: false, dotAll: false } },
  // Needles from the pattern's literals (src/pack/regex-needles.ts): `abc` or `ab`+S, never an s caselessly.
  { kind: 're', source: 'ab(?:c|S)', flags: { ignoreCase: true, multiline: false, dotAll: false } },
  { kind: 're', source: 'x\\.k+', flags: { ignoreCase: false, multiline: false, dotAll: false } },
  { kind: 'compare', op: 'gt', value: 100 },
  { kind: 'cidr', family: 4, network: '10.0.0.0', prefixLength: 8 },
  { kind: 'fieldref', field: 'User', position: 'contains', cased: false },
);
const ruleArb = ruleArbWith(OTHER_PATTERNS);

/** Texts the regexes above match, and near misses (ſ for S, a missing letter), for events to be built from. */
const REGEX_TEXTS = ['abc', 'ABS', 'abſ', 'ab', 'x.k', 'x.kk', 'X.K', 'xk'];
const eventLiterals = (rules: readonly SigmaRule[]): string[] => [...rules.flatMap(literalsOf), ...REGEX_TEXTS];

/** Keys the matcher reads as a field only by removing their spaces. */
const SPACED_KEYS = ['Command Line', ' Image', 'Us er', 'Im age ', 'Size '];

interface Tally {
  events: number;
  matches: number;
  candidates: number;
  rules: number;
}

function checkPack(compiled: readonly CompiledRule[], events: readonly SigmaEvent[], tally: Tally): void {
  const pack = buildRulePack(compiled);
  for (const event of events) {
    const expected = compiled.flatMap((rule, r) => (rule.matches(event) ? [r] : []));
    expect(pack.matching(event), JSON.stringify(event)).toEqual(expected);
    const candidates = pack.candidates(event);
    for (const r of expected) expect(candidates).toContain(r);
    tally.events++;
    tally.matches += expected.length;
    tally.candidates += candidates.length;
    tally.rules += compiled.length;
  }
}

function packCaseArb(maxRules: number): fc.Arbitrary<[SigmaRule[], SigmaEvent[]]> {
  return fc.array(ruleArb, { minLength: 1, maxLength: maxRules }).chain((rules) =>
    fc.tuple(
      fc.constant(rules),
      fc
        .array(fc.tuple(eventArb(eventLiterals(rules), SPACED_KEYS), spellingArb), { minLength: 1, maxLength: 8 })
        .map((written) => written.map(([node, spelling]) => JSON.parse(write(node, spelling)) as SigmaEvent)),
    ),
  );
}

describe('rule pack exactness', () => {
  it('returns exactly the rules whose matches() holds, for random packs and events', () => {
    const tally: Tally = { events: 0, matches: 0, candidates: 0, rules: 0 };
    fc.assert(
      fc.property(packCaseArb(6), ([rules, events]) => checkPack(rules.map((rule) => compileRule(rule)), events, tally)),
      { numRuns: 800 },
    );
    // Not vacuous: matches happen, and the index leaves rules out.
    expect(tally.matches).toBeGreaterThan(tally.events / 4);
    expect(tally.candidates).toBeLessThan(tally.rules * 0.8);
  });

  it('agrees with matches() when every rule is a single field item, the shape that prunes most', () => {
    const tally: Tally = { events: 0, matches: 0, candidates: 0, rules: 0 };
    const single = ruleArb.filter((rule) => rule.detection.condition.kind === 'search');
    fc.assert(
      fc.property(
        fc.array(single, { minLength: 2, maxLength: 8 }).chain((rules) =>
          fc.tuple(
            fc.constant(rules),
            fc.array(fc.tuple(eventArb(eventLiterals(rules), SPACED_KEYS), spellingArb), { minLength: 1, maxLength: 6 }).map((written) => written.map(([node, spelling]) => JSON.parse(write(node, spelling)) as SigmaEvent)),
          ),
        ),
        ([rules, events]) => checkPack(rules.map((rule) => compileRule(rule)), events, tally),
      ),
      { numRuns: 500 },
    );
    expect(tally.matches).toBeGreaterThan(tally.events / 4);
    expect(tally.candidates).toBeLessThan(tally.rules * 0.6);
  });

  it('with a log source split, returns exactly the applying rules that match, building each source once', () => {
    let built = 0;
    let checked = 0;
    fc.assert(
      fc.property(packCaseArb(6), fc.array(fc.boolean(), { minLength: 18, maxLength: 18 }), ([rules, events], appliesBits) => {
        const compiled = rules.map((rule) => compileRule(rule));
        // Sources by whether the event has an Image key; unknown when it has neither Image nor User.
        const classify = (event: SigmaEvent) => ('Image' in event ? { key: 'image' } : 'User' in event ? { key: 'user' } : null);
        const sourceBit = (source: { key: string } | null) => (source === null ? 0 : source.key === 'image' ? 1 : 2);
        const applies = (rule: SigmaRule, source: { key: string } | null) => appliesBits[rules.indexOf(rule) * 3 + sourceBit(source)];
        const pack = buildRulePack(compiled, { classify, applies });
        for (const event of events) {
          const source = classify(event);
          const expected = compiled.flatMap((rule, r) => (applies(rule.rule, source) && rule.matches(event) ? [r] : []));
          expect(pack.matching(event)).toEqual(expected);
          checked++;
        }
        const described = pack.describe();
        expect(new Set(described.map((d) => d.source)).size).toBe(described.length);
        built += described.length;
      }),
      { numRuns: 300 },
    );
    expect(built).toBeGreaterThan(300);
    expect(checked).toBeGreaterThan(300);
  });
});
