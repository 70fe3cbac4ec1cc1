// Every Linux (network_connection, process_creation) and macOS (process_creation) rule of the SigmaHQ corpus, on
// the targets that serve those products: converted or refused with a reason, and every emitted query analyses with
// zero errors against the target's declared schema. The product test runs right after the source, before the
// optional columns are extended, so this is where a query reading one too early would show.
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyzeKql, kqlErrors } from '../../src/kql/analysis.js';
import { compileToKql } from '../../src/kql/compile.js';
import { loadRules } from '../../src/rule/load.js';
import type { SigmaRule } from '../../src/rule/model.js';
import { targetDatabase } from '../../src/targets/index.js';
import { sharedRoot } from '../support/paths.js';

const FOLDERS = ['linux/network_connection', 'linux/process_creation', 'macos/process_creation'];

describe('SigmaHQ Linux and macOS rules → KQL', () => {
  let rules: SigmaRule[];
  beforeAll(async () => {
    rules = (await loadRules(FOLDERS.map((folder) => path.join(sharedRoot, 'sigma-rules', 'rules', folder)))).rules;
  }, 120_000);

  it.each(['asim', 'mde'] as const)(
    'converts every rule for %s with zero analysis errors',
    (target) => {
      const perProduct: Record<string, number> = {};
      const refused: Record<string, number> = {};
      const failures: string[] = [];
      for (const rule of rules) {
        const result = compileToKql(rule, target);
        if (!result.ok) {
          refused[result.code] = (refused[result.code] ?? 0) + 1;
          continue;
        }
        perProduct[rule.logsource.product!] = (perProduct[rule.logsource.product!] ?? 0) + 1;
        const errors = kqlErrors(analyzeKql(result.kql, targetDatabase(target)));
        if (errors.length > 0) failures.push(`${path.basename(rule.source.file)}: ${errors.map((error) => error.message).join('; ')}`);
      }
      console.log(JSON.stringify({ target, rules: rules.length, perProduct, refused }));
      expect(failures).toEqual([]);
      expect(perProduct.macos).toBe(67);
      expect(perProduct.linux).toBeGreaterThan(100);
      expect(Object.values(perProduct).reduce((sum, count) => sum + count, 0) + Object.values(refused).reduce((sum, count) => sum + count, 0)).toBe(rules.length);
    },
    300_000,
  );
});
