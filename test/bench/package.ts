// Package section: the deployment zip's size, and the cold import of the function entry module (what a Functions
// cold start pays before the first tick) as the median of fresh `node` processes, against a bare `node -e ""`
// started in the same rounds. The "events/s" column counts process starts per second here.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { BUNDLE_PATH, buildPackage, functionEntryPoints } from '../../scripts/package.js';
import type { BenchContext, BenchRow, BenchSection } from './sections.js';

const ROUNDS = 15;

/** The tsc output of the same entry points the bundle holds (functions/*.ts), importing src/ and node_modules file
 *  by file: the layout before bundling, loading the same functions. */
function unbundledEntries(projectRoot: string): string[] {
  return functionEntryPoints(projectRoot).map((entry) => path.join(projectRoot, 'dist', entry.replace(/\.ts$/, '.js')));
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Wall time of one fresh process, spawn to exit, in ms. */
export function timeProcess(args: readonly string[], cwd: string): number {
  const started = performance.now();
  const child = spawnSync(process.execPath, args, { cwd, env: { PATH: process.env.PATH ?? '' }, encoding: 'utf8' });
  const elapsed = performance.now() - started;
  if (child.status !== 0) throw new Error(`node ${args.join(' ')} exited with ${child.status}: ${child.stderr}`);
  return elapsed;
}

const importArgs = (...files: string[]): string[] => ['--input-type=module', '-e', files.map((file) => `await import(${JSON.stringify(pathToFileURL(file).href)});`).join(' ')];
const megabytes = (bytes: number): string => `${(bytes / 1e6).toFixed(2)} MB`;

async function run(context: BenchContext): Promise<BenchRow[]> {
  const outDir = mkdtempSync(path.join(tmpdir(), 'sigma-hunt-bench-package-'));
  try {
    const packaged = await buildPackage({ projectRoot: context.projectRoot, outDir });
    context.log(`package: zip ${megabytes(packaged.zipBytes)}, unpacked ${megabytes(packaged.unpackedBytes)} (bundle ${megabytes(packaged.bundleBytes)})`);
    const unbundled = unbundledEntries(context.projectRoot);
    const passes: Record<string, () => number> = {
      bare: () => timeProcess(['-e', ''], outDir),
      bundle: () => timeProcess(importArgs(path.join(packaged.appDir, BUNDLE_PATH)), packaged.appDir),
      ...(unbundled.every((file) => existsSync(file)) ? { unbundled: () => timeProcess(importArgs(...unbundled), context.projectRoot) } : {}),
    };
    const times: Record<string, number[]> = {};
    // Round-robin, so a slow patch of the machine hits every kind of process alike.
    for (let round = 0; round < ROUNDS; round++) for (const [name, pass] of Object.entries(passes)) (times[name] ??= []).push(pass());
    const bare = median(times.bare!);
    const row = (label: string, ms: number, note: string): BenchRow => ({ label, eventsPerSecond: 1000 / ms, ratio: bare / ms, note: `median ${ms.toFixed(0)} ms, +${(ms - bare).toFixed(0)} ms over bare node; ${note}` });
    return [
      { label: 'process starts: bare `node -e ""`', eventsPerSecond: 1000 / bare, note: `median ${bare.toFixed(0)} ms of ${ROUNDS}` },
      row(
        `cold import of ${BUNDLE_PATH} (package)`,
        median(times.bundle!),
        `zip ${megabytes(packaged.zipBytes)}, unpacked ${megabytes(packaged.unpackedBytes)}, bundle ${megabytes(packaged.bundleBytes)}`,
      ),
      ...(times.unbundled
        ? [row(`cold import of the ${unbundled.length} dist/functions/*.js entries (tsc output + node_modules)`, median(times.unbundled), 'the layout without bundling, the same functions')]
        : []),
    ];
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

export const packageSection: BenchSection = { name: 'Package: size and cold import of the function entry (fresh node processes)', run };
