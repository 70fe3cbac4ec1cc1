// Scanning with worker threads gives exactly the one-thread scan: the same lines in the same order, the same
// refusals, counts and summary, whether the workers take batches, die mid-scan, or never start.
// The workers run the compiled dist/src/cli/scan-worker.js (`npm test` builds first).
import { createReadStream } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { scanEvents, type ScanResult } from '../../src/cli/commands/scan.js';
import { main } from '../../src/cli/main.js';
import { ruleKey } from '../../src/cli/scan-worker-protocol.js';
import { ScanWorkers } from '../../src/cli/scan-workers.js';
import { openEventStream } from '../../src/events/read.js';
import type { EventReadError } from '../../src/events/types.js';
import { compileRule } from '../../src/match/compile.js';
import type { CompiledRule } from '../../src/match/types.js';
import { loadRules } from '../../src/rule/load.js';
import { generateSysmonNetworkEvents } from '../bench/generate.js';
import { captureCli } from '../support/cli.js';
import { sharedRoot } from '../support/paths.js';
import { until } from '../support/until.js';

const RULES = path.join(sharedRoot, 'sigma-rules/rules/windows/network_connection');

let dir: string;
let eventsFile: string;
let rules: CompiledRule[];

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'scan-workers-'));
  // Several megabytes, so a scan reads many batches; refused and blank lines spread through it.
  const lines: string[] = [];
  let k = 0;
  for (const line of generateSysmonNetworkEvents(6_000, 7)) {
    lines.push(line);
    if (++k % 997 === 0) lines.push('{"broken": ', '', '[1, 2]');
  }
  eventsFile = path.join(dir, 'events.jsonl');
  await writeFile(eventsFile, lines.join('\n') + '\n');
  rules = (await loadRules([RULES])).rules.map((rule) => compileRule(rule));
}, 60_000);

const withoutTimings = (stderr: string): string => stderr.replace(/ in [\d.]+ s, [\d,]+ events\/s/g, '');

async function scanWith(workers: ScanWorkers | undefined, onProgress?: () => void): Promise<{ result: ScanResult; out: string; errors: string[] }> {
  const output = new PassThrough();
  let out = '';
  output.on('data', (chunk) => (out += chunk));
  const errors: string[] = [];
  const stream = await openEventStream(createReadStream(eventsFile, { highWaterMark: 64 * 1024 }), { name: eventsFile });
  const result = await scanEvents({ rules, stream, output, workers, onError: (error: EventReadError) => errors.push(error.message), onProgress });
  return { result, out, errors };
}

function startWorkers(ruleKeys = rules.map((compiled) => ruleKey(compiled.rule))): ScanWorkers {
  return ScanWorkers.start({ rulePaths: [RULES], ruleKeys, prefilter: true }, 1);
}

/** Resolves once a worker has loaded its rules (each scan would otherwise run on this thread alone); however long
 *  that takes on a loaded machine, within the test's timeout. */
async function ready(workers: ScanWorkers, signal: AbortSignal): Promise<void> {
  await until(() => workers.free() !== null, signal);
}

describe('scan with worker threads', () => {
  it('writes the same lines, refusals and counts as one thread, with batches done by the worker', async ({ signal }) => {
    const alone = await scanWith(undefined);
    const workers = startWorkers();
    try {
      await ready(workers, signal);
      let taken = 0;
      const free = workers.free.bind(workers);
      workers.free = () => {
        const worker = free();
        if (worker !== null) taken++;
        return worker;
      };
      const shared = await scanWith(workers);
      expect(taken).toBeGreaterThan(0);
      expect(shared.out).toBe(alone.out);
      expect(shared.errors).toEqual(alone.errors);
      expect({ ...shared.result, seconds: 0 }).toEqual({ ...alone.result, seconds: 0 });
      expect(alone.result.matches.reduce((sum, n) => sum + n, 0)).toBeGreaterThan(100);
      expect(alone.errors).toHaveLength(12);
      expect(workers.failures()).toEqual([]);
    } finally {
      await workers.close();
    }
  }, 120_000);

  it('scans on the main thread the batches of a worker that dies mid-scan, losing none', async ({ signal }) => {
    const alone = await scanWith(undefined);
    const workers = startWorkers();
    await ready(workers, signal);
    let progressed = 0;
    const shared = await scanWith(workers, () => {
      // Killed with batches in flight: their promises reject, and the scan evaluates them itself.
      if (++progressed === 3) void workers.close();
    });
    expect(progressed).toBeGreaterThan(3);
    expect(shared.out).toBe(alone.out);
    expect(shared.errors).toEqual(alone.errors);
    expect({ ...shared.result, seconds: 0 }).toEqual({ ...alone.result, seconds: 0 });
  }, 120_000);

  it('reports a worker whose rules differ from the scan and scans without it', async ({ signal }) => {
    const alone = await scanWith(undefined);
    const workers = startWorkers(['no-such-rule.yml#0']);
    try {
      await until(() => workers.failures().length > 0, signal);
      expect(workers.failures()[0]).toContain('no-such-rule.yml#0');
      const shared = await scanWith(workers);
      expect(shared.out).toBe(alone.out);
    } finally {
      await workers.close();
    }
  }, 120_000);

  it('sigma-hunt scan --jobs 2 prints what --jobs 1 prints, for several files', async () => {
    const second = path.join(dir, 'second.jsonl');
    await writeFile(second, [...generateSysmonNetworkEvents(2_000, 11)].join('\n') + '\n');
    const run = async (jobs: string) => {
      const cli = captureCli({ cwd: dir });
      const code = await main(['scan', '--rule', RULES, '--events', eventsFile, second, '--jobs', jobs], cli.io);
      return { code, out: cli.out(), err: withoutTimings(cli.err()) };
    };
    const one = await run('1');
    const two = await run('2');
    expect(two).toEqual(one);
    expect(one.code).toBe(1); // the refused lines
    expect(one.out.split('\n').filter((line) => line.includes('second.jsonl","line":')).length).toBeGreaterThan(0);
  }, 180_000);

  it('refuses --jobs outside 1..64', async () => {
    for (const jobs of ['0', '65', 'two']) {
      const cli = captureCli({ cwd: dir });
      expect(await main(['scan', '--rule', RULES, '--events', eventsFile, '--jobs', jobs], cli.io)).toBe(2);
      expect(cli.err()).toContain('--jobs must be a whole number of threads from 1 to 64');
    }
  });
});
