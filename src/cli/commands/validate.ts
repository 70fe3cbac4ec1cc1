import path from 'node:path';
import type { CliCommand, CliIo } from '../command.js';
import { UsageError } from '../command.js';
import { EXIT } from '../exit-codes.js';
import type { DocumentOutcome } from '../../rule/load.js';
import { loadRules } from '../../rule/load.js';
import { readPlaceholdersOption } from '../placeholders.js';
import { formatLocation } from '../../rule/errors.js';
import { VALIDATE_SUMMARY, VALIDATE_USAGE } from './help.js';


interface ValidateArgs {
  placeholdersFile?: string;
  paths: string[];
}

function parseArgs(args: string[]): ValidateArgs {
  const parsed: ValidateArgs = { paths: [] };
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i];
    if (arg === '--placeholders' || arg.startsWith('--placeholders=')) {
      const value = arg === '--placeholders' ? args[++i] : arg.slice('--placeholders='.length);
      if (value === undefined || value === '') throw new UsageError('--placeholders needs a file');
      if (parsed.placeholdersFile !== undefined) throw new UsageError('--placeholders given twice');
      parsed.placeholdersFile = value;
    } else if (arg === '--') {
      parsed.paths.push(...args.slice(i + 1));
      break;
    } else if (arg.startsWith('-') && arg !== '-') {
      throw new UsageError(`unknown option '${arg}'`);
    } else {
      parsed.paths.push(arg);
    }
  }
  if (parsed.paths.length === 0) throw new UsageError('give at least one rule file or folder');
  return parsed;
}

function outcomeLine(outcome: DocumentOutcome, multiDocument: boolean, cwd: string): string {
  const line: Record<string, unknown> = { path: displayPath(outcome.path, cwd) };
  if (multiDocument) line.document = outcome.document;
  if (outcome.kind && outcome.kind !== 'rule') line.kind = outcome.kind;
  if (outcome.ruleId !== undefined) line.ruleId = outcome.ruleId;
  line.ok = outcome.ok;
  if (outcome.error) {
    line.code = outcome.error.code;
    const location = outcome.error.location;
    line.error = formatLocation({ ...location, file: displayPath(location.file, cwd) }) + outcome.error.reason;
  }
  return JSON.stringify(line);
}

export const validateCommand: CliCommand = {
  name: 'validate',
  summary: VALIDATE_SUMMARY,
  usage: VALIDATE_USAGE,
  async run(args: string[], io: CliIo): Promise<number> {
    const { placeholdersFile, paths } = parseArgs(args);
    const placeholders = await readPlaceholdersOption(io, placeholdersFile);
    // Paths stay as the user wrote them in the output; only the file system sees them resolved.
    const resolved = paths.map((p) => (path.isAbsolute(p) ? p : path.join(io.cwd, p)));
    const result = await loadRules(resolved, { placeholders });
    const documentsPerFile = new Map<string, number>();
    for (const outcome of result.outcomes) documentsPerFile.set(outcome.path, (documentsPerFile.get(outcome.path) ?? 0) + 1);
    let refused = 0;
    for (const outcome of result.outcomes) {
      io.stdout.write(outcomeLine(outcome, (documentsPerFile.get(outcome.path) ?? 0) > 1, io.cwd) + '\n');
      if (!outcome.ok) refused += 1;
    }
    const total = result.outcomes.length;
    io.stderr.write(`${total} document(s): ${total - refused} ok, ${refused} refused\n`);
    if (total === 0) {
      io.stderr.write('sigma-hunt validate: no Sigma documents found\n');
      return EXIT.input;
    }
    return refused > 0 ? EXIT.input : EXIT.ok;
  },
};

function displayPath(file: string, cwd: string): string {
  const relative = path.relative(cwd, file);
  return relative.startsWith('..') || path.isAbsolute(relative) ? file : relative;
}
