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
    // Write-back: every stored incident version through the real LogsIngestionClient to the local ingestion
    // endpoint, and its latest version read back through LogsQueryClient from the custom table.
    expect(one.sentinel.report).toMatchObject({ incidents: 6, incidentVersionsSent: 6, upToDate: 0, failed: 0 });
    expect(one.sentinel.report.hitsSent).toBeGreaterThanOrEqual(4);
    expect(one.sentinel.readBack).toBe(6);
    expect(first.text()).toMatch(/Sentinel: sent 6\/6 incident versions, \d+ hits \(0 up to date\), read back 6 \(latest version of 6\/6 stored incidents in SigmaHuntIncidents_CL\)/);
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
    // Nothing new to send; the workspace still holds the latest versions.
    expect(two.sentinel.report).toMatchObject({ incidentVersionsSent: 0, upToDate: 6, hitsSent: 0, failed: 0 });
    expect(two.sentinel.readBack).toBe(6);
  });
});
