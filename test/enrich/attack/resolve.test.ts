import { describe, expect, it } from 'vitest';
import { loadAttack, resolveAttackTags } from '../../../src/enrich/attack/index.js';

describe('resolveAttackTags', () => {
  it('resolves attack.t1105 to Ingress Tool Transfer in Command and Control (TA0011)', () => {
    const context = resolveAttackTags(['attack.t1105']);
    expect(context.techniques.map((technique) => [technique.id, technique.name])).toEqual([['T1105', 'Ingress Tool Transfer']]);
    expect(context.techniques[0].tactics.map((tactic) => [tactic.id, tactic.name, tactic.shortname])).toEqual([
      ['TA0011', 'Command and Control', 'command-and-control'],
    ]);
    expect(context.techniques[0].url).toBe('https://attack.mitre.org/techniques/T1105');
  });

  it('gives T1105 its mitigations with how each applies to the technique', () => {
    const [technique] = resolveAttackTags(['attack.t1105']).techniques;
    expect(technique.mitigations.map((mitigation) => [mitigation.id, mitigation.name])).toEqual([
      ['M1031', 'Network Intrusion Prevention'],
      ['M1037', 'Filter Network Traffic'],
    ]);
    for (const mitigation of technique.mitigations) {
      expect(mitigation.url).toBe(`https://attack.mitre.org/mitigations/${mitigation.id}`);
      expect(mitigation.description.length).toBeGreaterThan(40);
    }
  });

  it('gives T1105 detection strategy DET0060 with its analytics and data components', () => {
    const [technique] = resolveAttackTags(['attack.t1105']).techniques;
    expect(technique.detectionStrategies.map((strategy) => strategy.id)).toEqual(['DET0060']);
    const [strategy] = technique.detectionStrategies;
    expect(strategy.url).toBe('https://attack.mitre.org/detectionstrategies/DET0060');
    const windows = strategy.analytics.find((analytic) => analytic.platforms.includes('Windows'));
    expect(windows?.logSources.map((source) => `${source.dataComponent.name} | ${source.name} | ${source.channel}`)).toContain(
      'Process Creation | WinEventLog:Sysmon | EventCode=1',
    );
    expect(technique.dataComponents.map((component) => component.name)).toEqual(
      expect.arrayContaining(['Network Connection Creation', 'Process Creation', 'File Creation']),
    );
    expect(technique.dataComponents.every((component) => /^DC\d{4}$/.test(component.id))).toBe(true);
  });

  it('strips citation markers from descriptions but keeps MITRE markdown links', () => {
    const [technique] = resolveAttackTags(['attack.t1105']).techniques;
    expect(technique.description).not.toContain('(Citation:');
    expect(technique.description).toContain('[Lateral Tool Transfer](https://attack.mitre.org/techniques/T1570)');
  });

  it('resolves a sub-technique tag with its parent', () => {
    const [technique] = resolveAttackTags(['attack.t1059.001']).techniques;
    expect(technique.id).toBe('T1059.001');
    expect(technique.name).toBe('PowerShell');
    expect(technique.parent?.id).toBe('T1059');
    expect(technique.fullName).toBe('Command and Scripting Interpreter: PowerShell');
    expect(technique.tactics.map((tactic) => tactic.id)).toEqual(['TA0002']);
  });

  it('resolves attack.command-and-control as a tactic named by the tag', () => {
    const context = resolveAttackTags(['attack.command-and-control']);
    expect(context.tactics.map((tactic) => [tactic.id, tactic.name])).toEqual([['TA0011', 'Command and Control']]);
    expect(context.techniques).toEqual([]);
    expect(context.unknownTags).toEqual([]);
  });

  it('resolves the pre-v19 attack.defense-evasion to TA0005 Stealth and says it was renamed', () => {
    const context = resolveAttackTags(['attack.defense-evasion']);
    expect(context.tactics.map((tactic) => [tactic.id, tactic.name])).toEqual([['TA0005', 'Stealth']]);
    expect(context.replaced).toEqual([{ tag: 'attack.defense-evasion', replacedId: 'defense-evasion', currentId: 'TA0005', why: 'renamed' }]);
  });

  it('reports unknown attack tags and passes other namespaces through', () => {
    const context = resolveAttackTags(['attack.t9999', 'attack.not-a-tactic', 'attack.constructor', 'cve.2021-44228', 'detection.threat-hunting']);
    expect(context.unknownTags).toEqual([
      { tag: 'attack.t9999', reason: 'not-found' },
      { tag: 'attack.not-a-tactic', reason: 'not-found' },
      { tag: 'attack.constructor', reason: 'not-found' },
    ]);
    expect(context.nonAttackTags).toEqual(['cve.2021-44228', 'detection.threat-hunting']);
  });

  it('reports a deprecated technique as deprecated, with its last name', () => {
    expect(resolveAttackTags(['attack.t1064']).unknownTags).toEqual([{ tag: 'attack.t1064', reason: 'deprecated', name: 'Scripting' }]);
  });

  it('resolves a revoked technique to the technique that replaced it', () => {
    const context = resolveAttackTags(['attack.t1086']);
    expect(context.techniques.map((technique) => technique.id)).toEqual(['T1059.001']);
    expect(context.replaced).toEqual([{ tag: 'attack.t1086', replacedId: 'T1086', currentId: 'T1059.001', why: 'revoked' }]);
  });

  it('follows a revoked-by chain to the current technique (T1150 -> T1547.011 -> T1647)', () => {
    expect(resolveAttackTags(['attack.t1150']).techniques.map((technique) => technique.id)).toEqual(['T1647']);
  });

  it('names group and software tags', () => {
    const context = resolveAttackTags(['attack.g0032', 'attack.s0154', 'attack.s0039']);
    expect(context.groups).toEqual([{ id: 'G0032', name: 'Lazarus Group', url: 'https://attack.mitre.org/groups/G0032' }]);
    expect(context.software.map((software) => [software.id, software.name, software.type])).toEqual([
      ['S0154', 'Cobalt Strike', 'malware'],
      ['S0039', 'Net', 'tool'],
    ]);
  });

  it('matches tags case-insensitively and lists each object once', () => {
    const context = resolveAttackTags(['attack.T1105', 'attack.t1105', 'ATTACK.Command-And-Control']);
    expect(context.techniques.map((technique) => technique.id)).toEqual(['T1105']);
    expect(context.tactics.map((tactic) => tactic.id)).toEqual(['TA0011']);
  });

  it('carries the ATT&CK version and MITRE attribution', () => {
    const context = resolveAttackTags([]);
    expect(context.attackVersion).toBe('19.1');
    expect(context.attribution).toBe(
      '© 2026 The MITRE Corporation. This work is reproduced and distributed with the permission of The MITRE Corporation.',
    );
  });
});

describe('loadAttack', () => {
  it('loads the catalog once and serves the same object', () => {
    expect(loadAttack()).toBe(loadAttack());
  });

  it('lists the 15 v19 tactics in matrix order, Stealth and Defense Impairment included', () => {
    const tactics = loadAttack().tactics.map((tactic) => tactic.id);
    expect(tactics).toHaveLength(15);
    expect(tactics[0]).toBe('TA0043');
    expect(tactics.at(-1)).toBe('TA0040');
    expect(loadAttack().tactic('defense-impairment')?.id).toBe('TA0112');
    expect(loadAttack().tactic('stealth')?.id).toBe('TA0005');
  });

  it('ships neither revoked nor deprecated techniques', () => {
    const catalog = loadAttack();
    expect(catalog.technique('T1086')).toBeUndefined();
    expect(catalog.technique('T1064')).toBeUndefined();
    expect(catalog.techniqueIds).toHaveLength(697);
  });

  it('returns frozen objects so one caller cannot change what another sees', () => {
    const technique = loadAttack().technique('T1105');
    expect(Object.isFrozen(technique)).toBe(true);
    expect(Object.isFrozen(technique?.mitigations)).toBe(true);
  });
});
