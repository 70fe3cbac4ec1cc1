import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { CliCommand, CliIo } from '../command.js';
import { CommandFailure, UsageError } from '../command.js';
import { describeFileError } from '../../events/read.js';
import { EXIT } from '../exit-codes.js';
import { lintKql, type LintFinding } from '../../kql/lint.js';
import { isTargetName } from '../../targets/index.js';
import type { TargetName } from '../../targets/types.js';
import { LINT_KQL_SUMMARY, LINT_KQL_USAGE } from './help.js';


interface LintArgs {
  target: TargetName;
  format: 'text' | 'jsonl';
  file: string;
}

function parseArgs(args: string[]): LintArgs {
  let target: string | undefined;
  let format: string | undefined;
  const files: string[] = [];
  for (let index = 0; index < args.length; index++) {
    const arg = args[index]!;
    const option = /^--(target|format)(?:=(.*))?$/.exec(arg);
    if (option) {
      const value = option[2] ?? args[++index];
      if (value === undefined || value === '') throw new UsageError(`--${option[1]} needs a value`);
      if (option[1] === 'target') {
        if (target !== undefined) throw new UsageError('--target given twice');
        target = value;
      } else {
        if (format !== undefined) throw new UsageError('--format given twice');
        format = value;
      }
    } else if (arg === '--') {
      files.push(...args.slice(index + 1));
      break;
    } else if (arg.startsWith('-') && arg !== '-') {
      throw new UsageError(`unknown option '${arg}'`);
    } else {
      files.push(arg);
    }
  }
  if (target === undefined) throw new UsageError('--target is required (asim, mde or sysmon)');
  if (!isTargetName(target)) throw new UsageError(`unknown target '${target}' (asim, mde or sysmon)`);
  if (format !== undefined && format !== 'text' && format !== 'jsonl') throw new UsageError(`unknown format '${format}' (text or jsonl)`);
  if (files.length !== 1) throw new UsageError('give exactly one query file, or - for stdin');
  return { target, format: format ?? 'text', file: files[0]! };
}

async function readAll(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

function textLine(name: string, finding: LintFinding): string {
  return `${name}:${finding.line}:${finding.character}: ${finding.severity} [${finding.code}] ${finding.message}\n    fix: ${finding.fix}`;
}

export const lintKqlCommand: CliCommand = {
  name: 'lint-kql',
  summary: LINT_KQL_SUMMARY,
  usage: LINT_KQL_USAGE,
  async run(args: string[], io: CliIo): Promise<number> {
    const { target, format, file } = parseArgs(args);
    let query: string;
    try {
      query = file === '-' ? await readAll(io.stdin) : await readFile(path.resolve(io.cwd, file), 'utf8');
    } catch (error) {
      throw new CommandFailure(EXIT.input, `cannot read ${file}: ${describeFileError(error)}`);
    }
    const findings = lintKql(query, target);
    const name = file === '-' ? '<stdin>' : file;
    for (const finding of findings) {
      if (format === 'jsonl') {
        const { severity, code, message, line, character, span, column, operator, value, fix } = finding;
        io.stdout.write(JSON.stringify({ severity, code, message, line, character, span, column, operator, value, fix }) + '\n');
      } else {
        io.stdout.write(textLine(name, finding) + '\n');
      }
    }
    const errors = findings.filter((finding) => finding.severity === 'error').length;
    const warnings = findings.filter((finding) => finding.severity === 'warning').length;
    io.stderr.write(`${name}: ${errors} error(s), ${warnings} warning(s), ${findings.length - errors - warnings} note(s)\n`);
    return errors > 0 ? EXIT.input : EXIT.ok;
  },
};
