import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { detectFormat, eventRecords, openEventInput, openEventStream } from '../../src/events/read.js';
import { EventReadError } from '../../src/events/types.js';
import { readAll } from './helpers.js';

describe('format detection', () => {
  it.each([
    ['[', 'x.json', 'json-array'],
    ['[', '<stdin>', 'json-array'],
    ['{', 'x.json', 'jsonl'],
    ['{', '<stdin>', 'jsonl'],
    ['', 'x.jsonl', 'jsonl'],
    ['T', '<stdin>', 'csv'],
    ['"', 'export', 'csv'],
    ['T', 'x.ndjson', 'jsonl'],
    ['{', 'x.csv', 'csv'],
  ] as const)("first character '%s' in %s reads as %s", (first, name, format) => {
    expect(detectFormat(first, name)).toBe(format);
  });

  it('looks past a byte order mark and leading whitespace', async () => {
    expect((await readAll('\ufeff \r\n [{"a":1}]', '<stdin>')).format).toBe('json-array');
    expect((await readAll('\ufeffTimeGenerated [UTC],a\r\nx,1\r\n', '<stdin>')).format).toBe('csv');
  });

  it('lets a forced format override detection', async () => {
    const { format, records } = await readAll('a,b\n1,2\n', 'x.jsonl', { format: 'csv' });
    expect([format, records]).toEqual(['csv', [{ index: 0, event: { a: '1', b: '2' } }]]);
  });
});

describe('opening inputs', () => {
  async function opened(spec: string, stdin: PassThrough, cwd: string) {
    const input = await openEventInput(spec, stdin, cwd);
    if (input instanceof EventReadError) throw input;
    return input;
  }

  it("reads '-' from standard input", async () => {
    const stdin = new PassThrough();
    stdin.end('{"a":1}\n{"a":2}\n');
    const input = await opened('-', stdin, '/nowhere');
    expect(input.name).toBe('<stdin>');
    const stream = await openEventStream(input.source, { name: input.name });
    const events = [];
    for await (const item of eventRecords(stream)) events.push(item);
    expect(events).toEqual([
      { index: 0, event: { a: 1 } },
      { index: 1, event: { a: 2 } },
    ]);
  });

  it('reads a file relative to the working directory', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'sigma-hunt-events-'));
    await writeFile(path.join(dir, 'e.json'), '[{"a":1}]');
    const input = await opened('e.json', new PassThrough(), dir);
    const stream = await openEventStream(input.source, { name: input.name });
    const items = [];
    for await (const item of eventRecords(stream)) items.push(item);
    expect([stream.format, items]).toEqual(['json-array', [{ index: 0, event: { a: 1 } }]]);
  });

  it('refuses a missing file when opening it, as one io error in words', async () => {
    const error = await openEventInput('does-not-exist.jsonl', new PassThrough(), os.tmpdir());
    expect(error).toBeInstanceOf(EventReadError);
    expect(error).toMatchObject({ code: 'io', message: 'does-not-exist.jsonl: cannot read events: no such file' });
  });

  it('refuses a directory when opening it, not with a raw EISDIR on the first read', async () => {
    const error = await openEventInput('.', new PassThrough(), os.tmpdir());
    expect(error).toMatchObject({ code: 'io', message: '.: cannot read events: a directory, not a file' });
  });
});
