import path from 'node:path';
import type { Writable } from 'node:stream';
import { EventTextProblem, parseEventText } from '../../events/parse.js';
import { detectFormat, EVENT_FORMATS, openEventStream, type EventStream } from '../../events/read.js';
import { EventReadError, RECORD_UNIT, type EventFormat } from '../../events/types.js';
import { compileRule } from '../../match/compile.js';
import { createRulesPrefilter, type RawTextPrefilter } from '../../match/prefilter.js';
import type { CompiledRule, SigmaEvent } from '../../match/types.js';
import { buildRulePack, type RulePack } from '../../pack/rule-pack.js';
import { logsourcePackOptions } from '../../pack/logsource-options.js';
import { formatLocation, SigmaError } from '../../rule/errors.js';
import { loadRules } from '../../rule/load.js';
import { LEVELS } from '../../rule/metadata.js';
import { readPlaceholdersOption } from '../placeholders.js';
import { createLogsourceResolver, LogsourceMapError, LogsourceSpecError, parseLogsourceSpec, readLogsourceMapFile } from '../../logsource/index.js';
import type { DefaultSource, LogsourceResolver } from '../../logsource/index.js';
import type { PlaceholderValues, SigmaLevel } from '../../rule/model.js';
import { bytesReadSoFar, listEventInputs, openInput } from '../scan-inputs.js';
import { MatchLines } from '../match-line.js';
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
}

function parseArgs(args: string[]): ScanArgs {
  const rulePaths: string[] = [];
  const events: string[] = [];
  let placeholdersFile: string | undefined;
  let format: EventFormat | undefined;
  let prefilter = true;
  let logsourceMapFile: string | undefined;
  let logsource: DefaultSource | undefined;
  let minLevel: SigmaLevel | undefined;
  let top = DEFAULT_TOP_RULES;
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
  return { rulePaths, events, placeholdersFile, format, prefilter, logsourceMapFile, logsource, minLevel, top };
}

// ---------------------------------------------------------------------------------------------------
// The scan loop (also what `npm run bench` measures end to end)
// ---------------------------------------------------------------------------------------------------

export interface ScanCounts {
  /** Records read: JSON lines that are not blank, array elements, CSV rows (refused ones included). */
  records: number;
  /** Records the pre-filter skipped unparsed. */
  skipped: number;
  /** Records refused (bad JSON, not an object, unreadable CSV row). */
  refused: number;
  /** Records parsed whose log source could not be determined: only rules without a logsource ran on them. */
  unknownSource: number;
  /** Matches per rule, in the order of `rules`. */
  matches: number[];
}

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
  /** Every refused record and the fatal error, in input order. */
  onError?: (error: EventReadError) => void;
  /** Called after each batch with the running counts. */
  onProgress?: (counts: ScanCounts) => void;
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

/** The scan's rule pack, split by log source, and whether the last event it read was of unknown source. */
export interface ScanPack {
  readonly pack: RulePack;
  lastUnknown(): boolean;
}

/** Built once per scan: a pack caches its index per log source, so several files share one. */
export function buildScanPack(rules: readonly CompiledRule[], resolver: LogsourceResolver = createLogsourceResolver()): ScanPack {
  // The pack classifies each event once (per `matching` call); the flag carries that verdict to the count.
  let unknown = false;
  const pack = buildRulePack(
    rules,
    logsourcePackOptions(resolver, (source) => {
      unknown = source === null;
    }),
  );
  return { pack, lastUnknown: () => unknown };
}

export async function scanEvents(options: ScanOptions): Promise<ScanResult> {
  const { rules, stream, output, onError, onProgress, file } = options;
  const prefilter = options.prefilter === undefined ? createRulesPrefilter(rules.map((compiled) => compiled.rule)) : options.prefilter;
  const unit = RECORD_UNIT[stream.format];
  const counts: ScanCounts = { records: 0, skipped: 0, refused: 0, unknownSource: 0, matches: rules.map(() => 0) };
  const scanPack = options.pack ?? buildScanPack(rules, options.resolver);
  if (scanPack.pack.rules.length !== rules.length || scanPack.pack.rules.some((compiled, r) => compiled !== rules[r])) {
    throw new RangeError('scanEvents: the pack must hold the scan rules, in order');
  }
  const { pack } = scanPack;
  let fatal: EventReadError | null = null;
  let outputError: Error | null = null;
  const onOutputError = (error: Error): void => {
    outputError ??= error;
  };
  output.on('error', onOutputError);
  const started = performance.now();

  // Each record's matches are written before the next record is evaluated, so a match reaches the reader
  // even when a later record is slow to evaluate or never arrives (a pipe that stays open). Returns whether
  // the output asked to wait: only then does the loop await, so records without matches never do.
  const lines = new MatchLines(rules, file);
  const evaluate = (index: number, event: SigmaEvent, text?: string): boolean => {
    let full = false;
    // Only the rules the pack finds matching, in the order of `rules`: the output order of a match.
    const matched = pack.matching(event);
    if (scanPack.lastUnknown()) counts.unknownSource++;
    for (let m = 0; m < matched.length; m++) {
      const r = matched[m];
      const line = lines.line(r, index, event, text);
      if (line === null) continue;
      counts.matches[r]++;
      if (!output.write(line)) full = true;
    }
    return full;
  };
  const refuse = (error: EventReadError): void => {
    counts.refused++;
    onError?.(error);
  };

  try {
    for await (const batch of stream.batches) {
      if (batch.kind === 'error') {
        if (batch.error.fatal) {
          fatal = batch.error;
          onError?.(batch.error);
        } else {
          // A record the reader could not decode (a CSV row): read, and refused.
          counts.records++;
          refuse(batch.error);
        }
        continue;
      }
      if (batch.kind === 'events') {
        for (const record of batch.records) {
          counts.records++;
          if (evaluate(record.index, record.event)) await drained(output);
          if (outputError !== null) break;
        }
      } else {
        const { texts, firstIndex, startLines, asciiOnly } = batch;
        for (let k = 0; k < texts.length; k++) {
          const text = texts[k];
          if (text === '') continue;
          counts.records++;
          // A text known to hold non-ASCII can never be rejected: go straight to parsing it.
          const ascii = asciiOnly === undefined ? undefined : asciiOnly[k] === 1;
          if (prefilter !== null && ascii !== false && prefilter.rejects(text, ascii)) {
            counts.skipped++;
            continue;
          }
          const parsed = parseEventText(text);
          if (parsed instanceof EventTextProblem) {
            refuse(new EventReadError(parsed.code, stream.name, startLines?.[k] ?? firstIndex + k + 1, firstIndex + k, unit, parsed.reason));
            continue;
          }
          if (evaluate(firstIndex + k, parsed, text)) await drained(output);
          if (outputError !== null) break;
        }
      }
      if (outputError !== null) break;
      onProgress?.(counts);
    }
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

async function loadCompiledRules(args: ScanArgs, io: CliIo, placeholders: PlaceholderValues | undefined): Promise<{ rules: CompiledRule[]; refused: number }> {
  const resolved = args.rulePaths.map((given) => path.resolve(io.cwd, given));
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
    try {
      const placeholders = await readPlaceholdersOption(io, parsed.placeholdersFile, (error) => describeSigmaError(error, io.cwd));
      resolver = createLogsourceResolver({ map: parsed.logsourceMapFile === undefined ? undefined : await readLogsourceMapOption(io, parsed.logsourceMapFile), defaultSource: parsed.logsource });
      ({ rules: loadedRules, refused: refusedRules } = await loadCompiledRules(parsed, io, placeholders));
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
    const prefilter = parsed.prefilter ? createRulesPrefilter(rules.map((compiled) => compiled.rule)) : null;
    const scanPack = buildScanPack(rules, resolver);
    const totalBytes = inputs.every((input) => input.size !== null) ? inputs.reduce((sum, input) => sum + (input.size ?? 0), 0) : null;
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

function meetsLevel(level: SigmaLevel | undefined, minLevel: SigmaLevel): boolean {
  // A rule without a level cannot be shown to reach any threshold, so --min-level leaves it out.
  return level !== undefined && LEVELS.indexOf(level) >= LEVELS.indexOf(minLevel);
}
