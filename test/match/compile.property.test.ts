import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileRule } from '../../src/match/compile.js';
import { and, makeRule, not, or, s, search, SEED_DOMAINS, SEED_IMAGE_FRAGMENTS, seedRule, type Written } from './build.js';
import { referenceMatches } from './reference.js';
import { propertyRuns } from '../support/runs.js';

const TRICKY = ['İ', 'ı', '\u212a', 'ſ', 'Σ', 'é', 'É', 'ß', '\u{10400}', '\ud800'];
const char = fc.oneof({ weight: 6, arbitrary: fc.constantFrom('a', 'B', 'k', 'I', 's', '\\', ':', '.', '*', '?', '1', ' ') }, { weight: 1, arbitrary: fc.constantFrom(...TRICKY) });
const text = fc.array(char, { maxLength: 8 }).map((cs) => cs.join(''));
const flip = (value: string, seed: number) => Array.from(value).map((c, k) => ((seed >> k % 16) & 1 ? c.toUpperCase() : c)).join('');
const needle = fc.oneof(text.filter((v) => !v.includes('\ud800')), fc.constantFrom(...SEED_IMAGE_FRAGMENTS, ...SEED_DOMAINS));
const embedded = fc.tuple(text, needle, text, fc.nat()).map(([a, n, b, seed]) => a + flip(n, seed) + b);
const scalar = fc.oneof(text, embedded, fc.boolean(), fc.integer({ min: -5, max: 50 }), fc.constantFrom('true', 'TRUE', '3', '10.1.2.3'));
const fieldValue = fc.oneof(
  { weight: 6, arbitrary: scalar },
  { weight: 1, arbitrary: fc.array(scalar, { maxLength: 3 }) },
  { weight: 1, arbitrary: fc.constantFrom(null, undefined, { nested: 'a' }) },
);

const event = fc.record({ F: fieldValue, G: fieldValue, 'H x': fieldValue }).map((record) => {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(record)) if (v !== undefined) out[k] = v;
  return out;
});

const modifierChain = fc.constantFrom<string[]>([], ['contains'], ['startswith'], ['endswith'], ['contains', 'all'], ['cased'], ['contains', 'cased'], ['neq'], ['endswith', 'neq'], ['re'], ['re', 'i'], ['gt'], ['lte'], ['exists'], ['fieldref'], ['fieldref', 'contains']);
const itemArb = fc.record({ field: fc.constantFrom('F', 'G', 'Hx'), modifiers: modifierChain, values: fc.array(fc.oneof(needle, fc.constantFrom('*', 'a?', '3')), { minLength: 1, maxLength: 4 }) }).map(({ field, modifiers, values }) => {
  let written: Written[] = values;
  if (modifiers.includes('re')) written = values.map((v) => v.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&'));
  if (modifiers.includes('gt') || modifiers.includes('lte')) written = values.map((v) => v.length);
  if (modifiers.includes('exists')) written = [values[0].length % 2 === 0];
  if (modifiers.includes('fieldref')) written = [field === 'F' ? 'G' : 'F'];
  if (modifiers.includes('all') && written.length < 2) written = [...written, 'a'];
  return { key: [field, ...modifiers].join('|'), written };
});

describe('compileRule against the reference evaluator', () => {
  it('agrees on the seed rule for random Sysmon-shaped events', () => {
    const rule = seedRule();
    const compiled = compileRule(rule);
    const image = fc.tuple(fc.constantFrom('C:', 'c:', 'D:', 'İ:'), embedded, fc.constantFrom('\\a.exe', '')).map((p) => p.join(''));
    const host = fc.oneof(fc.tuple(text, fc.constantFrom(...SEED_DOMAINS), fc.nat()).map(([a, d, seed]) => a + flip(d, seed)), text);
    const sysmon = fc.record({ Initiated: fc.constantFrom('true', 'false', true, false, 'True', undefined), Image: fc.option(image, { nil: undefined }), DestinationHostname: fc.option(host, { nil: undefined }) });
    fc.assert(
      fc.property(sysmon, (raw) => {
        const e = Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined));
        expect(compiled.matches(e)).toBe(referenceMatches(rule, e));
      }),
      { numRuns: propertyRuns(5000) },
    );
  });

  it('agrees on random items, conditions and events (arrays, nulls, objects, spaced keys)', () => {
    fc.assert(
      fc.property(fc.array(itemArb, { minLength: 1, maxLength: 3 }), itemArb, fc.constantFrom(0, 1, 2), fc.array(event, { minLength: 1, maxLength: 6 }), (items, other, shape, events) => {
        const searches = [search('sel', Object.fromEntries(items.map((i) => [i.key, i.written]))), search('other', { [other.key]: other.written })];
        const condition = shape === 0 ? and(s('sel'), not(s('other'))) : shape === 1 ? or(s('sel'), s('other')) : s('sel');
        const rule = makeRule(searches, condition);
        const compiled = compileRule(rule);
        for (const e of events) {
          expect(compiled.matches(e)).toBe(referenceMatches(rule, e));
          const explanation = compiled.explain(e);
          expect(explanation !== null).toBe(compiled.matches(e));
          // What a scan writes for a match it has just verified: the same explanation, without a second verdict.
          if (explanation !== null) expect(compiled.explainMatch!(e)).toEqual(explanation);
        }
      }),
      { numRuns: propertyRuns(2000) },
    );
  });

  it('agrees on keyword searches over nested events', () => {
    const nested = fc.record({ a: fieldValue, b: fc.array(fc.record({ c: fieldValue }), { maxLength: 2 }) });
    fc.assert(
      fc.property(fc.array(needle, { minLength: 1, maxLength: 3 }), fc.boolean(), nested, (keywords, all, e) => {
        const rule = makeRule([search('keywords', keywords, all && keywords.length > 1 ? ['all'] : [])]);
        expect(compileRule(rule).matches(e)).toBe(referenceMatches(rule, e));
      }),
      { numRuns: propertyRuns(2000) },
    );
  });
});
