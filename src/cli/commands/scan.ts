import path from 'node:path';
import type { Writable } from 'node:stream';
import { detectFormat, EVENT_FORMATS, openEventStream, type EventStream } from '../../events/read.js';
import { EventReadError, RECORD_UNIT, type EventFormat } from '../../events/types.js';
import { compileRule } from '../../match/compile.js';
import { createRulesPrefilter, type RawTextPrefilter } from '../../match/prefilter.js';
import type { CompiledRule, SigmaEvent } from '../../match/types.js';
import { formatLocation, SigmaError } from '../../rule/errors.js';
import { loadRules } from '../../rule/load.js';
import { LEVELS } from '../../rule/metadata.js';
import { readPlaceholdersOption } from '../placeholders.js';
import { createLogsourceResolver, LogsourceMapError, LogsourceSpecError, parseLogsourceSpec, readLogsourceMapFile } from '../../logsource/index.js';
import type { DefaultSource, LogsourceResolver } from '../../logsource/index.js';
import type { PlaceholderValues, SigmaLevel } from '../../rule/model.js';
import { bytesReadSoFar, listEventInputs, openInput } from '../scan-inputs.js';
import { buildScanPack, RecordScanner, scanTextBatch, type ScanCounts, type ScanPack, type TextBatch, type TextBatchOutcome, type TextRefusal } from '../scan-records.js';
import type { ScanWorkers } from '../scan-workers.js';
import { ruleKey, type ScanWorkerSpec } from '../scan-worker-protocol.js';
import type { LogsourceMap } from '../../logsource/map.js';
import { isTargetName, TARGET_NAMES, type TargetName } from '../../targets/index.js';
import { targetRowReader } from '../../targets/row-events.js';
import { ScanProgress } from '../scan-progress.js';
import { DEFAULT_TOP_RULES, formatScanSummary, isClosedPipe, type ScannedInput, type ScanTotals } from '../scan-summary.js';
import type { CliCommand, CliIo } from '../command.js';
import { CommandFailure, UsageError } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { SCAN_SUMMARY, SCAN_USAGE } from './help.js';


interface ScanArgs {
  rulePaths: string[];
  /** Files and folders, or `-` alone. */
  events: string[];
  placeholdersFile?: string;
  format?: EventFormat;
  prefilter: boolean;
  logsourceMapFile?: string;
  logsource?: DefaultSource;
  minLevel?: SigmaLevel;
  top: number;
  /** Threads to scan with, the main one included; undefined: the default, for large inputs only. */
  jobs?: number;
  /** The records are exported rows of this target's tables (read through its row adapter). */
  target?: TargetName;
}

function parseArgs(args: string[]): ScanArgs {
  const rulePaths: string[] = [];
  const events: string[] = [];
  let placeholdersFile: string | undefined;
  let format: EventFormat | undefined;
  let prefilter = true;
  let logsourceMapFile: string | undefined;
  let logsource: DefaultSource | undefined;
  let target: TargetName | undefined;
  let minLevel: SigmaLevel | undefined;
  let top = DEFAULT_TOP_RULES;
  let jobs: number | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (what: string): string => {
      const given = inline ?? args[++i];
      if (given === undefined || given === '') throw new UsageError(`${flag} needs ${what}`);
      return given;
    };
    switch (flag) {
      case '--rule':
      case '--rules':
        rulePaths.push(value('a rule file or folder'));
        // `--rule a.yml b.yml` (a shell glob) takes every argument up to the next option.
        if (inline === undefined) while (i + 1 < args.length && !args[i + 1].startsWith('-')) rulePaths.push(args[++i]);
        break;
      case '--events':
        events.push(value("a file, a folder or '-'"));
        // Like --rule: `--events a.jsonl b.jsonl dir/` takes every argument up to the next option ('-' included).
        if (inline === undefined) while (i + 1 < args.length && (args[i + 1] === '-' || !args[i + 1].startsWith('-'))) events.push(args[++i]);
        break;
      case '--min-level': {
        const given = value(`one of ${LEVELS.join(', ')}`);
        if (!(LEVELS as readonly string[]).includes(given)) throw new UsageError(`--min-level must be one of ${LEVELS.join(', ')}, not '${given}'`);
        minLevel = given as SigmaLevel;
        break;
      }
      case '--top': {
        const given = value('a number of rules');
        if (!/^\d+$/.test(given)) throw new UsageError(`--top must be a whole number of rules, not '${given}'`);
        top = Number(given);
        break;
      }
      case '--jobs': {
        const given = value('a number of threads');
        if (!/^\d+$/.test(given) || Number(given) < 1 || Number(given) > MAX_JOBS) throw new UsageError(`--jobs must be a whole number of threads from 1 to ${MAX_JOBS}, not '${given}'`);
        jobs = Number(given);
        break;
      }
      case '--placeholders':
        if (placeholdersFile !== undefined) throw new UsageError('--placeholders given twice');
        placeholdersFile = value('a file');
        break;
      case '--format': {
        const given = value(`one of ${EVENT_FORMATS.join(', ')}`);
        if (!(EVENT_FORMATS as readonly string[]).includes(given)) throw new UsageError(`--format must be one of ${EVENT_FORMATS.join(', ')}, not '${given}'`);
        format = given as EventFormat;
        break;
      }
      case '--target': {
        if (target !== undefined) throw new UsageError('--target given twice');
        const given = value('asim, mde or sysmon');
        if (!isTargetName(given)) throw new UsageError(`--target must be one of ${TARGET_NAMES.join(', ')}, not '${given}'`);
        target = given;
        break;
      }
      case '--no-prefilter':
        prefilter = false;
        break;
      case '--logsource-map':
        if (logsourceMapFile !== undefined) throw new UsageError('--logsource-map given twice');
        logsourceMapFile = value('a YAML or JSON file');
        break;
      case '--logsource':
        if (logsource !== undefined) throw new UsageError('--logsource given twice');
        try {
          logsource = parseLogsourceSpec(value('category=…,product=…[,service=…]'));
        } catch (error) {
          if (error instanceof LogsourceSpecError) throw new UsageError(error.message);
          throw error;
        }
        break;
      default:
        throw new UsageError(arg.startsWith('-') ? `unknown option '${arg}'` : `unexpected argument '${arg}' (rules go after --rule)`);
    }
  }
  if (rulePaths.length === 0) throw new UsageError('give at least one --rule');
  if (events.length === 0) throw new UsageError('give --events <file|dir|->');
  if (events.includes('-') && events.length > 1) throw new UsageError("--events '-' (standard input) cannot be combined with files");
  if (target !== undefined && (logsource !== undefined || logsourceMapFile !== undefined)) {
    throw new UsageError('--target reads each row\'s source from the target; it cannot be combined with --logsource or --logsource-map');
  }
  return { rulePaths, events, placeholdersFile, format, prefilter, logsourceMapFile, logsource, minLevel, top, jobs, ...(target ? { target } : {}) };
}

// ---------------------------------------------------------------------------------------------------
// The scan loop (also what `npm run bench` measures end to end)
// ---------------------------------------------------------------------------------------------------

export type { ScanCounts, ScanPack } from '../scan-records.js';
export { buildScanPack } from '../scan-records.js';

export interface ScanResult extends ScanCounts {
  format: EventFormat;
  /** A read error that ended the scan early (broken JSON array, unreadable input), if any. */
  fatal: EventReadError | null;
  /** Why the output stream failed (EPIPE: the reader went away, as with `| head`), which stopped the scan. */
  outputError: Error | null;
  seconds: number;
}

export interface ScanOptions {
  rules: readonly CompiledRule[];
  stream: EventStream;
  /** Where match lines go; backpressure is honoured. */
  output: Writable;
  /** Null to parse every record; defaults to the rules' pre-filter. */
  prefilter?: RawTextPrefilter | null;
  /** Which rules apply to which events (src/logsource); defaults to the shipped map without a default source. */
  resolver?: LogsourceResolver;
  /** The rule index to evaluate events with (`buildScanPack(rules, resolver)`, which is the default): a scan
   *  of several files passes one, so each log source is indexed once. */
  pack?: ScanPack;
  /** Worker threads to share batches of JSON texts with (src/cli/scan-workers.ts); built with the same rules,
   *  resolver and pre-filter. Without them every record is evaluated here, and each record's matches are
   *  written before the next record is evaluated. */
  workers?: ScanWorkers;
  /** Every refused record and the fatal error, in input order. */
  onError?: (error: EventReadError) => void;
  /** Called after each batch with the running counts. */
  onProgress?: (counts: ScanCounts) => void;
  /** `scan --target`: the record → Sigma event reading of the target's rows (src/targets/row-events.ts). */
  rowEvent?: (row: SigmaEvent) => SigmaEvent;
  /** The file named in each match line (a `file` key before `line`), for a scan of several files or a folder;
   *  left out, the line is exactly what a one-file scan has always printed. */
  file?: string;
}

/** Resolves when the output can take more, or will never take more (closed, failed). */
function drained(output: Writable): Promise<void> {
  return new Promise((resolve) => {
    if (output.destroyed || !output.writableNeedDrain) {
      resolve();
      return;
    }
    const done = (): void => {
      output.off('drain', done);
      output.off('close', done);
      output.off('error', done);
      resolve();
    };
    output.on('drain', done);
    output.on('close', done);
    output.on('error', done);
  });
}

/** A batch of JSON texts on its way: evaluated by a worker (a promise) or here (already an outcome). */
interface QueuedBatch {
  batch: TextBatch;
  outcome: TextBatchOutcome | null;
  pending: Promise<TextBatchOutcome> | null;
}

export async function scanEvents(options: ScanOptions): Promise<ScanResult> {
  const { rules, stream, output, onError, onProgress, file, workers } = options;
  const prefilter = options.prefilter === undefined ? createRulesPrefilter(rules.map((compiled) => compiled.rule)) : options.prefilter;
  const unit = RECORD_UNIT[stream.format];
  const scanPack = options.pack ?? buildScanPack(rules, options.resolver);
  if (scanPack.pack.rules.length !== rules.length || scanPack.pack.rules.some((compiled, r) => compiled !== rules[r])) {
    throw new RangeError('scanEvents: the pack must hold the scan rules, in order');
  }
  const scanner = new RecordScanner(rules, scanPack, prefilter, file, options.rowEvent);
  // The scan's counts: this thread's scanner plus what workers report.
  const counts: ScanCounts = scanner.counts;
  let fatal: EventReadError | null = null;
  let outputError: Error | null = null;
  const onOutputError = (error: Error): void => {
    outputError ??= error;
  };
  output.on('error', onOutputError);
  const started = performance.now();

  const refused = (refusal: TextRefusal): EventReadError =>
    new EventReadError(refusal.code, stream.name, refusal.physicalLine, refusal.index, unit, refusal.reason);
  /** Writes `text`; resolves once the output can take more. */
  const write = async (text: string): Promise<void> => {
    if (text !== '' && !output.write(text)) await drained(output);
  };

  // Batches handed to workers, and those evaluated here while a worker's batch was still ahead of them, wait
  // here in input order.
  const queue: QueuedBatch[] = [];
  // A worker's counts join the scan's when its outcome arrives (enqueue); a batch evaluated here is counted by
  // the scanner already.
  const settle = async (entry: QueuedBatch): Promise<TextBatchOutcome> => {
    if (entry.outcome !== null) return entry.outcome;
    try {
      return await entry.pending!;
    } catch {
      // The worker died: the batch is evaluated here instead, so nothing is lost.
      return (entry.outcome = scanTextBatch(scanner, entry.batch));
    }
  };
  /** Writes the queue's head batches: all of them, or (`ready`) only those already evaluated. */
  const flush = async (all: boolean): Promise<void> => {
    while (queue.length > 0 && outputError === null) {
      const head = queue[0];
      if (!all && head.outcome === null && queue.length <= (workers?.maxBatchesAhead ?? 0)) return;
      const outcome = await settle(head);
      queue.shift();
      for (const refusal of outcome.refusals) onError?.(refused(refusal));
      await write(outcome.output);
      onProgress?.(counts);
    }
  };
  const absorb = (outcome: TextBatchOutcome): void => {
    counts.records += outcome.records;
    counts.skipped += outcome.skipped;
    counts.refused += outcome.refused;
    counts.unknownSource += outcome.unknownSource;
    for (const [r, added] of outcome.matches) counts.matches[r] += added;
  };
  const enqueue = (batch: TextBatch): void => {
    const worker = workers?.free() ?? null;
    const entry: QueuedBatch = { batch, outcome: null, pending: null };
    if (worker !== null) {
      entry.pending = worker.run(file, batch);
      // Noted when it arrives, so `flush(false)` can tell a finished batch without waiting for it.
      entry.pending.then(
        (outcome) => {
          if (entry.outcome === null) {
            entry.outcome = outcome;
            absorb(outcome);
          }
        },
        () => undefined,
      );
    } else {
      entry.outcome = scanTextBatch(scanner, batch);
    }
    queue.push(entry);
  };

  try {
    for await (const batch of stream.batches) {
      if (batch.kind === 'json-texts' && workers !== undefined) {
        enqueue(batch);
        // Lets the workers' replies in: reading a buffered stream alone never yields to them.
        await new Promise<void>((resolve) => setImmediate(resolve));
        await flush(false);
        if (outputError !== null) break;
        continue;
      }
      await flush(true);
      if (batch.kind === 'error') {
        if (batch.error.fatal) {
          fatal = batch.error;
          onError?.(batch.error);
        } else {
          // A record the reader could not decode (a CSV row): read, and refused.
          scanner.unreadable();
          onError?.(batch.error);
        }
        continue;
      }
      // Each record's matches are written before the next record is evaluated, so a match reaches the reader
      // even when a later record is slow to evaluate or never arrives (a pipe that stays open).
      if (batch.kind === 'events') {
        for (const record of batch.records) {
          await write(scanner.event(record.index, record.event));
          if (outputError !== null) break;
        }
      } else {
        const { texts, firstIndex, startLines, asciiOnly } = batch;
        for (let k = 0; k < texts.length; k++) {
          const text = texts[k];
          if (text === '') continue;
          const result = scanner.text(text, firstIndex + k, startLines?.[k] ?? firstIndex + k + 1, asciiOnly === undefined ? undefined : asciiOnly[k] === 1);
          if (typeof result === 'string') await write(result);
          else onError?.(refused(result));
          if (outputError !== null) break;
        }
      }
      if (outputError !== null) break;
      onProgress?.(counts);
    }
    await flush(true);
  } finally {
    output.off('error', onOutputError);
  }
  return { ...counts, format: stream.format, fatal, outputError, seconds: (performance.now() - started) / 1000 };
}

// ---------------------------------------------------------------------------------------------------
// The command
// ---------------------------------------------------------------------------------------------------

/** Refusal messages beyond this many are counted, not printed: a wrong file can refuse every line. */
const MAX_PRINTED_RECORD_ERRORS = 100;

function displayPath(file: string, cwd: string): string {
  const relative = path.relative(cwd, file);
  return relative.startsWith('..') || path.isAbsolute(relative) ? file : relative;
}

function describeSigmaError(error: SigmaError, cwd: string): string {
  return formatLocation({ ...error.location, file: displayPath(error.location.file, cwd) }) + error.reason;
}

async function loadCompiledRules(resolved: string[], args: ScanArgs, io: CliIo, placeholders: PlaceholderValues | undefined): Promise<{ rules: CompiledRule[]; refused: number }> {
  const loaded = await loadRules(resolved, { placeholders });
  let refused = 0;
  for (const outcome of loaded.outcomes) {
    if (outcome.ok || !outcome.error) continue;
    refused++;
    io.stderr.write(`sigma-hunt scan: rule refused: ${describeSigmaError(outcome.error, io.cwd)}\n`);
  }
  const rules: CompiledRule[] = [];
  for (const rule of loaded.rules) {
    try {
      rules.push(compileRule(rule));
    } catch (error) {
      if (!(error instanceof SigmaError)) throw error;
      refused++;
      io.stderr.write(`sigma-hunt scan: rule refused: ${describeSigmaError(error, io.cwd)}\n`);
    }
  }
  if (loaded.outcomes.length === 0) io.stderr.write(`sigma-hunt scan: no Sigma rules found in ${args.rulePaths.join(', ')}\n`);
  return { rules, refused };
}

async function readLogsourceMapOption(io: CliIo, file: string) {
  try {
    return await readLogsourceMapFile(path.resolve(io.cwd, file));
  } catch (error) {
    if (!(error instanceof LogsourceMapError)) throw error;
    throw new CommandFailure(EXIT.input, `log source map: ${formatLocation({ ...error.location, file: displayPath(error.location.file, io.cwd) })}${error.reason}`);
  }
}

export const scanCommand: CliCommand = {
  name: 'scan',
  summary: SCAN_SUMMARY,
  usage: SCAN_USAGE,
  async run(args: string[], io: CliIo): Promise<number> {
    const parsed = parseArgs(args);
    // The events are listed (and a single input opened) first: a mistyped path fails at once, not after
    // compiling a folder of rules.
    const inputs = await listEventInputs(parsed.events, io.cwd);
    if (inputs instanceof EventReadError) throw new CommandFailure(EXIT.input, inputs.message);
    const single = inputs.length === 1 && !inputs[0].inFolder;
    const firstOpened = await openInput(inputs[0], io);
    if (firstOpened instanceof EventReadError && single) throw new CommandFailure(EXIT.input, firstOpened.message);
    const closeFirst = (): void => {
      if (!(firstOpened instanceof EventReadError)) firstOpened.source.destroy();
    };
    let loadedRules: CompiledRule[];
    let refusedRules: number;
    let resolver: LogsourceResolver;
    const rowReader = parsed.target === undefined ? undefined : targetRowReader(parsed.target);
    const rulePaths = parsed.rulePaths.map((given) => path.resolve(io.cwd, given));
    let placeholders: PlaceholderValues | undefined;
    let logsourceMap: LogsourceMap | undefined;
    try {
      placeholders = await readPlaceholdersOption(io, parsed.placeholdersFile, (error) => describeSigmaError(error, io.cwd));
      logsourceMap = parsed.logsourceMapFile === undefined ? undefined : await readLogsourceMapOption(io, parsed.logsourceMapFile);
      resolver = rowReader?.resolver ?? createLogsourceResolver({ map: logsourceMap, defaultSource: parsed.logsource });
      ({ rules: loadedRules, refused: refusedRules } = await loadCompiledRules(rulePaths, parsed, io, placeholders));
    } catch (error) {
      closeFirst();
      throw error;
    }
    // --min-level keeps lower rules from running at all (rather than running them and dropping their lines): a
    // scan for high and critical only is then as fast as those rules, and the pre-filter is built from them alone.
    const { minLevel } = parsed;
    const rules = minLevel === undefined ? loadedRules : loadedRules.filter((compiled) => meetsLevel(compiled.rule.level, minLevel));
    if (rules.length === 0) {
      closeFirst();
      io.stderr.write(minLevel !== undefined && loadedRules.length > 0 ? `sigma-hunt scan: no rule at or above --min-level ${minLevel} to run\n` : 'sigma-hunt scan: no rule to run\n');
      return EXIT.input;
    }

    let printedErrors = 0;
    let unprintedErrors = 0;
    const progress = io.stderr.isTTY === true ? new ScanProgress(io.stderr, io.clock) : null;
    const report = (message: string): void => {
      progress?.clear();
      io.stderr.write(`sigma-hunt scan: ${message}\n`);
    };
    // A reader that goes away (`| head`) fails writes with EPIPE, possibly after the scan has returned:
    // the scan stops on it; an error event with no listener would crash the process instead.
    io.stdout.on('error', () => undefined);
    // The raw-text pre-filter looks for rule values in the record's text; a target's row holds them in other
    // spellings (Sysmon's XML escapes, Defender's split hashes), so rows are always adapted and evaluated.
    const prefilter = parsed.prefilter && !rowReader ? createRulesPrefilter(rules.map((compiled) => compiled.rule)) : null;
    const scanPack = buildScanPack(rules, resolver);
    const totalBytes = inputs.every((input) => input.size !== null) ? inputs.reduce((sum, input) => sum + (input.size ?? 0), 0) : null;
    // Worker threads read records as events; a target's rows are read on this thread.
    const workers = await startWorkers(rowReader ? { ...parsed, jobs: 1 } : parsed, totalBytes, report, {
      rulePaths,
      placeholders,
      ruleKeys: rules.map((compiled) => ruleKey(compiled.rule)),
      logsourceMap,
      defaultSource: parsed.logsource,
      prefilter: parsed.prefilter,
    });
    const totals: ScanTotals & { matches: number[]; inputs: ScannedInput[] } = {
      records: 0,
      skipped: 0,
      refused: 0,
      unknownSource: 0,
      matches: rules.map(() => 0),
      seconds: 0,
      inputs: [],
      outputError: null,
    };
    let bytesBefore = 0;
    for (let f = 0; f < inputs.length && totals.outputError === null; f++) {
      const input = inputs[f];
      const opened = f === 0 ? firstOpened : await openInput(input, io);
      if (opened instanceof EventReadError) {
        report(opened.message);
        totals.inputs.push({ name: input.name, format: parsed.format ?? detectFormat('', input.name), stoppedEarly: true });
        continue;
      }
      const stream = await openEventStream(opened.source, { name: opened.name, format: parsed.format });
      const before = { records: totals.records, matches: totals.matches.reduce((sum, n) => sum + n, 0) };
      const result = await scanEvents({
        rules,
        stream,
        output: io.stdout,
        prefilter,
        pack: scanPack,
        workers,
        ...(rowReader ? { rowEvent: (row: SigmaEvent) => rowReader.eventOf(row) } : {}),
        file: single ? undefined : input.name,
        onError: (error) => {
          if (error.fatal) return; // printed once, below
          if (printedErrors >= MAX_PRINTED_RECORD_ERRORS) {
            unprintedErrors++;
            return;
          }
          printedErrors++;
          report(`skipped: ${error.message}`);
        },
        onProgress: progress
          ? (counts) =>
              progress.update(() => ({
                records: before.records + counts.records,
                matches: before.matches + counts.matches.reduce((sum, n) => sum + n, 0),
                bytesRead: totalBytes === null ? null : bytesBefore + bytesReadSoFar(opened.source),
                totalBytes,
                file: f + 1,
                files: inputs.length,
              }))
          : undefined,
      });
      bytesBefore += input.size ?? 0;
      // A single input refused before its first record (binary, unreadable) is one error and no summary: there
      // is nothing to summarise, and a summary of zero events would read as "scanned, nothing found".
      if (single && result.fatal !== null && result.records === 0) {
        progress?.clear();
        throw new CommandFailure(EXIT.input, result.fatal.message);
      }
      if (result.fatal !== null) report(result.fatal.message);
      totals.records += result.records;
      totals.skipped += result.skipped;
      totals.refused += result.refused;
      totals.unknownSource += result.unknownSource;
      result.matches.forEach((count, r) => (totals.matches[r] += count));
      totals.seconds += result.seconds;
      totals.inputs.push({ name: input.name, format: result.format, stoppedEarly: result.fatal !== null });
      totals.outputError = result.outputError;
    }
    progress?.clear();
    await workers?.close();
    const workerFailures = workers?.failures() ?? [];
    if (workerFailures.length > 0) io.stderr.write(`sigma-hunt scan: a worker thread stopped (${workerFailures[0]}); its batches were scanned on the main thread\n`);
    if (unprintedErrors > 0) io.stderr.write(`sigma-hunt scan: ${unprintedErrors} more refused records not shown\n`);
    io.stderr.write(
      formatScanSummary(
        totals,
        rules.map((compiled) => compiled.rule),
        { top: parsed.top, refusedRules, minLevel, belowMinLevel: loadedRules.length - rules.length },
      ),
    );
    const outputBroken = totals.outputError !== null && !isClosedPipe(totals.outputError);
    const inputTrouble = totals.refused > 0 || totals.inputs.some((input) => input.stoppedEarly);
    return refusedRules > 0 || inputTrouble || outputBroken ? EXIT.input : EXIT.ok;
  },
};

/** More threads than this would only add copies of the rules (each thread holds its own). */
const MAX_JOBS = 64;

/** Worker threads for the scan, when it is worth them: --jobs above 1, or by default an input of known size
 *  past PARALLEL_MIN_BYTES on a machine with more than one core. Undefined: scan on this thread alone. */
async function startWorkers(parsed: ScanArgs, totalBytes: number | null, report: (message: string) => void, spec: ScanWorkerSpec): Promise<ScanWorkers | undefined> {
  const { defaultJobs, PARALLEL_MIN_BYTES, ScanWorkers } = await import('../scan-workers.js');
  const jobs = parsed.jobs ?? (totalBytes !== null && totalBytes >= PARALLEL_MIN_BYTES ? defaultJobs() : 1);
  if (jobs <= 1) return undefined;
  try {
    return ScanWorkers.start(spec, jobs - 1);
  } catch (error) {
    report(`scanning on one thread: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  }
}

function meetsLevel(level: SigmaLevel | undefined, minLevel: SigmaLevel): boolean {
  // A rule without a level cannot be shown to reach any threshold, so --min-level leaves it out.
  return level !== undefined && LEVELS.indexOf(level) >= LEVELS.indexOf(minLevel);
}
