/**
 * `npm run chaos -- --seed S --schedules N [--parallel P]`: plays N seeded fault schedules of the fan-out
 * (schedule.ts) and prints one line per schedule, then `schedules N, lost L, doubled D`. Exit 1 when anything
 * was lost, doubled or violated.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { projectRootOf } from '../../local/run-local.js';
import { cleanRun, runSchedule, startChaosWorld, type ScheduleResult } from './schedule.js';

export interface ChaosOptions {
  seed: number;
  schedules: number;
  /** Schedules played at once (each has its own queues, tables and fake); default 4. */
  parallel?: number;
  out?: (line: string) => void;
}

export interface ChaosTotals {
  schedules: number;
  lost: number;
  doubled: number;
  violations: string[];
  durationMs: number;
  results: ScheduleResult[];
}

export async function runChaos(options: ChaosOptions): Promise<ChaosTotals> {
  const started = Date.now();
  const out = options.out ?? ((line: string) => void process.stdout.write(`${line}\n`));
  const world = await startChaosWorld(projectRootOf());
  try {
    const cleanStarted = Date.now();
    const clean = await cleanRun(world);
    out(`clean run (${Date.now() - cleanStarted} ms): ${[...clean.incidents.keys()].filter((key) => key.endsWith('/incident')).length} incidents, ${clean.incidents.size} incident and hit entities, ${clean.checkpoints.size} checkpoints`);
    const results: ScheduleResult[] = [];
    let next = 0;
    const worker = async () => {
      while (next < options.schedules) {
        const index = next++;
        const result = await runSchedule(world, options.seed, index);
        results.push(result);
        out(
          `schedule ${index}: hunters ${result.hunters}, lost ${result.lost}, doubled ${result.doubled}, poisoned ${result.poisoned}, max queries in flight ${result.maxInFlight}, ${result.durationMs} ms` +
            (result.violations.length > 0 ? `; VIOLATIONS: ${result.violations.join('; ')}` : ''),
        );
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, options.parallel ?? 4) }, worker));
    const totals: ChaosTotals = {
      schedules: results.length,
      lost: results.reduce((sum, result) => sum + result.lost, 0),
      doubled: results.reduce((sum, result) => sum + result.doubled, 0),
      violations: results.flatMap((result) => result.violations.map((violation) => `schedule ${result.index}: ${violation}`)),
      durationMs: Date.now() - started,
      results: results.sort((left, right) => left.index - right.index),
    };
    out(`seed ${options.seed}, ${totals.violations.length} violations, ${Math.round(totals.durationMs / 1000)} s`);
    out(`schedules ${totals.schedules}, lost ${totals.lost}, doubled ${totals.doubled}`);
    return totals;
  } finally {
    await world.stop();
  }
}

function argValue(args: readonly string[], name: string): string | undefined {
  const index = args.indexOf(name);
  return index >= 0 ? args[index + 1] : args.find((arg) => arg.startsWith(`${name}=`))?.slice(name.length + 1);
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const args = process.argv.slice(2);
  const seed = Number(argValue(args, '--seed') ?? 1);
  const schedules = Number(argValue(args, '--schedules') ?? 100);
  const parallel = Number(argValue(args, '--parallel') ?? 4);
  if (![seed, schedules, parallel].every((value) => Number.isSafeInteger(value) && value >= 0) || parallel < 1) {
    process.stderr.write('usage: npm run chaos -- --seed S --schedules N [--parallel P]   (whole numbers)\n');
    process.exitCode = 2;
  } else {
    runChaos({ seed, schedules, parallel }).then(
      (totals) => {
        process.exitCode = totals.lost > 0 || totals.doubled > 0 || totals.violations.length > 0 ? 1 : 0;
      },
      (error: unknown) => {
        process.stderr.write(`chaos: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
        process.exitCode = 1;
      },
    );
  }
}
