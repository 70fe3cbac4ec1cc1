import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createRawTextPrefilter, MAX_REGEX_NEEDLES, patternNeedle, ruleNeedles, type RawTextPrefilter } from '../../../src/match/prefilter.js';
import { loadRules } from '../../../src/rule/load.js';
import { propertyRuns } from '../../support/runs.js';
import { ruleWith } from '../../support/rule-text.js';

// A fixed seed: the properties are proofs over the same generated cases on every run, and the coverage
// assertions below (rejections and matches both happen) cannot flake.
fc.configureGlobal({ seed: 20261128 });

const SEED_RULE = path.resolve('rules/windows/network_connection/net_connection_win_susp_initiated_uncommon_or_suspicious_locations.yml');

function needlesOf(detection: string): string[] | null {
  const needles = ruleNeedles(ruleWith(detection));
  return needles === null ? null : [...needles].sort();
}

describe('needle derivation', () => {
  it('takes the seed rule needles from its Image folders, not from Initiated or the negated filter', async () => {
    const rule = (await loadRules([SEED_RULE])).rules[0];
    const needles = ruleNeedles(rule);
    expect(needles).toHaveLength(17);
    expect(needles).toContain(':\\$recycle.bin');
    expect(needles).toContain(':\\windows\\system32\\tasks\\');
    expect(needles).toContain('\\config\\systemprofile\\');
    expect(needles).not.toContain('true');
  });

  it('takes the most selective item of a map (AND)', () => {
    expect(needlesOf("sel:\n  A: 'ab'\n  B|contains: 'longer needle'\ncondition: sel")).toEqual(['longer needle']);
  });

  it('unions the maps of a list of maps (OR)', () => {
    expect(needlesOf("sel:\n  - A: 'first one'\n  - B: 'second one'\ncondition: sel")).toEqual(['first one', 'second one']);
  });

  it('unions the sides of an or, and has none when one side has none', () => {
    const searches = "a:\n  A: 'alpha'\nb:\n  B: 'bravo'\nr:\n  C|re: 'x.*y'\n";
    expect(needlesOf(`${searches}condition: a or b`)).toEqual(['alpha', 'bravo']);
    expect(needlesOf(`${searches}condition: a or r`)).toBeNull();
  });

  it('has none for a not, so an and takes its other side', () => {
    const searches = "a:\n  A: 'alpha'\nb:\n  B: 'bravo charlie'\n";
    expect(needlesOf(`${searches}condition: not a`)).toBeNull();
    expect(needlesOf(`${searches}condition: a and not b`)).toEqual(['alpha']);
  });

  it('reads 1 of as or and all of as and', () => {
    const searches = "sel_a:\n  A: 'alpha'\nsel_b:\n  B: 'bravo charlie'\n";
    expect(needlesOf(`${searches}condition: 1 of sel_*`)).toEqual(['alpha', 'bravo charlie']);
    expect(needlesOf(`${searches}condition: all of sel_*`)).toEqual(['bravo charlie']);
  });

  it('takes the best value of an all-modifier list and every value of a plain list', () => {
    expect(needlesOf("sel:\n  A|contains|all: ['ab', 'longest']\ncondition: sel")).toEqual(['longest']);
    expect(needlesOf("sel:\n  A|contains: ['ab', 'longest']\ncondition: sel")).toEqual(['ab', 'longest']);
  });

  it('takes every keyword', () => {
    expect(needlesOf("keywords:\n  - 'mimikatz'\n  - 'sekurlsa'\ncondition: keywords")).toEqual(['mimikatz', 'sekurlsa']);
  });

  it('has none for tests that need no text: null, exists, re, cidr, comparisons, fieldref, neq, empty and * values', () => {
    for (const item of ['A: null', 'A|exists: true', "A|re: 'abc'", "A|cidr: '10.0.0.0/8'", 'A|gt: 5', "A|fieldref: 'B'", "A|neq: 'abc'", "A: ''", "A: '*'"]) {
      expect(needlesOf(`sel:\n  ${item}\ncondition: sel`), item).toBeNull();
    }
  });

  it('drops a needle that contains another one', () => {
    expect(needlesOf("sel:\n  A|contains: ['evil', 'evil.exe', 'xevilx']\ncondition: sel")).toEqual(['evil']);
  });

  it('unions the alternatives a modifier expands a value into (windash)', () => {
    expect(needlesOf("sel:\n  CommandLine|windash|contains: ' -encodedcommand'\ncondition: sel")).toEqual(['encodedcommand']);
  });
});

describe('pattern needles', () => {
  const literal = (text: string, cased = false) => patternNeedle({ kind: 'string', parts: [{ kind: 'literal', text }], cased });

  it('takes the longest literal run between wildcards, adjacent literals joined', () => {
    expect(
      patternNeedle({
        kind: 'string',
        parts: [{ kind: 'literal', text: 'fo' }, { kind: 'any' }, { kind: 'literal', text: 'bar' }, { kind: 'literal', text: 'baz' }, { kind: 'one' }, { kind: 'literal', text: 'qux' }],
        cased: false,
      }),
    ).toBe('barbaz');
  });

  it('lower-cases first, then keeps the longest ASCII run', () => {
    expect(literal('Überweisung')).toBe('berweisung');
    // U+0130 lowers to 'i' + U+0307: the matcher compares against that.
    expect(literal('İstanbul.EXE')).toBe('stanbul.exe');
    // U+212A KELVIN SIGN lowers to ASCII 'k', which a lower-cased ASCII value can contain.
    expect(literal('\u212Aey')).toBe('key');
  });

  it('keeps the case-sensitive text of a cased pattern, then lower-cases it for the case-insensitive search', () => {
    expect(literal('\u212Aey', true)).toBe('ey');
    expect(literal('AbC', true)).toBe('abc');
  });

  it('has none for a literal without ASCII', () => {
    expect(literal('日本語')).toBeNull();
  });
});

describe('raw-text rejection', () => {
  // Built in each test, not once for the block: Stryker's per-test coverage only sees code a test runs, so a
  // pre-filter built while the file loads left its construction (the number check, the refusals) untested.
  let prefilter: RawTextPrefilter;
  beforeEach(() => {
    prefilter = createRawTextPrefilter([':\\temp\\', 'evil'])!;
  });

  it('rejects an ASCII JSON object holding no needle', () => {
    expect(prefilter.rejects('{"Image":"C:\\\\Windows\\\\svchost.exe","N":1}')).toBe(true);
  });

  it('keeps a text holding a needle as JSON writes it, in any ASCII case', () => {
    expect(prefilter.rejects('{"Image":"C:\\\\TEMP\\\\x.exe"}')).toBe(false);
    expect(prefilter.rejects('{"EVIL":1}')).toBe(false);
  });

  it('keeps a text with a \\u escape, which can spell any needle character', () => {
    expect(prefilter.rejects('{"Image":"C:\\\\\\u0054emp\\\\x.exe"}')).toBe(false);
  });

  it('keeps a text with a \\/ escape', () => {
    expect(createRawTextPrefilter(['a/b'])!.rejects('{"u":"a\\/b"}')).toBe(false);
  });

  it('tells an escaped backslash before u from a \\u escape', () => {
    expect(prefilter.rejects('{"Image":"C:\\\\users\\\\x.exe"}')).toBe(true);
  });

  it('keeps a text with non-ASCII characters', () => {
    // U+212A lower-cases to 'k': "\u212Aey" holds 'key' once lower-cased.
    expect(createRawTextPrefilter(['key'])!.rejects('{"a":"\u212Aey"}')).toBe(false);
  });

  it('keeps a text that is not shaped like an object, so a truncated line gets parsed and reported', () => {
    expect(prefilter.rejects('{"Image":"C:\\\\Windows')).toBe(false);
    expect(prefilter.rejects(' {"a":1}')).toBe(false);
  });

  it('keeps a text with a non-canonical number when a needle could hide in a number', () => {
    const digits = createRawTextPrefilter(['1000'])!;
    expect(digits.rejects('{"Size":1e3}')).toBe(false);
    expect(digits.rejects('{"Size":999}')).toBe(true);
    expect(createRawTextPrefilter(['e-7'])!.rejects('{"v":0.0000001}')).toBe(false);
    expect(createRawTextPrefilter(['567000'])!.rejects('{"id":1234567890123456789}')).toBe(false);
    expect(createRawTextPrefilter(['infinity'])!.rejects('{"v":1e400}')).toBe(false);
    // No needle of the seed kind can sit inside a number: no number check.
    expect(prefilter.rejects('{"Size":1e3}')).toBe(true);
  });

  it('rejects every object for an empty needle set (a rule that can never match)', () => {
    expect(createRawTextPrefilter([])!.rejects('{"a":"anything"}')).toBe(true);
  });

  it('is absent when the needle set is (some rule needs no text)', () => {
    expect(createRawTextPrefilter(null)).toBeNull();
  });

  it('answers the same with many needles (automaton) as a lower-case substring search', () => {
    // Letters in both cases and characters JSON escapes; no digits, so numbers never come into it.
    const wordArb = (minLength: number, maxLength: number) => fc.array(fc.constantFrom(...'abcdxyzABCDXYZ:\\"'), { minLength, maxLength }).map((chars) => chars.join(''));
    const outcomes = { rejected: 0, kept: 0 };
    fc.assert(
      fc.property(fc.uniqueArray(wordArb(3, 5).map((w) => w.toLowerCase()), { minLength: MAX_REGEX_NEEDLES + 1, maxLength: MAX_REGEX_NEEDLES + 40 }), fc.array(wordArb(3, 6), { maxLength: 4 }), (needles, words) => {
        const prefilter = createRawTextPrefilter(needles)!;
        const text = JSON.stringify({ a: words.join(' ') });
        const expected = !needles.some((needle) => text.toLowerCase().includes(JSON.stringify(needle).slice(1, -1)));
        outcomes[expected ? 'rejected' : 'kept']++;
        expect(prefilter.rejects(text)).toBe(expected);
      }),
      { numRuns: propertyRuns(300) },
    );
    expect(Math.min(outcomes.rejected, outcomes.kept)).toBeGreaterThan(30);
  });
});

// Found by the mutation run of prefilter.ts (issue 15, docs/mutation.md).
describe('needle choice', () => {
  const literal = (text: string) => patternNeedle({ kind: 'string', parts: [{ kind: 'literal', text }], cased: false });

  it('ends an ASCII run at U+0080, the first unit past ASCII', () => {
    expect(literal('x\u0080yz')).toBe('yz');
  });

  it('keeps the longest run when a shorter one comes after it, and the first of runs of equal length', () => {
    expect(literal('straße')).toBe('stra');
    expect(literal('ab\u00e9cd')).toBe('ab');
    expect(patternNeedle({ kind: 'string', parts: [{ kind: 'literal', text: 'ab' }, { kind: 'any' }, { kind: 'literal', text: 'cd' }], cased: false })).toBe('ab');
  });

  it('takes the most selective item of a map wherever it is written, the first one on a tie', () => {
    expect(ruleNeedles(ruleWith("sel:\n  A|contains: 'longer needle'\n  B: 'ab'\ncondition: sel"))).toEqual(['longer needle']);
    expect(ruleNeedles(ruleWith("sel:\n  A: 'abcd'\n  B: 'wxyz'\ncondition: sel"))).toEqual(['abcd']);
  });

  it('lists the needles by length, then alphabetically, whatever order the rule writes them in', () => {
    for (const order of [['ccc', 'aaa', 'bbb'], ['aaa', 'bbb', 'ccc'], ['bbb', 'ccc', 'aaa'], ['ccc', 'bbb', 'aaa', 'zz']]) {
      const expected = order.includes('zz') ? ['zz', 'aaa', 'bbb', 'ccc'] : ['aaa', 'bbb', 'ccc'];
      expect(ruleNeedles(ruleWith(`keywords:\n${order.map((k) => `  - '${k}'`).join('\n')}\ncondition: keywords`)), order.join(',')).toEqual(expected);
      expect(createRawTextPrefilter(order)!.needles, order.join(',')).toEqual(expected);
    }
  });
});

describe('raw-text pre-filter construction', () => {
  it('is absent for a needle set holding an empty or a non-ASCII needle', () => {
    expect(createRawTextPrefilter([''])).toBeNull();
    expect(createRawTextPrefilter(['evil', ''])).toBeNull();
    expect(createRawTextPrefilter(['evil', 'é'])).toBeNull();
  });

  it('checks numbers when any one needle could sit inside a number', () => {
    expect(createRawTextPrefilter(['evil', '1000'])!.rejects('{"Size":1e3}')).toBe(false);
    expect(createRawTextPrefilter(['evil', '1000'])!.rejects('{"Size":999}')).toBe(true);
  });

  it('does not read a / after an escaped backslash as an escape', () => {
    const prefilter = createRawTextPrefilter([':\\temp\\', 'evil'])!;
    expect(prefilter.rejects('{"a":"x\\\\y","url":"http://h"}')).toBe(true);
    expect(prefilter.rejects('{"a":"x\\\\y","url":"http:\\/\\/h"}')).toBe(false);
  });

  it('gives the automaton no case pairs outside A-Z (many needles)', () => {
    // Past MAX_REGEX_NEEDLES the automaton runs. '_' and '?' differ by 32, as do '~' and '^': only letters
    // have a second case.
    const fillers = Array.from({ length: MAX_REGEX_NEEDLES + 5 }, (_, k) => `fill${String.fromCharCode(97 + (k % 26))}${String.fromCharCode(97 + Math.floor(k / 26))}x`);
    const prefilter = createRawTextPrefilter([...fillers, 'x_y', 'p~q'])!;
    expect(prefilter.rejects('{"a":"x?y p^q"}')).toBe(true);
    expect(prefilter.rejects('{"a":"X_Y"}')).toBe(false);
    expect(prefilter.rejects('{"a":"P~Q"}')).toBe(false);
    expect(prefilter.rejects('{"a":"FILLBAX"}')).toBe(false);
  });
});
