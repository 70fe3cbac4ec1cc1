import type { CliCommandEntry, CliIo } from './command.js';
import { CommandFailure, UsageError } from './command.js';
import { commands } from './commands/index.js';
import { EXIT, EXIT_CODE_TABLE } from './exit-codes.js';

const VERSION = '0.1.0';

function overview(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'sigma-hunt: Sigma-verified threat hunting for Microsoft Sentinel',
    '',
    'Usage: sigma-hunt <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Run `sigma-hunt <command> --help` for a command\'s options.',
    '',
    EXIT_CODE_TABLE,
  ].join('\n');
}

export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(overview() + '\n');
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  if (name === '--version' || name === '-v') {
    io.stdout.write(VERSION + '\n');
    return EXIT.ok;
  }
  const command: CliCommandEntry | undefined = commands.find((c) => c.name === name);
  if (!command) {
    io.stderr.write(`sigma-hunt: unknown command '${name}'\n\n${overview()}\n`);
    return EXIT.usage;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(`${command.usage}\n\n${EXIT_CODE_TABLE}\n`);
    return EXIT.ok;
  }
  try {
    return await (await command.load()).run(rest, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`sigma-hunt ${name}: ${err.message}\n\n${command.usage}\n`);
      return err.exitCode;
    }
    if (err instanceof CommandFailure) {
      io.stderr.write(`sigma-hunt ${name}: ${err.message}\n`);
      return err.exitCode;
    }
    // Anything else is a fault in sigma-hunt, not in what it was given: say so, with the stack to report.
    io.stderr.write(`sigma-hunt ${name}: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return EXIT.internal;
  }
}

function processIo(): CliIo {
  return {
    // process.stdin builds its stream on first read of the property (~3-7 ms: a socket for a pipe); only `scan -`
    // reads standard input, so the other commands never pay for it.
    get stdin() {
      return process.stdin;
    },
    stdout: process.stdout,
    stderr: process.stderr,
    cwd: process.cwd(),
    env: process.env,
  };
}
