import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, test } from 'vitest';
import { runLocal } from '../../src/local/run-local.js';

function sink() {
  const out = new PassThrough();
  let text = '';
  out.on('data', (chunk) => (text += chunk));
  return { out, text: () => text };
}

describe('the local run (npm start)', () => {
  test('a fresh folder: hunts the samples, prints the incident table and the summary; a second run finds them and creates none', async () => {
    const localDir = await mkdtemp(path.join(os.tmpdir(), 'sigma-hunt-local-'));
    const first = sink();
    const one = await runLocal({ localDir, env: {}, out: first.out });
    expect(one.summary.totals.incidentsCreated).toBe(4);
    expect(first.text()).toMatch(/rule\s+severity\s+host\s+process image\s+destination/);
    expect(first.text()).toMatch(/incidents:\s+4 created, 0 updated/);
    // The Defender sample: the Windows rule on the Windows device, the Linux rule on the Linux device, and no
    // Windows rule (Execution Of Non-Existing File would match every Linux path) on the Linux device.
    expect(one.defenderSummary.totals.incidentsCreated).toBe(2);
    const defender = one.incidents.filter((incident) => ['c248c896-e412-4279-8c15-1c558067b6fa', 'e2072cab-8c9a-459b-b63c-40ae79e27031', '71158e3f-df67-472b-930e-7d287acaa3e1'].includes(incident.ruleId));
    expect(defender.map((incident) => [incident.ruleId, incident.host]).sort()).toEqual([
      ['c248c896-e412-4279-8c15-1c558067b6fa', 'win-app-01.contoso.local'],
      ['e2072cab-8c9a-459b-b63c-40ae79e27031', 'ip-172-31-46-50.eu-central-1.compute.internal'],
    ]);

    const second = sink();
    const two = await runLocal({ localDir, env: {}, out: second.out });
    expect(two.summary.totals.incidentsCreated).toBe(0);
    expect(two.defenderSummary.totals.incidentsCreated).toBe(0);
    expect(second.text()).toMatch(/incidents:\s+0 created/);
    expect(two.incidents).toEqual(one.incidents);
  });
});
