import { describe, expect, it } from 'vitest';
import { readAll } from './helpers.js';

const tricky = [
  { a: 'comma, and ] and } inside', b: [1, [2, { c: '[' }]] },
  { path: 'C:\\Users\\Public\\x.exe', quote: 'say "hi"', slash: 'a\\"]' },
  { nested: { deeper: { list: [] } }, empty: {} },
];

describe('JSON array reader', () => {
  it('numbers elements from 0 and keeps strings, escapes and nesting intact', async () => {
    const { records, errors, format } = await readAll(JSON.stringify(tricky, null, 2), 'events.json');
    expect(format).toBe('json-array');
    expect(errors).toEqual([]);
    expect(records).toEqual(tricky.map((event, index) => ({ index, event })));
  });

  it('finds the same elements whatever the chunk boundaries', async () => {
    const text = ' \n' + JSON.stringify(tricky) + '\n';
    for (const size of [1, 2, 3, 7, 64]) {
      const { records, errors } = await readAll(text, 'events.json', { sizes: [size] });
      expect(errors).toEqual([]);
      expect(records.map((r) => r.event)).toEqual(tricky);
    }
  });

  it('reports a malformed element with its index and start line, and reads the elements after it', async () => {
    const text = '[\n  {"a": 1},\n  {"a": tru},\n  "text",\n  {"a": 4}\n]\n';
    const { records, errors } = await readAll(text, 'x.json');
    expect(records).toEqual([
      { index: 0, event: { a: 1 } },
      { index: 3, event: { a: 4 } },
    ]);
    expect(errors.map((e) => [e.code, e.physicalLine, e.index])).toEqual([
      ['json', 3, 1],
      ['not-object', 4, 2],
    ]);
    expect(errors[0].message).toMatch(/^x\.json:3: invalid JSON: .* \[element 1\]$/);
  });

  it('reads an empty array as no records', async () => {
    expect(await readAll('[ ]', 'x.json')).toMatchObject({ records: [], errors: [] });
  });

  it('reports an unterminated array once, after the complete elements', async () => {
    const { records, errors } = await readAll('[{"a":1},{"a":2', 'x.json');
    expect(records.map((r) => r.index)).toEqual([0]);
    expect(errors).toHaveLength(1);
    expect(errors[0].code).toBe('structure');
    expect(errors[0].fatal).toBe(true);
    expect(errors[0].reason).toContain('unterminated');
  });

  it('stops with a structure error at text after the closing bracket', async () => {
    const { records, errors } = await readAll('[{"a":1}] {"b":2}', 'x.json');
    expect(records.map((r) => r.index)).toEqual([0]);
    expect(errors.map((e) => e.code)).toEqual(['structure']);
  });

  it('stops with a structure error at a trailing comma', async () => {
    const { errors } = await readAll('[{"a":1},]', 'x.json');
    expect(errors.map((e) => e.code)).toEqual(['structure']);
  });

  it('refuses input that is not an array when the format is forced', async () => {
    const { records, errors } = await readAll('{"a":1}', 'x.json', { format: 'json-array' });
    expect(records).toEqual([]);
    expect(errors.map((e) => e.code)).toEqual(['structure']);
  });
});
