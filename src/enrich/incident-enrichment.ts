/**
 * The context stored with an incident so that a SOC lead can act without opening the rule or ATT&CK: what the
 * rule is and who wrote it (with the license and link the Detection Rule License requires us to keep), the
 * Sentinel severity, the ATT&CK techniques with their tactics, mitigations and detection data, the entities, and
 * pivot queries.
 *
 * License: SigmaHQ rules carry no `license` field; the repository licenses them under DRL 1.1, which requires
 * keeping the author, a link to the rule and the license. A rule's own `license` always wins. Whether a rule is a
 * SigmaHQ rule is the caller's knowledge (`provenance`); without it we infer it from the file's path when the
 * path runs through one of SigmaHQ's top-level rule folders (`rules/`, `rules-emerging-threats/`, ...), and say
 * that the license was inferred.
 */
import type { SigmaLevel, SigmaRule } from '../rule/model.js';
import type { TargetName } from '../targets/types.js';
import type { JsonObject } from '../incidents/model.js';
import { toJsonObject } from '../incidents/bounds.js';
import { loadAttack, resolveAttackTags, type AttackCatalog, type AttackContext, type AttackTactic } from './attack/index.js';
import { entitiesFor, type EntityHit, type SentinelEntity } from './entities.js';
import { pivotQueries, type PivotQuery } from './pivots.js';

export { entitiesFor, type EntityHit, type SentinelEntity } from './entities.js';
export { pivotQueries, type PivotQuery, type PivotQueryInput } from './pivots.js';

// ---------------------------------------------------------------------------------------------------
// Severity
// ---------------------------------------------------------------------------------------------------

/** Sentinel's incident severities; it has no Critical. */
export type SentinelSeverity = 'Informational' | 'Low' | 'Medium' | 'High';

const SEVERITY_OF_LEVEL: Readonly<Record<SigmaLevel, SentinelSeverity>> = {
  informational: 'Informational',
  low: 'Low',
  medium: 'Medium',
  high: 'High',
  critical: 'High',
};

/** Sigma level → Sentinel severity (critical → High). No level → Medium, Sentinel's default for a scheduled rule. */
export function sentinelSeverityOf(level: SigmaLevel | undefined): SentinelSeverity {
  return level === undefined ? 'Medium' : SEVERITY_OF_LEVEL[level];
}

// ---------------------------------------------------------------------------------------------------
// Provenance and license
// ---------------------------------------------------------------------------------------------------

export const SIGMAHQ_REPOSITORY_URL = 'https://github.com/SigmaHQ/sigma';
export const DRL_LICENSE = { name: 'DRL 1.1', url: 'https://github.com/SigmaHQ/Detection-Rule-License' } as const;

/** SigmaHQ/sigma's top-level folders that hold rules. */
export const SIGMAHQ_RULE_FOLDERS: readonly string[] = [
  'rules',
  'rules-emerging-threats',
  'rules-threat-hunting',
  'rules-placeholder',
  'rules-compliance',
  'rules-dfir',
  'deprecated',
  'unsupported',
];

export type RuleProvenance =
  /** A rule from SigmaHQ/sigma: its path in that repository and, when known, the commit it was taken from. */
  | { kind: 'sigmahq'; repositoryPath: string; commit?: string }
  /** A rule of the user's own, or of unknown origin. */
  | { kind: 'other' };

/** SigmaHQ when the path runs through one of its rule folders (the last such folder counts), else other. */
export function inferProvenance(file: string): RuleProvenance {
  const segments = file.split(/[\\/]+/).filter((segment) => segment !== '');
  for (let index = segments.length - 2; index >= 0; index--) {
    if (SIGMAHQ_RULE_FOLDERS.includes(segments[index]!) && /\.ya?ml$/i.test(segments[segments.length - 1]!)) {
      return { kind: 'sigmahq', repositoryPath: segments.slice(index).join('/') };
    }
  }
  return { kind: 'other' };
}

export interface RuleLicense {
  name: string;
  url?: string;
  /** `rule`: the rule's own `license` field; `sigmahq`: SigmaHQ's DRL 1.1 (provenance given); `sigmahq-inferred`:
   *  DRL 1.1 because the file path looks like SigmaHQ's layout; `unknown`: no license known. */
  basis: 'rule' | 'sigmahq' | 'sigmahq-inferred' | 'unknown';
}

// ---------------------------------------------------------------------------------------------------
// Rule enrichment
// ---------------------------------------------------------------------------------------------------

export interface AttackTacticSummary {
  id: string;
  name: string;
  url: string;
}

export interface AttackTechniqueSummary {
  id: string;
  name: string;
  /** "Command and Scripting Interpreter: PowerShell" for a sub-technique. */
  fullName: string;
  url: string;
  tactics: AttackTacticSummary[];
  description: string;
  mitigations: { id: string; name: string; url: string; description: string }[];
  detectionStrategies: { id: string; name: string; url: string; dataComponents: { id: string; name: string; url: string }[] }[];
  /** Every data component the detection strategies read: what to collect to see this technique. */
  dataComponents: { id: string; name: string; url: string }[];
}

export interface AttackEnrichment {
  attackVersion: string;
  /** MITRE's copyright designation: shown wherever the ATT&CK text is shown. */
  attribution: string;
  techniques: AttackTechniqueSummary[];
  /** Tactics named by tags and of the techniques, each once, tagged ones first. */
  tactics: AttackTacticSummary[];
  groups: { id: string; name: string; url: string }[];
  software: { id: string; name: string; url: string }[];
  /** Tags that named a revoked technique or renamed tactic, with what they now resolve to. */
  replaced: { tag: string; replacedId: string; currentId: string; why: 'revoked' | 'renamed' }[];
  /** `attack.*` tags that name nothing current. */
  unknownTags: { tag: string; reason: 'deprecated' | 'not-found'; name?: string }[];
}

export interface RuleEnrichment {
  title: string;
  ruleId?: string;
  severity: SentinelSeverity;
  /** The Sigma level, kept because Sentinel's severity folds critical into High. */
  level?: SigmaLevel;
  status?: string;
  description?: string;
  author?: string;
  date?: string;
  modified?: string;
  license: RuleLicense;
  /** Link to the rule (SigmaHQ rules) and the file it was loaded from. */
  source: { file: string; url?: string };
  references: string[];
  falsepositives: string[];
  tags: string[];
  logsource: { category?: string; product?: string; service?: string };
  attack: AttackEnrichment;
}

export interface EnrichRuleOptions {
  provenance?: RuleProvenance;
  catalog?: AttackCatalog;
}

export function enrichRule(rule: SigmaRule, options: EnrichRuleOptions = {}): RuleEnrichment {
  const explicit = options.provenance;
  const provenance = explicit ?? inferProvenance(rule.source.file);
  const license = licenseOf(rule, provenance, explicit !== undefined);
  const url = provenance.kind === 'sigmahq' ? sigmaHqUrl(provenance) : undefined;
  const { category, product, service } = rule.logsource;
  return {
    title: rule.title,
    ...(rule.id !== undefined ? { ruleId: rule.id } : {}),
    severity: sentinelSeverityOf(rule.level),
    ...(rule.level !== undefined ? { level: rule.level } : {}),
    ...(rule.author !== undefined ? { author: rule.author } : {}),
    license,
    source: { file: rule.source.file, ...(url !== undefined ? { url } : {}) },
    ...(rule.status !== undefined ? { status: rule.status } : {}),
    ...(rule.description !== undefined ? { description: rule.description.trim() } : {}),
    ...(rule.date !== undefined ? { date: rule.date } : {}),
    ...(rule.modified !== undefined ? { modified: rule.modified } : {}),
    references: [...rule.references],
    falsepositives: [...rule.falsepositives],
    tags: [...rule.tags],
    logsource: { ...(category ? { category } : {}), ...(product ? { product } : {}), ...(service ? { service } : {}) },
    attack: attackEnrichment(resolveAttackTags(rule.tags, options.catalog ?? loadAttack())),
  };
}

function licenseOf(rule: SigmaRule, provenance: RuleProvenance, explicit: boolean): RuleLicense {
  const own = rule.license?.trim();
  if (own) return { name: own, basis: 'rule' };
  if (provenance.kind === 'sigmahq') return { ...DRL_LICENSE, basis: explicit ? 'sigmahq' : 'sigmahq-inferred' };
  return { name: 'unknown', basis: 'unknown' };
}

function sigmaHqUrl(provenance: { repositoryPath: string; commit?: string }): string {
  const path = provenance.repositoryPath.split(/[\\/]+/).filter(Boolean).map(encodeURIComponent).join('/');
  return `${SIGMAHQ_REPOSITORY_URL}/blob/${encodeURIComponent(provenance.commit ?? 'master')}/${path}`;
}

function tacticSummary(tactic: AttackTactic): AttackTacticSummary {
  return { id: tactic.id, name: tactic.name, url: tactic.url };
}

function attackEnrichment(context: AttackContext): AttackEnrichment {
  const tactics = new Map<string, AttackTacticSummary>();
  for (const tactic of context.tactics) tactics.set(tactic.id, tacticSummary(tactic));
  for (const technique of context.techniques) for (const tactic of technique.tactics) if (!tactics.has(tactic.id)) tactics.set(tactic.id, tacticSummary(tactic));
  const named = (item: { id: string; name: string; url: string }) => ({ id: item.id, name: item.name, url: item.url });
  return {
    attackVersion: context.attackVersion,
    attribution: context.attribution,
    techniques: context.techniques.map((technique) => ({
      id: technique.id,
      name: technique.name,
      fullName: technique.fullName,
      url: technique.url,
      tactics: technique.tactics.map(tacticSummary),
      description: technique.description,
      mitigations: technique.mitigations.map((mitigation) => ({ ...named(mitigation), description: mitigation.description })),
      detectionStrategies: technique.detectionStrategies.map((strategy) => ({ ...named(strategy), dataComponents: strategy.dataComponents.map(named) })),
      dataComponents: technique.dataComponents.map(named),
    })),
    tactics: [...tactics.values()],
    groups: context.groups.map(named),
    software: context.software.map(named),
    replaced: context.replaced.map((replacement) => ({ ...replacement })),
    unknownTags: context.unknownTags.map((unknown) => ({ ...unknown })),
  };
}

// ---------------------------------------------------------------------------------------------------
// The incident's enrichment object
// ---------------------------------------------------------------------------------------------------

export interface IncidentEnrichmentInput {
  rule: RuleEnrichment;
  /** The incident's earliest hit: entities and pivots are about it. */
  hit: EntityHit;
  target: TargetName;
  /** TimeGenerated range of the pivots (e.g. an hour either side of the incident's first and last hit). */
  pivotFrom: string | Date;
  pivotTo: string | Date;
}

export interface IncidentEnrichment {
  rule: RuleEnrichment;
  entities: SentinelEntity[];
  pivots: PivotQuery[];
}

/** What the incident store keeps as `enrichment`: plain JSON in the store's canonical form (keys sorted); the
 *  store bounds it to its size limit. */
export function incidentEnrichment(input: IncidentEnrichmentInput): JsonObject {
  const enrichment: IncidentEnrichment = {
    rule: input.rule,
    entities: entitiesFor(input.hit),
    pivots: pivotQueries({
      target: input.target,
      host: input.hit.host,
      ...(input.hit.processImage ? { processImage: input.hit.processImage } : {}),
      timeFrom: input.pivotFrom,
      timeTo: input.pivotTo,
    }),
  };
  return toJsonObject(enrichment, 'incident enrichment');
}
