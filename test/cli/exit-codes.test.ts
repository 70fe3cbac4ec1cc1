// One table of exit codes for every command: each command is run with the same kinds of fault, and each kind
// must give the same code whichever command it is. A new command without cases here fails the last test.
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { commands } from '../../src/cli/commands/index.js';
import { EXIT, EXIT_CODE_TABLE } from '../../src/cli/exit-codes.js';
import { main } from '../../src/cli/main.js';
import { captureCli } from '../support/cli.js';
import { projectRoot } from '../support/paths.js';

const SEED_RULE = 'rules/windows/network_connection/net_connection_win_susp_initiated_uncommon_or_suspicious_locations.yml';
const WORKSPACE = '11111111-2222-4333-8444-555555555555';
const MISSING = path.join(os.tmpdir(), 'sigma-hunt-no-such-input');

type Fault = 'ok' | 'unknown option' | 'missing input';

/** Per command, an invocation for each fault. `ok` runs need no service (hunt's success is in hunt.test.ts,
 *  against the Log Analytics fake). */
const CASES: Record<string, Partial<Record<Fault, { args: string[]; stdin?: string }>>> = {
  validate: { ok: { args: [SEED_RULE] }, 'unknown option': { args: ['--frobnicate', SEED_RULE] }, 'missing input': { args: [MISSING] } },
  scan: {
    ok: { args: ['--rule', SEED_RULE, '--events', 'samples/sysmon-network-connection.jsonl'] },
    'unknown option': { args: ['--rule', SEED_RULE, '--events', '-', '--frobnicate'] },
    'missing input': { args: ['--rule', SEED_RULE, '--events', MISSING] },
  },
  convert: {
    ok: { args: ['--rule', SEED_RULE, '--target', 'mde'] },
    'unknown option': { args: ['--rule', SEED_RULE, '--target', 'mde', '--frobnicate'] },
    'missing input': { args: ['--rule', MISSING, '--target', 'mde'] },
  },
  'lint-kql': {
    ok: { args: ['--target', 'asim', '-'], stdin: '_Im_NetworkSession | where DstPortNumber == 4444\n' },
    'unknown option': { args: ['--target', 'asim', '--frobnicate', '-'] },
    'missing input': { args: ['--target', 'asim', MISSING] },
  },
  hunt: {
    'unknown option': { args: ['--workspace', WORKSPACE, '--frobnicate'] },
    'missing input': { args: ['--workspace', WORKSPACE, '--rules', MISSING] },
  },
  incidents: {
    'unknown option': { args: ['list', '--frobnicate'] },
    'missing input': { args: ['list', '--local-dir', MISSING] },
  },
  review: {
    'unknown option': { args: ['--frobnicate'] },
    'missing input': { args: ['--local-dir', MISSING] },
  },
};

const EXPECTED: Record<Fault, number> = { ok: EXIT.ok, 'unknown option': EXIT.usage, 'missing input': EXIT.input };

describe('exit codes', () => {
  for (const [command, faults] of Object.entries(CASES)) {
    for (const [fault, invocation] of Object.entries(faults) as Array<[Fault, { args: string[]; stdin?: string }]>) {
      it(`${command}: ${fault} exits ${EXPECTED[fault]}`, async () => {
        const run = captureCli({ cwd: projectRoot, stdinText: invocation.stdin ?? '' });
        expect(await main([command, ...invocation.args], run.io)).toBe(EXPECTED[fault]);
        if (fault === 'missing input') expect(run.out() + run.err()).toContain('sigma-hunt-no-such-input');
      }, 30_000);
    }
  }

  it('covers every command, each with a usage fault and a missing input', () => {
    expect(Object.keys(CASES).sort()).toEqual(commands.map((command) => command.name).sort());
    for (const faults of Object.values(CASES)) expect(Object.keys(faults)).toEqual(expect.arrayContaining(['unknown option', 'missing input']));
  });

  it('an unexpected exception is an internal error (4) with its stack, not a usage error', async () => {
    const run = captureCli({ cwd: projectRoot });
    const entry = commands[0]!;
    commands.push({ ...entry, name: 'broken-for-test', load: async () => ({ ...(await entry.load()), run: () => Promise.reject(new TypeError('boom')) }) });
    try {
      expect(await main(['broken-for-test'], run.io)).toBe(EXIT.internal);
    } finally {
      commands.pop();
    }
    expect(run.err()).toMatch(/^sigma-hunt broken-for-test: internal error: TypeError: boom\n {4}at /);
  });

  it('is printed by --help, by every command\'s --help, and in the README', async () => {
    const overview = captureCli();
    await main(['--help'], overview.io);
    expect(overview.out()).toContain(EXIT_CODE_TABLE);
    for (const command of commands) {
      const help = captureCli();
      expect(await main([command.name, '--help'], help.io)).toBe(EXIT.ok);
      expect(help.out()).toContain(EXIT_CODE_TABLE);
    }
    expect(await readFile(path.join(projectRoot, 'README.md'), 'utf8')).toContain(EXIT_CODE_TABLE);
  });
});
