import type { Readable, Writable } from 'node:stream';
import { EXIT } from './exit-codes.js';

/** What a CLI command gets: its arguments and the process streams (injected so tests can capture them). */
export interface CliIo {
  stdin: Readable & { isTTY?: boolean };
  stdout: Writable;
  stderr: Writable & { isTTY?: boolean };
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Milliseconds, for progress on a terminal; `performance.now` unless a test steps time itself. */
  clock?: () => number;
}

export interface CliCommand {
  name: string;
  /** One line for the command list. */
  summary: string;
  /** Full usage text for `sigma-hunt <name> --help`. */
  usage: string;
  /** Returns the process exit code. */
  run(args: string[], io: CliIo): Promise<number>;
}

/** A command as the CLI lists it: its help, and its module loaded on first use. */
export interface CliCommandEntry extends Omit<CliCommand, 'run'> {
  load(): Promise<CliCommand>;
}

/** A usage mistake (unknown flag, missing argument): printed with the command's usage, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly exitCode = EXIT.usage;
}

/** A command that cannot go on: its input was refused (a missing file, a directory, a file in no format it
 *  reads) or a service failed. Printed as one line, `sigma-hunt <command>: <message>`, without a summary. */
export class CommandFailure extends Error {
  override readonly name = 'CommandFailure';
  constructor(
    readonly exitCode: typeof EXIT.input | typeof EXIT.service,
    message: string,
  ) {
    super(message);
  }
}

/** Errors the Azure SDKs (and the local Azurite) raise for a service that cannot be reached or refuses us:
 *  HTTP, network, token. */
const SERVICE_ERROR_NAMES: ReadonlySet<string> = new Set(['RestError', 'AuthenticationError', 'AggregateAuthenticationError', 'CredentialUnavailableError', 'AzuriteError']);

/** `error` as a service failure (exit 3) when a service raised it, else `error` unchanged (an internal fault). */
export function serviceFailureOr(error: unknown): unknown {
  if (!(error instanceof Error) || !SERVICE_ERROR_NAMES.has(error.name)) return error;
  return new CommandFailure(EXIT.service, `${error.name}: ${error.message.split('\n')[0]}`);
}
