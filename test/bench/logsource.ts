// Log sources in the scan loop: each event is classified once and meets only the rules of its log source, with
// the applicable rules kept per source class. Measured with the whole SigmaHQ corpus (where ../shared holds it)
// over the Sysmon EventID 3 bench file, against the same scan running every rule on every event (how scan ran
// before log sources were part of a rule's meaning).
import { createReadStream, existsSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { scanEvents } from '../../src/cli/commands/scan.js';
import { openEventStream } from '../../src/events/read.js';
import { createLogsourceResolver, type LogsourceResolver } from '../../src/logsource/index.js';
import { compileRule } from '../../src/match/compile.js';
import type { CompiledRule } from '../../src/match/types.js';
import { loadPlaceholderValues, loadRules } from '../../src/rule/load.js';
import { ACTIVE_CORPUS_FOLDERS } from '../support/corpus-regexes.js';
import { eventsPerSecond, interleave, type BenchContext, type BenchRow, type BenchSection } from './sections.js';

const ROUNDS = 3;
/** Every rule on every event runs at ~60 events/s (3,780 rules each): a 2,000-event slice of the file takes
 *  ~30 s per pass and is enough to compare. */
const MAX_EVENTS = 2_000;

class NullSink extends Writable {
  override _write(_chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    callback();
  }
}

const EVERY_RULE: LogsourceResolver = { classify: () => ({ key: 'any', product: null, services: [], categories: [] }), applies: () => true };

async function scanSlice(text: string, rules: CompiledRule[], resolver: LogsourceResolver): Promise<{ records: number; matches: number }> {
  const stream = await openEventStream((async function* () { yield Buffer.from(text); })(), { name: 'slice.jsonl', format: 'jsonl' });
  const result = await scanEvents({ rules, stream, output: new NullSink(), prefilter: null, resolver });
  return { records: result.records, matches: result.matches.reduce((a, b) => a + b, 0) };
}

async function firstLines(file: string, count: number): Promise<string> {
  const lines: string[] = [];
  let rest = '';
  for await (const chunk of createReadStream(file, { encoding: 'utf8', highWaterMark: 1024 * 1024 })) {
    const parts = (rest + chunk).split('\n');
    rest = parts.pop() ?? '';
    lines.push(...parts);
    if (lines.length >= count) break;
  }
  return lines.slice(0, count).join('\n') + '\n';
}

export const logsourceSection: BenchSection = {
  name: 'Log sources: scan with the whole SigmaHQ corpus, rules of the event\'s log source vs every rule on every event',
  async run(context: BenchContext): Promise<BenchRow[]> {
    const shared = path.resolve(context.projectRoot, '../shared');
    if (!existsSync(path.join(shared, 'sigma-rules'))) {
      context.log('log sources: ../shared/sigma-rules not found, section skipped');
      return [];
    }
    const placeholders = await loadPlaceholderValues(path.join(context.projectRoot, 'test/conformance/fixtures/placeholders.yml'));
    const loaded = await loadRules(ACTIVE_CORPUS_FOLDERS.map((folder) => path.join(shared, 'sigma-rules', folder)), { placeholders });
    const rules = loaded.rules.map((rule) => compileRule(rule));
    const text = await firstLines(context.dataFile, Math.min(context.events, MAX_EVENTS));
    const resolver = createLogsourceResolver();
    const every = await scanSlice(text, rules, EVERY_RULE);
    const own = await scanSlice(text, rules, resolver);
    context.log(`log sources: ${rules.length} rules, ${own.records} events: ${every.matches} matches with every rule, ${own.matches} with the rules of each event's log source`);
    const best = await interleave(ROUNDS, {
      every: async () => void (await scanSlice(text, rules, EVERY_RULE)),
      own: async () => void (await scanSlice(text, rules, resolver)),
    });
    const everyRate = eventsPerSecond(own.records, best.every);
    const ownRate = eventsPerSecond(own.records, best.own);
    return [
      { label: 'every rule on every event (baseline)', eventsPerSecond: everyRate },
      // Sysmon EventID 3 events meet the 60-odd network_connection rules instead of 3,780: a classification per
      // event must cost far less than what it saves.
      { label: 'rules of the event\'s log source', eventsPerSecond: ownRate, ratio: ownRate / everyRate, target: 5 },
    ];
  },
};
