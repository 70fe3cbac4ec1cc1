// The js-yaml fast path must give exactly the tree the `yaml` path gives, or decline. Compared over every YAML
// file of the SigmaHQ corpus and the spec's tests, over generated YAML (and mutations of it, to reach the texts
// one parser refuses and the other might not), and on the cases each decline exists for.

import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseYamlFast, resolvePlainScalar } from '../../../src/rule/yaml-fast.js';
import { MAX_ALIAS_COUNT, MAX_DEPTH, parseYamlDocuments, parseYamlDocumentsSlow } from '../../../src/rule/yaml.js';

// A fixed seed: the properties are proofs over the same generated cases on every run, and the coverage
// assertions below (rejections and matches both happen) cannot flake.
fc.configureGlobal({ seed: 20261128 });

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const shared = path.resolve(projectRoot, '../shared');

function yamlFiles(folder: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const full = path.join(folder, entry.name);
    if (entry.isDirectory()) out.push(...yamlFiles(full));
    else if (/\.ya?ml$/i.test(entry.name)) out.push(full);
  }
  return out.sort();
}

type Verdict = 'declined' | 'equal' | 'different';

/** Declined, or the same documents (indices, values, lines, paths) as the `yaml` path with no error in it. */
function compare(text: string): Verdict {
  const fast = parseYamlFast(text);
  if (fast === undefined) return 'declined';
  const slow = parseYamlDocumentsSlow(text, 'f.yml');
  if (slow.some((document) => document.error !== undefined)) return 'different';
  const slowTrees = slow.map((document) => ({ index: document.index, root: document.root }));
  try {
    expect(fast).toStrictEqual(slowTrees);
    return 'equal';
  } catch {
    return 'different';
  }
}

describe('fast YAML path over the reference material', () => {
  const files = [...yamlFiles(path.join(shared, 'sigma-rules')), ...yamlFiles(path.join(shared, 'sigma-spec/tests'))];

  it('gives the yaml tree for every corpus and spec-test file, declining only the one file with a tab', () => {
    const declined: string[] = [];
    const different: string[] = [];
    for (const file of files) {
      const verdict = compare(readFileSync(file, 'utf8'));
      if (verdict === 'declined') declined.push(path.relative(shared, file));
      if (verdict === 'different') different.push(path.relative(shared, file));
    }
    expect(files.length).toBeGreaterThan(4000);
    expect(different).toEqual([]);
    expect(declined).toEqual(['sigma-rules/rules/windows/process_creation/proc_creation_win_susp_lnk_exec_hidden_cmd.yml']);
  });

  it('leaves parseYamlDocuments results (trees and errors) identical to the yaml path for every file', () => {
    const different = files.filter((file) => {
      const text = readFileSync(file, 'utf8');
      try {
        expect(parseYamlDocuments(text, file)).toStrictEqual(parseYamlDocumentsSlow(text, file));
        return false;
      } catch {
        return true;
      }
    });
    expect(different).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------------
// Generated YAML
// ---------------------------------------------------------------------------------------------------

type Gen =
  | { kind: 'plain'; text: string }
  | { kind: 'single'; text: string }
  | { kind: 'double'; text: string }
  | { kind: 'block'; header: string; lines: string[] }
  | { kind: 'empty' }
  | { kind: 'map'; flow: boolean; entries: { key: Gen; value: Gen; comment: boolean }[] }
  | { kind: 'seq'; flow: boolean; items: { value: Gen; comment: boolean }[] };

const trickyPlain = [
  'null', 'Null', 'NULL', '~', 'true', 'True', 'TRUE', 'false', 'yes', 'no', 'on', 'off', '1', '-1', '+5', '-0', '0',
  '00000429', '4688', '1.0', '3.', '.5', '1e3', '1E+21', '-2.5e-3', '1_000', '0x1F', '0o17', '017', '.inf', '-.Inf',
  '.nan', '12345678901234567890', '2024-01-01', '2024/01/01', '2001-12-14t21:59:43.10-05:00', 'a*b', 'cmd.exe',
  '\\Windows\\System32', 'C:\\Temp\\x.exe', 'a b', 'a  b', 'x#y', 'a:b', '%APPDATA%', 'a-b', 'é', 'κ', '<<', 'a,b',
];
const flowSafePlain = trickyPlain.filter((text) => !/[,[\]{}]/.test(text) && text !== '<<');
const word = fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_.|-]{0,8}$/);
const anyChars = fc.string({ unit: fc.constantFrom('a', ' ', "'", '"', '\\', 'n', 't', 'x', '4', '1', 'u', '0', 'é', '#', ':', '-', '*', '&', '!', '\n'), maxLength: 12 });

const plainArb = (flow: boolean): fc.Arbitrary<Gen> =>
  fc.oneof(fc.constantFrom(...(flow ? flowSafePlain : trickyPlain)), word).map((text) => ({ kind: 'plain', text }) as Gen);
const singleArb: fc.Arbitrary<Gen> = anyChars.map((text) => ({ kind: 'single', text }));
const doubleArb: fc.Arbitrary<Gen> = anyChars.map((text) => ({ kind: 'double', text }));
const blockArb: fc.Arbitrary<Gen> = fc.record({
  header: fc.constantFrom('|', '|-', '|+', '>', '>-', '>+', '|2', '> # note'),
  lines: fc.array(fc.oneof(fc.constant(''), fc.constant('  indented more'), word, fc.constantFrom('a # not a comment', "it's", 'x: y')), { minLength: 1, maxLength: 4 }),
}).map(({ header, lines }) => ({ kind: 'block', header, lines }));

const keyArb: fc.Arbitrary<Gen> = fc.oneof(
  { weight: 4, arbitrary: word.map((text) => ({ kind: 'plain', text }) as Gen) },
  { weight: 1, arbitrary: fc.constantFrom('1', '1.0', '01', 'true', 'null', '~', '<<', 'a b', 'Image|endswith').map((text) => ({ kind: 'plain', text }) as Gen) },
  { weight: 1, arbitrary: singleArb },
  { weight: 1, arbitrary: doubleArb },
);

const { node: nodeArb } = fc.letrec<{ node: Gen; flowNode: Gen }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 4, arbitrary: plainArb(false) },
    { weight: 2, arbitrary: singleArb },
    { weight: 2, arbitrary: doubleArb },
    { weight: 1, arbitrary: blockArb },
    { weight: 1, arbitrary: fc.constant<Gen>({ kind: 'empty' }) },
    {
      weight: 2,
      arbitrary: fc
        .array(fc.record({ key: keyArb, value: tie('node'), comment: fc.boolean() }), { minLength: 1, maxLength: 4 })
        .map((entries) => ({ kind: 'map', flow: false, entries }) as Gen),
    },
    {
      weight: 2,
      arbitrary: fc.array(fc.record({ value: tie('node'), comment: fc.boolean() }), { minLength: 1, maxLength: 4 }).map((items) => ({ kind: 'seq', flow: false, items }) as Gen),
    },
    { weight: 1, arbitrary: tie('flowNode') },
  ),
  flowNode: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 3, arbitrary: plainArb(true) },
    { weight: 1, arbitrary: singleArb },
    { weight: 1, arbitrary: doubleArb },
    {
      weight: 1,
      arbitrary: fc
        .array(fc.record({ key: keyArb, value: tie('flowNode'), comment: fc.constant(false) }), { maxLength: 3 })
        .map((entries) => ({ kind: 'map', flow: true, entries }) as Gen),
    },
    {
      weight: 1,
      arbitrary: fc.array(fc.record({ value: tie('flowNode'), comment: fc.constant(false) }), { maxLength: 3 }).map((items) => ({ kind: 'seq', flow: true, items }) as Gen),
    },
  ),
}));

function scalarText(node: Gen): string {
  switch (node.kind) {
    case 'plain':
      return node.text;
    case 'single':
      return `'${node.text.replace(/'/g, "''")}'`;
    case 'double':
      // Backslashes stay raw on purpose: `\n`, `\x41`, `\u00e9` are escapes, and invalid ones must decline.
      return `"${node.text.replace(/"/g, '\\"')}"`;
    case 'empty':
      return '';
    default:
      return inlineFlow(node);
  }
}

function inlineFlow(node: Gen): string {
  if (node.kind === 'map') return `{${node.entries.map((e) => `${scalarText(e.key)}: ${scalarText(e.value)}`).join(', ')}}`;
  if (node.kind === 'seq') return `[${node.items.map((i) => scalarText(i.value)).join(', ')}]`;
  return scalarText(node);
}

const isBlockCollection = (node: Gen): boolean => (node.kind === 'map' || node.kind === 'seq') && !node.flow;

/** Layout choices for one document: indentation step, lists under a key at the key's own indentation (as
 *  SigmaHQ writes some), comment lines between entries, a space before a key's colon. */
interface Layout {
  step: number;
  flushLists: boolean;
  commentLines: boolean;
  spaceBeforeColon: boolean;
}
let layout: Layout = { step: 2, flushLists: false, commentLines: false, spaceBeforeColon: false };

/** Lines of `node` as the value after `prefix` (`key:` or `-`) at `indent` spaces. */
function emitAfter(prefix: string, node: Gen, indent: number, comment: boolean, out: string[]): void {
  const pad = ' '.repeat(indent);
  const note = comment ? ' # note' : '';
  if (node.kind === 'block') {
    out.push(`${pad}${prefix} ${node.header}`);
    for (const line of node.lines) out.push(line === '' ? '' : `${pad}  ${line}`);
    return;
  }
  if (isBlockCollection(node)) {
    out.push(`${pad}${prefix}${note}`);
    if (layout.commentLines) out.push(`${pad}  # about the next lines`);
    const flush = layout.flushLists && node.kind === 'seq' && prefix.endsWith(':');
    emitBlock(node, flush ? indent : indent + layout.step, out);
    return;
  }
  const text = scalarText(node);
  out.push(`${pad}${prefix}${text === '' ? '' : ' ' + text}${note}`);
}

function emitBlock(node: Gen, indent: number, out: string[]): void {
  const pad = ' '.repeat(indent);
  if (node.kind === 'map' && !node.flow) {
    for (const entry of node.entries) {
      emitAfter(`${scalarText(entry.key)}${layout.spaceBeforeColon ? ' ' : ''}:`, entry.value, indent, entry.comment, out);
      if (layout.commentLines) out.push(`${pad}# between entries`);
    }
  } else if (node.kind === 'seq' && !node.flow) {
    for (const item of node.items) emitAfter('-', item.value, indent, item.comment, out);
  } else if (node.kind === 'block') {
    out.push(`${pad}${node.header}`, ...node.lines.map((line) => (line === '' ? '' : `${pad}  ${line}`)));
  } else {
    out.push(pad + scalarText(node));
  }
}

const layoutArb: fc.Arbitrary<Layout> = fc.record({
  step: fc.constantFrom(2, 4),
  flushLists: fc.boolean(),
  commentLines: fc.boolean(),
  spaceBeforeColon: fc.boolean(),
});

const documentArb = fc.record({ root: nodeArb, leadingComment: fc.boolean(), blankLines: fc.boolean(), chosen: layoutArb }).map(({ root, leadingComment, blankLines, chosen }) => {
  layout = chosen;
  const out: string[] = leadingComment ? ['# leading comment'] : [];
  emitBlock(root, 0, out);
  return (blankLines ? out.flatMap((line, i) => (i % 3 === 2 ? [line, ''] : [line])) : out).join('\n');
});

const streamArb = fc
  .tuple(fc.array(documentArb, { minLength: 1, maxLength: 3 }), fc.constantFrom('\n---\n', '\n---\n\n', '\n...\n---\n', '\n--- # c\n', '\n---\n---\n'), fc.boolean())
  .map(([documents, separator, trailingNewline]) => documents.join(separator) + (trailingNewline ? '\n' : ''));

const mutatedArb = fc
  .tuple(streamArb, fc.array(fc.tuple(fc.nat(), fc.nat(2), fc.constantFrom(' ', '  ', ':', '- ', '#', "'", '"', '{', '[', ']', '}', ',', '&a ', '*a', '!', '|', '>', '\n', '? ', '\\', '---\n')), { maxLength: 3 }))
  .map(([text, edits]) => {
    let mutated = text;
    for (const [at, remove, insert] of edits) {
      const index = at % (mutated.length + 1);
      mutated = mutated.slice(0, index) + insert + mutated.slice(index + remove);
    }
    return mutated;
  });

describe('fast YAML path over generated YAML', () => {
  it('gives the yaml tree or declines for generated documents, and takes the fast path for most of them', () => {
    const verdicts: Verdict[] = [];
    fc.assert(
      fc.property(streamArb, (text) => {
        const verdict = compare(text);
        verdicts.push(verdict);
        return verdict !== 'different';
      }),
      { numRuns: Number(process.env.FAST_YAML_RUNS ?? 3000) },
    );
    // The generator must exercise the fast path, not just its declines.
    expect(verdicts.filter((verdict) => verdict === 'equal').length).toBeGreaterThan(verdicts.length / 3);
  });

  it('gives the yaml tree or declines for mutated documents (stray indicators, quotes, markers)', () => {
    fc.assert(
      fc.property(mutatedArb, (text) => compare(text) !== 'different'),
      { numRuns: Number(process.env.FAST_YAML_RUNS ?? 3000) },
    );
  });
});

// ---------------------------------------------------------------------------------------------------
// Targeted cases
// ---------------------------------------------------------------------------------------------------

describe('fast YAML path declines', () => {
  it.each([
    ['an anchor and an alias', 'a: &x 1\nb: *x\n'],
    ['an anchor alone', 'a: &x\n  b: 1\n'],
    ['an anchored list item', '- &x a\n- b\n'],
    ['a merge key', 'base: &b {x: 1}\nrule:\n  <<: *b\n'],
    ['a plain << key', '<<: {x: 1}\n'],
    ['an explicit tag', 'a: !!str 1\n'],
    ['a local tag', 'a: !custom x\n'],
    ['a duplicate key', 'title: a\ntitle: b\n'],
    ['keys the yaml package calls equal (1 and 1.0)', '1: a\n1.0: b\n'],
    ['keys the yaml package calls equal (0 and -0)', '0: a\n-0: b\n'],
    ['a null key', '~: a\n'],
    ['an empty key', ': a\n'],
    ['a complex key', '? [a]\n: b\n'],
    ['a key without value in a flow map', '{a, b: c}\n'],
    ['an empty list item', '- a\n-\n- b\n'],
    ['a tab', 'a:\tb\n'],
    ['a CRLF line break', 'a: b\r\nc: d\r\n'],
    ['a byte order mark', '\uFEFFa: b\n'],
    ['a %YAML directive', '%YAML 1.2\n---\na: b\n'],
    ['a syntax error', 'title: a: b\n'],
    ['an unknown alias', 'a: *cmd*\n'],
    ['an explicit key', '? a\n'],
    ['a tag on an empty document', '!A\n---\nb\n'],
    ['content after a document start marker', '--- a: b\n'],
    ['content after a document end marker', 'a\n... x\n'],
    ['a line that only looks like a marker', 'a\n---#\nb\n'],
    ['a comment right after a quoted scalar', "a: 'b'#c\n"],
    ['a comment right after a flow collection', 'a: [b]#c\n'],
    ['a comment without space inside a multi-line flow collection', '[#c\n a]\n'],
    ['a multi-line quoted scalar not indented past its map', 'a:\n  b: "x\n  y"\n'],
    ['a multi-line flow collection not indented past its map', 'a: [x,\ny]\n'],
    ['a multi-line key', '"a\nb": c\n'],
    ['an escaped line break before a blank line', '"a\\\n\nb"\n'],
    ['a comment line outdented before a scalar value', 'a: # note\n\n# b\n entries\nc: 1\n'],
    ['nesting deeper than the limit', 'a: ' + '['.repeat(MAX_DEPTH + 2) + ']'.repeat(MAX_DEPTH + 2) + '\n'],
  ])('on %s', (_name, text) => {
    expect(parseYamlFast(text)).toBeUndefined();
    expect(parseYamlDocuments(text, 'f.yml')).toStrictEqual(parseYamlDocumentsSlow(text, 'f.yml'));
  });

  it('on an alias bomb, so the yaml path refuses it with its limit', () => {
    const levels = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 6; i += 1) levels.push(`a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(', ')}]`);
    const text = levels.join('\n') + '\n';
    expect(parseYamlFast(text)).toBeUndefined();
    const [document] = parseYamlDocuments(text, 'bomb.yml');
    expect(document.error?.message).toContain(`more than ${MAX_ALIAS_COUNT} alias expansions`);
  });
});

describe('fast YAML path reads', () => {
  it.each([
    ['dates as strings', 'date: 2024-01-01\nmodified: 2023/02/03\n'],
    ['numbers that do not round-trip as their text', 'a: 00000429\nb: 0x1F\nc: 0o17\nd: 1.0\ne: .inf\nf: 1_000\ng: 1e3\nh: -0\ni: +5\n'],
    ['numbers that round-trip as numbers', 'a: 4688\nb: -12\nc: 2.5\nd: 1e+21\n'],
    ['~ and null as null, yes/no/on/off as strings, true/False as booleans', 'a: ~\nb: null\nc: yes\nd: no\ne: on\nf: off\ng: true\nh: False\ni:\n'],
    ['wildcards in plain and quoted values', "Image|endswith: '\\cmd.exe'\nCommandLine|contains:\n    - ' -enc *'\n    - a*b\n"],
    ['numeric and boolean keys as their text', '4688: a\ntrue: b\n0x1F: c\n'],
    ['block scalars with their header line', 'a: |\n  one\n  two\nb: >-\n  folded\n\n  text\n'],
    ['quoted strings with escapes', 'a: "tab\\tnew\\nline \\x41 \\u00e9 \\\\"\nb: \'it\'\'s\'\n'],
    ['multi-line plain and double-quoted scalars', 'a: one\n  two\n\n  three\nb: "x\n  y"\n'],
    ['flow collections', 'a: {b: [1, two, "3"], c: }\nd: [x, {e: f}]\n'],
    ['comments between nodes', '# head\na: 1 # one\n# between\nb:\n  # inside\n  - x # item\n'],
    ['documents, dropping empty ones with their index kept', 'a: 1\n---\n---\nb: 2\n...\n---\n# only a comment\n---\nnull\n---\nc: 3\n'],
    ['a scalar document', '---\nplain text\n'],
    ['document indices after leading and doubled end markers', '...\na: 1\n...\n...\nb: 2\n'],
    ['a comment line outdented before a block collection value', 'a:\n# note\n  b: 1\n'],
  ])('%s exactly as the yaml path does', (_name, text) => {
    const fast = parseYamlFast(text);
    expect(fast).toBeDefined();
    expect(fast).toStrictEqual(parseYamlDocumentsSlow(text, 'f.yml').map((document) => ({ index: document.index, root: document.root })));
  });

  it('types plain scalars like the YAML 1.2 core schema with number text kept', () => {
    expect(['', '~', 'Null', 'TRUE', 'false', '4688', '00012', '1.5', '1.50', '0x10', '.NaN', 'yes'].map(resolvePlainScalar)).toEqual([
      null, null, null, true, false, 4688, '00012', 1.5, '1.50', '0x10', '.NaN', 'yes',
    ]);
  });
});
