import type { CliCommand } from '../command.js';
import { convertCommand } from './convert.js';
import { huntCommand } from './hunt.js';
import { incidentsCommand } from './incidents.js';
import { lintKqlCommand } from './lint-kql.js';
import { scanCommand } from './scan.js';
import { validateCommand } from './validate.js';

/** Every CLI command, in the order `--help` lists them. */
export const commands: CliCommand[] = [validateCommand, scanCommand, convertCommand, lintKqlCommand, huntCommand, incidentsCommand];
