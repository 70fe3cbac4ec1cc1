import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { compileToKql, type KqlCompileResult, type KqlConversion } from '../../../src/kql/compile.js';
import { analyzeKql, kqlErrors } from '../../../src/kql/analysis.js';
import { parseKqlSyntax } from '../../../src/kql/syntax-tree.js';
import { parseRuleText } from '../../../src/rule/load.js';
import type { SigmaRule } from '../../../src/rule/model.js';
import { targetDatabase, TARGET_NAMES, type TargetName } from '../../../src/targets/index.js';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

function rule(detection: string, category = 'process_creation'): SigmaRule {
  const text = `title: Test\nid: 11111111-2222-3333-4444-555555555555\nlogsource:\n    category: ${category}\n    product: windows\ndetection:\n${detection}\n`;
  const loaded = parseRuleText(text, 'test.yml');
  if (loaded.rules.length !== 1) throw new Error(JSON.stringify(loaded.outcomes.map((outcome) => outcome.error?.message)));
  return loaded.rules[0]!;
}

function converted(result: KqlCompileResult): KqlConversion {
  if (!result.ok) throw new Error(`refused: ${result.code}: ${result.reason}`);
  return result;
}

/** The `where` predicate holding the rule's tests (the last where before project). */
function rulePredicate(kql: string): string {
  const wheres = kql.split('\n').filter((line) => line.startsWith('| where '));
  return wheres[wheres.length - 1]!.slice('| where '.length);
}

function expectNoErrors(result: KqlConversion, target: TargetName): void {
  expect(kqlErrors(analyzeKql(result.kql, targetDatabase(target)))).toEqual([]);
}

/** Every decoded string literal of a query's syntax tree. */
function stringLiterals(kql: string): string[] {
  const found: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node !== null && typeof node === 'object') {
      const record = node as Record<string, unknown>;
      if (record.kind === 'literal' && record.type === 'string') found.push(record.value as string);
      for (const [key, value] of Object.entries(record)) if (key !== 'span') walk(value);
    }
  };
  walk(parseKqlSyntax(kql).statements);
  return found;
}

describe('the seed rule (network connection from a suspicious location)', () => {
  const file = path.join(projectRoot, 'rules/windows/network_connection/net_connection_win_susp_initiated_uncommon_or_suspicious_locations.yml');
  const seed = parseRuleText(readFileSync(file, 'utf8'), file).rules[0]!;

  it('never tests NetworkDirection against "true" on asim', () => {
    const { kql } = converted(compileToKql(seed, 'asim'));
    expect(kql).not.toMatch(/NetworkDirection\s*(=~|==)\s*"true"/);
    expect(kql).toContain('NetworkDirection == "Outbound"');
  });

  it('tests the domain suffixes on the FQDN (falling back to DstHostname only when there is no FQDN) on asim', () => {
    const { kql } = converted(compileToKql(seed, 'asim'));
    expect(kql).toContain('sigma_DestinationHostname = coalesce(DstFQDN, DstHostname)');
    expect(kql).toContain('sigma_DestinationHostname endswith ".githubusercontent.com"');
    expect(kql).not.toMatch(/DstHostname\s+endswith/);
  });

  it('reads Image from the Defender full path before the Sysmon Src/Dst process names on asim', () => {
    const { kql } = converted(compileToKql(seed, 'asim'));
    expect(kql).toContain('coalesce(InitiatingProcessFolderPath, SrcProcessName, DstProcessName)');
    expect(kql).toContain('column_ifexists("InitiatingProcessFolderPath", "")');
  });

  it.each(TARGET_NAMES)('converts exactly and analyses without errors on %s', (target) => {
    const result = converted(compileToKql(seed, target));
    expect(result.exact).toBe(true);
    expectNoErrors(result, target);
  });

  it('maps Initiated to the outbound ActionTypes on mde', () => {
    const { kql } = converted(compileToKql(seed, 'mde'));
    expect(rulePredicate(kql)).toMatch(/^ActionType in \("ConnectionSuccess", "ConnectionFailed", "ConnectionRequest"\) and /);
  });
});

describe('value escaping', () => {
  const hostile = ['a"b', 'c\\d', 'e\nf', 'g|h', 'i//j', "k'l", '"| project x //', '\\"\\', 'tab\there', 'x\u2028y'];

  it.each(TARGET_NAMES)('puts every hostile value into exactly one string literal (%s)', (target) => {
    const values = hostile.map((value) => `            - ${JSON.stringify(value)}`).join('\n');
    const sigma = rule(`    selection:\n        CommandLine|contains:\n${values}\n    condition: selection`);
    const result = converted(compileToKql(sigma, target));
    expectNoErrors(result, target);
    const literals = stringLiterals(result.kql);
    // ASCII values are tested by Kusto's own operators; a non-ASCII one only through the regex (compile/fold.ts).
    for (const value of hostile.filter((text) => /^[\x00-\x7f]*$/.test(text))) expect(literals.filter((literal) => literal === value)).toHaveLength(1);
    expect(literals).toContain('[xX]\\x{2028}[yY]');
  });

  it('escapes wildcard literals for RE2 so a regex metacharacter in a value stays a literal', () => {
    const sigma = rule(`    selection:\n        CommandLine: 'a.b*c(d)[e]$?'\n    condition: selection`);
    const { kql } = converted(compileToKql(sigma, 'mde'));
    expect(stringLiterals(kql)).toContain('(?s)^[aA]\\.[bB].*[cC]\\([dD]\\)\\[[eE]\\]\\$[^\\x{130}]$');
  });
});

describe('string operators', () => {
  const where = (detection: string, target: TargetName = 'mde', category?: string) =>
    rulePredicate(converted(compileToKql(rule(`    selection:\n${detection}\n    condition: selection`, category), target)).kql);

  it('uses case-insensitive operators by default', () => {
    expect(where(`        Image|endswith: '\\cmd.exe'`)).toBe('FolderPath endswith "\\\\cmd.exe"');
    expect(where(`        Image|startswith: 'C:\\'`)).toBe('FolderPath startswith "C:\\\\"');
    expect(where(`        CommandLine|contains: 'whoami'`)).toContain('ProcessCommandLine contains "whoami"');
    expect(where(`        Image: 'C:\\x.exe'`)).toBe('FolderPath =~ "C:\\\\x.exe"');
  });

  it('merges several exact values into one in~', () => {
    expect(where(`        OriginalFileName:\n            - 'a.exe'\n            - 'b.exe'`)).toMatch(/^ProcessVersionInfoOriginalFileName in~ \("a.exe", "b.exe"\) and /);
  });

  it('tests a literal by its operator where the value holds no case partner of its letters, else by the matcher\'s folding in RE2', () => {
    expect(where(`        Image|endswith: '\\net.exe'`)).toBe(
      'FolderPath endswith "\\\\net.exe" and (not(FolderPath matches regex "[\\\\x{149}\\\\x{1E97}\\\\x{FB05}\\\\x{FB06}]") or ' +
        'FolderPath matches regex "\\\\\\\\[nN][eE][tT]\\\\.[eE][xX][eE]$")',
    );
  });

  it('guards a literal with k or a final i by its part the matcher cannot meet through the KELVIN SIGN or İ', () => {
    expect(where(`        CommandLine|contains: 'mimikatz'`)).toBe(
      'ProcessCommandLine contains "mimi" and ((ProcessCommandLine contains "mimikatz" and not(ProcessCommandLine matches regex "[\\\\x{130}\\\\x{131}\\\\x{1E97}\\\\x{1E9A}\\\\x{212A}\\\\x{FB01}\\\\x{FB03}\\\\x{FB05}\\\\x{FB06}]")) or ' +
        '(ProcessCommandLine matches regex "[\\\\x{130}\\\\x{131}\\\\x{1E97}\\\\x{1E9A}\\\\x{212A}\\\\x{FB01}\\\\x{FB03}\\\\x{FB05}\\\\x{FB06}]" and ProcessCommandLine matches regex "[mM][iI][mM][iI][kK\\\\x{212A}][aA][tT][zZ]"))',
    );
    expect(where(`        CommandLine|startswith: 'wmi'`)).toMatch(/^ProcessCommandLine startswith "wm" and \(\(ProcessCommandLine startswith "wmi" and /);
    expect(where(`        CommandLine|startswith: 'wmi'`)).toContain('"^[wW][mM](?:[iI]|\\\\x{130})"');
  });

  it('needs no guard for a literal without letters that have case partners', () => {
    expect(where(`        CommandLine|contains: ' /c '`)).toBe('ProcessCommandLine contains " /c "');
  });

  it('uses the _cs variants for cased', () => {
    expect(where(`        CommandLine|contains|cased: 'AbC'`)).toBe('ProcessCommandLine contains_cs "AbC"');
    expect(where(`        CommandLine|cased: 'AbC'`)).toBe('ProcessCommandLine == "AbC"');
  });

  it('writes an inner wildcard as an anchored case-insensitive regex', () => {
    expect(where(`        CommandLine: 'a*b'`)).toBe('ProcessCommandLine matches regex "(?s)^[aA].*[bB]$"');
    expect(where(`        CommandLine|cased: 'a?b'`)).toBe('ProcessCommandLine matches regex "(?s)^a.b$"');
  });

  it('compiles contains|all to a conjunction', () => {
    expect(where(`        CommandLine|contains|all:\n            - 'c'\n            - 'b'`)).toBe('ProcessCommandLine contains "c" and ProcessCommandLine contains "b"');
  });

  it('tests windash alternatives produced by the modifier layer', () => {
    expect(where(`        CommandLine|windash|contains: '-enc'`)).toContain('ProcessCommandLine contains "/enc"');
  });

  it("compiles '' to false (an empty cell is absent) and warns", () => {
    const result = converted(compileToKql(rule(`    selection:\n        Image|endswith: 'x'\n    filter:\n        CommandLine: ''\n    condition: selection and not filter`), 'mde'));
    expect(rulePredicate(result.kql)).toBe('FolderPath endswith "x"');
    expect(result.warnings.join('\n')).toContain("'' never matches");
  });

  it("compiles a lone '*' to isnotempty", () => {
    expect(where(`        CommandLine: '*'`)).toBe('isnotempty(ProcessCommandLine)');
  });
});

describe('null, exists, neq', () => {
  const where = (detection: string, condition = 'selection') =>
    rulePredicate(converted(compileToKql(rule(`    selection:\n        Image|endswith: 'x'\n${detection}\n    condition: ${condition}`), 'mde')).kql);

  it('compiles null to isempty and its negation to not(isempty)', () => {
    expect(where(`    filter:\n        CommandLine: null`, 'selection and not filter')).toBe('FolderPath endswith "x" and not(isempty(ProcessCommandLine))');
  });

  it('compiles exists to isnotempty / isempty', () => {
    expect(where(`    other:\n        CommandLine|exists: true`, 'selection and other')).toBe('FolderPath endswith "x" and isnotempty(ProcessCommandLine)');
    expect(where(`    other:\n        CommandLine|exists: false`, 'selection and other')).toBe('FolderPath endswith "x" and isempty(ProcessCommandLine)');
  });

  it('compiles neq to present-and-none-of', () => {
    expect(where(`    other:\n        CommandLine|neq: 'b'`, 'selection and other')).toBe('FolderPath endswith "x" and isnotempty(ProcessCommandLine) and not(ProcessCommandLine =~ "b")');
  });
});

describe('numbers, networks and field references', () => {
  it('compares a numeric column with unquoted integers', () => {
    const result = converted(compileToKql(rule(`    selection:\n        DestinationPort:\n            - 443\n            - '80'\n    condition: selection`, 'network_connection'), 'asim'));
    expect(rulePredicate(result.kql)).toBe('DstPortNumber in (443, 80)');
    expectNoErrors(result, 'asim');
  });

  it('tests a numeric column by its text for string patterns', () => {
    const result = converted(compileToKql(rule(`    selection:\n        DestinationPort|startswith: '44'\n    condition: selection`, 'network_connection'), 'asim'));
    expect(rulePredicate(result.kql)).toBe('tostring(DstPortNumber) startswith "44"');
  });

  it('never matches a number column with a non-canonical number text', () => {
    const result = compileToKql(rule(`    selection:\n        DestinationPort: '0443'\n    condition: selection`, 'network_connection'), 'asim');
    expect(result).toMatchObject({ ok: false, code: 'never-matches' });
  });

  it('compiles cidr with ipv4_is_in_range and the IPv4-mapped IPv6 form', () => {
    const result = converted(compileToKql(rule(`    selection:\n        DestinationIp|cidr: '10.0.0.0/8'\n    condition: selection`, 'network_connection'), 'mde'));
    expect(result.kql).toContain('ipv4_is_in_range(sigma_DestinationIp, "10.0.0.0/8")');
    expect(result.kql).toContain('ipv6_is_in_range(sigma_DestinationIp, "::ffff:10.0.0.0/104")');
    expectNoErrors(result, 'mde');
  });

  it('compiles an IPv6 cidr with ipv6_is_in_range on IPv6 text only', () => {
    const result = converted(compileToKql(rule(`    selection:\n        DestinationIp|cidr: 'fe80::/10'\n    condition: selection`, 'network_connection'), 'sysmon'));
    expect(rulePredicate(result.kql)).toBe('DestinationIp contains ":" and coalesce(ipv6_is_in_range(DestinationIp, "fe80::/10"), false)');
  });

  it('compiles fieldref as a column comparison of two present values', () => {
    const result = converted(compileToKql(rule(`    selection:\n        ParentImage|fieldref: Image\n    condition: selection`), 'mde'));
    expect(rulePredicate(result.kql)).toBe(
      'isnotempty(InitiatingProcessFolderPath) and isnotempty(FolderPath) and (InitiatingProcessFolderPath =~ FolderPath or ' +
        'InitiatingProcessFolderPath matches regex "[^\\\\x{0}-\\\\x{7F}]" or FolderPath matches regex "[^\\\\x{0}-\\\\x{7F}]")',
    );
    expect(result.exact).toBe(false);
    expectNoErrors(result, 'mde');
  });
});

describe('regular expressions', () => {
  const where = (value: string, modifiers = '') =>
    rulePredicate(converted(compileToKql(rule(`    selection:\n        CommandLine|re${modifiers}: '${value}'\n    condition: selection`), 'mde')).kql);

  it('maps re flags to RE2 inline flags', () => {
    expect(where('a.b', '|i')).toBe('ProcessCommandLine matches regex "(?i)a.b"');
    expect(where('a.b', '|i|m|s')).toBe('ProcessCommandLine matches regex "(?ims)a.b"');
    expect(where('a.b', '|s')).toBe('ProcessCommandLine matches regex "(?s)a.b"');
  });

  it('refuses lookarounds and back references with a reason', () => {
    // The loader refuses these (src/rule/values/regex.ts); a rule model built by hand still gets a refusal.
    const built = rule(`    selection:\n        CommandLine|re: 'ab'\n    condition: selection`);
    for (const source of ['a(?=b)', 'a(?!b)', '(a)\\1']) {
      const pattern = built.detection.searches.get('selection')!;
      if (pattern.kind !== 'fields') throw new Error('expected a field search');
      pattern.alternatives[0]!.items[0]!.values[0]!.patterns[0] = { kind: 're', source, flags: { ignoreCase: false, multiline: false, dotAll: false } };
      expect(compileToKql(built, 'mde')).toMatchObject({ ok: false, code: 'regex' });
    }
  });
});

describe('polarity', () => {
  it('keeps an inexact (superset) test in positive polarity and marks the result inexact', () => {
    const result = converted(compileToKql(rule(`    selection:\n        CommandLine|gt: 5\n    condition: selection`), 'mde'));
    expect(result.exact).toBe(false);
    expect(rulePredicate(result.kql)).toBe('todouble(ProcessCommandLine) > 5');
  });

  it('turns an inexact test under not into false, so the negation stays a superset', () => {
    const result = converted(compileToKql(rule(`    selection:\n        Image|endswith: 'x'\n    filter:\n        CommandLine|gt: 5\n    condition: selection and not filter`), 'mde'));
    expect(result.exact).toBe(false);
    expect(rulePredicate(result.kql)).toBe('FolderPath endswith "x"');
  });

  it('swaps polarity twice under not not', () => {
    const result = converted(compileToKql(rule(`    selection:\n        Image|endswith: 'x'\n    filter:\n        CommandLine|gt: 5\n    condition: selection and not (not filter)`), 'mde'));
    expect(rulePredicate(result.kql)).toContain('todouble(ProcessCommandLine) > 5');
  });
});

describe('conditions', () => {
  const where = (condition: string) =>
    rulePredicate(
      converted(compileToKql(rule(`    sel_a:\n        Image|endswith: 'e'\n    sel_b:\n        Image|endswith: 'b'\n    filter:\n        CommandLine|contains: 'c'\n    condition: ${condition}`), 'mde')).kql,
    );

  it('compiles 1 of, all of, and, or, not', () => {
    expect(where('1 of sel_* and not filter')).toBe('(FolderPath endswith "e" or FolderPath endswith "b") and not(ProcessCommandLine contains "c")');
    expect(where('all of sel_*')).toBe('FolderPath endswith "e" and FolderPath endswith "b"');
    expect(where('sel_a or (sel_b and filter)')).toBe('FolderPath endswith "e" or (FolderPath endswith "b" and ProcessCommandLine contains "c")');
  });

  it('groups long or-chains so the Kusto parser depth limit is never reached', () => {
    const values = Array.from({ length: 1200 }, (_, index) => `            - 'v${index}x'`).join('\n');
    const result = converted(compileToKql(rule(`    selection:\n        CommandLine|contains:\n${values}\n    condition: selection`), 'mde'));
    expectNoErrors(result, 'mde');
  });

  it('searches keywords over every mapped field and projects them all', () => {
    const result = converted(compileToKql(rule(`    keywords:\n        - 'mimikatz'\n    condition: keywords`), 'mde'));
    expect(result.kql).toContain('ProcessCommandLine contains "mimikatz"');
    expect(result.kql).toContain('FolderPath contains "mimikatz"');
    expect(result.columns).toContain('ProcessVersionInfoCompanyName');
    expectNoErrors(result, 'mde');
  });
});

describe('query shape', () => {
  const sigma = rule(`    selection:\n        Image|endswith: '\\\\x.exe'\n    condition: selection`);

  it('filters the time window first on a table', () => {
    const { kql } = converted(compileToKql(sigma, 'mde'));
    expect(kql.split('\n').slice(0, 2)).toEqual(['DeviceProcessEvents', '| where TimeGenerated between (ago(1h) .. now())']);
  });

  it('passes the window as the ASIM parser parameters, and only those', () => {
    const window = { start: new Date('2024-01-01T00:00:00Z'), end: new Date('2024-01-01T01:00:00Z') };
    const { kql } = converted(compileToKql(sigma, 'asim', { window }));
    expect(kql.split('\n')[0]).toBe('_Im_ProcessCreate(starttime=datetime(2024-01-01T00:00:00.000Z), endtime=datetime(2024-01-01T01:00:00.000Z))');
  });

  it('calls the workspace-deployed parser on request', () => {
    expect(converted(compileToKql(sigma, 'asim', { useWorkspaceParser: true })).kql.split('\n')[0]).toMatch(/^imProcessCreate\(/);
  });

  it('declares starttime/endtime as query parameters on request', () => {
    const result = converted(compileToKql(sigma, 'sysmon', { window: 'parameters' }));
    expect(result.kql.split('\n')[0]).toBe('declare query_parameters(starttime:datetime, endtime:datetime);');
    expect(result.kql).toContain('between (starttime .. endtime)');
    expectNoErrors(result, 'sysmon');
  });

  it('projects host, identity, entity and tested columns, and the extra columns asked for', () => {
    const result = converted(compileToKql(sigma, 'mde', { extraColumns: ['SHA256'] }));
    expect(result.columns.slice(0, 4)).toEqual(['TimeGenerated', 'DeviceName', 'DeviceId', 'ReportId']);
    expect(result.columns).toEqual(expect.arrayContaining(['FolderPath', 'ProcessCommandLine', 'AccountName', 'InitiatingProcessFolderPath', 'SHA256']));
    expect(result.kql.split('\n').at(-1)).toBe(`| project ${result.columns.join(', ')}`);
  });

  it('refuses an extra column the target does not have', () => {
    expect(compileToKql(sigma, 'mde', { extraColumns: ['Nope'] })).toMatchObject({ ok: false, code: 'option' });
  });

  it('pre-filters raw Sysmon on whole terms, then parses only the needed EventData fields', () => {
    const { kql } = converted(compileToKql(sigma, 'sysmon'));
    expect(kql).toContain('| where Source == "Microsoft-Windows-Sysmon" and EventID == 1');
    expect(kql).toContain('| where EventData has "x"'.replace('"x"', '"exe"'));
    expect(kql).toMatch(/\| parse-kv EventData as \(Image:string, CommandLine:string, /);
  });
});

describe('refusals', () => {
  it('refuses a logsource the target has no mapping for', () => {
    const sigma = rule(`    selection:\n        TargetFilename|endswith: 'x'\n    condition: selection`, 'file_event');
    for (const target of TARGET_NAMES) expect(compileToKql(sigma, target)).toMatchObject({ ok: false, code: 'category' });
  });

  it('refuses a rule that needs a field the target lacks, naming the field', () => {
    const result = compileToKql(rule(`    selection:\n        LogonGuid|contains: 'x'\n    condition: selection`), 'mde');
    expect(result).toMatchObject({ ok: false, code: 'never-matches' });
    expect(!result.ok && result.reason).toContain('LogonGuid');
  });

  it('evaluates a filter on a missing field as on an absent field, with a warning', () => {
    const result = converted(compileToKql(rule(`    selection:\n        Image|endswith: 'x'\n    filter:\n        LogonGuid|contains: 'y'\n    condition: selection and not filter`), 'mde'));
    expect(rulePredicate(result.kql)).toBe('FolderPath endswith "x"');
    expect(result.exact).toBe(true);
    expect(result.warnings.join('\n')).toContain('LogonGuid');
  });

  it('refuses an unknown target', () => {
    expect(compileToKql(rule(`    selection:\n        Image: x\n    condition: selection`), 'splunk')).toMatchObject({ ok: false, code: 'target' });
  });
});
