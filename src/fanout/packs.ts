/**
 * Rule packs, loaded once per process and shared by the workspaces that name the same pack: 500 workspaces on
 * one pack load and compile it once.
 */
import { loadHuntRules, type LoadedHuntRules } from '../hunt/clients.js';
import type { HuntLog } from '../hunt/pipeline.js';
import type { WorkspaceSpec } from './config.js';

export class RulePacks {
  private readonly packs = new Map<string, Promise<LoadedHuntRules>>();

  constructor(private readonly log: HuntLog) {}

  load(spec: Pick<WorkspaceSpec, 'rulesPath' | 'target' | 'placeholdersPath' | 'kqlOverridesPath'>): Promise<LoadedHuntRules> {
    const key = JSON.stringify([spec.rulesPath, spec.target, spec.placeholdersPath ?? '', spec.kqlOverridesPath ?? '']);
    let pack = this.packs.get(key);
    if (!pack) {
      pack = loadHuntRules(
        {
          rulesPath: spec.rulesPath,
          target: spec.target,
          ...(spec.placeholdersPath ? { placeholdersPath: spec.placeholdersPath } : {}),
          ...(spec.kqlOverridesPath ? { kqlOverridesPath: spec.kqlOverridesPath } : {}),
        },
        this.log,
      );
      // A pack that failed to load (a folder not there yet) is tried again on the next call.
      pack.catch(() => this.packs.delete(key));
      this.packs.set(key, pack);
    }
    return pack;
  }
}
