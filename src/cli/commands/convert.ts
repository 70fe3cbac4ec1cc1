import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { CliCommand, CliIo } from '../command.js';
import { UsageError } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { compileToKql } from '../../kql/compile.js';
import { loadRules } from '../../rule/load.js';
import { readPlaceholdersOption } from '../placeholders.js';
import { formatLocation } from '../../rule/errors.js';
import { isTargetName, TARGET_NAMES, type TargetName } from '../../targets/index.js';
import { CONVERT_SUMMARY, CONVERT_USAGE } from './help.js';


interface ConvertArgs {
  rule: string;
  target: TargetName;
  workspaceParser: boolean;
  placeholdersFile?: string;
}

function parseArgs(args: string[]): ConvertArgs {
  let rule: string | undefined;
  let target: string | undefined;
  let placeholdersFile: string | undefined;
  let workspaceParser = false;
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i]!;
    const [name, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string => {
      const given = inline ?? args[++i];
      if (given === undefined || given === '') throw new UsageError(`${name} needs a value`);
      return given;
    };
    if (name === '--rule') {
      if (rule !== undefined) throw new UsageError('--rule given twice');
      rule = value();
    } else if (name === '--target') {
      if (target !== undefined) throw new UsageError('--target given twice');
      target = value();
    } else if (name === '--placeholders') {
      placeholdersFile = value();
    } else if (name === '--workspace-parser' && inline === undefined) {
      workspaceParser = true;
    } else {
      throw new UsageError(`unknown argument '${arg}'`);
    }
  }
  if (rule === undefined) throw new UsageError('give the rule file or folder with --rule');
  if (target === undefined) throw new UsageError(`give the target with --target (${TARGET_NAMES.join(', ')})`);
  if (!isTargetName(target)) throw new UsageError(`unknown target '${target}' (${TARGET_NAMES.join(', ')})`);
  return { rule, target, workspaceParser, ...(placeholdersFile !== undefined ? { placeholdersFile } : {}) };
}

export const convertCommand: CliCommand = {
  name: 'convert',
  summary: CONVERT_SUMMARY,
  usage: CONVERT_USAGE,
  async run(args: string[], io: CliIo): Promise<number> {
    const { rule, target, workspaceParser, placeholdersFile } = parseArgs(args);
    const placeholders = await readPlaceholdersOption(io, placeholdersFile);
    const resolved = path.resolve(io.cwd, rule);
    const isFolder = await stat(resolved).then((info) => info.isDirectory(), () => false);
    const loaded = await loadRules([resolved], { placeholders });
    const display = (file: string) => {
      const relative = path.relative(io.cwd, file);
      return relative.startsWith('..') || path.isAbsolute(relative) ? file : relative;
    };

    if (!isFolder && loaded.outcomes.length === 1 && loaded.rules.length === 1) {
      const result = compileToKql(loaded.rules[0]!, target, { useWorkspaceParser: workspaceParser });
      if (!result.ok) {
        io.stderr.write(`sigma-hunt convert: ${display(resolved)}: refused (${result.code}): ${result.reason}\n`);
        return EXIT.input;
      }
      for (const warning of result.warnings) io.stderr.write(`warning: ${warning}\n`);
      io.stdout.write(result.kql + '\n');
      return EXIT.ok;
    }

    if (!isFolder && loaded.rules.length === 0 && loaded.outcomes.length === 1 && loaded.outcomes[0]!.error) {
      const error = loaded.outcomes[0]!.error;
      io.stderr.write(`sigma-hunt convert: refused (${error.code}): ${formatLocation({ ...error.location, file: display(error.location.file) })}${error.reason}\n`);
      return EXIT.input;
    }

    let refused = 0;
    const rulesByLocation = new Map(loaded.rules.map((sigmaRule) => [`${sigmaRule.source.file}#${sigmaRule.source.document}`, sigmaRule]));
    for (const outcome of loaded.outcomes) {
      const line: Record<string, unknown> = { ruleId: outcome.ruleId ?? null, path: display(outcome.path), target };
      const sigmaRule = rulesByLocation.get(`${outcome.path}#${outcome.document}`);
      if (!outcome.ok || !sigmaRule) {
        if (outcome.kind === 'filter') continue; // filters are applied to their rules, not converted
        const error = outcome.error;
        line.error = error ? `${error.code}: ${formatLocation({ ...error.location, file: display(error.location.file) })}${error.reason}` : 'not a rule';
        line.warnings = [];
        refused += 1;
      } else {
        const result = compileToKql(sigmaRule, target, { useWorkspaceParser: workspaceParser });
        if (result.ok) line.kql = result.kql;
        else {
          line.error = `${result.code}: ${result.reason}`;
          refused += 1;
        }
        line.warnings = result.ok ? result.warnings : [];
      }
      io.stdout.write(JSON.stringify(line) + '\n');
    }
    const total = loaded.rules.length + loaded.outcomes.filter((outcome) => !outcome.ok).length;
    io.stderr.write(`${total} rule(s): ${total - refused} converted, ${refused} refused\n`);
    if (total === 0) {
      io.stderr.write('sigma-hunt convert: no Sigma rules found\n');
      return EXIT.input;
    }
    return refused > 0 ? EXIT.input : EXIT.ok;
  },
};
