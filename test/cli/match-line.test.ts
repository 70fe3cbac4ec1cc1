import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { scanEvents } from '../../src/cli/commands/scan.js';
import { MatchLines } from '../../src/cli/match-line.js';
import { openEventStream } from '../../src/events/read.js';
import type { CompiledRule, SigmaEvent } from '../../src/match/types.js';
import type { SigmaRule } from '../../src/rule/model.js';

/** A rule matching events whose `hit` is true, explaining with one search. */
function hitRule(id: string, extra: Partial<SigmaRule> = {}): CompiledRule {
  return {
    rule: { id, title: `rule ${id}`, level: 'high', logsource: {}, ...extra } as SigmaRule,
    matches: (event: SigmaEvent) => event.hit === true,
    explain: (event) => (event.hit === true ? { matchedSearches: ['selection'], unmatchedSearches: ['filter'], reasons: [] } : null),
  };
}

async function scanText(text: string, rules: CompiledRule[], file?: string): Promise<string[]> {
  const output = new PassThrough();
  let written = '';
  output.on('data', (chunk) => (written += chunk));
  const stream = await openEventStream(Readable.from([Buffer.from(text)]), { name: 'events.jsonl' });
  await scanEvents({ rules, stream, output, prefilter: null, file });
  return written.split('\n').filter((line) => line !== '');
}

describe('match lines', () => {
  it('keeps the key order ruleId, title, level, file, line, event, matched', () => {
    const lines = new MatchLines([hitRule('r1')], 'logs/a.jsonl');
    const line = lines.line(0, 7, { hit: true }, undefined)!;
    expect(Object.keys(JSON.parse(line))).toEqual(['ruleId', 'title', 'level', 'file', 'line', 'event', 'matched']);
    expect(line.endsWith('}\n')).toBe(true);
    const single = new MatchLines([hitRule('r1')], undefined).line(0, 7, { hit: true }, undefined)!;
    expect(Object.keys(JSON.parse(single))).toEqual(['ruleId', 'title', 'level', 'line', 'event', 'matched']);
  });

  it('writes the event as the JSON text it was read from, which parses back to the same event', async () => {
    // Key order and number spelling as in the input: the reader sees the record it gave.
    const text = '{"b":1.50,"hit":true,"a":"x\\u0041","2":"y","1":"z"}';
    const [line] = await scanText(`${text}\n`, [hitRule('r1')]);
    expect(line).toContain(`"event":${text},`);
    expect(JSON.parse(line).event).toEqual(JSON.parse(text));
  });

  it('re-serialises an event whose text holds a carriage return, so no line reader splits the match line', async () => {
    const [line] = await scanText('{"hit":true,\r"n":1}\n', [hitRule('r1')]);
    expect(line).not.toContain('\r');
    expect(JSON.parse(line)).toMatchObject({ ruleId: 'r1', line: 0, event: { hit: true, n: 1 } });
  });

  it('serialises rule metadata once per rule, with hostile titles kept as data', async () => {
    const hostile = hitRule('r"1', { title: 'a "quoted",\ntitle', level: undefined });
    const lines = await scanText('{"hit":true}\n{"hit":false}\n{"hit":true}\n', [hostile], 'x/"y".jsonl');
    expect(lines.map((line) => JSON.parse(line))).toEqual([
      { ruleId: 'r"1', title: 'a "quoted",\ntitle', level: null, file: 'x/"y".jsonl', line: 0, event: { hit: true }, matched: { matchedSearches: ['selection'], unmatchedSearches: ['filter'], reasons: [] } },
      { ruleId: 'r"1', title: 'a "quoted",\ntitle', level: null, file: 'x/"y".jsonl', line: 2, event: { hit: true }, matched: { matchedSearches: ['selection'], unmatchedSearches: ['filter'], reasons: [] } },
    ]);
  });

  it('writes a one-line array element as its text, and re-serialises one spread over lines', async () => {
    const lines = await scanText('[{"hit":true,  "n":2},\n  {\n    "hit": true,\n    "n": 3\n  }\n]', [hitRule('r1')]);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain('"event":{"hit":true,  "n":2},');
    expect(lines[1]).toContain('"event":{"hit":true,"n":3},');
    expect(lines.map((line) => JSON.parse(line).line)).toEqual([0, 1]);
  });
});
