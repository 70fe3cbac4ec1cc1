// Every Windows network_connection and process_creation rule of the SigmaHQ corpus (all rules* folders), for
// every target: converted or refused with a reason, and every emitted query parses and analyses with zero
// errors against the target's declared schema.
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileToKql, type KqlCompileResult } from '../../src/kql/compile.js';
import { analyzeKql, kqlErrors } from '../../src/kql/analysis.js';
import { loadPlaceholderValues, loadRules } from '../../src/rule/load.js';
import type { SigmaRule } from '../../src/rule/model.js';
import { targetDatabase, TARGET_NAMES, type TargetName } from '../../src/targets/index.js';
import { ACTIVE_CORPUS_FOLDERS } from '../support/corpus-regexes.js';
import { projectRoot } from '../support/paths.js';

const corpus = path.resolve(projectRoot, '../shared/sigma-rules');

/** Refusal reasons with names and values blanked, so they group. */
function reasonKey(result: Extract<KqlCompileResult, { ok: false }>): string {
  const reason = result.reason
    .replace(/'[^']*'/g, "'…'")
    .replace(/\|re: .*/, '|re: ' + result.reason.replace(/^.*\|re: /, ''))
    .replace(/^\S+\|re/, '…|re');
  return `${result.code}: ${reason}`;
}

describe('SigmaHQ Windows network_connection / process_creation → KQL', () => {
  let rules: SigmaRule[];
  beforeAll(async () => {
    const placeholders = await loadPlaceholderValues(path.join(projectRoot, 'test/conformance/fixtures/placeholders.yml'));
    const loaded = await loadRules(ACTIVE_CORPUS_FOLDERS.map((folder) => path.join(corpus, folder)), { placeholders });
    rules = loaded.rules.filter(
      (rule) => rule.logsource.product === 'windows' && ['network_connection', 'process_creation'].includes(rule.logsource.category ?? ''),
    );
  });

  it('selects the 1479 Windows rules (63 network_connection, 1416 process_creation) of the two categories', () => {
    const byCategory: Record<string, number> = {};
    for (const rule of rules) byCategory[rule.logsource.category!] = (byCategory[rule.logsource.category!] ?? 0) + 1;
    console.log('rules per category', byCategory);
    expect(rules.length).toBe(EXPECTED_RULES);
  });

  it.each(TARGET_NAMES.map((target) => [target, EXPECTED[target]] as const))(
    'converts for %s with zero analysis errors; converted / refused per reason as recorded',
    (target: TargetName, expected) => {
      const database = targetDatabase(target);
      const refusals: Record<string, number> = {};
      let converted = 0;
      let exact = 0;
      let withWarnings = 0;
      const failures: string[] = [];
      for (const rule of rules) {
        const result = compileToKql(rule, target);
        if (!result.ok) {
          const key = reasonKey(result);
          refusals[key] = (refusals[key] ?? 0) + 1;
          continue;
        }
        converted++;
        if (result.exact) exact++;
        if (result.warnings.length > 0) withWarnings++;
        const errors = kqlErrors(analyzeKql(result.kql, database));
        if (errors.length > 0) failures.push(`${rule.source.file}: ${errors.map((error) => error.message).join('; ')}`);
      }
      console.log(`${target}: ${converted} converted (${exact} exact, ${withWarnings} with warnings), refused:`, refusals);
      expect(failures).toEqual([]);
      expect({ converted, refused: refusals }).toEqual(expected);
    },
    180_000,
  );
});

const EXPECTED_RULES = 1479;
type Expected = { converted: number; refused: Record<string, number> };
const never = (category: string, target: string, fields: string) =>
  `never-matches: the rule can never match ${category} events on ${target}: it needs ${fields}, which ${target} does not carry`;
const EXPECTED: Record<TargetName, Expected> = {
  asim: {
    converted: 1477,
    refused: { [never('network_connection', 'asim', 'ParentImage')]: 1, [never('network_connection', 'asim', 'SourceIsIpv6')]: 1 },
  },
  mde: {
    // CurrentDirectory is AdditionalFields.ProcessCurrentWorkingDirectory (Linux/macOS rows): the 4 rules that
    // needed it alone now convert, and the one that also needed LogonId now needs only that.
    converted: 1474,
    refused: {
      [never('network_connection', 'mde', 'SourceIsIpv6')]: 1,
      [never('network_connection', 'mde', 'ParentImage')]: 1,
      [never('process_creation', 'mde', 'LogonId')]: 3,
    },
  },
  sysmon: {
    converted: 1476,
    refused: { [never('network_connection', 'sysmon', 'CommandLine')]: 2, [never('network_connection', 'sysmon', 'ParentImage')]: 1 },
  },
};
