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
import type { ConditionNode, DetectionItem, Search, SigmaRule, SourceLocation, StringPart, ValuePattern } from '../../../src/rule/model.js';
import { createRng } from '../../support/rng.js';

// A fixed seed: the properties are proofs over the same generated cases on every run, and the coverage
// assertions below (rejections and matches both happen) cannot flake.
fc.configureGlobal({ seed: 20261128 });

// ---------------------------------------------------------------------------------------------------
// Raw JSON with its spelling chosen at random
// ---------------------------------------------------------------------------------------------------

type Json = { t: 'str'; v: string } | { t: 'num'; token: string } | { t: 'lit'; v: 'true' | 'false' | 'null' } | { t: 'arr'; items: Json[] } | { t: 'obj'; entries: Array<[string, Json]> };

const SHORT_ESCAPES: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function writeString(text: string, rng: () => number, escapeRate: number): string {
  let out = '"';
  for (const unit of text.split('')) {
    const code = unit.charCodeAt(0);
    const roll = rng();
    if (roll < escapeRate) {
      const hex = code.toString(16).padStart(4, '0');
      out += `\\u${rng() < 0.5 ? hex : hex.toUpperCase()}`;
    } else if (unit === '/' && roll < escapeRate * 3) {
      out += '\\/';
    } else if (SHORT_ESCAPES[unit] !== undefined) {
      out += SHORT_ESCAPES[unit];
    } else if (code < 0x20 || (code >= 0xd800 && code <= 0xdfff)) {
      out += `\\u${code.toString(16).padStart(4, '0')}`;
    } else {
      out += unit;
    }
  }
  return out + '"';
}

function writeJson(node: Json, rng: () => number, escapeRate: number): string {
  const space = (): string => (rng() < 0.2 ? [' ', '\t', '  ', '\r\n '][Math.floor(rng() * 4)] : '');
  switch (node.t) {
    case 'str':
      return writeString(node.v, rng, escapeRate);
    case 'num':
      return node.token;
    case 'lit':
      return node.v;
    case 'arr':
      return `[${space()}${node.items.map((item) => writeJson(item, rng, escapeRate) + space()).join(`,${space()}`)}]`;
    case 'obj':
      return `{${space()}${node.entries.map(([key, value]) => `${writeString(key, rng, escapeRate)}${space()}:${space()}${writeJson(value, rng, escapeRate)}${space()}`).join(`,${space()}`)}}`;
  }
}

// ---------------------------------------------------------------------------------------------------
// Random rules
// ---------------------------------------------------------------------------------------------------

/** Characters that stress the argument: ASCII both cases, JSON-escaped ones, number characters, and
 *  non-ASCII ones whose lower case is ASCII or longer. */
const ASCII_CHARS = [...'aAbBkKsSiIeEtT', ...'0123456789.-+', '\\', '"', '/', ':', ' ', '\n', '\t', '\u0001'];
const OTHER_CHARS = ['é', 'É', '\u212A', '\u0130', 'ß', '\u017F', '\u2028', '日', '\ud83d\ude00'];
function fragmentsOf(others: readonly string[]): fc.Arbitrary<string> {
  const charArb = fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...ASCII_CHARS) }, { weight: 1, arbitrary: fc.constantFrom(...others) });
  return fc.array(charArb, { minLength: 1, maxLength: 5 }).map((chars) => chars.join(''));
}
const fragmentArb = fragmentsOf(OTHER_CHARS);
/** Events may also hold lone surrogates (rules may not: the matcher refuses them). */
const eventFragmentArb = fragmentsOf([...OTHER_CHARS, '\ud83d', '\ude00']);

const FIELDS = ['Image', 'CommandLine', 'User', 'Size', 'Tags', 'Extra'];
const here: SourceLocation = { file: 'random.yml', document: 0, line: 1, path: 'detection' };

const partsArb: fc.Arbitrary<StringPart[]> = fc.array(
  fc.oneof({ weight: 5, arbitrary: fragmentArb.map((text): StringPart => ({ kind: 'literal', text })) }, fc.constant<StringPart>({ kind: 'any' }), fc.constant<StringPart>({ kind: 'one' })),
  { minLength: 1, maxLength: 4 },
);

const stringPatternArb: fc.Arbitrary<ValuePattern> = fc.record({ parts: partsArb, cased: fc.constantFrom(false, false, false, true) }).map(({ parts, cased }) => ({ kind: 'string', parts, cased }));
const otherPatternArb: fc.Arbitrary<ValuePattern> = fc.constantFrom<ValuePattern>(
  { kind: 'null' },
  { kind: 'exists', expected: true },
  { kind: 're', source: 'a.b', flags: { ignoreCase: true, multiline: false, dotAll: false } },
  { kind: 'compare', op: 'gt', value: 100 },
);

function itemArb(keyword: boolean): fc.Arbitrary<DetectionItem> {
  const patternArb = keyword ? stringPatternArb : fc.oneof({ weight: 8, arbitrary: stringPatternArb }, { weight: 1, arbitrary: otherPatternArb });
  return fc
    .record({
      field: keyword ? fc.constant(null) : fc.constantFrom(...FIELDS),
      groups: fc.array(fc.array(patternArb, { minLength: 1, maxLength: 2 }), { minLength: 1, maxLength: 3 }),
      all: fc.boolean(),
      negated: keyword ? fc.constant(false) : fc.double({ min: 0, max: 1, noNaN: true }).map((x) => x < 0.1),
    })
    .map(({ field, groups, all, negated }) => ({
      field,
      modifiers: [],
      combine: all ? 'all' : 'any',
      values: groups.map((patterns) => ({ written: 'x', patterns, location: here })),
      negated,
      location: here,
    }));
}

function searchArb(identifier: string): fc.Arbitrary<Search> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.array(fc.array(itemArb(false), { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 2 }).map((maps): Search => ({ kind: 'fields', identifier, location: here, alternatives: maps.map((items) => ({ location: here, items })) })) },
    { weight: 1, arbitrary: itemArb(true).map((item): Search => ({ kind: 'keywords', identifier, location: here, item })) },
  );
}

const IDENTIFIERS = ['s0', 's1', 's2'];

const conditionArb: fc.Arbitrary<ConditionNode> = fc.letrec<{ node: ConditionNode }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom(...IDENTIFIERS).map((identifier): ConditionNode => ({ kind: 'search', identifier })),
    fc.array(tie('node'), { minLength: 2, maxLength: 3 }).map((operands): ConditionNode => ({ kind: 'and', operands })),
    fc.array(tie('node'), { minLength: 2, maxLength: 3 }).map((operands): ConditionNode => ({ kind: 'or', operands })),
    tie('node').map((operand): ConditionNode => ({ kind: 'not', operand })),
    fc.record({ quantifier: fc.constantFrom<'one' | 'all'>('one', 'all'), identifiers: fc.subarray(IDENTIFIERS, { minLength: 1 }) }).map((of): ConditionNode => ({ kind: 'of', pattern: 's*', ...of })),
  ),
})).node;

const ruleArb: fc.Arbitrary<SigmaRule> = fc.record({ searches: fc.tuple(...IDENTIFIERS.map(searchArb)), condition: conditionArb }).map(({ searches, condition }) => ({
  kind: 'rule',
  title: 'random',
  source: here,
  logsource: {},
  references: [],
  tags: [],
  falsepositives: [],
  fields: [],
  appliedFilters: [],
  detection: { searches: new Map(searches.map((search) => [search.identifier, search])), condition, conditionText: ['random'] },
}));

function literalsOf(rule: SigmaRule): string[] {
  const texts: string[] = [];
  for (const search of rule.detection.searches.values()) {
    const items = search.kind === 'keywords' ? [search.item] : search.alternatives.flatMap((map) => map.items);
    for (const item of items) for (const group of item.values) for (const pattern of group.patterns) if (pattern.kind === 'string') for (const part of pattern.parts) if (part.kind === 'literal') texts.push(part.text);
  }
  return texts;
}

// ---------------------------------------------------------------------------------------------------
// Random events, built from the rule's own literals so that matches and near misses are common
// ---------------------------------------------------------------------------------------------------

const NUMBER_TOKENS = ['0', '-0', '3', '1000', '1e3', '1E+3', '10.0e2', '1000.00', '0.0000001', '1e-7', '12345678901234567890', '1e400', '-1.5e-3', '443', '0.5', '123456789012345'];

function textArb(literals: readonly string[]): fc.Arbitrary<string> {
  const pieceArb = literals.length === 0 ? eventFragmentArb : fc.oneof({ weight: 1, arbitrary: fc.constantFrom(...literals) }, { weight: 2, arbitrary: eventFragmentArb });
  return fc
    .tuple(fc.array(pieceArb, { maxLength: 4 }), fc.constantFrom<'keep' | 'upper' | 'lower' | 'flip' | 'confusable'>('keep', 'upper', 'lower', 'flip', 'confusable'))
    .map(([pieces, casing]) => {
      const text = pieces.join('');
      if (casing === 'upper') return text.toUpperCase();
      if (casing === 'lower') return text.toLowerCase();
      if (casing === 'flip') return [...text].map((c, k) => (k % 2 === 0 ? c.toUpperCase() : c)).join('');
      // Non-ASCII letters whose lower case is (or starts with) an ASCII letter.
      if (casing === 'confusable') return text.replace(/k/gi, '\u212A').replace(/i/gi, '\u0130');
      return text;
    });
}

function scalarArb(literals: readonly string[]): fc.Arbitrary<Json> {
  return fc.oneof(
    { weight: 8, arbitrary: textArb(literals).map((v): Json => ({ t: 'str', v })) },
    { weight: 2, arbitrary: fc.oneof(fc.constantFrom(...NUMBER_TOKENS), fc.constantFrom(...literals.filter((l) => /^-?(0|[1-9]\d*)$/.test(l)), '7')).map((token): Json => ({ t: 'num', token })) },
    { weight: 1, arbitrary: fc.constantFrom<'true' | 'false' | 'null'>('true', 'false', 'null').map((v): Json => ({ t: 'lit', v })) },
  );
}

function eventArb(literals: readonly string[]): fc.Arbitrary<Json> {
  const keyArb = fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...FIELDS) }, { weight: 1, arbitrary: textArb(literals) });
  const valueArb = fc.oneof(
    { weight: 6, arbitrary: scalarArb(literals) },
    { weight: 1, arbitrary: fc.array(scalarArb(literals), { maxLength: 3 }).map((items): Json => ({ t: 'arr', items })) },
    { weight: 1, arbitrary: fc.array(fc.tuple(keyArb, scalarArb(literals)), { maxLength: 2 }).map((entries): Json => ({ t: 'obj', entries })) },
  );
  return fc.array(fc.tuple(keyArb, valueArb), { maxLength: 6 }).map((entries): Json => ({ t: 'obj', entries }));
}

/** One event written out: the JSON node and a seed and escape rate for its spelling. */
const spellingArb = fc.record({ seed: fc.integer(), escapeRate: fc.constantFrom(0, 0, 0, 0.05, 0.3) });

function write(node: Json, spelling: { seed: number; escapeRate: number }): string {
  return writeJson(node, createRng(spelling.seed), spelling.escapeRate);
}

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
      { numRuns: 600 },
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
      { numRuns: 300 },
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
      { numRuns: 3000 },
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
      { numRuns: 1500 },
    );
    expect(tally.rejected).toBeGreaterThan(tally.texts / 25);
    expect(tally.matched).toBeGreaterThan(tally.texts / 10);
  });
});
