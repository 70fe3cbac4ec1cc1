// The rule-pack benchmark sections run once, small: they must load the rules, check the pack against every
// rule alone, measure every row and report RSS and compile time. Nothing here asserts on speed.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureBenchData } from '../bench/generate.js';
import { packMixedSection, packNetworkSection } from '../bench/rule-pack.js';
import type { BenchContext } from '../bench/sections.js';
import { projectRoot } from '../support/paths.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'sigma-hunt-pack-bench-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('rule-pack benchmark sections, quick run', () => {
  it('measure every row on 300 network and 300 mixed events', async () => {
    const events = 300;
    const seed = 7;
    const data = await ensureBenchData(dir, events, seed);
    const notes: string[] = [];
    const context: BenchContext = { projectRoot, events, seed, dataFile: data.file, log: (message) => void notes.push(message) };
    const network = await packNetworkSection.run(context);
    const mixed = await packMixedSection.run(context);
    for (const row of [...network, ...mixed]) expect(row.eventsPerSecond, row.label).toBeGreaterThan(0);
    expect(network.map((row) => row.label)).toEqual([
      'JSON.parse every line (baseline)',
      expect.stringMatching(/^sigma-hunt scan, \d+ rules in one pack \(\d threads?: the default here\)$/),
      'the same scan on one thread (--jobs 1)',
      expect.stringMatching(/^scan in a child process \(peak RSS, \d threads?\)$/),
      'load + compile rules/windows (rules/s)',
    ]);
    expect(network[3].note).toMatch(/^maxRSS \d+ MB /);
    // The default scan and the one-thread scan found the same matches.
    expect(notes.some((note) => /pack network: \d+ events, \d+ matches \(the same on one thread\)/.test(note))).toBe(true);
    expect(mixed.map((row) => row.label)).toEqual([
      expect.stringMatching(/^every rule's matches\(\) on every event \(baseline, \d+-event sample\)$/),
      expect.stringMatching(/^pack\.matching\(\) in memory, \d+ parsed events$/),
      expect.stringMatching(/^sigma-hunt scan of the file, reads and parses too \(\d threads?: the command's choice here\)$/),
      'the same scan on one thread (--jobs 1)',
      'pack.matching() without log sources (every rule indexed for every event)',
    ]);
    expect(notes.some((note) => /pack mixed: \d+ events scanned, \d+ matches \(the same on one thread\)/.test(note))).toBe(true);
    // The sections checked the pack against every rule alone and logged what they found.
    expect(notes.some((note) => /pack network: \d+ rules; on \d+ events the pack agrees/.test(note))).toBe(true);
    expect(notes.some((note) => /pack mixed: .* the pack agrees with it/.test(note))).toBe(true);
  }, 600_000);
});
