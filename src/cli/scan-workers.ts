// Worker threads that evaluate batches of JSON texts for `scan`, so a large file is scanned on more than one
// core. Parsing and matching are per record and independent; only reading, ordering and writing stay on the
// main thread, which also evaluates batches itself whenever no worker is free (and all of them until the
// workers have loaded their rules). Every batch, wherever it ran, is written in input order, with its
// refusals and counts, so the output is byte for byte the one-thread output (test/cli/scan-workers.test.ts).
//
// Memory: each worker holds its own compiled rules (about 150 MB for the 2,407 Windows rules), so the default is
// one worker: two threads, under 512 MB for the whole Windows folder. `--jobs N` asks for N threads.
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { TextBatch, TextBatchOutcome } from './scan-records.js';
import type { ScanWorkerSpec, WorkerReply, WorkerRequest } from './scan-worker-protocol.js';

/** Below this many bytes of input a worker's start (loading and compiling every rule again) costs more than
 *  it saves: 64 MiB is ~80,000 Sysmon events, about a second of scanning on one thread. */
export const PARALLEL_MIN_BYTES = 64 * 1024 * 1024;

/** Threads (the main one included) when --jobs is not given. */
export function defaultJobs(): number {
  return Math.min(2, os.availableParallelism());
}

/** The compiled worker script: beside this module once built, or under dist/ when this module runs from its
 *  TypeScript source (tests). */
function workerScript(): string {
  const here = fileURLToPath(import.meta.url);
  const sibling = path.join(path.dirname(here), 'scan-worker.js');
  if (here.endsWith('.js')) return sibling;
  return path.resolve(path.dirname(here), '../../dist/src/cli/scan-worker.js');
}

/** Batches a worker holds at once (see ScanWorker.usable). The main thread refills a worker only between
 *  the batches it evaluates itself, and a batch there costs more than in the worker (it also reads and
 *  splits every line): with two, the worker ran dry for 11-18% of a mixed-set scan (its event-loop
 *  utilisation was 0.82-0.89); with three, 0.93-0.96. */
const BATCHES_IN_FLIGHT = 3;

interface Pending {
  resolve(outcome: TextBatchOutcome): void;
  reject(error: Error): void;
}

class ScanWorker {
  ready = false;
  /** Why the worker is out of use (it failed to start, or died); null while usable. */
  failure: string | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;

  constructor(private readonly thread: Worker) {
    thread.on('message', (reply: WorkerReply) => {
      if (reply.kind === 'ready') this.ready = true;
      else if (reply.kind === 'failed') this.fail(reply.reason);
      else {
        const waiting = this.pending.get(reply.id);
        this.pending.delete(reply.id);
        if (this.pending.size === 0) thread.unref();
        waiting?.resolve(reply.outcome);
      }
    });
    thread.on('error', (error) => this.fail(error.message));
    thread.on('exit', (code) => this.fail(`exited with code ${code}`));
    // An idle worker must not keep the process alive; one with a batch must, or a scan awaiting only that
    // batch would see the process exit under it.
    thread.unref();
  }

  /** Ready, alive, and with room: further batches wait in the worker's inbox so it never idles between the
   *  reply to one and the main thread's next turn. */
  get usable(): boolean {
    return this.ready && this.failure === null && this.pending.size < BATCHES_IN_FLIGHT;
  }

  run(file: string | undefined, batch: TextBatch): Promise<TextBatchOutcome> {
    const id = this.nextId++;
    this.thread.ref();
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.thread.postMessage({ id, file, batch } satisfies WorkerRequest);
    });
  }

  private fail(reason: string): void {
    if (this.failure !== null) return;
    this.failure = reason;
    for (const waiting of this.pending.values()) waiting.reject(new Error(`scan worker ${reason}`));
    this.pending.clear();
  }

  terminate(): Promise<number> {
    // Batches still out are rejected, so a scan awaiting them evaluates them itself.
    this.fail('terminated');
    return this.thread.terminate();
  }
}

export class ScanWorkers {
  /** Batches a scan holds evaluated ahead of the one being written, at most: bounds the memory held by a slow
   *  worker. Room for every batch a worker holds and as many evaluated by the main thread behind them, or the
   *  main thread would wait on the worker's oldest batch instead of evaluating the next. */
  readonly maxBatchesAhead = 2 * BATCHES_IN_FLIGHT + 2;

  private constructor(private readonly workers: ScanWorker[]) {}

  /** Starts `count` workers; they load their rules in the background and take batches once ready. */
  static start(spec: ScanWorkerSpec, count: number): ScanWorkers {
    const script = workerScript();
    if (!existsSync(script)) throw new Error(`${script} is missing: build first (npm run build)`);
    return new ScanWorkers(Array.from({ length: count }, () => new ScanWorker(new Worker(script, { workerData: spec }))));
  }

  /** A worker that can take a batch now, if any. */
  free(): { run(file: string | undefined, batch: TextBatch): Promise<TextBatchOutcome> } | null {
    return this.workers.find((worker) => worker.usable) ?? null;
  }

  /** Why workers stopped being used, if all of them did (for a note on stderr); null otherwise. */
  failures(): string[] {
    return this.workers.flatMap((worker) => (worker.failure !== null && worker.failure !== 'terminated' ? [worker.failure] : []));
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }
}
