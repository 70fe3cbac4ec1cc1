import path from 'node:path';
import type { CliCommand, CliIo } from '../command.js';
import { serviceFailureOr, UsageError } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { ConfigError, parseHuntConfig } from '../../hunt/config.js';
import { openHuntTables } from '../../local/local-store.js';
import { projectRootOf } from '../../local/run-local.js';
import { reviewApi } from '../../review/api.js';
import { authenticator, DEVELOPMENT_PRINCIPAL, parseReviewAuth } from '../../review/auth.js';
import { ReviewError } from '../../review/errors.js';
import { startReviewServer } from '../../review/server.js';
import { pageConfigOf } from '../../review/setup.js';
import { localDirOf, requireLocalStore } from '../local-store.js';
import { REVIEW_SUMMARY, REVIEW_USAGE } from './help.js';

interface ReviewArgs {
  port: number;
  localDir?: string;
}

function parseArgs(args: string[], cwd: string): ReviewArgs {
  const parsed: ReviewArgs = { port: 7072 };
  for (let index = 0; index < args.length; index++) {
    const option = /^--(port|local-dir)(?:=(.*))?$/.exec(args[index]!);
    if (!option) throw new UsageError(`unknown argument '${args[index]}'`);
    const value = option[2] ?? args[++index];
    if (value === undefined || value === '') throw new UsageError(`--${option[1]} needs a value`);
    if (option[1] === 'port') {
      const port = Number(value);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be 0..65535, not '${value}'`);
      parsed.port = port;
    } else {
      parsed.localDir = path.resolve(cwd, value);
    }
  }
  return parsed;
}

/** Serves the review page and API until interrupted (SIGINT/SIGTERM), over the local store of `npm start` (or
 *  Azure Table Storage when HUNT_STORAGE_TABLE_ENDPOINT is set). */
export const reviewCommand: CliCommand = {
  name: 'review',
  summary: REVIEW_SUMMARY,
  usage: REVIEW_USAGE,
  async run(args: string[], io: CliIo): Promise<number> {
    const options = parseArgs(args, io.cwd);
    let config;
    let auth;
    try {
      config = parseHuntConfig(io.env, { environment: 'local', appRoot: projectRootOf() });
      auth = parseReviewAuth({ REVIEW_AUTH: 'development', ...io.env });
    } catch (error) {
      if (!(error instanceof ConfigError) && !(error instanceof ReviewError)) throw error;
      io.stderr.write(`sigma-hunt review: ${error.message}\n`);
      return EXIT.usage;
    }
    const localDir = localDirOf(options.localDir);
    if (!config.tableEndpoint) await requireLocalStore(localDir);
    try {
      const opened = await openHuntTables(config, { localDir });
      try {
        const handle = reviewApi({
          incidents: opened.tables.incidents,
          authenticate: authenticator(auth),
          pageConfig: pageConfigOf(auth, io.env),
          log: (message, fields) => io.stderr.write(`${message}${fields ? ' ' + JSON.stringify(fields) : ''}\n`),
        });
        const server = await startReviewServer(handle, { port: options.port });
        if (auth.mode === 'development') {
          io.stderr.write(`!! every request runs as the ${DEVELOPMENT_PRINCIPAL.name}: for this machine only (listening on 127.0.0.1)\n`);
        }
        io.stderr.write(`incidents from ${opened.where}\n`);
        io.stdout.write(`review page: ${server.url}\n`);
        await new Promise<void>((resolve) => {
          const stop = () => resolve();
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
        });
        await server.close();
        return EXIT.ok;
      } finally {
        await opened.close();
      }
    } catch (error) {
      throw serviceFailureOr(error);
    }
  },
};
