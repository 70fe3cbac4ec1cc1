import path from 'node:path';
import type { CliIo } from './command.js';
import { CommandFailure } from './command.js';
import { EXIT } from './exit-codes.js';
import { SigmaError } from '../rule/errors.js';
import { loadPlaceholderValues } from '../rule/load.js';
import type { PlaceholderValues } from '../rule/model.js';

/**
 * The `--placeholders <file>` of a command: its values, undefined when not given. A file that cannot be read
 * or parsed is refused input (exit 1), worded by `describe` (e.g. with a path relative to cwd).
 */
export async function readPlaceholdersOption(
  io: CliIo,
  file: string | undefined,
  describe: (error: SigmaError) => string = (error) => error.message,
): Promise<PlaceholderValues | undefined> {
  if (file === undefined) return undefined;
  try {
    return await loadPlaceholderValues(path.resolve(io.cwd, file));
  } catch (error) {
    if (!(error instanceof SigmaError)) throw error;
    throw new CommandFailure(EXIT.input, `placeholder file: ${describe(error)}`);
  }
}
