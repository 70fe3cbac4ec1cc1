import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPlaceholderValues, loadRules, parseRuleText } from '../../../src/rule/load.js';
import type { LoadResult } from '../../../src/rule/load.js';
import { SigmaError } from '../../../src/rule/errors.js';

const RULE_ID = '5638f7c0-ac70-491d-8465-2a65075e0d86';

/** A minimal valid rule; `extra` lines are appended at top level, `detection` replaces the body. */
function rule(options: { id?: string; extra?: string[]; detection?: string[]; logsource?: string[] } = {}): string {
  return [
    'title: Whoami Execution',
    `id: ${options.id ?? RULE_ID}`,
    'status: test',
    'logsource:',
    ...(options.logsource ?? ['    category: process_creation', '    product: windows']),
    'detection:',
    ...(options.detection ?? ['    selection:', "        Image|endswith: '\\whoami.exe'", '    condition: selection']),
    'level: high',
    ...(options.extra ?? []),
    '',
  ].join('\n');
}

function only(result: LoadResult): SigmaError {
  const [outcome] = result.outcomes;
  expect(result.outcomes).toHaveLength(1);
  expect(outcome.ok).toBe(false);
  return outcome.error!;
}

describe('rule documents', () => {
  it('loads metadata, logsource and detection into the typed rule', () => {
    const result = parseRuleText(
      rule({ extra: ['tags:', '    - attack.execution', '    - attack.t1033', 'falsepositives:', '    - Admins', 'custom_field: kept out'] }),
      'r.yml',
    );
    expect(result.outcomes).toEqual([{ path: 'r.yml', document: 0, ruleId: RULE_ID, title: 'Whoami Execution', kind: 'rule', ok: true }]);
    const [loaded] = result.rules;
    expect(loaded).toMatchObject({
      kind: 'rule',
      id: RULE_ID,
      title: 'Whoami Execution',
      status: 'test',
      level: 'high',
      tags: ['attack.execution', 'attack.t1033'],
      falsepositives: ['Admins'],
      references: [],
      fields: [],
      logsource: { category: 'process_creation', product: 'windows' },
      appliedFilters: [],
      source: { file: 'r.yml', document: 0, line: 1, path: '' },
    });
    expect(loaded.detection.conditionText).toEqual(['selection']);
    expect(loaded.detection.condition).toEqual({ kind: 'search', identifier: 'selection' });
  });

  it('gives a detection item the line of its key and its YAML path', () => {
    const [loaded] = parseRuleText(rule(), 'r.yml').rules;
    const search = loaded.detection.searches.get('selection')!;
    expect(search.kind).toBe('fields');
    if (search.kind !== 'fields') return;
    expect(search.alternatives[0].items[0].location).toEqual({ file: 'r.yml', document: 0, line: 9, path: 'detection.selection.Image|endswith' });
    expect(search.alternatives[0].items[0].field).toBe('Image');
  });

  it('reads a list of maps as alternatives and a list of values as keywords', () => {
    const [loaded] = parseRuleText(
      rule({
        detection: [
          '    selection:',
          '        - Image: a.exe',
          '        - Image: b.exe',
          '          CommandLine: x',
          '    keywords:',
          "        - 'event::clear'",
          "        - 'event::drop'",
          '    single: mimikatz',
          '    both:',
          "        '|all':",
          '            - one',
          '            - two',
          '    condition: 1 of selection or keywords or single or both',
        ],
      }),
      'r.yml',
    ).rules;
    const searches = loaded.detection.searches;
    const selection = searches.get('selection')!;
    expect(selection.kind === 'fields' && selection.alternatives.map((a) => a.items.length)).toEqual([1, 2]);
    expect(selection.kind === 'fields' && selection.alternatives[1].location.path).toBe('detection.selection[1]');
    expect(searches.get('keywords')).toMatchObject({ kind: 'keywords', item: { field: null, combine: 'any' } });
    expect(searches.get('single')).toMatchObject({ kind: 'keywords', item: { field: null } });
    expect(searches.get('both')).toMatchObject({ kind: 'keywords', item: { field: null, combine: 'all' } });
  });

  it('ORs the entries of a condition list', () => {
    const [loaded] = parseRuleText(
      rule({ detection: ['    a:', '        X: 1', '    b:', '        Y: 2', '    condition:', '        - a', '        - b'] }),
      'r.yml',
    ).rules;
    expect(loaded.detection.condition).toEqual({ kind: 'or', operands: [{ kind: 'search', identifier: 'a' }, { kind: 'search', identifier: 'b' }] });
    expect(loaded.detection.conditionText).toEqual(['a', 'b']);
  });

  it('normalises a v1 slash date to YYYY-MM-DD', () => {
    const [loaded] = parseRuleText(rule({ extra: ['date: 2020/10/05', 'modified: 2023-01-02'] }), 'r.yml').rules;
    expect([loaded.date, loaded.modified]).toEqual(['2020-10-05', '2023-01-02']);
  });

  it.each([
    ['a missing title', rule().replace('title: Whoami Execution\n', ''), 'schema', 1, '', "missing required field 'title'"],
    ['a missing logsource', rule({ logsource: [] }).replace('logsource:\n', ''), 'schema', 1, '', "missing required field 'logsource'"],
    ['a missing detection', rule({ detection: [] }).replace('detection:\n', ''), 'schema', 1, '', "missing required field 'detection'"],
    ['a missing condition', rule({ detection: ['    selection:', '        A: 1'] }), 'schema', 8, 'detection', "missing required field 'condition'"],
    ['a non-UUID id', rule({ id: 'not-a-uuid' }), 'schema', 2, 'id', "'id' must be a UUID, not 'not-a-uuid'"],
    ['an unknown level', rule().replace('level: high', 'level: severe'), 'schema', 11, 'level', "'level' must be one of informational"],
    ['an unknown status', rule().replace('status: test', 'status: beta'), 'schema', 3, 'status', "'status' must be one of stable"],
    ['a malformed tag', rule({ extra: ['tags:', '    - attack.t1033', '    - Attack T1033'] }), 'schema', 14, 'tags[1]', "tag 'Attack T1033'"],
    ['a bad date', rule({ extra: ['date: 05.10.2020'] }), 'schema', 12, 'date', "'date' must be a YYYY-MM-DD date"],
    ['an over-long title', rule().replace('Whoami Execution', 'x'.repeat(257)), 'schema', 1, 'title', 'over the 256'],
    ['a numeric title', rule().replace('Whoami Execution', '2019'), 'schema', 1, 'title', "'title' must be a string, not the number 2019"],
    ['a map as a field value', rule({ detection: ['    selection:', '        Image:', '            a: b', '    condition: selection'] }), 'value', 9, 'detection.selection.Image', 'not a map'],
    ['a nested list value', rule({ detection: ['    selection:', '        Image:', '            - [a, b]', '    condition: selection'] }), 'value', 10, 'detection.selection.Image[0]', 'plain values'],
    ['maps mixed with keywords', rule({ detection: ['    selection:', '        - a', '        - B: c', '    condition: selection'] }), 'schema', 10, 'detection.selection[1]', 'mixes maps and plain values'],
    ['an empty search', rule({ detection: ['    selection:', '    condition: selection'] }), 'schema', 8, 'detection.selection', "search identifier 'selection' is empty"],
    ['an unknown modifier', rule({ detection: ['    selection:', '        Image|contanis: x', '    condition: selection'] }), 'modifier', 9, 'detection.selection.Image|contanis', 'contanis'],
    ['an unknown identifier in the condition', rule({ detection: ['    selection:', '        A: 1', '    condition: selection and filter'] }), 'condition', 10, 'detection.condition', "unknown search identifier 'filter'"],
    ['a v1 timeframe', rule({ detection: ['    selection:', '        A: 1', '    timeframe: 5m', '    condition: selection'] }), 'condition', 10, 'detection.timeframe', "deprecated 'timeframe'"],
    ['a non-map document', '- a\n- b\n', 'schema', 1, '', 'must be a map, not a list'],
  ])('refuses %s naming line, path and reason', (_name, text, code, line, yamlPath, reason) => {
    const error = only(parseRuleText(text, 'bad.yml'));
    expect(error.code).toBe(code);
    expect(error.location).toMatchObject({ file: 'bad.yml', document: 0, line, path: yamlPath });
    expect(error.reason).toContain(reason);
  });

  it('keeps loading the other documents of a file after one is refused', () => {
    const text = [rule(), rule({ id: 'nope' }), rule({ id: '545a5da6-f103-4919-a519-e9aec1026ee4' })].join('---\n');
    const result = parseRuleText(text, 'multi.yml');
    expect(result.outcomes.map((o) => [o.document, o.ok])).toEqual([[0, true], [1, false], [2, true]]);
    expect(result.outcomes[1].error?.location).toMatchObject({ document: 1, line: 14, path: 'id' });
    expect(result.rules.map((r) => r.source.document)).toEqual([0, 2]);
  });

  it('refuses every document of a v1 action: global file with the reason', () => {
    const text = ['action: global', 'title: T', 'detection:', '    condition: a', '---', 'logsource:', '    product: windows', 'detection:', '    a:', '        X: 1', ''].join('\n');
    const result = parseRuleText(text, 'v1.yml');
    expect(result.outcomes.map((o) => o.ok)).toEqual([false, false]);
    expect(result.outcomes[1].error?.message).toBe(
      "v1.yml:1 action: Sigma v1 'action: global' multi-document files were removed in Sigma 2.0; merge the documents into self-contained rules",
    );
  });
});

describe('placeholders', () => {
  const expandRule = rule({ detection: ['    selection:', "        ComputerName|expand: '%Workstations%'", '    condition: selection'] });

  it('refuses an expand rule when no placeholder values are given', () => {
    expect(only(parseRuleText(expandRule, 'p.yml')).code).toBe('placeholder');
  });

  it('loads an expand rule with placeholder values', () => {
    const result = parseRuleText(expandRule, 'p.yml', { placeholders: new Map([['Workstations', ['WS1', 'WS2']]]) });
    expect(result.outcomes[0].ok).toBe(true);
  });

  it('reads a placeholder file of name to list, with or without percent signs', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'sigma-ph-'));
    const file = path.join(dir, 'values.yml');
    await writeFile(file, "'%Workstations%': [WS1, WS2]\nServers: SRV1\nPorts: [80, 443]\n");
    expect(await loadPlaceholderValues(file)).toEqual(new Map([['Workstations', ['WS1', 'WS2']], ['Servers', ['SRV1']], ['Ports', ['80', '443']]]));
  });

  it('refuses a placeholder file that is not a map of lists of strings', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'sigma-ph-'));
    const file = path.join(dir, 'values.json');
    await writeFile(file, '{"Workstations": [{"name": "WS1"}]}');
    await expect(loadPlaceholderValues(file)).rejects.toMatchObject({ code: 'placeholder', location: { line: 1, path: 'Workstations[0]' } });
    await expect(loadPlaceholderValues(path.join(dir, 'missing.yml'))).rejects.toMatchObject({ code: 'io' });
  });
});

describe('filters', () => {
  const filter = (condition: string, rules: string[] = [RULE_ID], logsource = ['    category: process_creation']): string =>
    [
      'title: Filter admins',
      'logsource:',
      ...logsource,
      'filter:',
      '    rules:',
      ...rules.map((r) => `        - ${r}`),
      '    selection:',
      "        User|startswith: 'adm_'",
      `    condition: ${condition}`,
      '',
    ].join('\n');

  it('ANDs not (filter condition) into the rule it names, with the searches renamed', () => {
    const result = parseRuleText([rule(), filter('selection')].join('---\n'), 'f.yml');
    expect(result.outcomes.map((o) => [o.kind, o.ok])).toEqual([['rule', true], ['filter', true]]);
    const [filtered] = result.rules;
    expect(filtered.appliedFilters).toEqual(['Filter admins']);
    expect([...filtered.detection.searches.keys()]).toEqual(['selection', '_filt_0_selection']);
    expect(filtered.detection.searches.get('_filt_0_selection')?.identifier).toBe('_filt_0_selection');
    expect(filtered.detection.condition).toEqual({
      kind: 'and',
      operands: [{ kind: 'search', identifier: 'selection' }, { kind: 'not', operand: { kind: 'search', identifier: '_filt_0_selection' } }],
    });
    expect(filtered.detection.conditionText).toEqual(['selection and not _filt_0_selection']);
    expect(result.filters[0]).toMatchObject({ kind: 'filter', title: 'Filter admins', rules: [RULE_ID] });
  });

  it('applies a filter to a rule named by its name, across files', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'sigma-filter-'));
    await writeFile(path.join(dir, 'a_filter.yml'), filter('1 of sel*', ['whoami_rule']));
    await writeFile(path.join(dir, 'b_rule.yml'), rule({ extra: ['name: whoami_rule'] }));
    const result = await loadRules([dir]);
    expect(result.outcomes.every((o) => o.ok)).toBe(true);
    expect(result.rules[0].detection.conditionText).toEqual(['selection and not 1 of _filt_0_sel*']);
  });

  it('reports a filter that names no loaded rule', () => {
    const result = parseRuleText(filter('selection', ['6f3e2987-db24-4c78-a860-b4f4095a7095']), 'f.yml');
    expect(result.outcomes[0]).toMatchObject({ kind: 'filter', ok: false });
    expect(result.outcomes[0].error?.message).toBe(
      'f.yml:6 filter.rules: the filter applies to no loaded rule: none of 6f3e2987-db24-4c78-a860-b4f4095a7095 is loaded with a logsource the filter covers',
    );
  });

  it('does not apply a filter to a named rule of another logsource', () => {
    const result = parseRuleText([rule(), filter('selection', [RULE_ID], ['    category: network_connection'])].join('---\n'), 'f.yml');
    expect(result.rules[0].appliedFilters).toEqual([]);
    expect(result.outcomes[1].ok).toBe(false);
  });

  it('refuses a filter whose condition starts with not, which would invert under not (condition)', () => {
    const result = parseRuleText([rule(), filter('not selection')].join('---\n'), 'f.yml');
    expect(result.outcomes[1].error?.code).toBe('condition');
    expect(result.rules[0].appliedFilters).toEqual([]);
  });
});

describe('correlations', () => {
  const correlation = ['title: Many failed logins', 'correlation:', '    type: event_count', '    rules:', '        - failed_login', '    group-by:', '        - ComputerName', '    timespan: 1h', '    condition:', '        gte: 100', ''].join('\n');

  it('parses a correlation and refuses it as unsupported, naming its type and rules', () => {
    const result = parseRuleText(correlation, 'c.yml');
    expect(result.correlations).toEqual([
      { kind: 'correlation', source: { file: 'c.yml', document: 0, line: 1, path: '' }, id: undefined, name: undefined, title: 'Many failed logins', type: 'event_count', rules: ['failed_login'] },
    ]);
    expect(result.outcomes[0]).toMatchObject({ kind: 'correlation', ok: false });
    expect(result.outcomes[0].error?.code).toBe('unsupported');
    expect(result.outcomes[0].error?.message).toBe('c.yml:3 correlation: correlation rules are not supported yet (event_count over failed_login)');
  });

  it('refuses a malformed correlation as a schema error', () => {
    const error = only(parseRuleText(correlation.replace('1h', 'one hour'), 'c.yml'));
    expect(error.code).toBe('schema');
    expect(error.location.path).toBe('correlation.timespan');
  });

  it('loads the rules of a correlation file and refuses only the correlation', () => {
    const result = parseRuleText([rule({ extra: ['name: failed_login'] }), correlation].join('---\n'), 'c.yml');
    expect(result.outcomes.map((o) => [o.kind, o.ok])).toEqual([['rule', true], ['correlation', false]]);
  });
});

describe('loadRules', () => {
  it('walks folders recursively in sorted order, reading only .yml and .yaml files', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'sigma-load-'));
    await mkdir(path.join(dir, 'b'));
    await writeFile(path.join(dir, 'b', 'z.yml'), rule());
    await writeFile(path.join(dir, 'c.yaml'), rule());
    await writeFile(path.join(dir, 'a.yml'), rule());
    await writeFile(path.join(dir, 'notes.txt'), 'not yaml: [');
    const result = await loadRules([dir]);
    expect(result.outcomes.map((o) => path.relative(dir, o.path))).toEqual(['a.yml', path.join('b', 'z.yml'), 'c.yaml']);
  });

  it('loads a file named twice once', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'sigma-load-'));
    await writeFile(path.join(dir, 'a.yml'), rule());
    expect((await loadRules([dir, path.join(dir, 'a.yml')])).outcomes).toHaveLength(1);
  });

  it('reports a missing path and an oversized file and still loads the rest', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'sigma-load-'));
    await writeFile(path.join(dir, 'big.yml'), `title: x\ndescription: '${'x'.repeat(1024 * 1024)}'\n`);
    await writeFile(path.join(dir, 'ok.yml'), rule());
    const result = await loadRules([path.join(dir, 'missing.yml'), dir]);
    expect(result.outcomes.map((o) => [path.basename(o.path), o.ok, o.error?.code])).toEqual([
      ['missing.yml', false, 'io'],
      ['big.yml', false, 'yaml'],
      ['ok.yml', true, undefined],
    ]);
    expect(result.outcomes[1].error?.reason).toMatch(/over the 1048576-byte limit/);
  });
});
