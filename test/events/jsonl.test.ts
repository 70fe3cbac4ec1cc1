import { describe, expect, it } from 'vitest';
import { splitLines, byteChunks } from '../../src/events/text.js';
import { chunked, readAll } from './helpers.js';

describe('JSON lines reader', () => {
  it('numbers records by physical line from 0, counting blank lines without reading them', async () => {
    const { records, errors } = await readAll('{"a":1}\n\n{"a":2}\n   \n{"a":3}\n', 'e.jsonl');
    expect(errors).toEqual([]);
    expect(records).toEqual([
      { index: 0, event: { a: 1 } },
      { index: 2, event: { a: 2 } },
      { index: 4, event: { a: 3 } },
    ]);
  });

  it('strips CR from CRLF line ends', async () => {
    const { records } = await readAll('{"a":"x"}\r\n\r\n{"a":"y"}\r\n', 'e.jsonl');
    expect(records).toEqual([
      { index: 0, event: { a: 'x' } },
      { index: 2, event: { a: 'y' } },
    ]);
  });

  it('reads a final line that has no newline', async () => {
    const { records } = await readAll('{"a":1}\n{"a":2}', 'e.jsonl');
    expect(records.map((r) => r.index)).toEqual([0, 1]);
  });

  it('ignores a UTF-8 byte order mark, even when it arrives split over chunks', async () => {
    const { records } = await readAll('\ufeff{"a":1}\n', 'e.jsonl', { sizes: [1, 1, 1, 4] });
    expect(records).toEqual([{ index: 0, event: { a: 1 } }]);
  });

  it('reports a malformed line with its 1-based line and 0-based index, then reads on', async () => {
    const { records, errors, order } = await readAll('{"a":1}\n{"a":\n[1,2]\n{"a":4}\n', 'e.jsonl');
    expect(records.map((r) => r.index)).toEqual([0, 3]);
    expect(errors.map((e) => [e.code, e.physicalLine, e.index])).toEqual([
      ['json', 2, 1],
      ['not-object', 3, 2],
    ]);
    expect(errors[0].message).toMatch(/^e\.jsonl:2: invalid JSON: .* \[line 1\]$/);
    expect(errors[1].message).toBe('e.jsonl:3: not a JSON object: an array [line 2]');
    expect(order.map((o) => o.index)).toEqual([0, 1, 2, 3]);
  });

  it('decodes UTF-8 characters cut in half by chunk boundaries', async () => {
    const text = '{"user":"jürgen.müller","x":"日本語"}\n{"user":"zoë"}\n';
    for (const size of [1, 2, 3, 5, 7]) {
      const { records } = await readAll(text, 'e.jsonl', { sizes: [size] });
      expect(records.map((r) => r.event)).toEqual([{ user: 'jürgen.müller', x: '日本語' }, { user: 'zoë' }]);
    }
  });

  it('keeps a line that spans many chunks whole', async () => {
    const long = JSON.stringify({ CommandLine: 'x'.repeat(10_000) });
    const { records } = await readAll(`${long}\n{"b":1}\n`, 'e.jsonl', { sizes: [333] });
    expect(records.map((r) => r.index)).toEqual([0, 1]);
    expect((records[0].event.CommandLine as string).length).toBe(10_000);
  });

  it('marks which lines are all ASCII, for the pre-filter', async () => {
    const batches = [];
    for await (const batch of splitLines(byteChunks(chunked('{"a":"x"}\n{"a":"é"}\n')))) batches.push(batch);
    expect(batches).toHaveLength(1);
    expect([...batches[0].asciiOnly!]).toEqual([1, 0]);
    expect(batches[0].texts).toEqual(['{"a":"x"}', '{"a":"é"}']);
  });

  it('reads an empty input as no records', async () => {
    const { records, errors, format } = await readAll('', 'e.jsonl');
    expect([records, errors, format]).toEqual([[], [], 'jsonl']);
  });
});
