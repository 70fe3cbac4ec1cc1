import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { scanEvents } from '../../src/cli/commands/scan.js';
import { openEventStream } from '../../src/events/read.js';
import type { CompiledRule, SigmaEvent } from '../../src/match/types.js';
import type { SigmaRule } from '../../src/rule/model.js';

describe('scanEvents output', () => {
  it('writes a match before it evaluates the next record of the same chunk', async () => {
    const output = new PassThrough();
    let written = '';
    output.on('data', (chunk) => (written += chunk));
    const seenWhenEvaluating: Record<number, string> = {};
    // A rule that notes, as each record is evaluated, what the output already holds: the stand-in for a
    // second record slow to evaluate (an expensive regular expression), observed without a clock.
    const rule: CompiledRule = {
      rule: { id: 'r1', title: 'first record matches', logsource: {} } as SigmaRule,
      matches(event: SigmaEvent) {
        seenWhenEvaluating[event.n as number] = written;
        return event.n === 1;
      },
      explain: (event) => (event.n === 1 ? { matchedSearches: ['sel'], unmatchedSearches: [], reasons: [] } : null),
    };
    const stream = await openEventStream(Readable.from([Buffer.from('{"n":1}\n{"n":2}\n')]), { name: 'one-chunk.jsonl' });
    const result = await scanEvents({ rules: [rule], stream, output, prefilter: null });
    expect(result.matches).toEqual([1]);
    expect(seenWhenEvaluating[1]).toBe('');
    expect(JSON.parse(seenWhenEvaluating[2])).toMatchObject({ ruleId: 'r1', line: 0, event: { n: 1 } });
  });
});
