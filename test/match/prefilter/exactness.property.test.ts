// The pre-filter's one promise: a rejected JSON text encodes an event no rule matches. Checked against the
// real matcher on random rules and random events, each event written as JSON in random but valid ways:
// any character as \uXXXX (either hex case), '/' as '\/', whitespace between tokens, numbers in exponent
// or padded forms, needle text in keys, mixed case, and characters whose lower case is ASCII (U+212A,
// U+0130) or changes length.
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileRule } from '../../../src/match/compile.js';
import { createRulesPrefilter, isAscii } from '../../../src/match/prefilter.js';
import type { CompiledRule } from '../../../src/match/types.js';
import { loadRules } from '../../../src/rule/load.js';
import type { DetectionItem, SigmaRule, StringPart } from '../../../src/rule/model.js';
import { eventArb, fragmentArb, here, literalsOf, ruleArb, spellingArb, write, type Json } from '../random-sigma.js';
import { propertyRuns } from '../../support/runs.js';

// A fixed seed: the properties are proofs over the same generated cases on every run, and the coverage
// assertions below (rejections and matches both happen) cannot flake.
fc.configureGlobal({ seed: 20261128 });

// ---------------------------------------------------------------------------------------------------
// The property
// ---------------------------------------------------------------------------------------------------

interface Tally {
  texts: number;
  rejected: number;
  matched: number;
}

const newTally = (): Tally => ({ texts: 0, rejected: 0, matched: 0 });

/** Checks one text against the rules, counting outcomes so each test can show it was not vacuous. */
function check(rules: readonly CompiledRule[], text: string, tally: Tally): void {
  const prefilter = createRulesPrefilter(rules.map((compiled) => compiled.rule));
  const event = JSON.parse(text) as Record<string, unknown>;
  const matched = rules.some((compiled) => compiled.matches(event));
  tally.texts++;
  if (matched) tally.matched++;
  if (prefilter === null) return;
  const rejected = prefilter.rejects(text);
  if (rejected) tally.rejected++;
  // Property: rejected ⇒ no rule matches.
  expect(rejected && matched, `rejected a matching event: ${text}`).toBe(false);
  // The splitter's ASCII hint must not change the verdict.
  if (isAscii(text)) expect(prefilter.rejects(text, true)).toBe(rejected);
}

describe('pre-filter exactness', () => {
  it('never rejects an event a random rule matches', () => {
    const tally = newTally();
    fc.assert(
      fc.property(
        ruleArb.chain((rule) => fc.tuple(fc.constant(rule), fc.array(fc.tuple(eventArb(literalsOf(rule)), spellingArb), { minLength: 1, maxLength: 8 }))),
        ([rule, events]) => {
          const compiled = [compileRule(rule)];
          for (const [node, spelling] of events) check(compiled, write(node, spelling), tally);
        },
      ),
      { numRuns: propertyRuns(600) },
    );
    expect(tally.rejected).toBeGreaterThan(tally.texts / 50);
    expect(tally.matched).toBeGreaterThan(tally.texts / 10);
  });

  it('never rejects an event that one of two random rules matches (the scan unions the needles)', () => {
    const tally = newTally();
    fc.assert(
      fc.property(
        fc.tuple(ruleArb, ruleArb).chain(([a, b]) => fc.tuple(fc.constant([a, b]), fc.array(fc.tuple(eventArb([...literalsOf(a), ...literalsOf(b)]), spellingArb), { minLength: 1, maxLength: 6 }))),
        ([rules, events]) => {
          const compiled = rules.map((rule) => compileRule(rule));
          for (const [node, spelling] of events) check(compiled, write(node, spelling), tally);
        },
      ),
      { numRuns: propertyRuns(300) },
    );
    expect(tally.rejected).toBeGreaterThan(0);
    expect(tally.matched).toBeGreaterThan(tally.texts / 10);
  });

  it('never rejects a one-field event a single-value rule matches, however the value is spelled', () => {
    const tally = newTally();
    const caseArb = fc.constantFrom<'keep' | 'upper' | 'lower' | 'kelvin' | 'dotted'>('keep', 'upper', 'lower', 'kelvin', 'dotted');
    const scenarioArb = fc.record({
      literal: fragmentArb,
      position: fc.constantFrom<'exact' | 'contains' | 'startswith' | 'endswith'>('exact', 'contains', 'startswith', 'endswith'),
      cased: fc.boolean(),
      prefix: fc.constantFrom('', 'x', 'C:\\', 'é'),
      suffix: fc.constantFrom('', 'y', '.exe'),
      casing: caseArb,
      asNumber: fc.boolean(),
      /** Some events carry other text instead, so that rejections happen too. */
      decoy: fc.option(fragmentArb, { freq: 4 }),
      spelling: spellingArb,
    });
    fc.assert(
      fc.property(scenarioArb, ({ literal, position, cased, prefix, suffix, casing, asNumber, decoy, spelling }) => {
        const parts: StringPart[] = [{ kind: 'literal', text: literal }];
        if (position === 'contains' || position === 'endswith') parts.unshift({ kind: 'any' });
        if (position === 'contains' || position === 'startswith') parts.push({ kind: 'any' });
        const item: DetectionItem = { field: 'F', modifiers: [], combine: 'any', values: [{ written: literal, patterns: [{ kind: 'string', parts, cased }], location: here }], negated: false, location: here };
        const rule: SigmaRule = {
          kind: 'rule', title: 'one', source: here, logsource: {}, references: [], tags: [], falsepositives: [], fields: [], appliedFilters: [],
          detection: { searches: new Map([['sel', { kind: 'fields', identifier: 'sel', location: here, alternatives: [{ location: here, items: [item] }] }]]), condition: { kind: 'search', identifier: 'sel' }, conditionText: ['sel'] },
        };
        let value: Json;
        const number = Number(literal);
        if (asNumber && /^-?\d[\d.]*$/.test(literal) && Number.isFinite(number)) {
          // Another spelling of the same number: its string form holds the literal, its token may not.
          value = { t: 'num', token: number.toExponential() };
        } else {
          let text = decoy ?? literal;
          if (casing === 'upper') text = text.toUpperCase();
          else if (casing === 'lower') text = text.toLowerCase();
          else if (casing === 'kelvin') text = text.replace(/k/gi, '\u212A');
          else if (casing === 'dotted') text = text.replace(/i/gi, '\u0130');
          value = { t: 'str', v: position === 'exact' ? text : position === 'startswith' ? text + suffix : position === 'endswith' ? prefix + text : prefix + text + suffix };
        }
        const event: Json = { t: 'obj', entries: [['EventID', { t: 'num', token: '3' }], ['F', value], ['G', { t: 'str', v: 'noise' }]] };
        check([compileRule(rule)], write(event, spelling), tally);
      }),
      { numRuns: propertyRuns(3000) },
    );
    expect(tally.rejected).toBeGreaterThan(tally.texts / 50);
    expect(tally.matched).toBeGreaterThan(tally.texts / 6);
  });

  it('never rejects a Sysmon event the seed rule matches', async () => {
    const rule = (await loadRules([path.resolve('rules/windows/network_connection/net_connection_win_susp_initiated_uncommon_or_suspicious_locations.yml')])).rules[0];
    const compiled = [compileRule(rule)];
    const folders = ['C:\\Users\\Public\\', 'C:\\PerfLogs\\', 'C:\\Temp\\', 'C:\\Windows\\Fonts\\', 'C:\\$Recycle.Bin\\', 'C:\\Users\\x\\Music\\', 'C:\\Users\\x\\AppData\\Local\\Temp\\', 'C:\\Windows\\System32\\', 'C:\\Users\\jürgen\\Videos\\'];
    const hosts = ['raw.githubusercontent.com', 'github.com.evil.example', 'api.telegram.org', 'pastebin.com', '-', 'WWW.PASTEBIN.COM'];
    const sysmonArb = fc
      .record({
        folder: fc.constantFrom(...folders),
        exe: fc.constantFrom('x.exe', 'Update.EXE', 'zoë.exe'),
        casing: fc.constantFrom('keep', 'upper', 'lower'),
        initiated: fc.constantFrom<Json>({ t: 'str', v: 'true' }, { t: 'str', v: 'True' }, { t: 'lit', v: 'true' }, { t: 'str', v: 'false' }, { t: 'lit', v: 'null' }),
        host: fc.option(fc.constantFrom(...hosts)),
        port: fc.constantFrom('443', '4.43e2', '8080'),
      })
      .map(({ folder, exe, casing, initiated, host, port }): Json => {
        const image = casing === 'upper' ? (folder + exe).toUpperCase() : casing === 'lower' ? (folder + exe).toLowerCase() : folder + exe;
        const entries: Array<[string, Json]> = [
          ['EventID', { t: 'num', token: '3' }],
          ['Image', { t: 'str', v: image }],
          ['Initiated', initiated],
          ['DestinationPort', { t: 'num', token: port }],
        ];
        if (host !== null) entries.push(['DestinationHostname', { t: 'str', v: host }]);
        return { t: 'obj', entries };
      });
    const tally = newTally();
    fc.assert(
      fc.property(sysmonArb, spellingArb, (node, spelling) => check(compiled, write(node, spelling), tally)),
      { numRuns: propertyRuns(1500) },
    );
    expect(tally.rejected).toBeGreaterThan(tally.texts / 25);
    expect(tally.matched).toBeGreaterThan(tally.texts / 10);
  });
});
