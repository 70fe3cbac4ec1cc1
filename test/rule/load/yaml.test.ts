import { describe, expect, it } from 'vitest';
import { MAX_ALIAS_COUNT, MAX_FILE_BYTES, parseYamlDocuments } from '../../../src/rule/yaml.js';
import type { YamlMap, YamlNode } from '../../../src/rule/yaml.js';

function single(text: string): YamlNode {
  const [document] = parseYamlDocuments(text, 'f.yml');
  if (!document || document.error) throw document?.error ?? new Error('no document');
  return document.root;
}

function at(node: YamlNode, ...keys: (string | number)[]): YamlNode {
  let current = node;
  for (const key of keys) {
    if (typeof key === 'number' && current.kind === 'seq') current = current.items[key];
    else if (typeof key === 'string' && current.kind === 'map') current = current.entries.find((e) => e.key === key)!.value;
    else throw new Error(`no ${key}`);
  }
  return current;
}

describe('YAML tree', () => {
  const text = ['title: t', 'detection:', '    selection:', '        Image|contains:', "            - 'a'", "            - 'b'", '    condition: selection', ''].join('\n');

  it('gives every node its 1-based line and YAML path', () => {
    const value = at(single(text), 'detection', 'selection', 'Image|contains', 1);
    expect(value).toEqual({ kind: 'scalar', value: 'b', line: 6, path: 'detection.selection.Image|contains[1]' });
  });

  it('records the line of a map key separately from its block value', () => {
    const selection = at(single(text), 'detection', 'selection') as YamlMap;
    expect(selection.entries[0].keyLine).toBe(4);
    expect(selection.entries[0].value.line).toBe(5);
  });

  it('keeps a plain number whose text does not round-trip as its text', () => {
    const root = single('a: 00000429\nb: 4688\nc: 1.0\nd: 0x10\n');
    expect([at(root, 'a'), at(root, 'b'), at(root, 'c'), at(root, 'd')].map((n) => (n.kind === 'scalar' ? n.value : undefined))).toEqual([
      '00000429',
      4688,
      '1.0',
      '0x10',
    ]);
  });

  it('reads YAML 1.2 scalars: dates and yes/no stay strings, true/null are typed', () => {
    const root = single('date: 2024-01-02\nflag: yes\nb: true\nn: null\ne:\n');
    expect(['date', 'flag', 'b', 'n', 'e'].map((k) => (at(root, k) as { value: unknown }).value)).toEqual(['2024-01-02', 'yes', true, null, null]);
  });

  it('indexes documents by their position in the file and drops empty ones', () => {
    const documents = parseYamlDocuments('a: 1\n---\n---\nb: 2\n', 'f.yml');
    expect(documents.map((d) => d.index)).toEqual([0, 2]);
  });
});

describe('YAML refusals', () => {
  it('refuses duplicate keys with the line of the duplicate', () => {
    const [document] = parseYamlDocuments('title: a\nlevel: low\ntitle: b\n', 'f.yml');
    expect(document.error?.code).toBe('yaml');
    expect(document.error?.location.line).toBe(3);
    expect(document.error?.reason).toContain('Map keys must be unique');
  });

  it('refuses a syntax error with its line and keeps the other documents', () => {
    const documents = parseYamlDocuments('title: ok\n---\nlevel: low\ntitle: a: b\n---\ntitle: fine\n', 'f.yml');
    expect(documents.map((d) => (d.error ? `error@${d.error.location.line}` : 'ok'))).toEqual(['ok', 'error@4', 'ok']);
    expect(documents[1].error?.location.document).toBe(1);
  });

  it('points an unclosed double quote at the quote, not at the end of the file', () => {
    const [document] = parseYamlDocuments('title: "unclosed\nid: 1\ndetection:\n  sel:\n    Image: a\n  condition: sel\n', 'f.yml');
    expect(document.error?.location.line).toBe(1);
    expect(document.error?.reason).toMatch(/^a double quote opened at line 1, column 8 is never closed \(Missing closing "quote/);
  });

  it("reads '' inside single quotes as an escape, and points at the quote left open", () => {
    const [document] = parseYamlDocuments("a: 'it''s closed'\nb: 'it''s not\nc: 1\n", 'f.yml');
    expect(document.error?.location.line).toBe(2);
    expect(document.error?.reason).toMatch(/^a single quote opened at line 2, column 4 is never closed/);
  });

  it('reads \\" inside double quotes as an escape, and points at the innermost bracket left open', () => {
    const [document] = parseYamlDocuments('a: "x\\" y"\nb: {sel: [1, 2\nc: 1\n', 'f.yml');
    expect(document.error?.location.line).toBe(2);
    expect(document.error?.reason).toMatch(/^a '\[' opened at line 2, column 10 is never closed/);
  });

  it('points at the quote in the document that opened it and keeps the documents before', () => {
    const documents = parseYamlDocuments('title: ok\n---\ntitle: fine\nlevel: "high\n---\ntitle: swallowed\n', 'f.yml');
    expect(documents.map((d) => (d.error ? `error@${d.error.location.line}` : 'ok'))).toEqual(['ok', 'error@4']);
    expect(documents[1].error?.reason).toMatch(/^a double quote opened at line 4, column 8/);
  });

  it('keeps the parser\'s own location for an error that no open quote or bracket explains', () => {
    const [document] = parseYamlDocuments('title: "a \\" quote"\nlevel: \'it\'\'s\'\ntitle: b\n', 'f.yml');
    expect(document.error?.location.line).toBe(3);
    expect(document.error?.reason).toContain('Map keys must be unique');
  });

  it('refuses an alias bomb', () => {
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 9; i += 1) {
      const prev = String.fromCharCode(96 + i);
      levels.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${prev}`).join(', ')}]`);
    }
    const [document] = parseYamlDocuments(levels.join('\n') + '\n', 'bomb.yml');
    expect(document.error?.code).toBe('yaml');
    expect(document.error?.reason).toContain(`more than ${MAX_ALIAS_COUNT} alias expansions`);
  });

  it('accepts a few aliases', () => {
    const root = single('a: &v hello\nb: *v\n');
    expect(at(root, 'b')).toMatchObject({ value: 'hello', path: 'b' });
  });

  it('refuses a file over the size cap with a clear reason', () => {
    const [document] = parseYamlDocuments('a: ' + 'x'.repeat(MAX_FILE_BYTES) + '\n', 'big.yml');
    expect(document.error?.code).toBe('yaml');
    expect(document.error?.message).toMatch(/^big\.yml: file is \d+ bytes, over the 1048576-byte limit/);
  });

  it('refuses nesting deeper than the depth limit', () => {
    const [document] = parseYamlDocuments('a: ' + '['.repeat(100) + ']'.repeat(100) + '\n', 'deep.yml');
    expect(document.error?.reason).toContain('nesting deeper than');
  });

  it('refuses a map used as a map key', () => {
    const [document] = parseYamlDocuments('? {a: 1}\n: x\n', 'k.yml');
    expect(document.error?.reason).toBe('map keys must be plain strings');
  });
});
