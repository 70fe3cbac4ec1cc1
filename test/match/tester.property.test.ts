import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { StringPart } from '../../src/rule/model.js';
import { StringSetMatcher } from '../../src/match/text.js';
import { SEED_IMAGE_FRAGMENTS, sigmaString } from './build.js';
import { stringPatternMatches } from './reference.js';
import { propertyRuns } from '../support/runs.js';

const TRICKY = ['İ', '\u212a', 'Σ', 'é', 'ß', '\ud800'];
const char = fc.oneof({ weight: 6, arbitrary: fc.constantFrom('a', 'B', 'k', 'K', 'i', 'I', '\\', ':', '.', 't', 'r', 'u', 'e') }, { weight: 1, arbitrary: fc.constantFrom(...TRICKY) });
const text = fc.array(char, { maxLength: 8 }).map((cs) => cs.join(''));
/** Sequences drawn from a small pool, so values repeat the way telemetry values do. */
const repeatingValues = fc.array(text, { minLength: 1, maxLength: 6 }).chain((pool) => fc.array(fc.constantFrom(...pool), { minLength: 1, maxLength: 60 }));

describe('StringSetMatcher.tester (exact fast path) against the toLowerCase reference', () => {
  const position = fc.constantFrom('exact', 'contains', 'endswith', 'glob');
  const pattern = fc.record({ position, literal: text.filter((v) => !v.includes('\ud800')), cased: fc.boolean() }).map(({ position: p, literal, cased }) => {
    const lit: StringPart[] = literal === '' ? [] : [{ kind: 'literal', text: literal }];
    const parts: StringPart[] =
      p === 'exact' ? lit : p === 'endswith' ? [{ kind: 'any' }, ...lit] : p === 'contains' ? [{ kind: 'any' }, ...lit, { kind: 'any' }] : [...lit, { kind: 'one' }, { kind: 'any' }];
    return { parts, cased };
  });

  it('agrees on repeated haystacks for random pattern sets', () => {
    fc.assert(
      fc.property(fc.array(pattern, { minLength: 1, maxLength: 4 }), repeatingValues, (patterns, haystacks) => {
        const tester = new StringSetMatcher(patterns).tester();
        for (const haystack of haystacks) expect(tester(haystack)).toBe(patterns.some((p) => stringPatternMatches(p.parts, p.cased, haystack)));
      }),
      { numRuns: propertyRuns(2000) },
    );
  });

  it('agrees on the seed rule’s Image fragments when each path is seen many times', () => {
    const patterns = SEED_IMAGE_FRAGMENTS.map((f) => ({ parts: [{ kind: 'any' }, ...sigmaString(f), { kind: 'any' }] as StringPart[], cased: false }));
    const tester = new StringSetMatcher(patterns).tester();
    const paths = ['C:\\Windows\\Fonts\\x.exe', 'C:\\WINDOWS\\system32\\svchost.exe', 'C:\\Users\\Public\\a.exe', 'C:\\Users\\jürgen\\Music\\b.exe', 'C:\\\u212aTemp\\c.exe', 'C:\\temp\\d.exe'];
    for (let round = 0; round < 3; round++) {
      for (const path of paths) expect(tester(path)).toBe(patterns.some((p) => stringPatternMatches(p.parts, false, path)));
    }
  });
});
