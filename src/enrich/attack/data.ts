// The shape of enterprise-attack.json, the MITRE ATT&CK® data the product ships. scripts/attack-build.ts
// writes it from MITRE's STIX bundle; index.ts reads it. The file is normalised (each mitigation, detection
// strategy and data component once, referenced by its ATT&CK id) to keep it small; index.ts joins it back.

/** Bumped whenever a field changes meaning or is removed, so an old data file is refused, not misread. */
export const ATTACK_DATA_FORMAT = 1;

/** The data file's name, beside index.ts in src/enrich/attack/. */
export const ATTACK_DATA_FILE_NAME = 'enterprise-attack.json';

export interface AttackDataFile {
  format: typeof ATTACK_DATA_FORMAT;
  /** ATT&CK release, e.g. "19.1". */
  attackVersion: string;
  /** ATT&CK domain, e.g. "enterprise-attack". */
  domain: string;
  /** File name of the STIX bundle the data was built from. */
  sourceBundle: string;
  /** Date (YYYY-MM-DD) of the newest `modified` timestamp in the bundle. */
  bundleDate: string;
  /** MITRE's copyright designation, to show wherever ATT&CK text is shown. */
  attribution: string;
  /** In the order of the ATT&CK matrix (Reconnaissance ... Impact). */
  tactics: AttackTacticRecord[];
  /** Tactic shortnames that Sigma rules still use for a tactic ATT&CK has renamed, to the tactic's TA id. */
  tacticAliases: Record<string, string>;
  /** Techniques and sub-techniques by ATT&CK id (T1105, T1059.001); revoked and deprecated ones left out. */
  techniques: Record<string, AttackTechniqueRecord>;
  mitigations: Record<string, AttackNamedRecord>;
  detectionStrategies: Record<string, AttackDetectionStrategyRecord>;
  dataComponents: Record<string, AttackNamedRecord>;
  groups: Record<string, AttackNamedRecord>;
  software: Record<string, AttackSoftwareRecord>;
  /** Revoked ATT&CK id to the current id that replaces it (revoked-by chains already followed). */
  revoked: Record<string, string>;
  /** Deprecated ATT&CK id (technique, group, software, data source, mitigation) to its last name. */
  deprecated: Record<string, string>;
}

export interface AttackNamedRecord {
  name: string;
  url: string;
}

export interface AttackTacticRecord extends AttackNamedRecord {
  id: string;
  shortname: string;
  description: string;
}

export interface AttackTechniqueRecord extends AttackNamedRecord {
  /** TA ids, in matrix order. */
  tactics: string[];
  platforms: string[];
  /** Markdown as MITRE wrote it, with `(Citation: ...)` markers removed. */
  description: string;
  /** Sorted by M id; `description` is the relationship's text: how this mitigation applies to this technique. */
  mitigations: AttackTechniqueMitigationRecord[];
  /** DET ids, sorted. */
  detectionStrategies: string[];
  /** The pre-v18 free-text detection advice; absent when the bundle has none (v18 and later). */
  detection?: string;
}

export interface AttackTechniqueMitigationRecord {
  id: string;
  description: string;
}

export interface AttackDetectionStrategyRecord extends AttackNamedRecord {
  /** Sorted by AN id. */
  analytics: AttackAnalyticRecord[];
}

export interface AttackAnalyticRecord {
  id: string;
  platforms: string[];
  description: string;
  logSources: AttackLogSourceRecord[];
}

export interface AttackLogSourceRecord {
  /** DC id. */
  dataComponent: string;
  /** Log source as MITRE names it, e.g. "WinEventLog:Sysmon". */
  name: string;
  /** What to look at in that source, e.g. "EventCode=1". */
  channel: string;
}

export interface AttackSoftwareRecord extends AttackNamedRecord {
  type: 'malware' | 'tool';
}
