// A scan worker thread (src/cli/scan-workers.ts starts it): loads the scan's rules itself, then evaluates the
// batches of JSON texts it is sent with the same RecordScanner the main thread uses, and answers each with its
// outcome. Rules are read from their files here rather than sent: serialising 2,400 parsed rules would hold
// the main thread for most of a second, loading them here holds nobody.
import { parentPort, workerData } from 'node:worker_threads';
import { compileRule } from '../match/compile.js';
import { createRulesPrefilter } from '../match/prefilter.js';
import type { CompiledRule } from '../match/types.js';
import { createLogsourceResolver } from '../logsource/index.js';
import { SigmaError } from '../rule/errors.js';
import { loadRules } from '../rule/load.js';
import { buildScanPack, RecordScanner, scanTextBatch } from './scan-records.js';
import { ruleKey, type WorkerReply, type WorkerRequest, type ScanWorkerSpec } from './scan-worker-protocol.js';

async function start(spec: ScanWorkerSpec): Promise<(request: WorkerRequest) => WorkerReply> {
  const loaded = await loadRules(spec.rulePaths, spec.placeholders === undefined ? {} : { placeholders: spec.placeholders });
  const byKey = new Map<string, CompiledRule>();
  for (const rule of loaded.rules) {
    try {
      byKey.set(ruleKey(rule), compileRule(rule));
    } catch (error) {
      if (!(error instanceof SigmaError)) throw error;
    }
  }
  // The main thread's rules, in its order: a verdict names a rule by its index there.
  const rules: CompiledRule[] = [];
  for (const key of spec.ruleKeys) {
    const compiled = byKey.get(key);
    if (compiled === undefined) throw new Error(`rule ${key} did not load the same way in the worker`);
    rules.push(compiled);
  }
  const scanPack = buildScanPack(rules, createLogsourceResolver({ map: spec.logsourceMap, defaultSource: spec.defaultSource }));
  const prefilter = spec.prefilter ? createRulesPrefilter(rules.map((compiled) => compiled.rule)) : null;
  // One scanner per file name, so each keeps its per-rule line heads.
  const scanners = new Map<string | undefined, RecordScanner>();
  return (request) => {
    let scanner = scanners.get(request.file);
    if (scanner === undefined) scanners.set(request.file, (scanner = new RecordScanner(rules, scanPack, prefilter, request.file)));
    return { kind: 'outcome', id: request.id, outcome: scanTextBatch(scanner, request.batch) };
  };
}

const port = parentPort;
if (port !== null) {
  start(workerData as ScanWorkerSpec).then(
    (evaluate) => {
      port.on('message', (request: WorkerRequest) => port.postMessage(evaluate(request)));
      port.postMessage({ kind: 'ready' } satisfies WorkerReply);
    },
    (error: unknown) => {
      port.postMessage({ kind: 'failed', reason: error instanceof Error ? error.message : String(error) } satisfies WorkerReply);
    },
  );
}
