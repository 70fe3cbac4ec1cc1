import { PassThrough, type Readable, type Writable } from 'node:stream';
import type { CliIo } from '../../src/cli/command.js';

export interface CapturedCli {
  io: CliIo;
  out(): string;
  err(): string;
}

/** Process streams for `main(argv, io)` whose output the test reads back. */
export function captureCli(options: { cwd?: string; env?: NodeJS.ProcessEnv; stdin?: Readable; stdinText?: string; stdout?: Writable; tty?: boolean; clock?: () => number } = {}): CapturedCli {
  const stdout = options.stdout ?? new PassThrough();
  const stderr = new PassThrough() as PassThrough & { isTTY?: boolean };
  if (options.tty) stderr.isTTY = true;
  const stdin = options.stdin ?? new PassThrough();
  if (options.stdinText !== undefined) (stdin as PassThrough).end(options.stdinText);
  let out = '';
  let err = '';
  if (!options.stdout) stdout.on('data', (chunk) => (out += chunk));
  stderr.on('data', (chunk) => (err += chunk));
  return { io: { stdin, stdout, stderr, cwd: options.cwd ?? process.cwd(), env: options.env ?? {}, clock: options.clock }, out: () => out, err: () => err };
}
