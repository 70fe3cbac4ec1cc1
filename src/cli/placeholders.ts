import path from 'node:path';
import type { CliIo } from './command.js';
import { SigmaError } from '../rule/errors.js';
import { loadPlaceholderValues } from '../rule/load.js';
import type { PlaceholderValues } from '../rule/model.js';

/**
 * The `--placeholders <file>` of a command: its values, undefined when not given, or an exit code of 2 after
 * telling why the file was refused (`describe` words the SigmaError, e.g. with a path relative to cwd).
 */
export async function readPlaceholdersOption(
  io: CliIo,
  command: string,
  file: string | undefined,
  describe: (error: SigmaError) => string = (error) => error.message,
): Promise<{ values: PlaceholderValues | undefined } | { exitCode: number }> {
  if (file === undefined) return { values: undefined };
  try {
    return { values: await loadPlaceholderValues(path.resolve(io.cwd, file)) };
  } catch (error) {
    if (!(error instanceof SigmaError)) throw error;
    io.stderr.write(`sigma-hunt ${command}: placeholder file: ${describe(error)}\n`);
    return { exitCode: 2 };
  }
}
