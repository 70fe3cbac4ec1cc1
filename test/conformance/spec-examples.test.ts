// The Sigma specification's example documents (../shared/sigma-spec/tests/schema): each one parses, or is
// refused for the reason stated here.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRules, parseRuleText } from '../../src/rule/load.js';
import { projectRoot } from '../support/paths.js';

const examples = path.resolve(projectRoot, '../shared/sigma-spec/tests/schema');

describe('Sigma spec example documents', () => {
  it.each(['rules/rule_1.yml', 'rules/rule_ecs.yml'])('loads the example rule %s', async (file) => {
    const result = await loadRules([path.join(examples, file)]);
    expect(result.outcomes).toMatchObject([{ kind: 'rule', ok: true, ruleId: '545a5da6-f103-4919-a519-e9aec1026ee4' }]);
  });

  it('reads rule_1.yml metadata as written', async () => {
    const [loaded] = (await loadRules([path.join(examples, 'rules/rule_1.yml')])).rules;
    expect(loaded).toMatchObject({
      title: 'A Title',
      status: 'test',
      level: 'high',
      date: '2017-05-09',
      modified: '2023-04-14',
      tags: ['attack.defense-evasion', 'attack.t1211', 'attack.t1562.001'],
      logsource: { product: 'windows', service: 'application' },
    });
  });

  it.each(['filter/filter_1.yml', 'filter/filter_ecs.yml'])(
    'parses the example filter %s and reports that it names no loaded rule',
    async (file) => {
      const result = await loadRules([path.join(examples, file)]);
      expect(result.filters).toHaveLength(1);
      expect(result.filters[0].rules).toEqual(['6f3e2987-db24-4c78-a860-b4f4095a7095', 'df0841c0-9846-4e9f-ad8a-7df91571771b']);
      expect(result.outcomes).toMatchObject([{ kind: 'filter', ok: false, error: { code: 'schema' } }]);
      expect(result.outcomes[0].error?.reason).toMatch(/^the filter applies to no loaded rule/);
    },
  );

  it('applies filter_1.yml to a rule it names with a matching logsource', () => {
    const rule = [
      'title: Data Compressed - rar.exe',
      'id: 6f3e2987-db24-4c78-a860-b4f4095a7095',
      'logsource:',
      '    category: process_creation',
      '    product: windows',
      'detection:',
      '    selection:',
      "        Image|endswith: '\\rar.exe'",
      '    condition: selection',
      '',
    ].join('\n');
    const filter = readFileSync(path.join(examples, 'filter/filter_1.yml'), 'utf8');
    const result = parseRuleText(`${rule}---\n${filter}\n`, 'combined.yml');
    expect(result.outcomes.map((o) => o.ok)).toEqual([true, true]);
    expect(result.rules[0].detection.conditionText).toEqual(['selection and not _filt_0_selection']);
    expect(result.rules[0].appliedFilters).toEqual(['Filter Administrator account']);
  });

  it.each([
    ['event_count.yml', 'event_count'],
    ['event_count_ecs.yml', 'event_count'],
    ['temporal.yml', 'temporal'],
    ['temporal_ordered.yml', 'temporal_ordered'],
    ['value_avg.yml', 'value_avg'],
    ['value_count.yml', 'value_count'],
    ['value_percentile.yml', 'value_percentile'],
    ['value_sum.yml', 'value_sum'],
  ])('parses the example correlation %s (%s) and refuses it as not supported yet', async (file, type) => {
    const result = await loadRules([path.join(examples, 'correlation', file)]);
    expect(result.correlations).toMatchObject([{ kind: 'correlation', type }]);
    expect(result.outcomes).toMatchObject([{ kind: 'correlation', ok: false, error: { code: 'unsupported' } }]);
    expect(result.outcomes[0].error?.reason).toMatch(/^correlation rules are not supported yet/);
  });
});
