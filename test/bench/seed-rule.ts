// Benchmark sections for the seed rule (net_connection_win_susp_initiated_uncommon_or_suspicious_locations).
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { scanEvents } from '../../src/cli/commands/scan.js';
import { openEventStream } from '../../src/events/read.js';
import { compileRule } from '../../src/match/compile.js';
import type { CompiledRule, SigmaEvent } from '../../src/match/types.js';
import { loadRules } from '../../src/rule/load.js';
import type { DetectionItem, SigmaRule } from '../../src/rule/model.js';
import { eventsPerSecond, interleave, type BenchContext, type BenchRow, type BenchSection } from './sections.js';

export const SEED_RULE_PATH = 'rules/windows/network_connection/net_connection_win_susp_initiated_uncommon_or_suspicious_locations.yml';

/** In-memory passes cycle over this many parsed events: enough to defeat caches, small enough to hold. */
const IN_MEMORY_EVENTS = 200_000;
const ROUNDS = 3;

export async function loadSeedRule(projectRoot: string): Promise<SigmaRule> {
  const loaded = await loadRules([path.join(projectRoot, SEED_RULE_PATH)]);
  const rule = loaded.rules[0];
  if (!rule) throw new Error(`cannot load ${SEED_RULE_PATH}: ${loaded.outcomes.map((o) => o.error?.message).join('; ')}`);
  return rule;
}

function itemOf(rule: SigmaRule, identifier: string, field: string): DetectionItem {
  const search = rule.detection.searches.get(identifier);
  const item = search?.kind === 'fields' ? search.alternatives[0].items.find((candidate) => candidate.field === field) : undefined;
  if (!item) throw new Error(`the seed rule has no ${identifier}.${field}`);
  return item;
}

/** The literal text of each value (contains/endswith put wildcards around it), lower-cased. */
function literals(item: DetectionItem): string[] {
  return item.values.map((group) =>
    group.patterns
      .flatMap((pattern) => (pattern.kind === 'string' ? pattern.parts : []))
      .map((part) => (part.kind === 'literal' ? part.text : ''))
      .join('')
      .toLowerCase(),
  );
}

/** The baseline: the rule written by hand the obvious way (lower-case, then includes/endsWith loops). */
export function naiveSeedMatcher(rule: SigmaRule): (event: SigmaEvent) => boolean {
  const folders = literals(itemOf(rule, 'selection', 'Image'));
  const domains = literals(itemOf(rule, 'filter_main_domains', 'DestinationHostname'));
  return (event) => {
    const initiated = event.Initiated;
    if (initiated === undefined || initiated === null || String(initiated).toLowerCase() !== 'true') return false;
    const image = event.Image;
    if (image === undefined || image === null) return false;
    const imageLower = String(image).toLowerCase();
    let suspicious = false;
    for (const folder of folders) {
      if (imageLower.includes(folder)) {
        suspicious = true;
        break;
      }
    }
    if (!suspicious) return false;
    const host = event.DestinationHostname;
    if (host === undefined || host === null) return true;
    const hostLower = String(host).toLowerCase();
    for (const domain of domains) if (hostLower.endsWith(domain)) return false;
    return true;
  };
}

export async function readEvents(file: string, limit: number): Promise<SigmaEvent[]> {
  const events: SigmaEvent[] = [];
  const stream = await openEventStream(createReadStream(file, { highWaterMark: 1024 * 1024 }), { name: file, format: 'jsonl' });
  for await (const batch of stream.batches) {
    if (batch.kind !== 'json-texts') continue;
    for (const text of batch.texts) {
      if (events.length >= limit) return events;
      if (text !== '') events.push(JSON.parse(text) as SigmaEvent);
    }
  }
  return events;
}

export const inMemorySection: BenchSection = {
  name: 'Seed rule, in memory: compiled.matches() over parsed events vs a hand-written naive matcher',
  async run(context: BenchContext): Promise<BenchRow[]> {
    const rule = await loadSeedRule(context.projectRoot);
    const compiled = compileRule(rule);
    const naive = naiveSeedMatcher(rule);
    const events = await readEvents(context.dataFile, Math.min(context.events, IN_MEMORY_EVENTS));
    const total = context.events;
    let compiledMatches = 0;
    let naiveMatches = 0;
    for (const event of events) {
      if (compiled.matches(event)) compiledMatches++;
      if (naive(event)) naiveMatches++;
    }
    if (compiledMatches !== naiveMatches) throw new Error(`compiled and naive disagree: ${compiledMatches} vs ${naiveMatches} matches`);
    context.log(`in memory: ${events.length} parsed events cycled to ${total} evaluations per pass; ${compiledMatches} matches among them`);
    const pass = (matcher: (event: SigmaEvent) => boolean) => () => {
      let hits = 0;
      for (let n = 0; n < total; n++) if (matcher(events[n % events.length])) hits++;
      if (hits < 0) throw new Error('unreachable');
    };
    const best = await interleave(ROUNDS, { naive: pass(naive), compiled: pass((event) => compiled.matches(event)) });
    const naiveRate = eventsPerSecond(total, best.naive);
    const compiledRate = eventsPerSecond(total, best.compiled);
    return [
      { label: 'naive matcher (baseline)', eventsPerSecond: naiveRate },
      { label: 'compiled.matches()', eventsPerSecond: compiledRate, ratio: compiledRate / naiveRate, target: 3 },
    ];
  },
};

export class NullSink extends Writable {
  bytes = 0;
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.bytes += chunk.length;
    callback();
  }
}

export async function parseEveryLine(file: string): Promise<number> {
  const stream = await openEventStream(createReadStream(file, { highWaterMark: 1024 * 1024 }), { name: file, format: 'jsonl' });
  let objects = 0;
  for await (const batch of stream.batches) {
    if (batch.kind !== 'json-texts') continue;
    for (const text of batch.texts) if (text !== '' && JSON.parse(text) !== null) objects++;
  }
  return objects;
}

async function scanFile(file: string, rules: CompiledRule[], prefilter: boolean): Promise<{ records: number; matches: number }> {
  const stream = await openEventStream(createReadStream(file, { highWaterMark: 1024 * 1024 }), { name: file, format: 'jsonl' });
  const result = await scanEvents({ rules, stream, output: new NullSink(), ...(prefilter ? {} : { prefilter: null }) });
  return { records: result.records, matches: result.matches.reduce((a, b) => a + b, 0) };
}

export const endToEndSection: BenchSection = {
  name: 'Seed rule, end to end: scan of the JSON lines file (null sink) vs JSON.parse of every line',
  async run(context: BenchContext): Promise<BenchRow[]> {
    const compiled = [compileRule(await loadSeedRule(context.projectRoot))];
    const file = context.dataFile;
    const filtered = await scanFile(file, compiled, true);
    const unfiltered = await scanFile(file, compiled, false);
    if (filtered.matches !== unfiltered.matches) {
      throw new Error(`the pre-filter changed the result: ${filtered.matches} vs ${unfiltered.matches} matches`);
    }
    context.log(`end to end: ${filtered.records} events, ${filtered.matches} matches (same with and without the pre-filter)`);
    const best = await interleave(ROUNDS, {
      parse: async () => void (await parseEveryLine(file)),
      scan: async () => void (await scanFile(file, compiled, true)),
      scanNoPrefilter: async () => void (await scanFile(file, compiled, false)),
    });
    const events = filtered.records;
    const parseRate = eventsPerSecond(events, best.parse);
    const scanRate = eventsPerSecond(events, best.scan);
    const unfilteredRate = eventsPerSecond(events, best.scanNoPrefilter);
    return [
      { label: 'JSON.parse every line (baseline)', eventsPerSecond: parseRate },
      { label: 'sigma-hunt scan', eventsPerSecond: scanRate, ratio: scanRate / parseRate, target: 1 },
      { label: 'sigma-hunt scan --no-prefilter', eventsPerSecond: unfilteredRate, ratio: unfilteredRate / parseRate, note: 'for reference' },
    ];
  },
};
