// A `re` pattern's needles (src/pack/regex-needles.ts) are a promise: whenever RE2 finds a match in a text,
// the lowered text holds one of them. Checked against re2js itself: its case folding over every code point,
// random patterns with texts made to match them (then respelled with case partners), and every pattern of
// the SigmaHQ corpus.
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { regexNeedles, UNSAFE_CASELESS_LETTERS } from '../../src/pack/regex-needles.js';
import { compileRule } from '../../src/match/compile.js';
import { buildRulePack } from '../../src/pack/rule-pack.js';
import { loadRules, parseRuleText } from '../../src/rule/load.js';
import { checkRegex, compileRe2, type RegexFlags } from '../../src/rule/values/regex.js';
import type { Search, ValuePattern } from '../../src/rule/model.js';
import { sharedRoot } from '../support/paths.js';
import { propertyRuns } from '../support/runs.js';

fc.configureGlobal({ seed: 20261206 });

const PLAIN: RegexFlags = { ignoreCase: false, multiline: false, dotAll: false };
const CASELESS: RegexFlags = { ...PLAIN, ignoreCase: true };

/** Whether RE2 finds a match in `text` and the needles miss it: the one thing that must never happen. */
function missed(source: string, flags: RegexFlags, text: string): boolean {
  const needles = regexNeedles(source, flags);
  if (needles === null || !compileRe2(source, flags).test(text)) return false;
  const lowered = text.toLowerCase();
  return !needles.some((needle) => lowered.includes(needle));
}

describe('regexNeedles', () => {
  it('takes the most selective run of literals, one text per alternative', () => {
    expect(regexNeedles('\\.exe["\']?\\s+[^"]{0,64}werfaultsecure\\.exe', PLAIN)).toEqual(['werfaultsecure.exe']);
    expect(regexNeedles('ipconfig\\s+/all', PLAIN)).toEqual(['ipconfig']);
    expect(regexNeedles('\\\\mypipe-(?:f|h)[0-9a-f]{2}', PLAIN)).toEqual(['\\mypipe-f', '\\mypipe-h']);
    expect(regexNeedles('https?://0[0-9]{3,11}', PLAIN)).toEqual(['https://0', 'http://0']);
    expect(regexNeedles('(^0oa.*|[a-z]+@[a-z.]+)', PLAIN)).toEqual(['0oa', '@']);
    // Lowered: the needle automaton reads values lowered.
    expect(regexNeedles('APT\\d', PLAIN)).toEqual(['apt']);
    // Escapes are whole tokens (regexTokens): \x41, \pL and \p{...} are one character of unknown shape each.
    expect(regexNeedles('ab\\x41cde', PLAIN)).toEqual(['cde']);
    expect(regexNeedles('\\pLabc\\p{Greek}d', PLAIN)).toEqual(['abc']);
    expect(regexNeedles('[\\x{41}-\\x{5A}]xyz', PLAIN)).toEqual(['xyz']);
    expect(regexNeedles('[]a]bc', PLAIN)).toEqual(['bc']);
    // Control escapes are their character: the LNK padding rule's line feeds.
    expect(regexNeedles('\\n\\n\\n\\n\\n\\n', PLAIN)).toEqual(['\n\n\n\n\n\n']);
    expect(regexNeedles('a\\tb\\rc\\fd\\ve\\x07', CASELESS)).toEqual(['a\tb\rc\fd\ve']);
  });

  it('never puts an s in a case-insensitive needle (RE2 also matches ſ there)', () => {
    expect(regexNeedles('werfaultsecure\\.exe', CASELESS)).toEqual(['ecure.exe']);
    expect(regexNeedles('(?i)werfaultsecure\\.exe', PLAIN)).toEqual(['ecure.exe']);
    // A flag group anywhere makes the whole pattern caseless here.
    expect(regexNeedles('sigma(?i:x)', PLAIN)).toEqual(['igmax']);
    expect(compileRe2('(?i)werfaultsecure', PLAIN).test('WERFAULTſECURE')).toBe(true);
  });

  it('gives none when a match can be text of any shape, or for syntax it does not read', () => {
    for (const source of ['.{150}', '[a-f0-9]{64}', 'a*', '(?:abc)?', 'x|.+', '\\Qabc\\E', '\\d+', 'é']) {
      expect(regexNeedles(source, PLAIN), source).toBeNull();
    }
  });

  it('covers RE2 case folding: every character a caseless ASCII letter matches lowers to that letter, but for the unsafe letters', () => {
    const anyLetter = compileRe2('[a-z]', CASELESS);
    const letters = 'abcdefghijklmnopqrstuvwxyz'.split('').map((letter) => ({ letter, regex: compileRe2(letter, CASELESS) }));
    const unsafe = new Set<string>();
    for (let code = 0; code <= 0x10ffff; code++) {
      if (code >= 0xd800 && code <= 0xdfff) continue;
      const char = String.fromCodePoint(code);
      if (!anyLetter.test(char)) continue;
      for (const { letter, regex } of letters) {
        if (regex.test(char) && char.toLowerCase() !== letter) unsafe.add(letter);
      }
    }
    expect(unsafe).toEqual(new Set(UNSAFE_CASELESS_LETTERS));
  });

  it('holds for random patterns over texts that match them, also respelled with case partners', () => {
    fc.assert(
      fc.property(caseArb, ({ source, flags, texts }) => {
        fc.pre(checkRegex(source, flags) === null);
        for (const text of texts) expect(missed(source, flags, text), `${source} on ${JSON.stringify(text)}`).toBe(false);
      }),
      { numRuns: propertyRuns(3000) },
    );
  });

  it('lets the pack evaluate a regex rule only on events holding a needle, and still on every one it matches', () => {
    const text = `title: t\nid: 0f1e2d3c-0000-4000-8000-000000000001\nlogsource:\n    category: process_creation\ndetection:\n    selection:\n        CommandLine|re|i: 'werfaultsecure\\.exe\\s+\\d'\n    condition: selection\n`;
    const rules = parseRuleText(text, 'inline.yml').rules.map((rule) => compileRule(rule));
    expect(rules).toHaveLength(1);
    const pack = buildRulePack(rules);
    const events = ['WerFaultSecure.exe 1', 'WERFAULTſECURE.EXE 7', 'werfaultsecure.exe x', 'cmd.exe /c whoami'].map((CommandLine) => ({ CommandLine }));
    expect(events.map((event) => pack.matching(event).length)).toEqual([1, 1, 0, 0]);
    expect(events.map((event) => (rules[0].matches(event) ? 1 : 0))).toEqual([1, 1, 0, 0]);
    // Pruned: the event without the needle is not even a candidate.
    expect(pack.candidates(events[3])).toEqual([]);
  });

  it('gives lower-case ASCII needles for most `re` patterns of the SigmaHQ corpus', async () => {
    const patterns = await corpusRegexes();
    expect(patterns.length).toBeGreaterThan(140);
    let withNeedles = 0;
    for (const { source, flags } of patterns) {
      const needles = regexNeedles(source, flags);
      if (needles === null) continue;
      withNeedles++;
      for (const needle of needles) expect(needle).toMatch(/^[\x00-\x40\x5b-\x7f]+$/); // non-empty lower-case ASCII
    }
    expect(withNeedles).toBeGreaterThanOrEqual(145);
  });
});

// ---------------------------------------------------------------------------------------------------
// Random patterns, each with a text it matches

interface Node {
  source: string;
  /** A text the node matches, from a choice sequence. */
  sample(choose: () => number): string;
}

/** Characters for literals and texts: ASCII both cases, RE2's and the lowering's case partners, others. */
const ALPHABET = ['a', 'A', 's', 'S', 'k', 'K', 'i', 'I', 'x', '0', '-', '.', ' ', 'ſ', 'K', 'İ', 'ı', 'é', 'É', 'ß', '😀'];
const PARTNERS: Record<string, string[]> = { s: ['S', 'ſ'], S: ['s', 'ſ'], k: ['K', 'K'], K: ['k', 'K'], i: ['I', 'İ'], I: ['i', 'ı'], a: ['A'], A: ['a'] };
const escapeChar = (char: string): string => (/[\\.+*?()|[\]{}^$-]/.test(char) ? `\\${char}` : char);

const literalArb: fc.Arbitrary<Node> = fc.constantFrom(...ALPHABET).map((char) => ({ source: escapeChar(char), sample: () => char }));
const shapeArb: fc.Arbitrary<Node> = fc.constantFrom<Node>(
  { source: '.', sample: (choose) => ALPHABET[choose() % ALPHABET.length] },
  { source: '\\d', sample: (choose) => String(choose() % 10) },
  { source: '\\w', sample: (choose) => 'aZ_9'[choose() % 4] },
  { source: '\\s', sample: () => ' ' },
  { source: '[a-cS]', sample: (choose) => 'abcS'[choose() % 4] },
  { source: '[^x]', sample: (choose) => 'aſ K'[choose() % 4] },
  { source: '\\b', sample: () => '' },
  { source: '^', sample: () => '' },
  { source: '$', sample: () => '' },
  { source: '\\x41', sample: () => 'A' },
  { source: '\\n', sample: () => '\n' },
  { source: '\\t', sample: () => '\t' },
  { source: '\\x{73}', sample: () => 's' },
  { source: '\\pL', sample: (choose) => 'kſé'[choose() % 3] },
  { source: '\\p{Lu}', sample: (choose) => 'SKÉ'[choose() % 3] },
  { source: '[\\x{61}-\\x{63}\\pN]', sample: (choose) => 'ab3'[choose() % 3] },
);

const nodeArb: fc.Arbitrary<Node> = fc.letrec<{ node: Node }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    literalArb,
    shapeArb,
    fc.array(tie('node'), { minLength: 1, maxLength: 5 }).map((parts) => ({
      source: parts.map((part) => part.source).join(''),
      sample: (choose: () => number) => parts.map((part) => part.sample(choose)).join(''),
    })),
    fc.tuple(fc.array(tie('node'), { minLength: 2, maxLength: 3 }), fc.constantFrom('(', '(?:', '(?i:', '(?-i:', '(?P<g>')).map(([branches, open]) => ({
      source: `${open}${branches.map((branch) => branch.source).join('|')})`,
      sample: (choose: () => number) => branches[choose() % branches.length].sample(choose),
    })),
    fc.tuple(tie('node'), fc.constantFrom('*', '+', '?', '{2}', '{1,3}', '{0,2}', '+?')).map(([inner, quantifier]) => ({
      source: `(?:${inner.source})${quantifier}`,
      sample: (choose: () => number) => {
        const min = quantifier.startsWith('+') || quantifier === '{1,3}' ? 1 : quantifier === '{2}' ? 2 : 0;
        const count = min + (choose() % 3) * (quantifier === '{2}' || quantifier === '?' ? 0 : 1);
        return Array.from({ length: Math.min(count, quantifier === '{0,2}' ? 2 : quantifier === '{1,3}' ? 3 : count) }, () => inner.sample(choose)).join('');
      },
    })),
  ),
})).node;

const caseArb = fc
  .record({ node: nodeArb, caseless: fc.boolean(), inline: fc.boolean(), choices: fc.array(fc.nat(), { minLength: 64, maxLength: 64 }), around: fc.constantFrom('', 'x', 'ſ ', 'İ') })
  .map(({ node, caseless, inline, choices, around }) => {
    let at = 0;
    const choose = (): number => choices[at++ % choices.length];
    const matched = node.sample(choose);
    // The same text with every letter that has case partners respelled by choice: matches when RE2 folds.
    const respelled = [...matched].map((char) => (PARTNERS[char] ? [char, ...PARTNERS[char]][choose() % (PARTNERS[char].length + 1)] : char)).join('');
    return {
      source: inline ? `(?i)${node.source}` : node.source,
      flags: caseless ? CASELESS : PLAIN,
      texts: [matched, around + matched + around, respelled, around + respelled],
    };
  });

// ---------------------------------------------------------------------------------------------------
// The corpus

async function corpusRegexes(): Promise<{ source: string; flags: RegexFlags }[]> {
  const found = new Map<string, { source: string; flags: RegexFlags }>();
  const visit = (pattern: ValuePattern): void => {
    if (pattern.kind === 're') found.set(JSON.stringify([pattern.source, pattern.flags]), { source: pattern.source, flags: pattern.flags });
  };
  const visitSearch = (search: Search): void => {
    const items = search.kind === 'keywords' ? [search.item] : search.alternatives.flatMap((conjunction) => conjunction.items);
    for (const item of items) for (const group of item.values) group.patterns.forEach(visit);
  };
  for (const rule of (await loadRules([path.join(sharedRoot, 'sigma-rules')])).rules) {
    for (const search of rule.detection.searches.values()) visitSearch(search);
  }
  return [...found.values()];
}
