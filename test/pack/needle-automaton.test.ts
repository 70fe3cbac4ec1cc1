import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileRule } from '../../src/match/compile.js';
import { MEMO_ENTRIES, NeedleAutomaton } from '../../src/pack/needle-automaton.js';
import { buildRulePack } from '../../src/pack/rule-pack.js';
import type { DetectionItem, SigmaRule, StringPart } from '../../src/rule/model.js';
import { fragmentArb, here } from '../match/random-sigma.js';

/** The needles (by text) found in a field value, or deep in an event. */
function found(needles: string[], value: unknown, deep = false): string[] {
  const ids = new Set<number>();
  const automaton = new NeedleAutomaton(needles, needles.map((_, k) => k), { found: (id) => void ids.add(id) });
  if (deep) automaton.scanDeep(value);
  else automaton.scanFieldValue(value);
  return [...ids].sort((a, b) => a - b).map((id) => needles[id]);
}

describe('needle automaton', () => {
  it('finds needles case-insensitively, overlapping and nested ones included', () => {
    expect(found(['svchost.exe', 'host', '\\svc', 'exe'], 'C:\\Windows\\SVCHOST.EXE')).toEqual(['svchost.exe', 'host', '\\svc', 'exe']);
    expect(found(['abab', 'bab'], 'xABABAB')).toEqual(['abab', 'bab']);
    expect(found(['needle'], 'no such text')).toEqual([]);
  });

  it('reads U+212A and U+0130 as their lower case does (k; i then a non-ASCII mark)', () => {
    expect(found(['kelvin'], '\u212Aelvin')).toEqual(['kelvin']);
    expect(found(['xi'], 'X\u0130')).toEqual(['xi']);
    // 'İa'.toLowerCase() is 'i\u0307a': the combining mark separates 'i' from 'a'.
    expect(found(['ia', 'a'], '\u0130a')).toEqual(['a']);
    expect('\u0130a'.toLowerCase().includes('ia')).toBe(false);
  });

  it('lets any other non-ASCII unit end a partial match', () => {
    expect(found(['ab'], 'aéb')).toEqual([]);
    expect(found(['ab'], 'a\ud83d\ude00b')).toEqual([]);
    expect(found(['ab'], 'é\u212Aab')).toEqual(['ab']);
  });

  it('reads numbers and booleans as their string form', () => {
    expect(found(['1e+21'], 1e21)).toEqual(['1e+21']);
    expect(found(['1e-7'], 0.0000001)).toEqual(['1e-7']);
    expect(found(['443'], 443)).toEqual(['443']);
    expect(found(['true'], true)).toEqual(['true']);
    expect(found(['false'], false)).toEqual(['false']);
  });

  it('reads a field value through arrays but not objects; a deep scan reads both', () => {
    expect(found(['abc'], [['x', 'ABC']])).toEqual(['abc']);
    expect(found(['abc'], { inner: 'abc' })).toEqual([]);
    expect(found(['abc', 'def'], { a: [{ b: 'abc' }], c: 'def' }, true)).toEqual(['abc', 'def']);
    // Keys are not values.
    expect(found(['abc'], { abc: 1 }, true)).toEqual([]);
  });

  it('reports its non-ASCII needle once for any value holding a unit >= 128, with or without its prescreen', () => {
    const few = ['abc'];
    const many = Array.from({ length: 60 }, (_, k) => `n${k}x`);
    for (const texts of [few, many, []]) {
      const seen: number[] = [];
      const automaton = new NeedleAutomaton(texts, texts.map((_, k) => k), { found: (id) => void seen.push(id) }, 999);
      const nonAsciiReports = (value: unknown): number => {
        seen.length = 0;
        automaton.scanFieldValue(value);
        return seen.filter((id) => id === 999).length;
      };
      expect(nonAsciiReports('plain ascii'), texts.length.toString()).toBe(0);
      expect(nonAsciiReports(12345)).toBe(0);
      expect(nonAsciiReports('caf\u00e9 \u00e9')).toBe(1);
      expect(nonAsciiReports('\u2800\u2800.exe')).toBe(1);
      expect(nonAsciiReports('\ud83d\ude00')).toBe(1);
      // The units LOWERS_TO_ASCII lower to ASCII but are non-ASCII themselves.
      expect(nonAsciiReports('\u212A')).toBe(1);
      expect(nonAsciiReports(['ascii', 'ABC\u00c9'])).toBe(1);
    }
    // Its ASCII needles are still found around non-ASCII units.
    expect(found(['abc'], 'xabc\u00e9')).toEqual(['abc']);
  });

  it('reports exactly the needles of the lowered text, whether it walks a text or replays one it remembers', () => {
    const unitArb = fc.constantFrom(...'abkis:.\\ -', 'K', 'I', '\u212A', '\u0130', '\u017F', 'é', '\ud83d\ude00');
    const needleArb = fc.array(fc.constantFrom(...'abkis:.\\ -'), { minLength: 1, maxLength: 5 }).map((units) => units.join(''));
    const textArb = fc.array(unitArb, { maxLength: 40 }).map((units) => units.join(''));
    let reported = 0;
    fc.assert(
      fc.property(
        fc.uniqueArray(needleArb, { minLength: 1, maxLength: 70 }),
        fc.boolean(),
        fc.array(textArb, { minLength: 1, maxLength: 6 }),
        (needles, withNonAscii, texts) => {
          const ids = new Set<number>();
          const nonAsciiId = withNonAscii ? needles.length : -1;
          const automaton = new NeedleAutomaton(needles, needles.map((_, k) => k), { found: (id) => void ids.add(id) }, nonAsciiId);
          // Each text twice (walked, then replayed when long enough), in between the others.
          for (const text of [...texts, ...texts]) {
            ids.clear();
            automaton.scanText(text);
            const lowered = text.toLowerCase();
            const expected = needles.flatMap((needle, k) => (lowered.includes(needle) ? [k] : []));
            if (withNonAscii && /[^\0-\x7f]/.test(text)) expected.push(nonAsciiId);
            expect([...ids].sort((a, b) => a - b), JSON.stringify({ needles, text })).toEqual(expected);
            reported += expected.length;
          }
        },
      ),
      { numRuns: 600, seed: 20261207 },
    );
    expect(reported).toBeGreaterThan(1000);
  });

  it('forgets what it remembered once full, and still reports exactly', () => {
    const seen: number[] = [];
    const automaton = new NeedleAutomaton(['needle', 'other'], [0, 1], { found: (id) => void seen.push(id) });
    const texts = Array.from({ length: MEMO_ENTRIES + 10 }, (_, k) => `${k % 3 === 0 ? 'NEEDLE' : 'nothing'} number ${k} ${k % 5 === 0 ? 'other' : ''}`);
    for (const round of [0, 1]) {
      for (const [k, text] of texts.entries()) {
        seen.length = 0;
        automaton.scanText(text);
        expect(seen.sort(), `${round}: ${text}`).toEqual([...(k % 3 === 0 ? [0] : []), ...(k % 5 === 0 ? [1] : [])]);
      }
    }
  });

  it('refuses needles it cannot read exactly', () => {
    const sink = { found: () => undefined };
    expect(() => new NeedleAutomaton(['ABC'], [0], sink)).toThrow(/not lower-case ASCII/);
    expect(() => new NeedleAutomaton(['é'], [0], sink)).toThrow(/not lower-case ASCII/);
    expect(() => new NeedleAutomaton([''], [0], sink)).toThrow(/empty/);
    expect(() => new NeedleAutomaton(['a', 'a'], [0, 1], sink)).toThrow(/twice/);
  });
});

describe('rule pack on one-value rules', () => {
  it('agrees with matches() however the value is spelled (case, U+212A, U+0130, numbers, arrays)', () => {
    let matched = 0;
    let runs = 0;
    const scenarioArb = fc.record({
      literal: fragmentArb,
      position: fc.constantFrom<'exact' | 'contains' | 'startswith' | 'endswith'>('exact', 'contains', 'startswith', 'endswith'),
      cased: fc.boolean(),
      keyword: fc.boolean(),
      prefix: fc.constantFrom('', 'x', 'C:\\', 'é'),
      suffix: fc.constantFrom('', 'y', '.exe'),
      casing: fc.constantFrom('keep', 'upper', 'lower', 'kelvin', 'dotted'),
      shape: fc.constantFrom('scalar', 'array', 'number', 'nested', 'spaced-key'),
      decoy: fc.option(fragmentArb, { freq: 4 }),
    });
    fc.assert(
      fc.property(scenarioArb, ({ literal, position, cased, keyword, prefix, suffix, casing, shape, decoy }) => {
        const parts: StringPart[] = [{ kind: 'literal', text: literal }];
        if (position === 'contains' || position === 'endswith') parts.unshift({ kind: 'any' });
        if (position === 'contains' || position === 'startswith') parts.push({ kind: 'any' });
        const item: DetectionItem = { field: keyword ? null : 'F', modifiers: [], combine: 'any', values: [{ written: literal, patterns: [{ kind: 'string', parts, cased }], location: here }], negated: false, location: here };
        const rule: SigmaRule = {
          kind: 'rule', title: 'one', source: here, logsource: {}, references: [], tags: [], falsepositives: [], fields: [], appliedFilters: [],
          detection: {
            searches: new Map([['sel', keyword ? { kind: 'keywords', identifier: 'sel', location: here, item } : { kind: 'fields', identifier: 'sel', location: here, alternatives: [{ location: here, items: [item] }] }]]),
            condition: { kind: 'search', identifier: 'sel' },
            conditionText: ['sel'],
          },
        };
        let text = decoy ?? literal;
        if (casing === 'upper') text = text.toUpperCase();
        else if (casing === 'lower') text = text.toLowerCase();
        else if (casing === 'kelvin') text = text.replace(/k/gi, '\u212A');
        else if (casing === 'dotted') text = text.replace(/i/gi, '\u0130');
        const value = position === 'exact' ? text : position === 'startswith' ? text + suffix : position === 'endswith' ? prefix + text : prefix + text + suffix;
        const number = Number(literal);
        const event: Record<string, unknown> = { G: 'noise' };
        if (shape === 'array') event.F = ['other', value];
        else if (shape === 'number' && literal.trim() !== '' && Number.isFinite(number)) event.F = number;
        else if (shape === 'nested') event.F = { inner: value };
        else if (shape === 'spaced-key') event[' F '] = value;
        else event.F = value;
        const compiled = compileRule(rule);
        const expected = compiled.matches(event) ? [0] : [];
        expect(buildRulePack([compiled]).matching(event), JSON.stringify(event)).toEqual(expected);
        runs++;
        matched += expected.length;
      }),
      { numRuns: 4000, seed: 20261205 },
    );
    expect(matched).toBeGreaterThan(runs / 5);
  });
});
