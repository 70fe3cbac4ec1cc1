import { readFileSync } from 'node:fs';
import path from 'node:path';
import { sharedRoot } from '../../support/paths.js';

/** The KQL block of the seed page: after "KQL (Azure Sentinel)", up to "Required Data Sources". */
export function seedKql(): string {
  const text = readFileSync(path.join(sharedRoot, 'seeds/000_65d37338f901d9a1.txt'), 'utf8');
  const lines = text.split('\n');
  const start = lines.findIndex((line) => line.startsWith('KQL (Azure Sentinel)')) + 1;
  const end = lines.findIndex((line, index) => index > start && line.startsWith('Required Data Sources'));
  if (start <= 0 || end < 0) throw new Error('seed layout changed: no KQL block');
  return lines.slice(start, end).join('\n').trim();
}
