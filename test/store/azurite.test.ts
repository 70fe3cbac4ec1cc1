import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { TableClient } from '@azure/data-tables';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { portAnswers, startAzurite } from '../../src/local/azurite.js';
import { projectRoot } from '../support/paths.js';
import { until } from '../support/until.js';

/** Resolves once nothing answers on `port` (bounded by the test's timeout, not a deadline of its own). */
async function closed(port: number, signal: AbortSignal): Promise<true> {
  await until(async () => !(await portAnswers(port)), signal, 100);
  return true;
}

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), 'sigma-hunt-azurite-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe('azurite harness', () => {
  test('starts in memory, serves the development account, and stop closes the port', async () => {
    const azurite = await startAzurite({ silent: true });
    expect(azurite.tableEndpoint).toBe(`http://127.0.0.1:${azurite.port}/devstoreaccount1`);
    expect(azurite.connectionString).toContain(`TableEndpoint=${azurite.tableEndpoint};`);
    const client = TableClient.fromConnectionString(azurite.connectionString, 'harness', { allowInsecureConnection: true });
    await client.createTable();
    await client.createEntity({ partitionKey: 'p', rowKey: 'r', value: 1 });
    expect((await client.getEntity('p', 'r')).value).toBe(1);
    await azurite.stop();
    await azurite.stop(); // a second stop is a no-op
    expect(await portAnswers(azurite.port)).toBe(false);
  });

  test('two instances run side by side on different ports', async () => {
    const [first, second] = await Promise.all([startAzurite({ silent: true }), startAzurite({ silent: true })]);
    try {
      expect(first.port).not.toBe(second.port);
    } finally {
      await Promise.all([first.stop(), second.stop()]);
    }
  });

  test('with a location, data survives a restart', async () => {
    const location = path.join(scratch, 'persist', 'nested');
    const first = await startAzurite({ silent: true, location });
    const client = TableClient.fromConnectionString(first.connectionString, 'persisted', { allowInsecureConnection: true });
    await client.createTable();
    await client.createEntity({ partitionKey: 'p', rowKey: 'r', value: 'still here' });
    await first.stop();

    const second = await startAzurite({ silent: true, location });
    try {
      const again = TableClient.fromConnectionString(second.connectionString, 'persisted', { allowInsecureConnection: true });
      expect((await again.getEntity('p', 'r')).value).toBe('still here');
    } finally {
      await second.stop();
    }
  });

  describe('a parent that goes away takes Azurite with it', () => {
    let harness: string;
    beforeAll(async () => {
      // Node 20 cannot run TypeScript: compile the harness to plain JS in the scratch folder. NODE_PATH lets its
      // createRequire find the azurite package from there.
      harness = path.join(scratch, 'azurite.mjs');
      await build({ entryPoints: [path.join(projectRoot, 'src/local/azurite.ts')], outfile: harness, format: 'esm', platform: 'node', logLevel: 'silent' });
    });

    async function startInChild(afterStart: string): Promise<{ port: number; exited: Promise<void>; kill: () => void; release: () => void }> {
      const script = path.join(scratch, `parent-${Math.random().toString(36).slice(2)}.mjs`);
      await writeFile(
        script,
        `import { startAzurite } from ${JSON.stringify(harness)};\n` +
          `const azurite = await startAzurite({ silent: true });\n` +
          `process.stdout.write(JSON.stringify({ port: azurite.port }) + '\\n');\n` +
          afterStart,
      );
      const child = spawn(process.execPath, [script], {
        env: { ...process.env, NODE_PATH: path.join(projectRoot, 'node_modules') },
        stdio: ['pipe', 'pipe', 'inherit'],
      });
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      const port = await new Promise<number>((resolve, reject) => {
        let output = '';
        child.stdout.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          const line = output.split('\n').find((candidate) => candidate.startsWith('{'));
          if (line) resolve((JSON.parse(line) as { port: number }).port);
        });
        child.once('exit', () => reject(new Error(`parent exited before reporting a port: ${output}`)));
      });
      return { port, exited, kill: () => child.kill('SIGKILL'), release: () => child.stdin.end() };
    }

    test('a parent that exits normally stops Azurite', async ({ signal }) => {
      // The parent exits when the test closes its stdin, not on a timer that could fire before the port is probed.
      const parent = await startInChild(`process.stdin.resume();\nprocess.stdin.once('end', () => process.exit(0));\n`);
      expect(await portAnswers(parent.port)).toBe(true);
      parent.release();
      await parent.exited;
      expect(await closed(parent.port, signal)).toBe(true);
    });

    test('a parent killed with SIGKILL does not leave Azurite running', async ({ signal }) => {
      const parent = await startInChild(`setInterval(() => {}, 1000);\n`);
      expect(await portAnswers(parent.port)).toBe(true);
      parent.kill();
      await parent.exited;
      expect(await closed(parent.port, signal)).toBe(true);
    });
  });
});
