// The shapes the string matcher reduces a Sigma string to (src/match/text.ts normalizeParts, literalShape), which
// decide the engine that answers and the cost compile.ts orders a conjunction by, and two matcher paths the
// mutation run of text.ts (issue 15) found untested: a cased glob, and contains with only non-ASCII needles.
import { describe, expect, it } from 'vitest';
import { compileRule } from '../../src/match/compile.js';
import { literalShape, normalizeParts, type WildcardPart } from '../../src/match/text.js';
import { makeRule, search, type SearchBody } from './build.js';

const lit = (text: string): WildcardPart => ({ kind: 'literal', text });
const any: WildcardPart = { kind: 'any' };
const one: WildcardPart = { kind: 'one' };
const matches = (body: SearchBody, event: Record<string, unknown>) => compileRule(makeRule([search('selection', body)])).matches(event);

describe('normalizeParts', () => {
  it('merges adjacent literals and drops empty ones', () => {
    expect(normalizeParts([lit('a'), lit(''), lit('b'), one, lit(''), lit('c')])).toEqual([lit('ab'), one, lit('c')]);
    expect(normalizeParts([lit('')])).toEqual([]);
  });
  it('collapses a run of * into one, but keeps every ?', () => {
    expect(normalizeParts([any, any, lit('a'), any, lit(''), any, one, one])).toEqual([any, lit('a'), any, one, one]);
  });
});

describe('literalShape', () => {
  it('reads a literal, *, *literal, literal* and *literal* as the fast shapes', () => {
    expect(literalShape([])).toEqual({ position: 'exact', text: '' });
    expect(literalShape([lit('a')])).toEqual({ position: 'exact', text: 'a' });
    expect(literalShape([any])).toEqual({ position: 'contains', text: '' });
    expect(literalShape([any, lit('a')])).toEqual({ position: 'endswith', text: 'a' });
    expect(literalShape([lit('a'), any])).toEqual({ position: 'startswith', text: 'a' });
    expect(literalShape([any, lit('a'), any])).toEqual({ position: 'contains', text: 'a' });
  });
  it('leaves every other shape to the glob path', () => {
    for (const parts of [[one], [one, lit('a')], [lit('a'), one], [lit('a'), any, lit('b')], [one, lit('a'), any], [any, lit('a'), one], [any, one, any], [any, lit('a'), any, lit('b')]]) {
      expect(literalShape(parts), JSON.stringify(parts)).toBeNull();
    }
  });
});

describe('string matching paths', () => {
  it('keeps the case of a cased glob', () => {
    expect(matches({ 'F|cased': 'AB*C' }, { F: 'ABxC' })).toBe(true);
    expect(matches({ 'F|cased': 'AB*C' }, { F: 'abxc' })).toBe(false);
  });
  it('finds a non-ASCII needle in a value of any case when every needle is non-ASCII', () => {
    expect(matches({ 'F|contains': 'é' }, { F: 'CAFÉ!' })).toBe(true);
    expect(matches({ 'F|contains': ['é', 'ü'] }, { F: 'MÜNCHEN' })).toBe(true);
    expect(matches({ 'F|contains': 'é' }, { F: 'cafe' })).toBe(false);
  });
});
