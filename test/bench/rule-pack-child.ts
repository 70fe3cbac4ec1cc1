// Runs one `scanEvents` of a JSON lines file with a folder of rules in a process of its own, with the worker
// threads the command would start, so its peak RSS is the scan's alone: `node dist/test/bench/rule-pack-child.js <rules dir> <events file>`.
// Prints one JSON line: timings, counts and process.resourceUsage().maxRSS in bytes.
import { createReadStream } from 'node:fs';
import { Writable } from 'node:stream';
import { scanEvents } from '../../src/cli/commands/scan.js';
import { ruleKey } from '../../src/cli/scan-worker-protocol.js';
import { defaultJobs, ScanWorkers } from '../../src/cli/scan-workers.js';
import { openEventStream } from '../../src/events/read.js';
import { compileRule } from '../../src/match/compile.js';
import { loadRules } from '../../src/rule/load.js';

export interface ChildScanReport {
  rules: number;
  loadSeconds: number;
  compileSeconds: number;
  records: number;
  matches: number;
  scanSeconds: number;
  maxRssBytes: number;
}

class NullSink extends Writable {
  override _write(_chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    callback();
  }
}

async function main(): Promise<void> {
  const [rulesDir, eventsFile] = process.argv.slice(2);
  if (rulesDir === undefined || eventsFile === undefined) throw new Error('usage: rule-pack-child.js <rules dir> <events file>');
  const started = performance.now();
  const loaded = await loadRules([rulesDir]);
  const loadedAt = performance.now();
  const rules = loaded.rules.map((rule) => compileRule(rule));
  const compiledAt = performance.now();
  // The threads `sigma-hunt scan` uses for a file this size; their rules count in this process's RSS.
  const jobs = defaultJobs();
  const workers = jobs > 1 ? ScanWorkers.start({ rulePaths: [rulesDir], ruleKeys: rules.map((compiled) => ruleKey(compiled.rule)), prefilter: true }, jobs - 1) : undefined;
  const stream = await openEventStream(createReadStream(eventsFile, { highWaterMark: 1024 * 1024 }), { name: eventsFile, format: 'jsonl' });
  const result = await scanEvents({ rules, stream, output: new NullSink(), workers });
  await workers?.close();
  const report: ChildScanReport = {
    rules: rules.length,
    loadSeconds: (loadedAt - started) / 1000,
    compileSeconds: (compiledAt - loadedAt) / 1000,
    records: result.records,
    matches: result.matches.reduce((a, b) => a + b, 0),
    scanSeconds: result.seconds,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
  };
  process.stdout.write(JSON.stringify(report) + '\n');
}

main().catch((error: unknown) => {
  process.stderr.write(`rule-pack-child: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
