// bin/sigma-hunt.js runs the esbuild bundle of the CLI's start-up path (scripts/bundle-cli.ts), while the other
// tests call main() from src/. These run the bundle as a user does and hold it to the same behaviour: it must
// reach every command's module in dist/src, share their error classes, and validate exactly as src/ does.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { commands } from '../../src/cli/commands/index.js';
import { EXIT } from '../../src/cli/exit-codes.js';
import { captureCli } from '../support/cli.js';
import { projectRoot, sharedRoot } from '../support/paths.js';
import { CLI_BUNDLE_DIRECTORY, CLI_BUNDLE_ENTRY } from '../../scripts/bundle-cli.js';

const run = promisify(execFile);
const bin = path.join(projectRoot, 'bin/sigma-hunt.js');

/** The CLI as a fresh process; a non-zero exit is an outcome here, not a failure. */
async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], { cwd: projectRoot, maxBuffer: 64 * 1024 * 1024, timeout: 120_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const failed = err as { code?: unknown; stdout?: string; stderr?: string };
    if (typeof failed.code !== 'number') throw err;
    return { code: failed.code, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

describe('the CLI bundle', () => {
  it('is what `npm run build` left in dist/', () => {
    expect(existsSync(path.join(projectRoot, 'dist', CLI_BUNDLE_DIRECTORY, CLI_BUNDLE_ENTRY))).toBe(true);
    // `--help` loads the entry and one chunk; validate adds its own.
    expect(readdirSync(path.join(projectRoot, 'dist', CLI_BUNDLE_DIRECTORY)).length).toBeLessThanOrEqual(4);
  });

  it("loads every command's module and reports its usage mistakes as usage mistakes (exit 2, not internal)", async () => {
    for (const command of commands) {
      const outcome = await cli([command.name, '--no-such-option']);
      expect({ command: command.name, code: outcome.code }).toEqual({ command: command.name, code: EXIT.usage });
      expect(outcome.stderr.startsWith(`sigma-hunt ${command.name}: `)).toBe(true);
      expect(outcome.stderr).toContain(command.usage.split('\n')[0]);
      expect(outcome.stderr).not.toContain('internal error');
    }
  });

  it('validates the SigmaHQ corpus line for line as src/ does (refusals, `re` rules and the yaml fallback included)', async () => {
    const corpus = path.join(sharedRoot, 'sigma-rules');
    const bundled = await cli(['validate', corpus]);
    const inProcess = captureCli({ cwd: projectRoot });
    const code = await main(['validate', corpus], inProcess.io);
    expect(bundled.code).toBe(code);
    expect(bundled.stdout).toBe(inProcess.out());
    expect(bundled.stderr).toBe(inProcess.err());
    // The comparison covers both outcomes: the corpus has rules that load and rules that are refused.
    expect(bundled.stdout).toContain('"ok":true');
    expect(bundled.stdout).toContain('"ok":false');
  });

  it('prints the overview and a command usage without loading a command', async () => {
    const overview = await cli(['--help']);
    expect(overview.code).toBe(EXIT.ok);
    for (const command of commands) expect(overview.stdout).toContain(command.name);
    const usage = await cli(['scan', '--help']);
    expect(usage.code).toBe(EXIT.ok);
    expect(usage.stdout).toContain(commands.find((c) => c.name === 'scan')!.usage);
  });
});
