// MITRE ATT&CK® context for Sigma tags: `attack.t1105`, `attack.command-and-control`, `attack.g0032` ... become
// the technique, tactic, group or software they name, with mitigations and detection strategies. The data is
// enterprise-attack.json beside this module (built by scripts/attack-build.ts); nothing here reads ../shared.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  ATTACK_DATA_FILE_NAME,
  ATTACK_DATA_FORMAT,
  type AttackDataFile,
  type AttackDetectionStrategyRecord,
  type AttackTechniqueRecord,
} from './data.js';
import { AttackDataError } from './errors.js';

export { AttackDataError, type AttackDataErrorCode } from './errors.js';

// ---------------------------------------------------------------------------------------------------
// Public types
// ---------------------------------------------------------------------------------------------------

export interface AttackTactic {
  /** TA0011 */
  readonly id: string;
  /** command-and-control: the Sigma tag after `attack.` */
  readonly shortname: string;
  readonly name: string;
  readonly url: string;
  readonly description: string;
}

export interface AttackTechniqueRef {
  readonly id: string;
  readonly name: string;
  readonly url: string;
}

export interface AttackMitigationRef {
  /** M1031 */
  readonly id: string;
  readonly name: string;
  readonly url: string;
}

export interface AttackTechniqueMitigation extends AttackMitigationRef {
  /** How this mitigation applies to this technique (the ATT&CK `mitigates` relationship's text). */
  readonly description: string;
}

export interface AttackDataComponent {
  /** DC0082 */
  readonly id: string;
  readonly name: string;
  readonly url: string;
}

export interface AttackLogSource {
  readonly dataComponent: AttackDataComponent;
  /** e.g. "WinEventLog:Sysmon" */
  readonly name: string;
  /** e.g. "EventCode=1" */
  readonly channel: string;
}

export interface AttackAnalytic {
  /** AN0165 */
  readonly id: string;
  readonly platforms: readonly string[];
  readonly description: string;
  readonly logSources: readonly AttackLogSource[];
}

export interface AttackDetectionStrategy {
  /** DET0060 */
  readonly id: string;
  readonly name: string;
  readonly url: string;
  readonly analytics: readonly AttackAnalytic[];
  /** Every data component the analytics read, once, sorted by id. */
  readonly dataComponents: readonly AttackDataComponent[];
}

export interface AttackTechnique {
  /** T1105, T1059.001 */
  readonly id: string;
  readonly name: string;
  /** "Command and Scripting Interpreter: PowerShell" for a sub-technique, as ATT&CK titles it; else `name`. */
  readonly fullName: string;
  readonly url: string;
  /** Set for a sub-technique. */
  readonly parent?: AttackTechniqueRef;
  /** In matrix order. */
  readonly tactics: readonly AttackTactic[];
  readonly platforms: readonly string[];
  /** Markdown as MITRE wrote it, citation markers removed. */
  readonly description: string;
  readonly mitigations: readonly AttackTechniqueMitigation[];
  readonly detectionStrategies: readonly AttackDetectionStrategy[];
  /** Union of the detection strategies' data components, sorted by id. */
  readonly dataComponents: readonly AttackDataComponent[];
  /** Free-text detection advice of ATT&CK before v18; absent in v18 and later. */
  readonly detection?: string;
}

export interface AttackGroup {
  /** G0032 */
  readonly id: string;
  readonly name: string;
  readonly url: string;
}

export interface AttackSoftware {
  /** S0154 */
  readonly id: string;
  readonly name: string;
  readonly url: string;
  readonly type: 'malware' | 'tool';
}

/** A tag that named something ATT&CK has since replaced; the current object is in the context instead. */
export interface AttackReplacement {
  readonly tag: string;
  /** T1086, or `defense-evasion` for a renamed tactic. */
  readonly replacedId: string;
  /** T1059.001, TA0005 */
  readonly currentId: string;
  readonly why: 'revoked' | 'renamed';
}

export interface AttackUnknownTag {
  readonly tag: string;
  /** `deprecated`: ATT&CK retired the id without a replacement; `not-found`: ATT&CK has no such id or tactic. */
  readonly reason: 'deprecated' | 'not-found';
  /** The deprecated object's last name. */
  readonly name?: string;
}

export interface AttackContext {
  /** e.g. "19.1" */
  readonly attackVersion: string;
  /** MITRE's copyright designation; show it with any ATT&CK text. */
  readonly attribution: string;
  /** In tag order, each once. */
  readonly techniques: readonly AttackTechnique[];
  /** Tactics named directly by a tag (not those of the techniques), in tag order. */
  readonly tactics: readonly AttackTactic[];
  readonly groups: readonly AttackGroup[];
  readonly software: readonly AttackSoftware[];
  readonly mitigations: readonly AttackMitigationRef[];
  readonly replaced: readonly AttackReplacement[];
  /** `attack.*` tags that name nothing current. */
  readonly unknownTags: readonly AttackUnknownTag[];
  /** Tags outside the `attack` namespace (`cve.*`, `detection.*` ...), untouched. */
  readonly nonAttackTags: readonly string[];
}

export interface AttackCatalog {
  readonly attackVersion: string;
  readonly domain: string;
  /** YYYY-MM-DD of the newest object in the source bundle. */
  readonly bundleDate: string;
  readonly sourceBundle: string;
  readonly attribution: string;
  /** In matrix order. */
  readonly tactics: readonly AttackTactic[];
  /** Sorted. */
  readonly techniqueIds: readonly string[];
  /** By id (T1105, t1059.001); revoked and deprecated ids are not found, see `replacementOf`/`deprecatedName`. */
  technique(id: string): AttackTechnique | undefined;
  /** By TA id or shortname (`command-and-control`); a renamed tactic's old shortname is not found here. */
  tactic(idOrShortname: string): AttackTactic | undefined;
  mitigation(id: string): AttackMitigationRef | undefined;
  group(id: string): AttackGroup | undefined;
  software(id: string): AttackSoftware | undefined;
  /** The current id that replaces a revoked one. */
  replacementOf(id: string): string | undefined;
  /** The last name of a deprecated technique, group, software, data source or mitigation. */
  deprecatedName(id: string): string | undefined;
  /** The tactic a renamed shortname now has (`defense-evasion` → TA0005 Stealth). */
  tacticAlias(shortname: string): AttackTactic | undefined;
}

// ---------------------------------------------------------------------------------------------------
// Loading
// ---------------------------------------------------------------------------------------------------

/** Where the data file is: beside this module when run from source (vitest, tsx); when compiled to
 *  dist/src/enrich/attack/, tsc does not copy a JSON file that is read rather than imported, so the source
 *  tree's copy is the fallback unless the build copies it. */
const DATA_FILE_CANDIDATES: readonly URL[] = [
  new URL(`./${ATTACK_DATA_FILE_NAME}`, import.meta.url),
  new URL(`../../../../src/enrich/attack/${ATTACK_DATA_FILE_NAME}`, import.meta.url),
];

let loadedCatalog: AttackCatalog | undefined;

/** The ATT&CK catalog the product ships, read once per process. */
export function loadAttack(): AttackCatalog {
  if (loadedCatalog) return loadedCatalog;
  let lastError: AttackDataError | undefined;
  for (const candidate of DATA_FILE_CANDIDATES) {
    try {
      loadedCatalog = readAttackCatalog(fileURLToPath(candidate));
      return loadedCatalog;
    } catch (error) {
      if (!(error instanceof AttackDataError) || error.code !== 'io') throw error;
      lastError ??= error;
    }
  }
  throw lastError ?? new AttackDataError('io', ATTACK_DATA_FILE_NAME, 'not found');
}

/** Reads a data file written by scripts/attack-build.ts (tests read a freshly built one through this). */
export function readAttackCatalog(file: string): AttackCatalog {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code ?? String(cause);
    throw new AttackDataError('io', file, `cannot read the ATT&CK data (${code}); run \`npm run attack:build\``);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw new AttackDataError('data', file, `not JSON: ${(cause as Error).message}`);
  }
  return new StaticAttackCatalog(checkDataFile(parsed, file));
}

/** The file is ours, written by the build script and pinned by a byte-for-byte test, so the check is of its
 *  envelope (format and sections), which is what an old or foreign file gets wrong. */
function checkDataFile(parsed: unknown, file: string): AttackDataFile {
  const fail = (reason: string) => new AttackDataError('data', file, reason);
  if (!isRecord(parsed)) throw fail('not a JSON object');
  if (parsed.format !== ATTACK_DATA_FORMAT) {
    throw fail(`format ${String(parsed.format)}, this code reads format ${ATTACK_DATA_FORMAT}; run \`npm run attack:build\``);
  }
  for (const field of ['attackVersion', 'domain', 'sourceBundle', 'bundleDate', 'attribution'] as const) {
    if (typeof parsed[field] !== 'string') throw fail(`${field}: expected a string`);
  }
  if (!Array.isArray(parsed.tactics)) throw fail('tactics: expected a list');
  const sections = ['tacticAliases', 'techniques', 'mitigations', 'detectionStrategies', 'dataComponents', 'groups', 'software', 'revoked', 'deprecated'] as const;
  for (const field of sections) {
    if (!isRecord(parsed[field])) throw fail(`${field}: expected an object`);
  }
  return parsed as unknown as AttackDataFile;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function byId<T extends { readonly id: string }>(left: T, right: T): number {
  return left.id < right.id ? -1 : left.id > right.id ? 1 : 0;
}

/** Own-property lookup: a tag such as `attack.constructor` must not find Object.prototype members. */
function own<T>(record: Record<string, T>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

class StaticAttackCatalog implements AttackCatalog {
  readonly attackVersion: string;
  readonly domain: string;
  readonly bundleDate: string;
  readonly sourceBundle: string;
  readonly attribution: string;
  readonly tactics: readonly AttackTactic[];
  readonly techniqueIds: readonly string[];
  private readonly tacticsByKey = new Map<string, AttackTactic>();
  private readonly techniqueCache = new Map<string, AttackTechnique>();
  private readonly strategyCache = new Map<string, AttackDetectionStrategy>();

  constructor(private readonly data: AttackDataFile) {
    this.attackVersion = data.attackVersion;
    this.domain = data.domain;
    this.bundleDate = data.bundleDate;
    this.sourceBundle = data.sourceBundle;
    this.attribution = data.attribution;
    this.tactics = Object.freeze(data.tactics.map((tactic) => Object.freeze({ ...tactic })));
    for (const tactic of this.tactics) {
      this.tacticsByKey.set(tactic.id, tactic);
      this.tacticsByKey.set(tactic.shortname, tactic);
    }
    this.techniqueIds = Object.freeze(Object.keys(data.techniques));
  }

  technique(id: string): AttackTechnique | undefined {
    const techniqueId = id.trim().toUpperCase();
    const cached = this.techniqueCache.get(techniqueId);
    if (cached) return cached;
    const record = own(this.data.techniques, techniqueId);
    if (!record) return undefined;
    const technique = this.joinTechnique(techniqueId, record);
    this.techniqueCache.set(techniqueId, technique);
    return technique;
  }

  tactic(idOrShortname: string): AttackTactic | undefined {
    const key = idOrShortname.trim();
    return this.tacticsByKey.get(/^ta\d+$/i.test(key) ? key.toUpperCase() : key.toLowerCase());
  }

  tacticAlias(shortname: string): AttackTactic | undefined {
    const tacticId = own(this.data.tacticAliases, shortname.trim().toLowerCase());
    return tacticId === undefined ? undefined : this.tacticsByKey.get(tacticId);
  }

  mitigation(id: string): AttackMitigationRef | undefined {
    return this.named(this.data.mitigations, id);
  }

  group(id: string): AttackGroup | undefined {
    return this.named(this.data.groups, id);
  }

  software(id: string): AttackSoftware | undefined {
    const softwareId = id.trim().toUpperCase();
    const record = own(this.data.software, softwareId);
    return record && Object.freeze({ id: softwareId, name: record.name, url: record.url, type: record.type });
  }

  replacementOf(id: string): string | undefined {
    return own(this.data.revoked, id.trim().toUpperCase());
  }

  deprecatedName(id: string): string | undefined {
    return own(this.data.deprecated, id.trim().toUpperCase());
  }

  private named(record: Record<string, { name: string; url: string }>, id: string): { id: string; name: string; url: string } | undefined {
    const normalizedId = id.trim().toUpperCase();
    const entry = own(record, normalizedId);
    return entry && Object.freeze({ id: normalizedId, name: entry.name, url: entry.url });
  }

  private dataComponent(id: string): AttackDataComponent {
    const record = own(this.data.dataComponents, id);
    return Object.freeze({ id, name: record?.name ?? id, url: record?.url ?? '' });
  }

  private detectionStrategy(id: string): AttackDetectionStrategy | undefined {
    const cached = this.strategyCache.get(id);
    if (cached) return cached;
    const record: AttackDetectionStrategyRecord | undefined = own(this.data.detectionStrategies, id);
    if (!record) return undefined;
    const componentsById = new Map<string, AttackDataComponent>();
    const analytics = record.analytics.map((analytic) =>
      Object.freeze({
        id: analytic.id,
        platforms: Object.freeze([...analytic.platforms]),
        description: analytic.description,
        logSources: Object.freeze(
          analytic.logSources.map((source) => {
            const dataComponent = componentsById.get(source.dataComponent) ?? this.dataComponent(source.dataComponent);
            componentsById.set(dataComponent.id, dataComponent);
            return Object.freeze({ dataComponent, name: source.name, channel: source.channel });
          }),
        ),
      }),
    );
    const strategy: AttackDetectionStrategy = Object.freeze({
      id,
      name: record.name,
      url: record.url,
      analytics: Object.freeze(analytics),
      dataComponents: Object.freeze([...componentsById.values()].sort(byId)),
    });
    this.strategyCache.set(id, strategy);
    return strategy;
  }

  private joinTechnique(id: string, record: AttackTechniqueRecord): AttackTechnique {
    const parentId = id.includes('.') ? id.slice(0, id.indexOf('.')) : undefined;
    const parentRecord = parentId === undefined ? undefined : own(this.data.techniques, parentId);
    const parent = parentId !== undefined && parentRecord ? Object.freeze({ id: parentId, name: parentRecord.name, url: parentRecord.url }) : undefined;
    const detectionStrategies = record.detectionStrategies
      .map((strategyId) => this.detectionStrategy(strategyId))
      .filter((strategy): strategy is AttackDetectionStrategy => strategy !== undefined);
    const dataComponents = new Map<string, AttackDataComponent>();
    for (const strategy of detectionStrategies) for (const component of strategy.dataComponents) dataComponents.set(component.id, component);
    return Object.freeze({
      id,
      name: record.name,
      fullName: parent ? `${parent.name}: ${record.name}` : record.name,
      url: record.url,
      ...(parent ? { parent } : {}),
      tactics: Object.freeze(
        record.tactics.map((tacticId) => this.tacticsByKey.get(tacticId)).filter((tactic): tactic is AttackTactic => tactic !== undefined),
      ),
      platforms: Object.freeze([...record.platforms]),
      description: record.description,
      mitigations: Object.freeze(
        record.mitigations.map((mitigation) => {
          const named = this.mitigation(mitigation.id);
          return Object.freeze({ id: mitigation.id, name: named?.name ?? mitigation.id, url: named?.url ?? '', description: mitigation.description });
        }),
      ),
      detectionStrategies: Object.freeze(detectionStrategies),
      dataComponents: Object.freeze([...dataComponents.values()].sort(byId)),
      ...(record.detection !== undefined ? { detection: record.detection } : {}),
    });
  }
}

// ---------------------------------------------------------------------------------------------------
// Tags
// ---------------------------------------------------------------------------------------------------

const ATTACK_NAMESPACE = 'attack.';

/** The Sigma tag appendix's `attack` namespace: t1234(.001), g1234, s1234, m1234, ds1234, and tactic
 *  shortnames. TA ids are accepted too; they are unambiguous. */
const ID_TAG = /^(t\d{4}(?:\.\d{3})?|g\d{4}|s\d{4}|m\d{4}|ds\d{4}|ta\d{4})$/;

/** Names the ATT&CK objects that Sigma rule tags refer to. Tags are matched case-insensitively. */
export function resolveAttackTags(tags: readonly string[], catalog: AttackCatalog = loadAttack()): AttackContext {
  const techniques = new Map<string, AttackTechnique>();
  const tactics = new Map<string, AttackTactic>();
  const groups = new Map<string, AttackGroup>();
  const software = new Map<string, AttackSoftware>();
  const mitigations = new Map<string, AttackMitigationRef>();
  const replaced: AttackReplacement[] = [];
  const unknownTags: AttackUnknownTag[] = [];
  const nonAttackTags: string[] = [];

  /** Adds the current object with this ATT&CK id; false when there is none. The id's letters say its kind. */
  const addCurrent = (id: string): boolean => {
    switch (/^[A-Z]+/.exec(id)?.[0]) {
      case 'T':
        return addFound(techniques, catalog.technique(id));
      case 'TA':
        return addFound(tactics, catalog.tactic(id));
      case 'G':
        return addFound(groups, catalog.group(id));
      case 'S':
        return addFound(software, catalog.software(id));
      case 'M':
        return addFound(mitigations, catalog.mitigation(id));
      default:
        return false; // DS: data sources are in the data file only as deprecated ids (all are, since v18)
    }
  };

  for (const tag of new Set(tags.map((raw) => raw.trim()))) {
    const normalized = tag.toLowerCase();
    if (!normalized.startsWith(ATTACK_NAMESPACE)) {
      nonAttackTags.push(tag);
      continue;
    }
    const name = normalized.slice(ATTACK_NAMESPACE.length);
    if (ID_TAG.test(name)) {
      const id = name.toUpperCase();
      if (addCurrent(id)) continue;
      const currentId = catalog.replacementOf(id);
      if (currentId !== undefined && addCurrent(currentId)) {
        replaced.push({ tag, replacedId: id, currentId, why: 'revoked' });
        continue;
      }
      const deprecatedName = catalog.deprecatedName(id);
      unknownTags.push(deprecatedName !== undefined ? { tag, reason: 'deprecated', name: deprecatedName } : { tag, reason: 'not-found' });
      continue;
    }
    const tactic = catalog.tactic(name);
    if (tactic) {
      tactics.set(tactic.id, tactic);
      continue;
    }
    const renamed = catalog.tacticAlias(name);
    if (renamed) {
      tactics.set(renamed.id, renamed);
      replaced.push({ tag, replacedId: name, currentId: renamed.id, why: 'renamed' });
      continue;
    }
    unknownTags.push({ tag, reason: 'not-found' });
  }

  return {
    attackVersion: catalog.attackVersion,
    attribution: catalog.attribution,
    techniques: [...techniques.values()],
    tactics: [...tactics.values()],
    groups: [...groups.values()],
    software: [...software.values()],
    mitigations: [...mitigations.values()],
    replaced,
    unknownTags,
    nonAttackTags,
  };
}

function addFound<T extends { readonly id: string }>(into: Map<string, T>, found: T | undefined): boolean {
  if (found) into.set(found.id, found);
  return found !== undefined;
}
