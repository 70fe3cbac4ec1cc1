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
    expect(one.sentinel.report).toMatchObject({ incidents: 4, incidentVersionsSent: 4, upToDate: 0, failed: 0 });
    expect(one.sentinel.report.hitsSent).toBeGreaterThanOrEqual(4);
    expect(one.sentinel.readBack).toBe(4);
    expect(first.text()).toMatch(/Sentinel: sent 4\/4 incident versions, \d+ hits \(0 up to date\), read back 4 \(latest version of 4\/4 stored incidents in SigmaHuntIncidents_CL\)/);

    const second = sink();
    const two = await runLocal({ localDir, env: {}, out: second.out });
    expect(two.summary.totals.incidentsCreated).toBe(0);
    expect(second.text()).toMatch(/incidents:\s+0 created/);
    expect(two.incidents).toEqual(one.incidents);
    // Nothing new to send; the workspace still holds the latest versions.
    expect(two.sentinel.report).toMatchObject({ incidentVersionsSent: 0, upToDate: 4, hitsSent: 0, failed: 0 });
    expect(two.sentinel.readBack).toBe(4);
  });
});
