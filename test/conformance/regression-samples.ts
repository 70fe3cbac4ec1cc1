// The SigmaHQ regression samples (../shared/sigma-regression): real recorded events that prove each rule
// fires, one manifest row per sample (its README says what a row holds).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { sharedRoot } from '../support/paths.js';

export const regressionRoot = path.join(sharedRoot, 'sigma-regression');

export interface Sample {
  ruleId: string;
  rulePath: string;
  eventsPath: string;
  minimumMatches: number;
  title: string;
}

export function readManifest(): Sample[] {
  const [header, ...lines] = readFileSync(path.join(regressionRoot, 'manifest.tsv'), 'utf8').trimEnd().split(/\r?\n/);
  const columns = header.split('\t');
  const at = (name: string) => columns.indexOf(name);
  return lines.map((line) => {
    const cells = line.split('\t');
    return {
      ruleId: cells[at('rule_id')],
      rulePath: path.join(sharedRoot, cells[at('rule_path')]),
      eventsPath: path.join(regressionRoot, cells[at('jsonl')]),
      minimumMatches: cells[at('match_count')] ? Number(cells[at('match_count')]) : 1,
      title: cells[at('rule_title')],
    };
  });
}

export function readEvents(sample: Sample): Array<Record<string, unknown>> {
  return readFileSync(sample.eventsPath, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}
