// A stand-in for src/logsource (built on another branch) so the pack benchmarks can already show what log
// source partitioning buys: Sysmon events are classified by EventID, and a rule applies when its logsource
// is Windows and its category is the one Sysmon logs under that EventID (or it names the sysmon service
// without a category). Only the benchmark's reference rows use it; the lead wires the real resolver.
import type { SigmaEvent } from '../../src/match/types.js';
import type { RulePackOptions } from '../../src/pack/rule-pack.js';
import type { SigmaRule } from '../../src/rule/model.js';

const SYSMON_CHANNEL = 'Microsoft-Windows-Sysmon/Operational';

/** Sysmon EventID → the Sigma categories of its events. */
const CATEGORIES: Readonly<Record<string, readonly string[]>> = {
  '1': ['process_creation'],
  '3': ['network_connection'],
  '11': ['file_event'],
  '12': ['registry_add', 'registry_delete', 'registry_event'],
  '13': ['registry_set', 'registry_event'],
};

export const sysmonLogsource: RulePackOptions = {
  classify(event: SigmaEvent) {
    if (event.Channel !== SYSMON_CHANNEL) return null;
    const id = String(event.EventID);
    return id in CATEGORIES ? { key: `sysmon/${id}` } : null;
  },
  applies(rule: SigmaRule, source: { key: string } | null) {
    if (source === null) return false;
    const { product, category, service } = rule.logsource;
    if (product !== undefined && product !== 'windows') return false;
    if (category === undefined) return service === 'sysmon';
    return CATEGORIES[source.key.slice('sysmon/'.length)].includes(category);
  },
};
