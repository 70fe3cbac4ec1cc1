/**
 * Azurite (Microsoft's storage emulator), table service only, as a child process: for tests and the local run.
 * In memory unless `location` names a folder to persist into (the local run uses `.local/` of the checkout).
 *
 * Cleanup: `stop()` sends SIGINT (Azurite saves its database and exits on SIGINT; SIGTERM would lose up to
 * 5 s of writes), then SIGKILL if it lingers. A parent that exits normally interrupts its children from an
 * `exit` hook; a parent that is killed outright cannot, so the child also runs a small watchdog that
 * interrupts it once the parent process is gone.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface AzuriteOptions {
  /** Folder for persistent data (created if missing); in-memory when absent. */
  location?: string;
  /** Do not forward Azurite's console output. */
  silent?: boolean;
  /** How long to wait for the port to answer; default 30 s. */
  startTimeoutMs?: number;
  /** Which Azurite service to run; default `table`. `queue` serves the fan-out's Storage Queues (src/fanout/). */
  service?: AzuriteService;
}

export type AzuriteService = 'table' | 'queue';

export interface RunningAzurite {
  /** `http://127.0.0.1:<port>/devstoreaccount1` (for the queue service: its queue endpoint). */
  tableEndpoint: string;
  /** Development-account connection string for `createTableClients({ connectionString })`, or with a
   *  QueueEndpoint for the queue service. */
  connectionString: string;
  port: number;
  stop(): Promise<void>;
}

export type AzuriteErrorCode = 'start' | 'stop';

export class AzuriteError extends Error {
  override readonly name = 'AzuriteError';
  constructor(
    readonly code: AzuriteErrorCode,
    readonly reason: string,
  ) {
    super(`azurite ${code}: ${reason}`);
  }
}

/** The well-known development account key (public, documented; accepted only by emulators). */
const DEV_ACCOUNT = 'devstoreaccount1';
const DEV_ACCOUNT_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

/** Runs inside the Azurite process (via --import): interrupt ourselves when our parent has gone. */
const WATCHDOG = [
  'const parent = process.ppid;',
  'const timer = setInterval(() => {',
  '  try { process.kill(parent, 0); } catch (error) {',
  '    if (error.code !== "ESRCH") return;',
  '    clearInterval(timer);',
  '    process.kill(process.pid, "SIGINT");',
  '    setTimeout(() => process.exit(0), 5000).unref();',
  '  }',
  '}, 500);',
  'timer.unref();',
].join('\n');

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of running) child.kill('SIGINT');
  });
}

function azuriteMain(service: AzuriteService): string {
  const require = createRequire(import.meta.url);
  return path.join(path.dirname(require.resolve('azurite/package.json')), 'dist', 'src', service, 'main.js');
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Whether something accepts TCP connections on 127.0.0.1:port. */
export function portAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export async function startAzurite(options: AzuriteOptions = {}): Promise<RunningAzurite> {
  // A free port can be taken between our probe and Azurite's bind: try a few.
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt += 1) {
    try {
      return await startOnce(options, await freePort());
    } catch (error) {
      lastError = error;
      if (!(error instanceof AzuriteError && /EADDRINUSE/.test(error.reason))) throw error;
    }
  }
  throw lastError;
}

async function startOnce(options: AzuriteOptions, port: number): Promise<RunningAzurite> {
  const service = options.service ?? 'table';
  const args = [
    '--import',
    `data:text/javascript,${encodeURIComponent(WATCHDOG)}`,
    azuriteMain(service),
    `--${service}Host`,
    '127.0.0.1',
    `--${service}Port`,
    String(port),
    '--disableTelemetry',
    '--skipApiVersionCheck',
    '--silent',
  ];
  let cwd = os.tmpdir();
  if (options.location === undefined) {
    args.push('--inMemoryPersistence');
  } else {
    cwd = path.resolve(options.location);
    mkdirSync(cwd, { recursive: true });
    args.push('--location', cwd);
  }
  const child = spawn(process.execPath, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  installExitHook();

  let output = '';
  const collect = (chunk: Buffer, sink: NodeJS.WriteStream): void => {
    output = (output + chunk.toString('utf8')).slice(-4000);
    if (!options.silent) sink.write(chunk);
  };
  child.stdout?.on('data', (chunk: Buffer) => collect(chunk, process.stdout));
  child.stderr?.on('data', (chunk: Buffer) => collect(chunk, process.stderr));
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve(signal ?? code ?? 0);
    });
  });
  let exitStatus: number | string | undefined;
  void exited.then((status) => {
    exitStatus = status;
  });

  const deadline = Date.now() + (options.startTimeoutMs ?? 30_000);
  while (!(await portAnswers(port))) {
    if (exitStatus !== undefined) {
      throw new AzuriteError('start', `exited (${exitStatus}) before listening on ${port}: ${output.trim()}`);
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new AzuriteError('start', `port ${port} did not answer within ${options.startTimeoutMs ?? 30_000} ms: ${output.trim()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }

  const tableEndpoint = `http://127.0.0.1:${port}/${DEV_ACCOUNT}`;
  let stopping: Promise<void> | undefined;
  return {
    tableEndpoint,
    connectionString: `DefaultEndpointsProtocol=http;AccountName=${DEV_ACCOUNT};AccountKey=${DEV_ACCOUNT_KEY};${service === 'queue' ? 'QueueEndpoint' : 'TableEndpoint'}=${tableEndpoint};`,
    port,
    stop: () => {
      stopping ??= (async () => {
        if (exitStatus !== undefined) return;
        child.kill('SIGINT');
        const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 10_000).unref());
        if ((await Promise.race([exited, timeout])) === 'timeout') {
          child.kill('SIGKILL');
          await exited;
        }
      })();
      return stopping;
    },
  };
}
