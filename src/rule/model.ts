// The typed Sigma rule: what the YAML loader produces and what every later stage (matcher, KQL compiler,
// enrichment) reads. Target-agnostic: nothing here knows about Kusto, Log Analytics or a table schema.

export type SigmaLevel = 'informational' | 'low' | 'medium' | 'high' | 'critical';
export type SigmaStatus = 'stable' | 'test' | 'experimental' | 'deprecated' | 'unsupported';

/** Where a piece of a rule came from: the file, the 0-based document index in a multi-document file, the
 *  1-based line, and the YAML path (e.g. `detection.selection.Image|contains[3]`). */
export interface SourceLocation {
  file: string;
  document: number;
  line: number;
  path: string;
}

export interface LogSource {
  category?: string;
  product?: string;
  service?: string;
  definition?: string;
}

export interface RuleMetadata {
  id?: string;
  name?: string;
  title: string;
  status?: SigmaStatus;
  description?: string;
  license?: string;
  author?: string;
  date?: string;
  modified?: string;
  references: string[];
  tags: string[];
  falsepositives: string[];
  level?: SigmaLevel;
  fields: string[];
}

export interface SigmaRule extends RuleMetadata {
  kind: 'rule';
  source: SourceLocation;
  logsource: LogSource;
  detection: Detection;
  /** Filter documents (`filter:`) applied to this rule, by their title/id, in load order. */
  appliedFilters: string[];
}

export interface Detection {
  /** Search identifiers in declaration order. */
  searches: Map<string, Search>;
  /** The condition: one entry per `condition` list item; the entries are ORed (spec: "Condition"). */
  condition: ConditionNode;
  conditionText: string[];
}

// ---------------------------------------------------------------------------------------------------
// Searches
// ---------------------------------------------------------------------------------------------------

/** A search identifier's body. A map is an AND of its items; a list of maps ORs the maps; a list of plain
 *  values (or a scalar) is a keyword search. */
export type Search =
  | { kind: 'fields'; identifier: string; location: SourceLocation; alternatives: FieldConjunction[] }
  | { kind: 'keywords'; identifier: string; location: SourceLocation; item: DetectionItem };

/** One YAML map under a search identifier: every item must hold. */
export interface FieldConjunction {
  location: SourceLocation;
  items: DetectionItem[];
}

export type ValueCombination = 'any' | 'all';

/** `Field|mod1|mod2: values` (field is null for keywords). */
export interface DetectionItem {
  field: string | null;
  /** The modifier chain as written (canonical names, aliases resolved: `re|i` → ['re', 'i']). */
  modifiers: string[];
  /** How the value groups combine: `any` (default, a YAML list is OR) or `all` (the `all` modifier). */
  combine: ValueCombination;
  /** One group per value written in the rule. A group is an OR of patterns: modifiers such as windash and
   *  base64offset expand one written value into several alternatives. */
  values: ValueGroup[];
  /** `neq`: the item holds when the field is present and matches none of the values. */
  negated: boolean;
  location: SourceLocation;
}

export interface ValueGroup {
  /** The value exactly as written in the YAML (string, number, boolean or null), for explanations. */
  written: string | number | boolean | null;
  patterns: ValuePattern[];
  location: SourceLocation;
}

/** A piece of a Sigma string after escape processing: a literal run, or a wildcard. */
export type StringPart = { kind: 'literal'; text: string } | { kind: 'any' } | { kind: 'one' };

export type ValuePattern =
  /** Whole-value match of a Sigma string with wildcards (contains/startswith/endswith are already applied
   *  as leading/trailing `any` parts). Case-insensitive unless `cased`. */
  | { kind: 'string'; parts: StringPart[]; cased: boolean }
  /** A regular expression (`re`), unanchored search, flags from `re|i|m|s`. */
  | { kind: 're'; source: string; flags: { ignoreCase: boolean; multiline: boolean; dotAll: boolean } }
  /** `null`: the field is absent or null. */
  | { kind: 'null' }
  /** `exists`: the field is present (true) or absent (false), whatever its value. */
  | { kind: 'exists'; expected: boolean }
  /** gt/gte/lt/lte: the field's value, read as a number, compared with `value`. */
  | { kind: 'compare'; op: 'gt' | 'gte' | 'lt' | 'lte'; value: number }
  /** cidr: the field holds an IP address inside the network. */
  | { kind: 'cidr'; family: 4 | 6; network: string; prefixLength: number }
  /** fieldref: the field equals (or contains/starts/ends with) the value of another field of the event. */
  | { kind: 'fieldref'; field: string; position: 'exact' | 'contains' | 'startswith' | 'endswith'; cased: boolean }
  /** minute/hour/day/week/month/year: a part of the field's date-time value equals `value`. */
  | { kind: 'timepart'; part: 'minute' | 'hour' | 'day' | 'week' | 'month' | 'year'; value: number };

// ---------------------------------------------------------------------------------------------------
// Conditions
// ---------------------------------------------------------------------------------------------------

export type ConditionNode =
  | { kind: 'and'; operands: ConditionNode[] }
  | { kind: 'or'; operands: ConditionNode[] }
  | { kind: 'not'; operand: ConditionNode }
  /** A search identifier, already resolved against `Detection.searches`. */
  | { kind: 'search'; identifier: string }
  /** `1 of x*`, `all of them`: resolved at load time to the identifiers the pattern selects. */
  | { kind: 'of'; quantifier: 'one' | 'all'; pattern: string; identifiers: string[] };

// ---------------------------------------------------------------------------------------------------
// Other document kinds
// ---------------------------------------------------------------------------------------------------

/** A Sigma filter document (sigma-filters-specification): excludes matches from the rules it names. */
export interface SigmaFilter {
  kind: 'filter';
  source: SourceLocation;
  id?: string;
  title: string;
  logsource: LogSource;
  /** Rule ids or names the filter applies to. */
  rules: string[];
  detection: Detection;
}

/** A correlation document: parsed for identification, refused by the engine until correlations land. */
export interface SigmaCorrelation {
  kind: 'correlation';
  source: SourceLocation;
  id?: string;
  name?: string;
  title: string;
  type: string;
  rules: string[];
}

export type SigmaDocument = SigmaRule | SigmaFilter | SigmaCorrelation;

/** Placeholder values for `expand` (`%name%`), as a user supplies them (YAML/JSON map name → list). */
export type PlaceholderValues = ReadonlyMap<string, readonly string[]>;
