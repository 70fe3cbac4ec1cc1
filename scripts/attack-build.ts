// Builds src/enrich/attack/enterprise-attack.json and ATTRIBUTION.md from MITRE's ATT&CK® STIX bundle.
//
//   node dist/scripts/attack-build.js [bundle.json] [--out-dir DIR] [--license FILE] [--attack-version X.Y]
//
// The bundle defaults to ../shared/attack/enterprise-attack-19.1.json beside the project root, the license to
// LICENSE.txt beside the bundle, the output to src/enrich/attack/. The output depends only on the two input
// files (no clock, no object order), so a rebuild from the same bundle is byte-identical, which the tests check.

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import {
  ATTACK_DATA_FILE_NAME,
  ATTACK_DATA_FORMAT,
  type AttackAnalyticRecord,
  type AttackDataFile,
  type AttackDetectionStrategyRecord,
  type AttackLogSourceRecord,
  type AttackNamedRecord,
  type AttackSoftwareRecord,
  type AttackTacticRecord,
  type AttackTechniqueMitigationRecord,
  type AttackTechniqueRecord,
} from '../src/enrich/attack/data.js';
import { AttackDataError } from '../src/enrich/attack/errors.js';

export const ATTRIBUTION_FILE_NAME = 'ATTRIBUTION.md';

/** ATT&CK v19 renamed Defense Evasion to Stealth and kept its id, TA0005; the Sigma tag appendix and older
 *  rules still say `attack.defense-evasion`. Not in the bundle, so it is stated here. */
const TACTIC_ALIASES: Readonly<Record<string, string>> = { 'defense-evasion': 'TA0005' };

export interface AttackBuildInput {
  bundleFile: string;
  licenseFile: string;
  /** Taken from the bundle's file name (enterprise-attack-19.1.json) when not given. */
  attackVersion?: string;
}

export interface AttackBuildOutput {
  data: AttackDataFile;
  /** The exact bytes of the data file. */
  dataJson: string;
  /** The exact bytes of ATTRIBUTION.md. */
  attributionMarkdown: string;
  stixObjectCount: number;
}

// ---------------------------------------------------------------------------------------------------
// Reading STIX: the bundle is input from outside, so every field read is checked and a wrong one is named.
// ---------------------------------------------------------------------------------------------------

interface StixObject {
  readonly type: string;
  readonly id: string;
  readonly [field: string]: unknown;
}

interface AttackRef {
  externalId: string;
  url: string;
}

class StixReader {
  constructor(private readonly file: string) {}

  fail(reason: string): AttackDataError {
    return new AttackDataError('bundle', this.file, reason);
  }

  optionalString(object: StixObject, field: string): string | undefined {
    const value = object[field];
    if (value === undefined) return undefined;
    if (typeof value !== 'string') throw this.fail(`${object.id}.${field}: expected a string`);
    return value;
  }

  string(object: StixObject, field: string): string {
    const value = this.optionalString(object, field);
    if (value === undefined) throw this.fail(`${object.id}.${field}: missing`);
    return value;
  }

  stringList(object: StixObject, field: string): string[] {
    const value = object[field];
    if (value === undefined) return [];
    if (!Array.isArray(value) || !value.every((item): item is string => typeof item === 'string')) {
      throw this.fail(`${object.id}.${field}: expected a list of strings`);
    }
    return value;
  }

  records(object: StixObject, field: string): Record<string, unknown>[] {
    const value = object[field];
    if (value === undefined) return [];
    if (!Array.isArray(value) || !value.every(isRecord)) {
      throw this.fail(`${object.id}.${field}: expected a list of objects`);
    }
    return value;
  }

  /** The `mitre-attack` external reference: the ATT&CK id (T1105, TA0011, M1031, DET0060...) and page URL. */
  attackRef(object: StixObject): AttackRef | undefined {
    for (const reference of this.records(object, 'external_references')) {
      if (reference.source_name !== 'mitre-attack') continue;
      const { external_id: externalId, url } = reference;
      if (typeof externalId !== 'string' || typeof url !== 'string') {
        throw this.fail(`${object.id}.external_references: mitre-attack reference without external_id or url`);
      }
      return { externalId, url };
    }
    return undefined;
  }

  requiredAttackRef(object: StixObject): AttackRef {
    const ref = this.attackRef(object);
    if (!ref) throw this.fail(`${object.id}: no mitre-attack external reference`);
    return ref;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isStixObject(value: unknown): value is StixObject {
  return isRecord(value) && typeof value.type === 'string' && typeof value.id === 'string';
}

function isActive(object: StixObject): boolean {
  return object.revoked !== true && object.x_mitre_deprecated !== true;
}

/** MITRE's citation markers point into reference lists we do not ship; the sentence reads the same without. */
function stripCitations(markdown: string): string {
  return markdown.replace(/[ \t]*\(Citation:[^)]*\)/g, '');
}

/** Code-unit order, not locale order, so the output does not depend on the machine that builds it. */
function compareIds(left: string, right: string): number {
  return left < right ? -1 : left > right ? 1 : 0;
}

function sortedRecord<T>(entries: Iterable<[string, T]>): Record<string, T> {
  const record: Record<string, T> = {};
  for (const [key, value] of [...entries].sort(([left], [right]) => compareIds(left, right))) record[key] = value;
  return record;
}

function readBundle(file: string): StixObject[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new AttackDataError('io', file, `cannot read the STIX bundle (${(cause as NodeJS.ErrnoException).code ?? String(cause)})`);
  }
  let bundle: unknown;
  try {
    bundle = JSON.parse(text);
  } catch (cause) {
    throw new AttackDataError('bundle', file, `not JSON: ${(cause as Error).message}`);
  }
  if (!isRecord(bundle) || bundle.type !== 'bundle' || !Array.isArray(bundle.objects)) {
    throw new AttackDataError('bundle', file, 'not a STIX bundle ({"type":"bundle","objects":[...]})');
  }
  const objects: StixObject[] = [];
  bundle.objects.forEach((object: unknown, index: number) => {
    if (!isStixObject(object)) throw new AttackDataError('bundle', file, `objects[${index}]: no string type and id`);
    objects.push(object);
  });
  return objects;
}

// ---------------------------------------------------------------------------------------------------
// The license: MITRE requires its copyright designation and the ATT&CK license with any copy.
// ---------------------------------------------------------------------------------------------------

interface AttackLicense {
  /** The ATT&CK section of LICENSE.txt, verbatim. */
  sectionText: string;
  /** "© 2026 The MITRE Corporation. This work is reproduced and distributed with the permission of ..." */
  copyright: string;
}

function readAttackLicense(file: string): AttackLicense {
  let text: string;
  try {
    text = readFileSync(file, 'utf8').replace(/\r\n/g, '\n');
  } catch (cause) {
    throw new AttackDataError('io', file, `cannot read MITRE's license (${(cause as NodeJS.ErrnoException).code ?? String(cause)})`);
  }
  const lines = text.split('\n');
  // Sections are headed by a title line underlined with "=": "ATT&CK®" then "=====", later "CAPEC™".
  const isHeading = (index: number) => /^=+$/.test(lines[index + 1] ?? '') && lines[index].trim() !== '';
  const start = lines.findIndex((line, index) => line.startsWith('ATT&CK') && isHeading(index));
  if (start < 0) throw new AttackDataError('bundle', file, 'no "ATT&CK" section in the license');
  let end = lines.length;
  for (let index = start + 2; index < lines.length; index++) {
    if (isHeading(index)) {
      end = index;
      break;
    }
  }
  const sectionText = lines.slice(start, end).join('\n').trim();
  const copyrightLine = lines.slice(start, end).find((line) => /^"?©.*MITRE Corporation/.test(line.trim()));
  if (!copyrightLine) throw new AttackDataError('bundle', file, 'no "© ... The MITRE Corporation" line in the ATT&CK section');
  return { sectionText, copyright: copyrightLine.trim().replace(/^"|"$/g, '') };
}

// ---------------------------------------------------------------------------------------------------
// STIX to the data file
// ---------------------------------------------------------------------------------------------------

export function buildAttackData(input: AttackBuildInput): AttackBuildOutput {
  const reader = new StixReader(input.bundleFile);
  const objects = readBundle(input.bundleFile);
  const license = readAttackLicense(input.licenseFile);
  const byStixId = new Map(objects.map((object) => [object.id, object]));
  const ofType = (type: string) => objects.filter((object) => object.type === type);
  const relationships = ofType('relationship').filter(isActive);

  const sourceBundle = path.basename(input.bundleFile);
  const attackVersion = input.attackVersion ?? /-attack-(\d+(?:\.\d+)*)\.json$/.exec(sourceBundle)?.[1];
  if (!attackVersion) {
    throw new AttackDataError('usage', input.bundleFile, 'cannot tell the ATT&CK version from the file name; pass --attack-version');
  }

  const matrices = ofType('x-mitre-matrix').filter(isActive);
  if (matrices.length !== 1) throw reader.fail(`expected one current x-mitre-matrix, found ${matrices.length}`);
  const matrix = matrices[0];
  const domain = reader.requiredAttackRef(matrix).externalId;

  // Tactics, in matrix order, which is the order a SOC lead reads a kill chain in.
  const tactics: AttackTacticRecord[] = reader.stringList(matrix, 'tactic_refs').map((stixId) => {
    const tactic = byStixId.get(stixId);
    if (!tactic || tactic.type !== 'x-mitre-tactic') throw reader.fail(`${matrix.id}.tactic_refs: ${stixId} is not a tactic in the bundle`);
    const ref = reader.requiredAttackRef(tactic);
    return {
      id: ref.externalId,
      shortname: reader.string(tactic, 'x_mitre_shortname'),
      name: reader.string(tactic, 'name'),
      url: ref.url,
      description: stripCitations(reader.string(tactic, 'description')),
    };
  });
  const tacticIdByShortname = new Map(tactics.map((tactic) => [tactic.shortname, tactic.id]));
  const tacticOrder = new Map(tactics.map((tactic, index) => [tactic.id, index]));
  for (const [alias, tacticId] of Object.entries(TACTIC_ALIASES)) {
    if (!tacticOrder.has(tacticId)) throw reader.fail(`tactic alias ${alias} names ${tacticId}, which the matrix does not have`);
    if (tacticIdByShortname.has(alias)) throw reader.fail(`tactic alias ${alias} is a current tactic shortname; drop the alias`);
  }

  // Techniques and sub-techniques.
  const techniqueIdByStixId = new Map<string, string>();
  const techniques = new Map<string, AttackTechniqueRecord>();
  for (const pattern of ofType('attack-pattern').filter(isActive)) {
    const ref = reader.attackRef(pattern);
    if (!ref) continue;
    const tacticIds = reader
      .records(pattern, 'kill_chain_phases')
      .filter((phase) => phase.kill_chain_name === 'mitre-attack')
      .map((phase) => {
        const tacticId = typeof phase.phase_name === 'string' ? tacticIdByShortname.get(phase.phase_name) : undefined;
        if (!tacticId) throw reader.fail(`${ref.externalId}: kill chain phase ${String(phase.phase_name)} is not a tactic of the matrix`);
        return tacticId;
      })
      .sort((left, right) => (tacticOrder.get(left) ?? 0) - (tacticOrder.get(right) ?? 0));
    const detection = reader.optionalString(pattern, 'x_mitre_detection');
    techniqueIdByStixId.set(pattern.id, ref.externalId);
    techniques.set(ref.externalId, {
      name: reader.string(pattern, 'name'),
      url: ref.url,
      tactics: [...new Set(tacticIds)],
      platforms: reader.stringList(pattern, 'x_mitre_platforms'),
      description: stripCitations(reader.string(pattern, 'description')),
      mitigations: [],
      detectionStrategies: [],
      ...(detection ? { detection: stripCitations(detection) } : {}),
    });
  }

  // Mitigations: the M-numbered courses of action. The older per-technique ones (external id T1174 and so on)
  // are all deprecated and carry technique ids, so they are neither shipped nor listed as deprecated.
  const mitigations = new Map<string, AttackNamedRecord>();
  const mitigationIdByStixId = new Map<string, string>();
  const deprecated = new Map<string, string>();
  for (const course of ofType('course-of-action')) {
    const ref = reader.attackRef(course);
    if (!ref || !/^M\d+$/.test(ref.externalId) || course.revoked === true) continue;
    const name = reader.string(course, 'name');
    if (course.x_mitre_deprecated === true) {
      deprecated.set(ref.externalId, name);
      continue;
    }
    mitigationIdByStixId.set(course.id, ref.externalId);
    mitigations.set(ref.externalId, { name, url: ref.url });
  }

  const techniqueMitigations = new Map<string, AttackTechniqueMitigationRecord[]>();
  const techniqueStrategies = new Map<string, string[]>();
  const detectionStrategyStixIds = new Map<string, StixObject>();
  for (const relationship of relationships) {
    const relationshipType = reader.string(relationship, 'relationship_type');
    const techniqueId = techniqueIdByStixId.get(reader.string(relationship, 'target_ref'));
    if (!techniqueId) continue;
    const sourceRef = reader.string(relationship, 'source_ref');
    if (relationshipType === 'mitigates') {
      const mitigationId = mitigationIdByStixId.get(sourceRef);
      if (!mitigationId) continue;
      const list = techniqueMitigations.get(techniqueId) ?? [];
      list.push({ id: mitigationId, description: stripCitations(reader.optionalString(relationship, 'description') ?? '') });
      techniqueMitigations.set(techniqueId, list);
    } else if (relationshipType === 'detects') {
      const strategy = byStixId.get(sourceRef);
      if (!strategy || strategy.type !== 'x-mitre-detection-strategy' || !isActive(strategy)) continue;
      const strategyId = reader.requiredAttackRef(strategy).externalId;
      detectionStrategyStixIds.set(strategyId, strategy);
      const list = techniqueStrategies.get(techniqueId) ?? [];
      list.push(strategyId);
      techniqueStrategies.set(techniqueId, list);
    }
  }
  for (const [techniqueId, technique] of techniques) {
    technique.mitigations = (techniqueMitigations.get(techniqueId) ?? []).sort(
      (left, right) => compareIds(left.id, right.id) || compareIds(left.description, right.description),
    );
    technique.detectionStrategies = [...new Set(techniqueStrategies.get(techniqueId) ?? [])].sort(compareIds);
  }

  // Detection strategies (v18+): strategy --x_mitre_analytic_refs--> analytic --log source refs--> data component.
  const dataComponents = new Map<string, AttackNamedRecord>();
  const dataComponentId = (stixId: string, where: string): string => {
    const component = byStixId.get(stixId);
    if (!component || component.type !== 'x-mitre-data-component') throw reader.fail(`${where}: ${stixId} is not a data component in the bundle`);
    const ref = reader.requiredAttackRef(component);
    dataComponents.set(ref.externalId, { name: reader.string(component, 'name'), url: ref.url });
    return ref.externalId;
  };
  const detectionStrategies = new Map<string, AttackDetectionStrategyRecord>();
  for (const [strategyId, strategy] of detectionStrategyStixIds) {
    const analytics: AttackAnalyticRecord[] = [];
    for (const analyticStixId of reader.stringList(strategy, 'x_mitre_analytic_refs')) {
      const analytic = byStixId.get(analyticStixId);
      if (!analytic || analytic.type !== 'x-mitre-analytic') throw reader.fail(`${strategyId}: analytic ${analyticStixId} is not in the bundle`);
      if (!isActive(analytic)) continue;
      const analyticId = reader.requiredAttackRef(analytic).externalId;
      const logSources: AttackLogSourceRecord[] = reader
        .records(analytic, 'x_mitre_log_source_references')
        .map((source) => {
          const { x_mitre_data_component_ref: componentRef, name, channel } = source;
          if (typeof componentRef !== 'string' || typeof name !== 'string' || typeof channel !== 'string') {
            throw reader.fail(`${analyticId}.x_mitre_log_source_references: expected x_mitre_data_component_ref, name, channel`);
          }
          return { dataComponent: dataComponentId(componentRef, analyticId), name, channel };
        })
        .sort(
          (left, right) =>
            compareIds(left.dataComponent, right.dataComponent) || compareIds(left.name, right.name) || compareIds(left.channel, right.channel),
        );
      analytics.push({
        id: analyticId,
        platforms: reader.stringList(analytic, 'x_mitre_platforms'),
        description: stripCitations(reader.string(analytic, 'description')),
        logSources,
      });
    }
    const ref = reader.requiredAttackRef(strategy);
    detectionStrategies.set(strategyId, {
      name: reader.string(strategy, 'name'),
      url: ref.url,
      analytics: analytics.sort((left, right) => compareIds(left.id, right.id)),
    });
  }

  // Groups and software: just enough to name an attack.gNNNN / attack.sNNNN tag.
  const groups = new Map<string, AttackNamedRecord>();
  const software = new Map<string, AttackSoftwareRecord>();
  for (const object of objects) {
    const isGroup = object.type === 'intrusion-set';
    const isSoftware = object.type === 'malware' || object.type === 'tool';
    const isTechnique = object.type === 'attack-pattern';
    const isDataSource = object.type === 'x-mitre-data-source';
    if (!isGroup && !isSoftware && !isTechnique && !isDataSource) continue;
    const ref = reader.attackRef(object);
    if (!ref || object.revoked === true) continue;
    const name = reader.string(object, 'name');
    if (object.x_mitre_deprecated === true) deprecated.set(ref.externalId, name);
    else if (isGroup) groups.set(ref.externalId, { name, url: ref.url });
    else if (isSoftware) software.set(ref.externalId, { name, url: ref.url, type: object.type === 'tool' ? 'tool' : 'malware' });
  }

  // Revoked ids to their current replacement, following chains (T1150 -> T1547.011 -> T1647).
  const revokedBy = new Map<string, string>();
  for (const relationship of relationships) {
    if (relationship.relationship_type === 'revoked-by') {
      revokedBy.set(reader.string(relationship, 'source_ref'), reader.string(relationship, 'target_ref'));
    }
  }
  const revoked = new Map<string, string>();
  for (const [sourceStixId, firstTargetStixId] of revokedBy) {
    const source = byStixId.get(sourceStixId);
    const sourceRef = source && reader.attackRef(source);
    if (!sourceRef) continue;
    let target = byStixId.get(firstTargetStixId);
    const seen = new Set<string>([sourceStixId]);
    while (target && target.revoked === true && revokedBy.has(target.id) && !seen.has(target.id)) {
      seen.add(target.id);
      target = byStixId.get(revokedBy.get(target.id) ?? '');
    }
    const targetRef = target && isActive(target) ? reader.attackRef(target) : undefined;
    if (targetRef) revoked.set(sourceRef.externalId, targetRef.externalId);
  }

  let newestModified = '';
  for (const object of objects) {
    const modified = object.modified;
    if (typeof modified === 'string' && modified > newestModified) newestModified = modified;
  }
  if (!/^\d{4}-\d{2}-\d{2}/.test(newestModified)) throw reader.fail('no object has a `modified` timestamp');

  const data: AttackDataFile = {
    format: ATTACK_DATA_FORMAT,
    attackVersion,
    domain,
    sourceBundle,
    bundleDate: newestModified.slice(0, 10),
    attribution: license.copyright,
    tactics,
    tacticAliases: sortedRecord(Object.entries(TACTIC_ALIASES)),
    techniques: sortedRecord(techniques),
    mitigations: sortedRecord(mitigations),
    detectionStrategies: sortedRecord(detectionStrategies),
    dataComponents: sortedRecord(dataComponents),
    groups: sortedRecord(groups),
    software: sortedRecord(software),
    revoked: sortedRecord(revoked),
    deprecated: sortedRecord(deprecated),
  };
  const markingStatement = ofType('marking-definition')
    .map((marking) => (isRecord(marking.definition) ? marking.definition.statement : undefined))
    .find((statement): statement is string => typeof statement === 'string');
  return {
    data,
    dataJson: serializeAttackData(data),
    attributionMarkdown: renderAttribution(data, license, markingStatement, objects.length),
    stixObjectCount: objects.length,
  };
}

/** JSON with one line per technique, tactic, group...: small like minified JSON, yet a new ATT&CK release shows
 *  up in `git diff` as the entries that changed rather than as one changed line. */
export function serializeAttackData(data: AttackDataFile): string {
  const fields = Object.entries(data);
  const lines = ['{'];
  fields.forEach(([field, value], fieldIndex) => {
    const fieldComma = fieldIndex < fields.length - 1 ? ',' : '';
    const key = JSON.stringify(field);
    if (Array.isArray(value)) {
      lines.push(`${key}: [`);
      value.forEach((item, index) => lines.push(JSON.stringify(item) + (index < value.length - 1 ? ',' : '')));
      lines.push(`]${fieldComma}`);
    } else if (isRecord(value)) {
      const entries = Object.entries(value);
      lines.push(`${key}: {`);
      entries.forEach(([entryKey, entryValue], index) =>
        lines.push(`${JSON.stringify(entryKey)}: ${JSON.stringify(entryValue)}${index < entries.length - 1 ? ',' : ''}`),
      );
      lines.push(`}${fieldComma}`);
    } else {
      lines.push(`${key}: ${JSON.stringify(value)}${fieldComma}`);
    }
  });
  lines.push('}');
  return lines.join('\n') + '\n';
}

function renderAttribution(
  data: AttackDataFile,
  license: AttackLicense,
  markingStatement: string | undefined,
  stixObjectCount: number,
): string {
  const count = (record: Record<string, unknown>) => Object.keys(record).length;
  return [
    '# MITRE ATT&CK® data: attribution and terms of use',
    '',
    `\`${ATTACK_DATA_FILE_NAME}\` in this folder is derived from MITRE ATT&CK® (Enterprise, v${data.attackVersion}).`,
    '',
    `${data.attribution}`,
    '',
    'sigma-hunt is not affiliated with, sponsored by or endorsed by The MITRE Corporation.' +
      (markingStatement ? ` ${markingStatement}` : ''),
    '',
    '## Source',
    '',
    `- ATT&CK version: ${data.attackVersion} (domain \`${data.domain}\`)`,
    `- Source bundle: \`${data.sourceBundle}\` (${stixObjectCount} STIX 2.0 objects from MITRE's ATT&CK STIX data, https://github.com/mitre/cti)`,
    `- Bundle date: ${data.bundleDate} (newest \`modified\` timestamp in the bundle)`,
    '- Built by: `scripts/attack-build.ts` (`npm run attack:build`); the output depends only on the bundle and LICENSE.txt.',
    '',
    '## What was taken and what was changed',
    '',
    `- ${data.tactics.length} tactics, ${count(data.techniques)} techniques and sub-techniques, ${count(data.mitigations)} mitigations,` +
      ` ${count(data.detectionStrategies)} detection strategies with their analytics, ${count(data.dataComponents)} data components,` +
      ` ${count(data.groups)} groups and ${count(data.software)} software entries (id, name, URL only).`,
    '- Revoked and deprecated objects are left out; revoked ids are kept only as a map to their replacement,',
    '  deprecated ids only with their name.',
    '- Citation markers such as `(Citation: ...)` are removed from descriptions; references, contributors and',
    '  version fields are not copied. The text is otherwise MITRE\'s.',
    '- `tacticAliases` (`defense-evasion` → TA0005, renamed Stealth in ATT&CK v19) is sigma-hunt\'s addition for',
    '  Sigma rules that still use the old tag; it is not MITRE data.',
    '',
    '## License (the ATT&CK section of MITRE\'s LICENSE.txt, reproduced verbatim)',
    '',
    '```text',
    license.sectionText,
    '```',
    '',
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------------
// Command line
// ---------------------------------------------------------------------------------------------------

function findProjectRoot(fromDirectory: string): string {
  let directory = fromDirectory;
  while (!existsSync(path.join(directory, 'package.json'))) {
    const parent = path.dirname(directory);
    if (parent === directory) throw new AttackDataError('usage', fromDirectory, 'no package.json above the build script');
    directory = parent;
  }
  return directory;
}

export function runAttackBuild(args: string[], log: (line: string) => void): void {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        'out-dir': { type: 'string' },
        license: { type: 'string' },
        'attack-version': { type: 'string' },
      },
    });
  } catch (cause) {
    throw new AttackDataError('usage', 'arguments', (cause as Error).message);
  }
  if (parsed.positionals.length > 1) throw new AttackDataError('usage', 'arguments', 'expected at most one bundle path');
  const projectRoot = findProjectRoot(path.dirname(fileURLToPath(import.meta.url)));
  const bundleFile = path.resolve(parsed.positionals[0] ?? path.join(projectRoot, '../shared/attack/enterprise-attack-19.1.json'));
  const licenseFile = path.resolve(parsed.values.license ?? path.join(path.dirname(bundleFile), 'LICENSE.txt'));
  const outDirectory = path.resolve(parsed.values['out-dir'] ?? path.join(projectRoot, 'src/enrich/attack'));

  const output = buildAttackData({ bundleFile, licenseFile, attackVersion: parsed.values['attack-version'] });
  const dataFile = path.join(outDirectory, ATTACK_DATA_FILE_NAME);
  const attributionFile = path.join(outDirectory, ATTRIBUTION_FILE_NAME);
  for (const [file, text] of [
    [dataFile, output.dataJson],
    [attributionFile, output.attributionMarkdown],
  ] as const) {
    try {
      writeFileSync(file, text);
    } catch (cause) {
      throw new AttackDataError('io', file, `cannot write (${(cause as NodeJS.ErrnoException).code ?? String(cause)})`);
    }
  }
  const { data } = output;
  log(
    `ATT&CK ${data.attackVersion} (${data.bundleDate}) from ${bundleFile}: ${Object.keys(data.techniques).length} techniques, ` +
      `${data.tactics.length} tactics, ${Object.keys(data.mitigations).length} mitigations, ` +
      `${Object.keys(data.detectionStrategies).length} detection strategies, ${Object.keys(data.groups).length} groups, ` +
      `${Object.keys(data.software).length} software, ${Object.keys(data.revoked).length} revoked ids`,
  );
  log(`wrote ${dataFile} (${Buffer.byteLength(output.dataJson)} bytes) and ${attributionFile}`);
}

const invokedAs = process.argv[1] ? pathToFileURL(path.resolve(process.argv[1])).href : '';
if (import.meta.url === invokedAs) {
  try {
    runAttackBuild(process.argv.slice(2), (line) => console.log(line));
  } catch (error) {
    if (!(error instanceof AttackDataError)) throw error;
    console.error(`attack-build: ${error.message}`);
    process.exitCode = error.code === 'usage' ? 2 : 1;
  }
}
