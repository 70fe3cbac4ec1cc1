// Attacker-written input: binary files, records nested to overflow a recursive walk, bytes meant for a
// terminal. Each is refused on its own, in bounded printable words, and reading goes on where it can.
import { describe, expect, it } from 'vitest';
import { MAX_EVENT_DEPTH } from '../../src/events/parse.js';
import { EventReadError, MAX_REASON_CHARS, printableExcerpt } from '../../src/events/types.js';
import { readAll } from './helpers.js';

const nestedObject = (levels: number, leaf = '"mimikatz"'): string => '{"a":'.repeat(levels) + leaf + '}'.repeat(levels);

describe('binary input', () => {
  it('is one fatal error naming the file, not a refused row per line', async () => {
    const bytes = Buffer.alloc(38_000);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7919 + 13) % 256; // every byte value, NULs included
    const { records, errors } = await readAll(bytes, 'random.bin');
    expect(records).toEqual([]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: 'binary', fatal: true });
    expect(errors[0].message).toMatch(/^random\.bin: not JSON lines, JSON or CSV: a NUL byte at byte \d+/);
  });

  it('is refused even when a format is forced', async () => {
    const { errors } = await readAll(Buffer.from('a,b\n1,\u0000\n'), 'x.csv', { format: 'csv' });
    expect(errors.map((error) => error.code)).toEqual(['binary']);
  });

  it('is told apart from UTF-16 text only in words: both hold NULs, both are refused', async () => {
    const { errors } = await readAll(Buffer.from('\ufeff{"a":1}\n', 'utf16le'), 'e.jsonl');
    expect(errors[0].message).toContain('UTF-16');
  });

  it('is sniffed only in what has arrived: a NUL far into a text file is that record\'s problem', async () => {
    const text = '{"a":1}\n'.repeat(2000) + '{"a":"\u0000"}\n{"a":2}\n';
    const { records, errors } = await readAll(text, 'e.jsonl', { sizes: [4096] });
    expect(records).toHaveLength(2001);
    expect(errors.map((error) => [error.code, error.index])).toEqual([['json', 2000]]);
  });
});

describe('deep nesting', () => {
  it(`refuses a JSON line nested deeper than ${MAX_EVENT_DEPTH} levels as one record and reads on`, async () => {
    const text = `{"x":"first"}\n${nestedObject(6000)}\n{"x":"after"}\n`;
    const { records, errors } = await readAll(text, 'deep.jsonl');
    expect(records.map((record) => record.event)).toEqual([{ x: 'first' }, { x: 'after' }]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: 'too-deep', index: 1, physicalLine: 2, fatal: false });
  });

  it('accepts exactly the limit and refuses one level more, arrays counted like objects', async () => {
    const depthOf = (levels: number) => '{"a":' + '['.repeat(levels - 1) + '1' + ']'.repeat(levels - 1) + '}';
    const { records, errors } = await readAll(`${depthOf(MAX_EVENT_DEPTH)}\n${depthOf(MAX_EVENT_DEPTH + 1)}\n`, 'e.jsonl');
    expect(records.map((record) => record.index)).toEqual([0]);
    expect(errors.map((error) => [error.code, error.index])).toEqual([['too-deep', 1]]);
  });

  it('refuses a deep element of a JSON array and reads the next element', async () => {
    const { records, errors } = await readAll(`[{"x":1}, ${nestedObject(5000)}, {"x":2}]`, 'e.json');
    expect(records.map((record) => record.event)).toEqual([{ x: 1 }, { x: 2 }]);
    expect(errors.map((error) => [error.code, error.index])).toEqual([['too-deep', 1]]);
  });

  it('refuses a CSV row whose dynamic column is nested too deep, naming the column, and reads the next row', async () => {
    const cell = `"${nestedObject(MAX_EVENT_DEPTH).replaceAll('"', '""')}"`;
    const { records, errors } = await readAll(`Host,AdditionalFields\nh1,${cell}\nh2,{}\n`, 'e.csv');
    expect(records.map((record) => record.event.Host)).toEqual(['h2']);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: 'too-deep', index: 0, physicalLine: 2 });
    expect(errors[0].message).toContain('column AdditionalFields');
  });
});

describe('messages quoting record bytes', () => {
  it('escapes control characters, separators and bidi overrides', () => {
    expect(printableExcerpt('a\u001b[31mb\u0007\n\t\u2028\u202e\u0085z')).toBe('a\\u001b[31mb\\u0007\\n\\t\\u2028\\u202e\\u0085z');
  });

  it('keeps a long text to its start and end around an ellipsis, at most the limit', () => {
    const excerpt = printableExcerpt('<' + '\u0001'.repeat(1_000_000) + '>');
    expect(excerpt.length).toBeLessThanOrEqual(MAX_REASON_CHARS);
    expect(excerpt.startsWith('<\\u0001')).toBe(true);
    expect(excerpt.endsWith('\\u0001>')).toBe(true);
    expect(excerpt).toContain('…');
  });

  it('escapes the terminal escape a JSON line quotes into JSON.parse\'s message', async () => {
    const { errors } = await readAll('{"a":1}\n\u001b]0;pwned\u0007\n', 'e.jsonl');
    expect(errors).toHaveLength(1);
    expect(errors[0].message).toContain('\\u001b]0;pwned\\u0007');
    // eslint-disable-next-line no-control-regex
    expect(errors[0].message).not.toMatch(/[\u0000-\u001f\u007f]/);
  });

  it('bounds the message of a CSV row that quotes a huge field full of control bytes', async () => {
    const field = '\u001b]0;pwned\u0007'.repeat(100_000) + '"x,y';
    const { errors } = await readAll(`a,b\n1,2\n${field}\n3,4\n`, 'e.csv');
    expect(errors.length).toBeGreaterThan(0);
    expect(Math.max(...errors.map((error) => error.reason.length))).toBe(MAX_REASON_CHARS);
    for (const error of errors) {
      expect(error).toBeInstanceOf(EventReadError);
      expect(error.reason.length).toBeLessThanOrEqual(MAX_REASON_CHARS);
      // eslint-disable-next-line no-control-regex
      expect(error.message).not.toMatch(/[\u0000-\u001f\u007f]/);
    }
  });
});
