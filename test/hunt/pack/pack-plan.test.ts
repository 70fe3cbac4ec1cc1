import path from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { loadHuntRules } from '../../../src/hunt/clients.js';
import { planHuntUnits, type HuntUnit } from '../../../src/hunt/pack/pack-plan.js';
import { checkpointScopeOf, type HuntRule } from '../../../src/hunt/pipeline.js';
import type { Checkpoint } from '../../../src/store/checkpoint-store.js';
import { sharedRoot } from '../../support/paths.js';

const settings = { workspaceId: 'w', target: 'asim' as const };
const silent = { info() {}, warn() {}, error() {} };

let network: HuntRule[];
let processes: HuntRule[];
beforeAll(async () => {
  const corpus = path.join(sharedRoot, 'sigma-rules', 'rules', 'windows');
  network = (await loadHuntRules({ rulesPath: path.join(corpus, 'network_connection'), target: 'asim' }, silent)).rules.slice(0, 10);
  processes = (await loadHuntRules({ rulesPath: path.join(corpus, 'process_creation'), target: 'asim' }, silent)).rules.slice(0, 10);
}, 120_000);

/** Checkpoints by rule id, as the store would return them. */
function checkpointsOf(watermarks: Record<string, string>) {
  return {
    async read(scope: string): Promise<Checkpoint | undefined> {
      const ruleId = Object.keys(watermarks).find((id) => checkpointScopeOf(settings.workspaceId, settings.target, id) === scope);
      return ruleId ? { watermark: watermarks[ruleId]!, etag: `etag-${ruleId}` } : undefined;
    },
  };
}

const shape = (units: HuntUnit[]) => units.map((unit) => (unit.kind === 'rule' ? unit.rule.ruleId : `${unit.category}:${unit.watermark ?? '-'}:${unit.members.length}`));

describe('planHuntUnits', () => {
  test('batches rules by source, one batch per category', async () => {
    const units = await planHuntUnits([...network, ...processes], settings, checkpointsOf({}));
    expect(shape(units)).toEqual(['network_connection:-:10', 'process_creation:-:10']);
  });

  test('groups a source into cohorts by watermark; a rule alone in its cohort is hunted alone', async () => {
    const at = '2026-03-02T09:00:00.0000000Z';
    const watermarks = Object.fromEntries(network.slice(0, 9).map((rule) => [rule.ruleId, at]));
    const units = await planHuntUnits(network, settings, checkpointsOf(watermarks));
    expect(shape(units)).toEqual([`network_connection:${at}:9`, network[9]!.ruleId]);
    const batch = units[0] as Extract<HuntUnit, { kind: 'batch' }>;
    expect(batch.members.every((member) => member.checkpoint?.etag === `etag-${member.rule.ruleId}`)).toBe(true);
  });

  test('a one-off hunt (sinceMs) batches a source whatever its watermarks', async () => {
    const watermarks = { [network[0]!.ruleId]: '2026-03-02T09:00:00.0000000Z' };
    const units = await planHuntUnits(network, { ...settings, sinceMs: 3_600_000 }, checkpointsOf(watermarks));
    expect(shape(units)).toEqual(['network_connection:-:10']);
  });

  test('a rule with a hand-written query and a rule alone in its source keep their own queries', async () => {
    const override: HuntRule = { ...network[0]!, query: { source: 'override', template: 'Table | take 1', warnings: [], exact: false, lint: [] } };
    const units = await planHuntUnits([override, ...network.slice(1), processes[0]!], settings, checkpointsOf({}));
    expect(shape(units)).toEqual([network[0]!.ruleId, 'network_connection:-:9', processes[0]!.ruleId]);
  });

  test('a source whose text exceeds the limit is split into several batches', async () => {
    const units = await planHuntUnits(processes, settings, checkpointsOf({}), 5_000);
    expect(units.length).toBeGreaterThan(1);
    expect(units.flatMap((unit) => (unit.kind === 'rule' ? [unit.rule.ruleId] : unit.members.map((member) => member.rule.ruleId)))).toEqual(processes.map((rule) => rule.ruleId));
  });
});
