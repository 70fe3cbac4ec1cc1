import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DRL_LICENSE,
  enrichRule,
  incidentEnrichment,
  inferProvenance,
  sentinelSeverityOf,
} from '../../../src/enrich/incident-enrichment.js';
import { ENRICHMENT_MAX_CHARS } from '../../../src/incidents/merge.js';
import { parseRuleText } from '../../../src/rule/load.js';
import type { SigmaRule } from '../../../src/rule/model.js';
import { sharedRoot } from '../../support/paths.js';

const SEED_PATH = 'rules/windows/network_connection/net_connection_win_susp_initiated_uncommon_or_suspicious_locations.yml';

function loadRule(text: string, file: string): SigmaRule {
  const result = parseRuleText(text, file);
  expect(result.rules).toHaveLength(1);
  return result.rules[0];
}

const seedFile = path.join(sharedRoot, 'sigma-rules', SEED_PATH);
const seedRule = loadRule(readFileSync(seedFile, 'utf8'), seedFile);

const OWN_RULE = `
title: Our own rule
id: 11111111-2222-4333-8444-555555555555
license: MIT
author: SOC team
tags: [attack.t1059.001, attack.execution, attack.t1086, attack.t9999, cve.2024-1234]
logsource: {category: process_creation, product: windows}
detection:
  selection: {Image|endswith: '\\\\powershell.exe'}
  condition: selection
level: critical
`;

describe('sentinelSeverityOf', () => {
  it.each([
    ['informational', 'Informational'],
    ['low', 'Low'],
    ['medium', 'Medium'],
    ['high', 'High'],
    ['critical', 'High'],
    [undefined, 'Medium'],
  ] as const)('maps Sigma level %s to Sentinel severity %s', (level, severity) => {
    expect(sentinelSeverityOf(level)).toBe(severity);
  });
});

describe('enrichRule on the seed rule (SigmaHQ)', () => {
  const enrichment = enrichRule(seedRule);

  it('carries the rule identity, High severity and the Sigma level', () => {
    expect(enrichment.title).toBe('Network Connection Initiated From Process Located In Potentially Suspicious Or Uncommon Location');
    expect(enrichment.ruleId).toBe('7b434893-c57d-4f41-908d-6a17bf1ae98f');
    expect(enrichment.severity).toBe('High');
    expect(enrichment.level).toBe('high');
    expect(enrichment.status).toBe('test');
    expect(enrichment.author).toBe('Florian Roth (Nextron Systems), Nasreddine Bencherchali (Nextron Systems)');
    expect(enrichment.description).toMatch(/^Detects a network connection initiated by programs/);
    expect(enrichment.references.length).toBeGreaterThan(0);
    expect(enrichment.falsepositives.length).toBeGreaterThan(0);
    expect(enrichment.logsource).toEqual({ category: 'network_connection', product: 'windows' });
  });

  it('attributes DRL 1.1 with its link, inferred from the SigmaHQ folder layout, and links the rule in SigmaHQ/sigma', () => {
    expect(enrichment.license).toEqual({ ...DRL_LICENSE, basis: 'sigmahq-inferred' });
    expect(enrichment.license.url).toBe('https://github.com/SigmaHQ/Detection-Rule-License');
    expect(enrichment.source.url).toBe(`https://github.com/SigmaHQ/sigma/blob/master/${SEED_PATH}`);
    expect(enrichment.source.file).toBe(seedFile);
  });

  it('names T1105 Ingress Tool Transfer with its tactic, mitigations, detection strategy and data components', () => {
    const [technique] = enrichment.attack.techniques;
    expect([technique.id, technique.name, technique.url]).toEqual(['T1105', 'Ingress Tool Transfer', 'https://attack.mitre.org/techniques/T1105']);
    expect(technique.tactics.map((tactic) => tactic.id)).toEqual(['TA0011']);
    expect(technique.mitigations.map((mitigation) => mitigation.id)).toEqual(['M1031', 'M1037']);
    expect(technique.mitigations.every((mitigation) => mitigation.description.length > 40)).toBe(true);
    expect(technique.detectionStrategies.map((strategy) => strategy.id)).toEqual(['DET0060']);
    expect(technique.dataComponents.map((component) => component.name)).toContain('Network Connection Creation');
    expect(technique.description.length).toBeGreaterThan(100);
    expect(enrichment.attack.tactics.map((tactic) => [tactic.id, tactic.name])).toEqual([['TA0011', 'Command and Control']]);
  });

  it("carries MITRE's attribution line and the ATT&CK version", () => {
    expect(enrichment.attack.attribution).toContain('The MITRE Corporation');
    expect(enrichment.attack.attackVersion).toMatch(/^\d+\.\d+$/);
  });
});

describe('enrichRule on other rules', () => {
  const ownFile = path.join('/srv', 'my-rules', 'powershell.yml');
  const own = enrichRule(loadRule(OWN_RULE, ownFile));

  it("keeps the rule's own license and claims no SigmaHQ link for a rule outside SigmaHQ's layout", () => {
    expect(own.license).toEqual({ name: 'MIT', basis: 'rule' });
    expect(own.source).toEqual({ file: ownFile });
  });

  it('maps critical to High and keeps critical as the level', () => {
    expect([own.severity, own.level]).toEqual(['High', 'critical']);
  });

  it('resolves sub-techniques, revoked ids and lists unknown attack tags', () => {
    expect(own.attack.techniques.map((technique) => [technique.id, technique.fullName])).toEqual([
      ['T1059.001', 'Command and Scripting Interpreter: PowerShell'],
    ]);
    expect(own.attack.replaced).toEqual([{ tag: 'attack.t1086', replacedId: 'T1086', currentId: 'T1059.001', why: 'revoked' }]);
    expect(own.attack.unknownTags).toEqual([{ tag: 'attack.t9999', reason: 'not-found' }]);
    expect(own.tags).toContain('cve.2024-1234');
  });

  it('says unknown when a rule has no license and no SigmaHQ provenance', () => {
    const rule = loadRule(OWN_RULE.replace('license: MIT\n', ''), ownFile);
    expect(enrichRule(rule).license).toEqual({ name: 'unknown', basis: 'unknown' });
  });

  it('uses a given SigmaHQ provenance with its commit for the link and license', () => {
    const rule = loadRule(OWN_RULE.replace('license: MIT\n', ''), ownFile);
    const enrichment = enrichRule(rule, { provenance: { kind: 'sigmahq', repositoryPath: 'rules/windows/x y.yml', commit: '8eaafff1f2845a696050e05e72ba1140ee190698' } });
    expect(enrichment.license).toEqual({ ...DRL_LICENSE, basis: 'sigmahq' });
    expect(enrichment.source.url).toBe('https://github.com/SigmaHQ/sigma/blob/8eaafff1f2845a696050e05e72ba1140ee190698/rules/windows/x%20y.yml');
  });
});

describe('inferProvenance', () => {
  it.each([
    ['/home/site/wwwroot/rules/windows/process_creation/a.yml', 'rules/windows/process_creation/a.yml'],
    ['C:\\hunt\\rules-emerging-threats\\2024\\b.yaml', 'rules-emerging-threats/2024/b.yaml'],
    ['/x/rules/vendor/rules/windows/c.yml', 'rules/windows/c.yml'],
  ])('reads %s as SigmaHQ path %s', (file, repositoryPath) => {
    expect(inferProvenance(file)).toEqual({ kind: 'sigmahq', repositoryPath });
  });

  it.each(['/srv/my-rules/a.yml', '/x/rules', '/x/rules/a.txt'])('reads %s as other', (file) => {
    expect(inferProvenance(file)).toEqual({ kind: 'other' });
  });
});

describe('incidentEnrichment', () => {
  const hit = {
    host: 'ws01.corp.contoso.com',
    account: 'CORP\\alice',
    processImage: 'C:\\Users\\Public\\evil.exe',
    processId: '4242',
    destination: { fqdn: 'raw.githubusercontent.com', ip: '185.199.108.133', port: 443 },
    event: { Image: 'C:\\Users\\Public\\evil.exe', Initiated: 'true' },
  };
  const enrichment = incidentEnrichment({
    rule: enrichRule(seedRule),
    hit,
    target: 'mde',
    pivotFrom: '2026-11-28T04:00:00Z',
    pivotTo: '2026-11-28T07:00:00Z',
  });

  it('is plain JSON holding the rule, the entities and the pivots', () => {
    expect(JSON.parse(JSON.stringify(enrichment))).toEqual(enrichment);
    expect(Object.keys(enrichment).sort()).toEqual(['entities', 'pivots', 'rule']);
    expect((enrichment.pivots as { name: string }[]).map((pivot) => pivot.name)).toEqual(['host-connections', 'process-history', 'process-connections']);
    expect((enrichment.entities as { type: string }[]).map((entity) => entity.type)).toEqual(['Host', 'Account', 'File', 'Process', 'DNS', 'IP']);
  });

  it('fits the incident store bound without being cut for the seed rule', () => {
    expect(JSON.stringify(enrichment).length).toBeLessThan(ENRICHMENT_MAX_CHARS);
  });
});
