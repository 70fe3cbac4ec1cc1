import { cp, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { CliCommand, CliIo } from '../command.js';
import { serviceFailureOr, UsageError } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { ConfigError, parseHuntConfig } from '../../hunt/config.js';
import { formatIncidentJsonLines, formatIncidentTable } from '../../hunt/incident-table.js';
import { openHuntTables } from '../../local/local-store.js';
import { projectRootOf } from '../../local/run-local.js';
import { localDirOf, requireLocalStore } from '../local-store.js';
import { IncidentStore } from '../../store/incident-store.js';
import { INCIDENTS_SUMMARY, INCIDENTS_USAGE } from './help.js';

interface IncidentsArgs {
  format: 'table' | 'jsonl';
  localDir?: string;
}

function parseArgs(args: string[], cwd: string): IncidentsArgs {
  const [subcommand, ...rest] = args;
  if (subcommand !== 'list') throw new UsageError(subcommand === undefined ? 'give a subcommand: list' : `unknown subcommand '${subcommand}' (list)`);
  const parsed: IncidentsArgs = { format: 'table' };
  for (let index = 0; index < rest.length; index++) {
    const option = /^--(format|local-dir)(?:=(.*))?$/.exec(rest[index]!);
    if (!option) throw new UsageError(`unknown argument '${rest[index]}'`);
    const value = option[2] ?? rest[++index];
    if (value === undefined || value === '') throw new UsageError(`--${option[1]} needs a value`);
    if (option[1] === 'format') {
      if (value !== 'table' && value !== 'jsonl') throw new UsageError(`unknown format '${value}' (table or jsonl)`);
      parsed.format = value;
    } else {
      parsed.localDir = path.resolve(cwd, value);
    }
  }
  return parsed;
}

/** A copy of the local store to list from. Azurite writes to the folder it serves (its database, and the
 *  tables the client creates when missing), and listing must leave the store as it was: it serves a copy
 *  in a temporary folder instead. */
async function snapshotOfLocalStore(localDir: string): Promise<{ localDir: string; remove(): Promise<void> }> {
  const store = await requireLocalStore(localDir);
  const copy = await mkdtemp(path.join(os.tmpdir(), 'sigma-hunt-incidents-'));
  await cp(store, path.join(copy, 'azurite'), { recursive: true });
  return { localDir: copy, remove: () => rm(copy, { recursive: true, force: true }) };
}

export const incidentsCommand: CliCommand = {
  name: 'incidents',
  summary: INCIDENTS_SUMMARY,
  usage: INCIDENTS_USAGE,
  async run(args: string[], io: CliIo): Promise<number> {
    const options = parseArgs(args, io.cwd);
    let config;
    try {
      config = parseHuntConfig(io.env, { environment: 'local', appRoot: projectRootOf() });
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      io.stderr.write(`sigma-hunt incidents: ${error.message}\n`);
      return EXIT.usage;
    }
    const localDir = localDirOf(options.localDir);
    const snapshot = config.tableEndpoint ? undefined : await snapshotOfLocalStore(localDir);
    try {
      const opened = await openHuntTables(config, snapshot ? { localDir: snapshot.localDir } : {});
      try {
        const incidents = await new IncidentStore(opened.tables.incidents, { groupingWindowMs: config.groupingWindowMs }).listIncidents();
        if (options.format === 'jsonl') {
          if (incidents.length > 0) io.stdout.write(formatIncidentJsonLines(incidents) + '\n');
        } else {
          io.stdout.write(formatIncidentTable(incidents) + '\n');
        }
        io.stderr.write(`${incidents.length} incident(s) from ${snapshot ? `local ${localDir}` : opened.where}\n`);
        return EXIT.ok;
      } finally {
        await opened.close();
      }
    } catch (error) {
      throw serviceFailureOr(error);
    } finally {
      await snapshot?.remove();
    }
  },
};
