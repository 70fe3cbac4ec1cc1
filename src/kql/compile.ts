// Sigma rule → KQL for one target. The target schema (src/targets/) says how each Sigma field is held; this
// module only reads it forwards. The query is a pre-filter whose hits the matcher re-verifies on the adapted
// rows (src/targets/adapter.ts), so the contract is:
//
//     for every row r of the source:  matcher(adapter(r))  ⇒  r satisfies the KQL predicate
//
// and `exact: true` claims the converse as well. Translation is polarity-aware: compile(node, positive) is a
// superset of the node's truth, compile(node, negative) a subset, and `not` swaps the polarity. A translation
// that is only a superset (an `inexact` atom) stays in positive polarity and becomes `false` in negative
// polarity. Where a rule value meets a column, the decisions of src/targets/README.md apply (empty = absent).
//
// Every rule-supplied text reaches the query only through kqlString (a quoted literal), so no value can change
// the query's structure.
import type { ConditionNode, DetectionItem, Search, SigmaRule, ValueGroup, ValuePattern } from '../rule/model.js';
import { isScalarPattern, ScalarMatcher } from '../match/scalar.js';
import { literalShape, normalizeParts } from '../match/text.js';
import { categoryMapping, isTargetName } from '../targets/index.js';
import { finiteDomain, kqlColumn, renderCondition, renderValue, valueColumns, valueType } from '../targets/expr.js';
import { productColumns, productScopeOf, renderProductTest } from '../targets/product.js';
import type { CategoryMapping, ColumnDeclaration, Condition, FieldMapping, ProductScope, TargetName } from '../targets/types.js';
import { kqlString } from './string-literal.js';
import { and, atom, FALSE, not, or, renderPredicate, tagPredicateOf, TRUE, type Predicate } from './compile/predicate.js';
import { globToRe2, translateRegex } from './compile/regex.js';
import { eventDataPrefilter } from './compile/prefilter.js';
import { asciiFoldRegex, foldedLiteralTests, isAscii, isCaseless, matcherRegex, partnerTest, type FoldedTest } from './compile/fold.js';

export interface CompileOptions {
  /** The time window: fixed instants, `'parameters'` (the query declares `starttime`/`endtime` query parameters),
   *  or by default the last hour (`ago(1h)` .. `now()`), so the query pastes into the Logs blade as is. */
  window?: { start: Date; end: Date } | 'parameters';
  /** ASIM: call the workspace-deployed parser (imNetworkSession) instead of the built-in one (_Im_NetworkSession). */
  useWorkspaceParser?: boolean;
  /** Further source columns to project (must be declared by the target's category). */
  extraColumns?: string[];
}

export type KqlRefusalCode =
  | 'target' // unknown target name
  | 'category' // the rule's logsource has no mapping on the target
  | 'option' // an option the target cannot honour (an unknown extra column)
  | 'regex' // a regular expression RE2 cannot express
  | 'modifier' // a value test the compiler does not translate (date parts, a pattern the matcher itself refuses)
  | 'never-matches' // on this target's data the rule can never match (it needs fields the target lacks)
  | 'matches-all'; // on this target's data the rule would match every event (a mapping gap, not a detection)

export interface KqlConversion {
  ok: true;
  target: TargetName;
  category: string;
  kql: string;
  /** Where the query or the target's data may deviate from the rule's meaning. */
  warnings: string[];
  /** The KQL accepts exactly the rows the matcher accepts after adaptation (otherwise: a superset). */
  exact: boolean;
  /** The projected columns: what the row adapter, enrichment and hit identity need. */
  columns: string[];
}

export interface KqlRefusal {
  ok: false;
  target: string;
  code: KqlRefusalCode;
  reason: string;
}

export type KqlCompileResult = KqlConversion | KqlRefusal;

class Refusal extends Error {
  constructor(
    readonly code: KqlRefusalCode,
    readonly reason: string,
  ) {
    super(reason);
  }
}

/** A Sigma field as the query sees it: the KQL expression of its value and that value's type. */
interface Subject {
  readonly text: string;
  readonly numeric: boolean;
}

interface Context {
  readonly target: TargetName;
  readonly category: string;
  readonly mapping: CategoryMapping;
  /** The rule's product as a row test (absent: the rule names no product, every row is in scope). */
  readonly product?: ProductScope;
  readonly columnTypes: ReadonlyMap<string, ColumnDeclaration>;
  readonly warnings: Set<string>;
  /** Sigma fields the predicate tests. */
  readonly testedFields: Set<string>;
  /** Fields whose value is not a bare column: computed once by `extend` under an alias. */
  readonly aliases: Map<string, { alias: string; expression: string }>;
  exact: boolean;
  keywords: boolean;
}

export function compileToKql(rule: SigmaRule, target: TargetName | string, options: CompileOptions = {}): KqlCompileResult {
  const parts = compileQueryParts(rule, target, options);
  if ('ok' in parts) return parts;
  return {
    ok: true,
    target: parts.target,
    category: parts.category,
    kql: renderRuleKql(parts),
    warnings: parts.warnings,
    exact: parts.exact,
    columns: parts.columns,
  };
}

/**
 * A conversion before it is printed: the pieces a query is laid out from (renderKql). The hunt lays the pieces of
 * several rules of one source out as one query (src/hunt/pack/), so they are exposed rather than re-derived.
 */
export interface KqlQueryParts {
  target: TargetName;
  category: string;
  /** The time window's preamble (`declare query_parameters(...)`), if the window needs one. */
  preamble?: string;
  /** The source, one operator a line: the parser call, or the table with its time and row filters. Rules of one
   *  category and window read the same lines. */
  source: string[];
  /** Sysmon: the raw XML column, the names of it the query reads, and the rule's term pre-filter on it. */
  extraction?: { column: string; names: string[]; prefilter?: string };
  /** Optional source columns the query reads (read through column_ifexists, with an empty value of their type). */
  optionalColumns: OptionalColumn[];
  /** Fields whose value is not a bare column, computed once under an alias. */
  aliases: { alias: string; expression: string }[];
  /** The rule's predicate over the columns and aliases above. */
  predicate: string;
  /**
   * The predicate as a batch member tests it: the same where no subject it reads holds a case partner, wider (a
   * superset, decided by the matcher) where one does, and a fraction of the text (compile/predicate.ts
   * tagPredicateOf). `partnerFlags` are the per-subject flags it reads, computed once per row by `extend`, with
   * names that depend only on the subject (so members of a batch share them).
   */
  tag: { predicate: string; partnerFlags: { alias: string; expression: string }[] };
  columns: string[];
  warnings: string[];
  exact: boolean;
}

export type KqlPartsResult = KqlQueryParts | KqlRefusal;

/** The rule's query as parts (see KqlQueryParts); compileToKql prints them. */
export function compileQueryParts(rule: SigmaRule, target: TargetName | string, options: CompileOptions = {}): KqlPartsResult {
  if (!isTargetName(target)) return { ok: false, target, code: 'target', reason: `unknown target '${target}' (asim, mde, sysmon)` };
  const category = rule.logsource.category ?? '';
  const product = rule.logsource.product;
  const mapping = categoryMapping(target, category);
  const scope = mapping ? productScopeOf(mapping, product) : undefined;
  if (!mapping || !scope || scope.kind === 'none') {
    const logsource = [product && `product ${product}`, category ? `category ${category}` : 'no category', rule.logsource.service && `service ${rule.logsource.service}`]
      .filter(Boolean)
      .join(', ');
    return { ok: false, target, code: 'category', reason: `logsource (${logsource}) has no mapping on target ${target}` };
  }
  const context: Context = {
    target,
    category,
    mapping,
    ...(scope.kind === 'scoped' ? { product: scope.scope } : {}),
    columnTypes: new Map(mapping.columns.map((column) => [column.name, column])),
    warnings: new Set(),
    testedFields: new Set(),
    aliases: new Map(),
    exact: true,
    keywords: false,
  };
  try {
    return build(rule, context, options);
  } catch (error) {
    if (error instanceof Refusal) return { ok: false, target, code: error.code, reason: error.reason };
    throw error;
  }
}

/** The batch member's form of the predicate (KqlQueryParts.tag). */
function tagOf(predicate: Predicate): KqlQueryParts['tag'] {
  const tag = tagPredicateOf(predicate, partnerFlagName);
  return { predicate: renderPredicate(tag.predicate), partnerFlags: tag.subjects.map((subject) => ({ alias: partnerFlagName(subject), expression: partnerTest(subject) })) };
}

/** The flag column of a subject: a hash of its text, short because a batch names it once per test (a subject is a
 *  column, an alias or an expression of the compiler's; the name never carries a rule value). */
export function partnerFlagName(subject: string): string {
  let hash = 0x811c9dc5;
  for (let index = 0; index < subject.length; index++) hash = Math.imul(hash ^ subject.charCodeAt(index), 0x01000193) >>> 0;
  return `SigmaCase${hash.toString(16).padStart(8, '0')}`;
}

/** A column a union leg may lack, and its type (string or dynamic: what `column_ifexists` falls back to). */
export interface OptionalColumn {
  readonly name: string;
  readonly type: 'string' | 'dynamic';
}

/** The value an absent optional column reads as: the empty string, or a null bag (whose members are null). */
const OPTIONAL_DEFAULT: Readonly<Record<OptionalColumn['type'], string>> = { string: '""', dynamic: 'dynamic(null)' };

/** What a query is laid out from: one rule's parts, or a batch of rules of one source (src/hunt/pack/). */
export interface KqlLayout {
  preamble?: string;
  source: readonly string[];
  extraction?: { column: string; names: readonly string[]; prefilter?: string };
  optionalColumns: readonly OptionalColumn[];
  aliases: readonly { alias: string; expression: string }[];
  /** Operators after every column and alias exists, one a line, without the leading `| `. */
  filters: readonly string[];
  /** The projected columns (names, quoted here). */
  project: readonly string[];
}

/** One rule's query: its rows are those its predicate accepts. */
export function renderRuleKql(parts: KqlQueryParts): string {
  return renderKql({ ...parts, filters: [`where ${parts.predicate}`], project: parts.columns });
}

/** Prints a query: preamble, source, extraction, optional columns, aliases, filters, projection. */
export function renderKql(layout: KqlLayout): string {
  const lines: string[] = [];
  if (layout.preamble) lines.push(layout.preamble);
  const extraction = layout.extraction;
  if (extraction && extraction.names.length > 0) lines.push(XML_DECODE_FUNCTION);
  lines.push(...layout.source);
  if (extraction && extraction.names.length > 0) {
    if (extraction.prefilter !== undefined) lines.push(`| where ${extraction.prefilter}`);
    lines.push(
      `| parse-kv ${kqlColumn(extraction.column)} as (${extraction.names.map((name) => `${kqlColumn(name)}:string`).join(', ')}) ` +
        `with (regex=${kqlString(SYSMON_DATA_REGEX)})`,
    );
    lines.push(`| extend ${extraction.names.map((name) => `${kqlColumn(name)} = ${XML_DECODE_NAME}(${kqlColumn(name)})`).join(', ')}`);
  }
  if (layout.optionalColumns.length > 0) {
    lines.push(`| extend ${layout.optionalColumns.map(({ name, type }) => `${kqlColumn(name)} = column_ifexists(${kqlString(name)}, ${OPTIONAL_DEFAULT[type]})`).join(', ')}`);
  }
  if (layout.aliases.length > 0) lines.push(`| extend ${layout.aliases.map(({ alias, expression }) => `${alias} = ${expression}`).join(', ')}`);
  for (const filter of layout.filters) lines.push(`| ${filter}`);
  lines.push(`| project ${layout.project.map(kqlColumn).join(', ')}`);
  return lines.join('\n');
}

function build(rule: SigmaRule, context: Context, options: CompileOptions): KqlQueryParts {
  const { mapping, target } = context;
  const predicate = compileCondition(rule.detection.condition, rule, context, true);
  if (predicate.kind === 'const') {
    const missing = [...context.testedFields].filter((field) => mapping.fields[field]?.kind !== 'value');
    const because = missing.length > 0 ? `: it needs ${missing.join(', ')}, which ${target} does not carry` : '';
    if (!predicate.value) throw new Refusal('never-matches', `the rule can never match ${context.category} events on ${target}${because}`);
    throw new Refusal('matches-all', `the rule would match every ${context.category} event on ${target}${because}`);
  }

  // Columns: identity and entities first, then whatever the tested fields read.
  const projectedFields = new Set<string>([...mapping.entityFields, ...context.testedFields]);
  if (context.keywords) for (const field of Object.keys(mapping.fields)) projectedFields.add(field);
  const columns: string[] = [];
  const addColumn = (name: string) => {
    if (!columns.includes(name)) columns.push(name);
  };
  addColumn(mapping.timeColumn);
  for (const name of mapping.hostColumns) addColumn(name);
  for (const name of mapping.identityColumns) addColumn(name);
  if (context.product) for (const name of productColumns(context.product)) addColumn(name);
  for (const field of projectedFields) {
    const fieldMapping = mapping.fields[field];
    if (fieldMapping?.kind === 'value') for (const name of valueColumns(fieldMapping.value)) addColumn(name);
  }
  for (const name of options.extraColumns ?? []) {
    const extracted = mapping.extraction?.names.includes(name) ?? false;
    if (!context.columnTypes.has(name) && !extracted) {
      throw new Refusal('option', `extra column '${name}' is not a column of ${context.category} on ${target}`);
    }
    addColumn(name);
  }

  const window = renderWindow(options.window);
  const source = mapping.source;
  const sourceLines: string[] = [];
  if (source.kind === 'function') {
    const name = options.useWorkspaceParser ? source.workspaceName : source.name;
    sourceLines.push(`${name}(${source.startParameter}=${window.start}, ${source.endParameter}=${window.end})`);
  } else {
    sourceLines.push(source.table);
    sourceLines.push(`| where ${kqlColumn(mapping.timeColumn)} between (${window.start} .. ${window.end})`);
    if (source.rowFilter) {
      const tests = source.rowFilter.map(({ column, equals }) => `${kqlColumn(column)} == ${typeof equals === 'number' ? String(equals) : kqlString(equals)}`);
      sourceLines.push(`| where ${tests.join(' and ')}`);
    }
  }
  // The rule's product: only rows of devices with that OS (the verification applies the same test, product.ts).
  // A source line, so rules of one product share a batch query (src/hunt/pack/) and rules of two do not.
  const optionalNames = new Set(mapping.columns.filter((column) => column.optional && column.type === 'string').map((column) => column.name));
  const productTest = context.product ? renderProductTest(context.product, optionalNames) : undefined;
  if (productTest !== undefined) sourceLines.push(`| where ${productTest}`);
  if (options.useWorkspaceParser && source.kind !== 'function') {
    context.warnings.add(`--workspace-parser has no effect on target ${target} (it reads a table)`);
  }
  const extraction = mapping.extraction;
  const extractedNames = extraction ? columns.filter((name) => extraction.names.includes(name)) : [];
  let extractionPart: KqlQueryParts['extraction'];
  if (extraction && extractedNames.length > 0) {
    const prefilter = eventDataPrefilter(rule, extraction.names, kqlColumn(extraction.column));
    extractionPart = { column: extraction.column, names: extractedNames, ...(prefilter.kind !== 'const' ? { prefilter: renderPredicate(prefilter) } : {}) };
  }
  const optionalColumns = mapping.columns
    .filter((column) => column.optional && (columns.includes(column.name) || usedByAliases(context, column.name)))
    .map((column): OptionalColumn => ({ name: column.name, type: column.type === 'dynamic' ? 'dynamic' : 'string' }));

  for (const caveat of mapping.caveats ?? []) context.warnings.add(caveat);
  return {
    target,
    category: context.category,
    ...(window.preamble ? { preamble: window.preamble } : {}),
    source: sourceLines,
    ...(extractionPart ? { extraction: extractionPart } : {}),
    optionalColumns,
    aliases: [...context.aliases.values()],
    predicate: renderPredicate(predicate),
    tag: tagOf(predicate),
    columns,
    warnings: [...context.warnings],
    exact: context.exact,
  };
}

function usedByAliases(context: Context, column: string): boolean {
  for (const [field] of context.aliases) {
    const fieldMapping = context.mapping.fields[field];
    if (fieldMapping?.kind === 'value' && valueColumns(fieldMapping.value).has(column)) return true;
  }
  return false;
}

// ---------------------------------------------------------------------------------------------------------------
// Time window

function renderWindow(window: CompileOptions['window']): { start: string; end: string; preamble?: string } {
  if (window === 'parameters') {
    return { start: 'starttime', end: 'endtime', preamble: 'declare query_parameters(starttime:datetime, endtime:datetime);' };
  }
  if (window) return { start: `datetime(${window.start.toISOString()})`, end: `datetime(${window.end.toISOString()})` };
  return { start: 'ago(1h)', end: 'now()' };
}

// ---------------------------------------------------------------------------------------------------------------
// Sysmon EventData: `<Data Name="Image">C:\x.exe</Data>`. The value group stops at the next `<`, which XML
// escapes inside values; unlike the ASIM parsers' `{?([^<]*?)}?` it keeps braces, which belong to the value.

const SYSMON_DATA_REGEX = '<Data Name="(\\w+)">([^<]*)</Data>';
const XML_DECODE_NAME = 'sigma_xml_text';
// &amp; last, so "&amp;lt;" decodes to "&lt;" (its text), not "<".
const XML_ENTITIES: readonly (readonly [string, string])[] = [['&lt;', '<'], ['&gt;', '>'], ['&quot;', '"'], ['&apos;', "'"], ['&amp;', '&']];
const XML_DECODE_FUNCTION = `let ${XML_DECODE_NAME} = (value:string) { ${XML_ENTITIES.reduce(
  (inner, [entity, text]) => `replace_string(${inner}, ${kqlString(entity)}, ${kqlString(text)})`,
  'value',
)} };`;

// ---------------------------------------------------------------------------------------------------------------
// Conditions

function compileCondition(node: ConditionNode, rule: SigmaRule, context: Context, positive: boolean): Predicate {
  switch (node.kind) {
    case 'search':
      return compileSearch(searchOf(rule, node.identifier), context, positive);
    case 'and':
      return and(node.operands.map((operand) => compileCondition(operand, rule, context, positive)));
    case 'or':
      return or(node.operands.map((operand) => compileCondition(operand, rule, context, positive)));
    case 'not':
      return not(compileCondition(node.operand, rule, context, !positive));
    case 'of': {
      const operands = node.identifiers.map((identifier) => compileSearch(searchOf(rule, identifier), context, positive));
      return node.quantifier === 'all' ? and(operands) : or(operands);
    }
  }
}

function searchOf(rule: SigmaRule, identifier: string): Search {
  const search = rule.detection.searches.get(identifier);
  if (!search) throw new Refusal('modifier', `condition refers to unknown search identifier '${identifier}'`);
  return search;
}

function compileSearch(search: Search, context: Context, positive: boolean): Predicate {
  if (search.kind === 'keywords') return compileKeywordItem(search.item, context, positive);
  return or(search.alternatives.map((conjunction) => and(conjunction.items.map((item) => compileFieldItem(item, context, positive)))));
}

// ---------------------------------------------------------------------------------------------------------------
// Field items

function compileFieldItem(item: DetectionItem, context: Context, positive: boolean): Predicate {
  const field = item.field!;
  context.testedFields.add(field);
  const fieldMapping: FieldMapping | undefined = Object.hasOwn(context.mapping.fields, field) ? context.mapping.fields[field] : undefined;
  if (!fieldMapping || fieldMapping.kind === 'missing') {
    // The adapter never sets the field, so the matcher sees it absent: the item is a constant.
    const why = fieldMapping ? fieldMapping.reason : `'${field}' is not a field of ${context.category} on ${context.target}`;
    context.warnings.add(`${context.target}: field ${field} is not available (${why}); its tests are evaluated as on an absent field`);
    const value = evaluateOnConstant(item, undefined);
    return value ? TRUE : FALSE;
  }
  if (fieldMapping.caveat) context.warnings.add(fieldMapping.caveat);

  const domain = finiteDomain(fieldMapping.value);
  if (domain && !item.values.some((group) => group.patterns.some((pattern) => pattern.kind === 'fieldref'))) {
    return compileOnFiniteDomain(item, domain);
  }

  warnIfEmptyStringTest(item, context);
  const subject = subjectOf(field, fieldMapping, context);
  const groupPredicate = (group: ValueGroup, groupPositive: boolean) => compilePatterns(group.patterns, subject, context, groupPositive, item);
  if (item.negated) {
    // neq: present and none of the values.
    const any = or(item.values.map((group) => groupPredicate(group, !positive)));
    return and([atom(`isnotempty(${subject.text})`), not(any)]);
  }
  if (item.combine === 'all') return and(item.values.map((group) => groupPredicate(group, positive)));
  return compilePatterns(item.values.flatMap((group) => group.patterns), subject, context, positive, item);
}

/** `Field: ''` never holds on these targets (an empty cell is an absent value). SigmaHQ rules nearly always pair
 *  it with `Field: null`, which then does the work; a rule that tests '' without null deserves a warning. */
function warnIfEmptyStringTest(item: DetectionItem, context: Context): void {
  const patterns = item.values.flatMap((group) => group.patterns);
  const testsEmpty = patterns.some((pattern) => pattern.kind === 'string' && literalShape(normalizeParts(pattern.parts))?.text === '' && literalShape(normalizeParts(pattern.parts))?.position === 'exact');
  if (!testsEmpty) return;
  context.warnings.add(
    `${context.target}: ${item.field}: '' never matches: Log Analytics cannot tell an empty value from an absent one, ` +
      'and the row adapter reads both as absent (Sigma null)',
  );
}

/** The matcher's verdict on an item when the field holds `value` (undefined: absent), or null when it depends
 *  on other fields (fieldref). Uses the matcher's own value tests, so the two cannot disagree. */
function evaluateOnConstant(item: DetectionItem, value: string | undefined): boolean {
  const groupHolds = (patterns: readonly ValuePattern[]): boolean => {
    for (const pattern of patterns) {
      if (pattern.kind === 'null' && value === undefined) return true;
      if (pattern.kind === 'exists' && (value !== undefined) === pattern.expected) return true;
    }
    if (value === undefined) return false;
    const scalars = patterns.filter(isScalarPattern);
    if (scalars.length > 0 && new ScalarMatcher(scalars, item.location).test(value)) return true;
    if (patterns.some((pattern) => pattern.kind === 'fieldref')) throw new Refusal('modifier', 'fieldref on a constant');
    return false;
  };
  if (item.negated) return value !== undefined && !groupHolds(item.values.flatMap((group) => group.patterns));
  if (item.combine === 'all') return item.values.every((group) => groupHolds(group.patterns));
  return groupHolds(item.values.flatMap((group) => group.patterns));
}

/** A field with a few possible values (Initiated from ActionType): decide each value now, test the conditions
 *  that produce the accepted ones. */
function compileOnFiniteDomain(item: DetectionItem, domain: { value: string; when: Condition }[]): Predicate {
  const accepted: Predicate[] = [];
  const earlier: Predicate[] = [];
  let everyCaseIsOneColumnIn = true;
  const column = domain[0]?.when.kind === 'in' ? domain[0].when.column : undefined;
  for (const { when } of domain) if (when.kind !== 'in' || when.column !== column) everyCaseIsOneColumnIn = false;
  for (const { value, when } of domain) {
    const condition = atom(renderCondition(when));
    // With disjoint `in` lists on one column, the earlier cases need not be excluded.
    const reached = everyCaseIsOneColumnIn ? condition : and([...earlier.map(not), condition]);
    if (evaluateOnConstant(item, value === '' ? undefined : value)) accepted.push(reached);
    earlier.push(condition);
  }
  if (evaluateOnConstant(item, undefined)) accepted.push(and(earlier.map(not)));
  if (everyCaseIsOneColumnIn && column !== undefined) {
    if (accepted.length > 1 && !evaluateOnConstant(item, undefined)) {
      const merged = domain.filter(({ value }) => evaluateOnConstant(item, value === '' ? undefined : value)).flatMap(({ when }) => (when.kind === 'in' ? when.values : []));
      return atom(`${kqlColumn(column)} in (${merged.map(kqlString).join(', ')})`);
    }
  }
  return or(accepted);
}

function subjectOf(field: string, fieldMapping: Extract<FieldMapping, { kind: 'value' }>, context: Context): Subject {
  const numeric = valueType(fieldMapping.value, context.columnTypes) !== 'string';
  if (fieldMapping.value.kind === 'column') return { text: kqlColumn(fieldMapping.value.column), numeric };
  let alias = context.aliases.get(field);
  if (!alias) {
    const base = `sigma_${field.replace(/[^A-Za-z0-9_]/g, '_')}`;
    let name = base;
    for (let n = 2; [...context.aliases.values()].some((existing) => existing.alias === name); n++) name = `${base}_${n}`;
    alias = { alias: name, expression: renderValue(fieldMapping.value, context.columnTypes) };
    context.aliases.set(field, alias);
  }
  return { text: alias.alias, numeric };
}

/** An OR of value patterns on one subject. Case-insensitive ASCII literals are tested together (compile/fold.ts),
 *  exact case-sensitive values merged into one `in`. */
function compilePatterns(patterns: readonly ValuePattern[], subject: Subject, context: Context, positive: boolean, item: DetectionItem): Predicate {
  const operands: Predicate[] = [];
  const folded: FoldedTest[] = [];
  const casedExact: string[] = [];
  const numbers: string[] = [];
  for (const pattern of patterns) {
    if (pattern.kind === 'string') {
      const shape = literalShape(normalizeParts(pattern.parts));
      if (shape?.position === 'exact' && subject.numeric && CANONICAL_INTEGER.test(shape.text)) {
        numbers.push(shape.text);
        continue;
      }
      if (shape && shape.text !== '' && !subject.numeric) {
        if (pattern.cased && shape.position === 'exact') {
          casedExact.push(shape.text);
          continue;
        }
        if (!pattern.cased && isAscii(shape.text)) {
          folded.push({ position: shape.position, text: shape.text });
          continue;
        }
      }
    }
    operands.push(compilePattern(pattern, subject, context, positive, item));
  }
  if (folded.length > 0) operands.push(foldedLiteralTests(subject.text, folded));
  if (casedExact.length === 1) operands.push(atom(`${subject.text} == ${kqlString(casedExact[0]!)}`));
  if (casedExact.length > 1) operands.push(atom(`${subject.text} in (${casedExact.map(kqlString).join(', ')})`));
  if (numbers.length === 1) operands.push(atom(`${subject.text} == ${numbers[0]}`));
  if (numbers.length > 1) operands.push(atom(`${subject.text} in (${[...new Set(numbers)].join(', ')})`));
  return or(operands);
}

/** Marks the conversion inexact and returns what an inexact (superset) test is worth in this polarity. */
function inexact(test: Predicate, context: Context, positive: boolean): Predicate {
  context.exact = false;
  return positive ? test : FALSE;
}

function compilePattern(pattern: ValuePattern, subject: Subject, context: Context, positive: boolean, item: DetectionItem): Predicate {
  const text = subject.numeric ? `tostring(${subject.text})` : subject.text;
  switch (pattern.kind) {
    case 'null':
      return atom(`isempty(${subject.text})`);
    case 'exists':
      return atom(`${pattern.expected ? 'isnotempty' : 'isempty'}(${subject.text})`);
    case 'string':
      return compileString(pattern, subject, text, context, positive);
    case 're': {
      const translated = translateRegex(pattern.source, pattern.flags);
      if (!translated.ok) throw new Refusal('regex', `${item.field}|re: ${translated.reason}`);
      // The matcher runs RE2 as well (src/rule/values/regex.ts): (?i) folds the KELVIN SIGN with k and ſ with s on
      // both sides.
      const test = atom(`${text} matches regex ${kqlString(translated.pattern)}`);
      return translated.exact ? test : inexact(test, context, positive);
    }
    case 'compare': {
      const op = { gt: '>', gte: '>=', lt: '<', lte: '<=' }[pattern.op];
      if (!Number.isFinite(pattern.value)) throw new Refusal('modifier', `${item.field}|${pattern.op} needs a finite number`);
      if (subject.numeric) return atom(`${subject.text} ${op} ${numberLiteral(pattern.value)}`);
      // todouble() reads more spellings than the matcher's decimal reading (spaces, hex): a superset.
      return inexact(atom(`todouble(${subject.text}) ${op} ${numberLiteral(pattern.value)}`), context, positive);
    }
    case 'cidr': {
      // ipv4_is_in_range/ipv6_is_in_range return null (not false) for an empty or non-address value, and a null
      // under `not(...)` would make `where` drop a row the matcher keeps (`selection and not filter_cidr`):
      // coalesce to false so the test is two-valued, as the matcher's is.
      const inRange = (fn: string, net: string) => atom(`coalesce(${fn}(${text}, ${net}), false)`);
      const network = kqlString(`${pattern.network}/${pattern.prefixLength}`);
      if (pattern.family === 6) return and([atom(`${text} contains ":"`), inRange('ipv6_is_in_range', network)]);
      // The matcher also accepts an IPv4-mapped IPv6 address (::ffff:a.b.c.d) in an IPv4 network.
      const mapped = kqlString(`::ffff:${pattern.network}/${96 + pattern.prefixLength}`);
      return or([inRange('ipv4_is_in_range', network), and([atom(`${text} contains ":"`), inRange('ipv6_is_in_range', mapped)])]);
    }
    case 'fieldref': {
      const otherMapping = Object.hasOwn(context.mapping.fields, pattern.field) ? context.mapping.fields[pattern.field] : undefined;
      context.testedFields.add(pattern.field);
      if (!otherMapping || otherMapping.kind === 'missing') {
        context.warnings.add(`${context.target}: field ${pattern.field} (fieldref) is not available; the comparison never holds`);
        return FALSE;
      }
      const other = subjectOf(pattern.field, otherMapping, context);
      const otherText = other.numeric ? `tostring(${other.text})` : other.text;
      const cs = pattern.cased ? '_cs' : '';
      const comparison =
        pattern.position === 'exact'
          ? `${text} ${pattern.cased ? '==' : '=~'} ${otherText}`
          : `${text} ${pattern.position}${cs} ${otherText}`;
      const present = [atom(`isnotempty(${subject.text})`), atom(`isnotempty(${other.text})`)];
      if (pattern.cased) return and([...present, atom(comparison)]);
      // Kusto folds only ASCII letters for certain (compile/fold.ts); with a non-ASCII character on either side
      // the matcher's toLowerCase() may equate what the operator does not: keep such rows (a superset).
      const nonAscii = (value: string) => atom(`${value} matches regex ${kqlString('[^\\x{0}-\\x{7F}]')}`);
      return and([...present, inexact(or([atom(comparison), nonAscii(text), nonAscii(otherText)]), context, positive)]);
    }
    case 'timepart':
      throw new Refusal('modifier', `${item.field}|${pattern.part}: date-part modifiers are not translated to KQL`);
  }
}

function numberLiteral(value: number): string {
  return Number.isInteger(value) && Math.abs(value) <= Number.MAX_SAFE_INTEGER ? String(value) : `real(${String(value)})`;
}

const CANONICAL_INTEGER = /^-?(0|[1-9][0-9]{0,14})$/;

function compileString(
  pattern: Extract<ValuePattern, { kind: 'string' }>,
  subject: Subject,
  text: string,
  context: Context,
  positive: boolean,
): Predicate {
  const parts = normalizeParts(pattern.parts);
  const shape = literalShape(parts);
  if (shape) {
    // The empty value is absent (adapter), and absent never matches a string pattern.
    if (shape.position === 'exact' && shape.text === '') return FALSE;
    if (shape.position === 'contains' && shape.text === '') return atom(`isnotempty(${subject.text})`);
    const literal = kqlString(shape.text);
    if (subject.numeric && shape.position === 'exact') {
      // A number matches by its decimal text (tostring), which is canonical: other texts never match.
      return CANONICAL_INTEGER.test(shape.text) ? atom(`${subject.text} == ${shape.text}`) : FALSE;
    }
    // A number's text is ASCII, where Kusto's case folding is the matcher's. A caseless literal (emoji, digits,
    // CJK...) is found by toLowerCase() exactly where it is found as it stands.
    const sensitive = pattern.cased || (!isAscii(shape.text) && isCaseless(shape.text));
    if (sensitive || subject.numeric) {
      const cs = sensitive ? '_cs' : '';
      switch (shape.position) {
        case 'exact':
          return atom(`${text} ${sensitive ? '==' : '=~'} ${literal}`);
        case 'contains':
          return atom(`${text} contains${cs} ${literal}`);
        case 'startswith':
          return atom(`${text} startswith${cs} ${literal}`);
        case 'endswith':
          return atom(`${text} endswith${cs} ${literal}`);
      }
    }
    if (isAscii(shape.text)) return foldedLiteralTests(text, [{ position: shape.position, text: shape.text }]);
  }
  if (pattern.cased) return atom(`${text} matches regex ${kqlString(globToRe2(parts, true))}`);
  // Case-insensitive wildcards and non-ASCII literals: the matcher's folding spelled out in RE2 (compile/fold.ts).
  const regex = matcherRegex(parts);
  const test = atom(`${text} matches regex ${kqlString(regex.pattern)}`);
  if (!regex.exact) return inexact(test, context, positive);
  const fast = asciiFoldRegex(parts);
  return fast === undefined ? test : { kind: 'folded', subject: text, exact: test, fast: atom(`${text} matches regex ${kqlString(fast)}`), widen: true };
}

// ---------------------------------------------------------------------------------------------------------------
// Keyword items: the matcher searches every value of the adapted event, so the KQL searches every field the
// adapter rebuilds (and the query projects them all).

function compileKeywordItem(item: DetectionItem, context: Context, positive: boolean): Predicate {
  context.keywords = true;
  context.warnings.add(`${context.target}: keyword search runs over every mapped field of ${context.category}`);
  const subjects: Subject[] = [];
  for (const [field, fieldMapping] of Object.entries(context.mapping.fields)) {
    if (fieldMapping.kind === 'value') subjects.push(subjectOf(field, fieldMapping, context));
  }
  // Keyword strings always match as substrings: `*…*` around each, then one test per subject.
  const asSubstring = (pattern: ValuePattern): ValuePattern => {
    if (pattern.kind !== 'string') return pattern;
    const parts = normalizeParts(pattern.parts);
    if (parts[0]?.kind !== 'any') parts.unshift({ kind: 'any' });
    if (parts[parts.length - 1]!.kind !== 'any') parts.push({ kind: 'any' });
    return { ...pattern, parts };
  };
  const groupPredicate = (group: ValueGroup, groupPositive: boolean): Predicate => {
    const patterns = group.patterns.map(asSubstring);
    return or(subjects.map((subject) => compilePatterns(patterns, subject, context, groupPositive, item)));
  };
  if (item.negated) return not(or(item.values.map((group) => groupPredicate(group, !positive))));
  if (item.combine === 'all') return and(item.values.map((group) => groupPredicate(group, positive)));
  return or(item.values.map((group) => groupPredicate(group, positive)));
}
