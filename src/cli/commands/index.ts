import type { CliCommand } from '../command.js';
import { convertCommand } from './convert.js';
import { lintKqlCommand } from './lint-kql.js';
import { scanCommand } from './scan.js';
import { validateCommand } from './validate.js';

/** Every CLI command, in the order `--help` lists them. */
export const commands: CliCommand[] = [validateCommand, scanCommand, convertCommand, lintKqlCommand];
