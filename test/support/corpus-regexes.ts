// Every `re` pattern of the SigmaHQ corpus, with the rules that use it: the material of the ReDoS suite
// (test/redos) and of scripts/redos-attacks.ts, which asks recheck for attack strings against each.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { loadPlaceholderValues, loadRules } from '../../src/rule/load.js';
import type { RegexFlags } from '../../src/rule/values/regex.js';

export interface CorpusRegex {
  source: string;
  flags: RegexFlags;
  /** Rule ids using the pattern, sorted. */
  rules: string[];
}

/** The corpus folders whose rules are active (deprecated/ and unsupported/ are refused on purpose). */
export const ACTIVE_CORPUS_FOLDERS = ['rules', 'rules-compliance', 'rules-dfir', 'rules-emerging-threats', 'rules-placeholder', 'rules-threat-hunting'];

export function regexKey(source: string, flags: RegexFlags): string {
  return `${flags.ignoreCase ? 'i' : ''}${flags.multiline ? 'm' : ''}${flags.dotAll ? 's' : ''}/${source}`;
}

export async function collectCorpusRegexes(corpusRoot: string, placeholdersFile: string): Promise<CorpusRegex[]> {
  const placeholders = await loadPlaceholderValues(placeholdersFile);
  const loaded = await loadRules(ACTIVE_CORPUS_FOLDERS.map((folder) => path.join(corpusRoot, folder)), { placeholders });
  const byKey = new Map<string, CorpusRegex>();
  for (const rule of loaded.rules) {
    for (const search of rule.detection.searches.values()) {
      const items = search.kind === 'keywords' ? [search.item] : search.alternatives.flatMap((conjunction) => conjunction.items);
      for (const item of items) {
        for (const group of item.values) {
          for (const pattern of group.patterns) {
            if (pattern.kind !== 're') continue;
            const key = regexKey(pattern.source, pattern.flags);
            const entry = byKey.get(key) ?? { source: pattern.source, flags: pattern.flags, rules: [] };
            const ruleId = rule.id ?? rule.title;
            if (!entry.rules.includes(ruleId)) entry.rules.push(ruleId);
            byKey.set(key, entry);
          }
        }
      }
    }
  }
  return [...byKey.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, entry]) => ({ ...entry, rules: entry.rules.sort() }));
}

/** Every distinct string value (recursively) of the SigmaHQ regression events: real recorded field values. */
export function regressionStrings(regressionEventsRoot: string): string[] {
  const values = new Set<string>();
  const collect = (value: unknown): void => {
    if (typeof value === 'string') values.add(value);
    else if (Array.isArray(value)) value.forEach(collect);
    else if (value !== null && typeof value === 'object') Object.values(value).forEach(collect);
  };
  const files = readdirSync(regressionEventsRoot, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.jsonl'))
    .map((entry) => path.join(entry.parentPath, entry.name))
    .sort();
  for (const file of files) for (const line of readFileSync(file, 'utf8').split('\n')) if (line.trim() !== '') collect(JSON.parse(line));
  return [...values];
}
