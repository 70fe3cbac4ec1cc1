import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { captureCli } from '../support/cli.js';

const capture = () => captureCli();

describe('sigma-hunt CLI', () => {
  it('prints the command list for --help and exits 0', async () => {
    const c = capture();
    expect(await main(['--help'], c.io)).toBe(0);
    expect(c.out()).toContain('Usage: sigma-hunt <command>');
  });

  it('rejects an unknown command with exit code 2', async () => {
    const c = capture();
    expect(await main(['frobnicate'], c.io)).toBe(2);
    expect(c.err()).toContain("unknown command 'frobnicate'");
  });
});
