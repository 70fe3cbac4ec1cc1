// CLI start-up (issue 9, item 4): `sigma-hunt --help` and `sigma-hunt validate <one rule>` as fresh processes,
// against a bare `node -e ""` started in the same rounds (round-robin, medians). Target: within 2.5x of bare
// node, i.e. a speed ratio of at least 0.4. The "events/s" column counts process starts per second.
import path from 'node:path';
import { median, timeProcess } from './package.js';
import type { BenchContext, BenchRow, BenchSection } from './sections.js';

const ROUNDS = 15;
const TARGET_RATIO = 1 / 2.5;
const SEED_RULE = 'rules/windows/network_connection/net_connection_win_susp_initiated_uncommon_or_suspicious_locations.yml';

async function run(context: BenchContext): Promise<BenchRow[]> {
  const cli = path.join(context.projectRoot, 'bin/sigma-hunt.js');
  const passes: Record<string, () => number> = {
    bare: () => timeProcess(['-e', ''], context.projectRoot),
    help: () => timeProcess([cli, '--help'], context.projectRoot),
    validate: () => timeProcess([cli, 'validate', SEED_RULE], context.projectRoot),
  };
  const times: Record<string, number[]> = {};
  for (let round = 0; round < ROUNDS; round++) for (const [name, pass] of Object.entries(passes)) (times[name] ??= []).push(pass());
  const bare = median(times.bare!);
  const row = (label: string, ms: number): BenchRow => ({ label, eventsPerSecond: 1000 / ms, ratio: bare / ms, target: TARGET_RATIO, note: `median ${ms.toFixed(0)} ms = ${(ms / bare).toFixed(2)}x bare node (target <= 2.5x)` });
  return [
    { label: 'process starts: bare `node -e ""`', eventsPerSecond: 1000 / bare, note: `median ${bare.toFixed(0)} ms of ${ROUNDS}` },
    row('sigma-hunt --help', median(times.help!)),
    row('sigma-hunt validate <seed rule>', median(times.validate!)),
  ];
}

export const cliStartupSection: BenchSection = { name: 'CLI start-up: fresh processes against bare node (ratio = bare / command)', run };
