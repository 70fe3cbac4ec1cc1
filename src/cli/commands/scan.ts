import path from 'node:path';
import type { Writable } from 'node:stream';
import { EventTextProblem, parseEventText } from '../../events/parse.js';
import { EVENT_FORMATS, openEventInput, openEventStream, type EventStream } from '../../events/read.js';
import { EventReadError, RECORD_UNIT, type EventFormat } from '../../events/types.js';
import { compileRule } from '../../match/compile.js';
import { createRulesPrefilter, type RawTextPrefilter } from '../../match/prefilter.js';
import type { CompiledRule, SigmaEvent } from '../../match/types.js';
import { buildRulePack, type RulePack, type RulePackOptions } from '../../pack/rule-pack.js';
import { formatLocation, SigmaError } from '../../rule/errors.js';
import { loadRules } from '../../rule/load.js';
import { readPlaceholdersOption } from '../placeholders.js';
import type { PlaceholderValues } from '../../rule/model.js';
import type { CliCommand, CliIo } from '../command.js';
import { CommandFailure, UsageError } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { SCAN_SUMMARY, SCAN_USAGE } from './help.js';


interface ScanArgs {
  rulePaths: string[];
  events: string;
  placeholdersFile?: string;
  format?: EventFormat;
  prefilter: boolean;
}

function parseArgs(args: string[]): ScanArgs {
  const rulePaths: string[] = [];
  let events: string | undefined;
  let placeholdersFile: string | undefined;
  let format: EventFormat | undefined;
  let prefilter = true;
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
        if (events !== undefined) throw new UsageError('--events given twice');
        events = value("a file or '-'");
        break;
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
      default:
        throw new UsageError(arg.startsWith('-') ? `unknown option '${arg}'` : `unexpected argument '${arg}' (rules go after --rule)`);
    }
  }
  if (rulePaths.length === 0) throw new UsageError('give at least one --rule');
  if (events === undefined) throw new UsageError("give --events <file|->");
  return { rulePaths, events, placeholdersFile, format, prefilter };
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
  /** The index choosing which rules each event is evaluated against; defaults to a pack of `rules` built
   *  with `logsources`. It must hold `rules`, in that order. */
  pack?: RulePack;
  /** How events and rules are split by log source, for the default pack (default: every rule applies). */
  logsources?: RulePackOptions;
  /** Every refused record and the fatal error, in input order. */
  onError?: (error: EventReadError) => void;
  /** Called after each batch with the running counts. */
  onProgress?: (counts: ScanCounts) => void;
}

/** The match line: key order is part of the output format. */
function matchLine(compiled: CompiledRule, index: number, event: SigmaEvent): string | null {
  const matched = compiled.explain(event);
  if (matched === null) return null;
  const { rule } = compiled;
  return JSON.stringify({ ruleId: rule.id ?? rule.name ?? null, title: rule.title, level: rule.level ?? null, line: index, event, matched }) + '\n';
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

export async function scanEvents(options: ScanOptions): Promise<ScanResult> {
  const { rules, stream, output, onError, onProgress } = options;
  const pack = options.pack ?? buildRulePack(rules, options.logsources);
  if (pack.rules.length !== rules.length || pack.rules.some((compiled, r) => compiled !== rules[r])) throw new RangeError('scanEvents: the pack must hold the scan rules, in order');
  const prefilter = options.prefilter === undefined ? createRulesPrefilter(rules.map((compiled) => compiled.rule)) : options.prefilter;
  const unit = RECORD_UNIT[stream.format];
  const counts: ScanCounts = { records: 0, skipped: 0, refused: 0, matches: rules.map(() => 0) };
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
  const evaluate = (index: number, event: SigmaEvent): boolean => {
    let full = false;
    // Only the rules the pack finds matching, in the order of `rules`: the output order of a match.
    const matched = pack.matching(event);
    for (let m = 0; m < matched.length; m++) {
      const r = matched[m];
      const line = matchLine(rules[r], index, event);
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
          if (evaluate(firstIndex + k, parsed)) await drained(output);
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
const PROGRESS_INTERVAL_MS = 250;

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

function isClosedPipe(error: Error): boolean {
  return (error as NodeJS.ErrnoException).code === 'EPIPE';
}

function formatRate(records: number, seconds: number): string {
  return seconds > 0 ? `${Math.round(records / seconds)} events/s` : '-';
}

function summary(result: ScanResult, rules: readonly CompiledRule[], refusedRules: number, name: string): string {
  const totalMatches = result.matches.reduce((sum, n) => sum + n, 0);
  const lines = [
    `sigma-hunt scan: ${result.records} events read from ${name} (${result.format}) in ${result.seconds.toFixed(2)} s, ${formatRate(result.records, result.seconds)}`,
    `  parsed ${result.records - result.skipped - result.refused}, skipped by the pre-filter ${result.skipped}, refused ${result.refused}`,
    `  rules: ${rules.length} run, ${refusedRules} refused`,
    `  matches: ${totalMatches}`,
    ...rules.map((compiled, r) => `    ${String(result.matches[r]).padStart(8)}  ${compiled.rule.id ?? compiled.rule.name ?? '-'}  ${compiled.rule.title}`),
  ];
  if (result.fatal) lines.push('  stopped early: the input could not be read further (the error above)');
  if (result.outputError !== null) lines.push(`  stopped early: ${isClosedPipe(result.outputError) ? 'the output was closed' : `cannot write the output: ${result.outputError.message}`}`);
  return lines.join('\n') + '\n';
}

export const scanCommand: CliCommand = {
  name: 'scan',
  summary: SCAN_SUMMARY,
  usage: SCAN_USAGE,
  async run(args: string[], io: CliIo): Promise<number> {
    const parsed = parseArgs(args);
    // The events are opened first: a mistyped path fails at once, not after compiling a folder of rules.
    const input = await openEventInput(parsed.events, io.stdin, io.cwd);
    if (input instanceof EventReadError) throw new CommandFailure(EXIT.input, input.message);
    let rules: CompiledRule[];
    let refusedRules: number;
    try {
      const placeholders = await readPlaceholdersOption(io, parsed.placeholdersFile, (error) => describeSigmaError(error, io.cwd));
      ({ rules, refused: refusedRules } = await loadCompiledRules(parsed, io, placeholders));
    } catch (error) {
      input.source.destroy();
      throw error;
    }
    if (rules.length === 0) {
      input.source.destroy();
      io.stderr.write('sigma-hunt scan: no rule to run\n');
      return EXIT.input;
    }

    const stream = await openEventStream(input.source, { name: input.name, format: parsed.format });
    let printedErrors = 0;
    let unprintedErrors = 0;
    const progress = io.stderr.isTTY === true;
    let progressShown = false;
    let lastProgress = performance.now();
    const started = lastProgress;
    const clearProgress = (): void => {
      if (progressShown) io.stderr.write('\r\x1b[K');
      progressShown = false;
    };
    // A reader that goes away (`| head`) fails writes with EPIPE, possibly after the scan has returned:
    // the scan stops on it; an error event with no listener would crash the process instead.
    io.stdout.on('error', () => undefined);
    const result = await scanEvents({
      rules,
      stream,
      output: io.stdout,
      prefilter: parsed.prefilter ? undefined : null,
      onError: (error) => {
        if (error.fatal) return; // printed once, below
        if (printedErrors >= MAX_PRINTED_RECORD_ERRORS) {
          unprintedErrors++;
          return;
        }
        printedErrors++;
        clearProgress();
        io.stderr.write(`sigma-hunt scan: skipped: ${error.message}\n`);
      },
      onProgress: progress
        ? (counts) => {
            const now = performance.now();
            if (now - lastProgress < PROGRESS_INTERVAL_MS) return;
            lastProgress = now;
            const matches = counts.matches.reduce((sum, n) => sum + n, 0);
            io.stderr.write(`\r\x1b[K${counts.records} events, ${matches} matches, ${formatRate(counts.records, (now - started) / 1000)}`);
            progressShown = true;
          }
        : undefined,
    });
    clearProgress();
    // An input refused before its first record (binary, unreadable) is one error and no summary: there is
    // nothing to summarise, and a summary of zero events would read as "scanned, nothing found".
    if (result.fatal !== null && result.records === 0) throw new CommandFailure(EXIT.input, result.fatal.message);
    if (result.fatal !== null) io.stderr.write(`sigma-hunt scan: ${result.fatal.message}\n`);
    if (unprintedErrors > 0) io.stderr.write(`sigma-hunt scan: ${unprintedErrors} more refused records not shown\n`);
    io.stderr.write(summary(result, rules, refusedRules, input.name));
    const outputBroken = result.outputError !== null && !isClosedPipe(result.outputError);
    return refusedRules > 0 || result.refused > 0 || result.fatal !== null || outputBroken ? EXIT.input : EXIT.ok;
  },
};
