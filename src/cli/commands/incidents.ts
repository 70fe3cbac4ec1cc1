import path from 'node:path';
import type { CliCommand, CliIo } from '../command.js';
import { UsageError } from '../command.js';
import { ConfigError, parseHuntConfig } from '../../hunt/config.js';
import { formatIncidentJsonLines, formatIncidentTable } from '../../hunt/incident-table.js';
import { openHuntTables } from '../../local/local-store.js';
import { projectRootOf } from '../../local/run-local.js';
import { IncidentStore } from '../../store/incident-store.js';

const USAGE = `Usage: sigma-hunt incidents list [--format table|jsonl] [--local-dir <folder>]

Prints the stored incidents, newest activity first. Reads Azure Table Storage when HUNT_STORAGE_TABLE_ENDPOINT
(or AzureWebJobsStorage__tableServiceUri) is set, with DefaultAzureCredential; otherwise the local store that
\`npm start\` writes (Azurite data in .local/ of the checkout).

Options:
  --format <fmt>        table (default): rule, severity, host, process image, destination, first/last seen, hits;
                        jsonl: one JSON object per incident, enrichment, samples and explanation included
  --local-dir <folder>  the local store's folder (default: <checkout>/.local)

Settings read: HUNT_INCIDENTS_TABLE, HUNT_CHECKPOINTS_TABLE, HUNT_STORAGE_TABLE_ENDPOINT, AZURE_CLIENT_ID.`;

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

export const incidentsCommand: CliCommand = {
  name: 'incidents',
  summary: 'List stored incidents (Azure Table Storage, or the local store of npm start)',
  usage: USAGE,
  async run(args: string[], io: CliIo): Promise<number> {
    const options = parseArgs(args, io.cwd);
    let config;
    try {
      config = parseHuntConfig(io.env, { environment: 'local', appRoot: projectRootOf() });
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      io.stderr.write(`sigma-hunt incidents: ${error.message}\n`);
      return 2;
    }
    const opened = await openHuntTables(config, options.localDir ? { localDir: options.localDir } : {});
    try {
      const incidents = await new IncidentStore(opened.tables.incidents, { groupingWindowMs: config.groupingWindowMs }).listIncidents();
      if (options.format === 'jsonl') {
        if (incidents.length > 0) io.stdout.write(formatIncidentJsonLines(incidents) + '\n');
      } else {
        io.stdout.write(formatIncidentTable(incidents) + '\n');
      }
      io.stderr.write(`${incidents.length} incident(s) from ${opened.where}\n`);
      return 0;
    } finally {
      await opened.close();
    }
  },
};
