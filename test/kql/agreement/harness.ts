// Agreement between the compiled KQL (run by the KQL oracle) and the Sigma matcher (run on the adapted row), on
// random target-shaped rows built from each rule's own values. The property, per rule and target:
//   exact conversion:   oracle(kql, row) == matcher(adapter(row))
//   inexact conversion: matcher(adapter(row)) ⇒ oracle(kql, row)
// and, when the oracle keeps the row, matcher(adapter(projected row)) == matcher(adapter(row)): the hunt only sees
// the projected columns, so the projection must carry every column the verdict needs.
import path from 'node:path';
import fc from 'fast-check';
import { compileToKql } from '../../../src/kql/compile.js';
import { compileKqlQuery, KqlOracleError, type OracleRow } from '../../../src/kql/oracle.js';
import { compileRule } from '../../../src/match/compile.js';
import type { CompiledRule } from '../../../src/match/types.js';
import { loadRules } from '../../../src/rule/load.js';
import type { ConditionNode, SigmaRule, ValuePattern } from '../../../src/rule/model.js';
import { adaptRow, categoryMapping } from '../../../src/targets/index.js';
import { productColumns, productScopeOf, rowInProduct, type ProductLookup } from '../../../src/targets/product.js';
import type { CategoryMapping, Condition, TargetName, ValueExpr } from '../../../src/targets/types.js';
import { projectRoot, sharedRoot } from '../../support/paths.js';
import { createRng } from '../../support/rng.js';

export const AGREEMENT_SEED = 20240501;
export const RUNS_PER_RULE = 24;
const WINDOW = { start: new Date('2024-05-01T00:00:00Z'), end: new Date('2024-05-01T01:00:00Z') };
const ROW_TIME = new Date('2024-05-01T00:30:00Z');

export interface Disagreement {
  readonly rule: string;
  readonly target: TargetName;
  readonly exact: boolean;
  readonly kind: 'verdict' | 'projection' | 'oracle-refused';
  readonly detail: string;
  readonly row: string;
}

export interface AgreementReport {
  readonly target: TargetName;
  readonly rules: number;
  readonly compiled: number;
  readonly exact: number;
  readonly refusedByCompiler: Record<string, number>;
  readonly matcherRefused: number;
  readonly runs: number;
  /** Rules compiled per logsource product (windows, linux, macos). */
  readonly compiledByProduct: Record<string, number>;
  readonly matcherTrue: number;
  readonly oracleTrue: number;
  readonly disagreements: Disagreement[];
}

let corpus: Promise<SigmaRule[]> | undefined;

/** Every Windows and Linux network_connection and process_creation rule of the SigmaHQ corpus, every macOS
 *  process_creation rule (the corpus has no macOS network_connection folder), plus the shipped rules. */
export function agreementRules(): Promise<SigmaRule[]> {
  corpus ??= loadRules([
    path.join(sharedRoot, 'sigma-rules/rules/windows/network_connection'),
    path.join(sharedRoot, 'sigma-rules/rules/windows/process_creation'),
    path.join(sharedRoot, 'sigma-rules/rules/linux/network_connection'),
    path.join(sharedRoot, 'sigma-rules/rules/linux/process_creation'),
    path.join(sharedRoot, 'sigma-rules/rules/macos/process_creation'),
    path.join(projectRoot, 'rules'),
  ]).then((result) =>
    result.rules.filter((rule) => rule.logsource.category === 'network_connection' || rule.logsource.category === 'process_creation'),
  );
  return corpus;
}

// ---------------------------------------------------------------------------------------------------------------
// Values a rule tests

/** Sample texts that satisfy (or nearly satisfy) a pattern. */
function patternSamples(pattern: ValuePattern): string[] {
  switch (pattern.kind) {
    case 'string': {
      const fillers = ['', 'x', 'C:\\Windows\\'];
      return fillers.map((filler) =>
        pattern.parts.map((part) => (part.kind === 'literal' ? part.text : part.kind === 'one' ? 'q' : filler)).join(''),
      );
    }
    case 're': {
      // The regex's literal runs: enough to hit many patterns without a regex generator.
      const literal = pattern.source.replace(/\\(.)/g, '$1').replace(/[\^$*+?()[\]{}|]/g, '');
      return [literal, literal.replace(/\./g, 'x')];
    }
    case 'cidr':
      if (pattern.family === 4) {
        const octets = pattern.network.split('.').map(Number);
        const last = octets[3]!;
        return [pattern.network, [...octets.slice(0, 3), Math.min(255, last + 1)].join('.'), `::ffff:${pattern.network}`, '8.8.8.8'];
      }
      return [pattern.network.replace(/::$/, '::1'), pattern.network, '2001:db8::5'];
    case 'compare':
      return [String(pattern.value), String(pattern.value + 1), String(pattern.value - 1)];
    case 'timepart':
      return ['2024-05-01T00:30:00Z'];
    case 'null':
    case 'exists':
    case 'fieldref':
      return [''];
  }
}

function conditionSearches(node: ConditionNode, into: Set<string>): void {
  if (node.kind === 'search') into.add(node.identifier);
  else if (node.kind === 'of') for (const identifier of node.identifiers) into.add(identifier);
  else if (node.kind === 'not') conditionSearches(node.operand, into);
  else for (const operand of node.operands) conditionSearches(operand, into);
}

/** Sigma field → sample values, over every search the condition uses (null: keyword searches). */
export function ruleFieldSamples(rule: SigmaRule): Map<string | null, string[]> {
  const used = new Set<string>();
  conditionSearches(rule.detection.condition, used);
  const samples = new Map<string | null, string[]>();
  for (const [identifier, search] of rule.detection.searches) {
    if (!used.has(identifier)) continue;
    const items = search.kind === 'keywords' ? [search.item] : search.alternatives.flatMap((conjunction) => conjunction.items);
    for (const item of items) {
      const list = samples.get(item.field) ?? [];
      for (const group of item.values) for (const pattern of group.patterns) list.push(...patternSamples(pattern));
      if (item.values.some((group) => group.patterns.some((pattern) => pattern.kind === 'fieldref'))) {
        for (const group of item.values) {
          for (const pattern of group.patterns) if (pattern.kind === 'fieldref' && !samples.has(pattern.field)) samples.set(pattern.field, []);
        }
      }
      samples.set(item.field, list);
    }
  }
  return samples;
}

// ---------------------------------------------------------------------------------------------------------------
// Column pools: which raw columns hold a field, and which values to try in them

interface ColumnPools {
  /** Column → candidate texts (rule values, split for composed fields). */
  readonly values: Map<string, string[]>;
  /** Columns read through `lower` (Protocol): enums of ASCII protocol names (src/targets/README.md, known limits),
   *  where Kusto's tolower() of İ is not known: no case partners are written into them. */
  readonly asciiNames: Set<string>;
}

function addPool(pools: Map<string, string[]>, column: string, values: readonly string[]): void {
  const list = pools.get(column) ?? [];
  for (const value of values) if (!list.includes(value)) list.push(value);
  pools.set(column, list);
}

function conditionPools(condition: Condition, pools: Map<string, string[]>): void {
  switch (condition.kind) {
    case 'in':
      addPool(pools, condition.column, [...condition.values, condition.values[0]!.toLowerCase(), 'Other']);
      break;
    case 'startswith':
      addPool(pools, condition.column, [condition.prefix, `${condition.prefix}V4`, condition.prefix.toUpperCase(), 'Icmp']);
      break;
    case 'nonEmpty':
    case 'empty':
      addPool(pools, condition.column, ['', 'C:\\Windows\\System32\\svchost.exe']);
      break;
    case 'all':
    case 'any':
      for (const part of condition.of) conditionPools(part, pools);
      break;
    case 'not':
      conditionPools(condition.of, pools);
      break;
  }
}

/** The pool of a dynamic column's member: `Column.member` (rows get a bag holding the member's text). */
function memberPool(expr: { column: string; member: string }): string {
  return `${expr.column}.${expr.member}`;
}

/** Puts a field's sample values into the columns its expression reads. */
function valueColumnsOf(expr: ValueExpr | string): string[] {
  if (typeof expr === 'string') return [];
  switch (expr.kind) {
    case 'column':
      return [expr.column];
    case 'member':
      return [memberPool(expr)];
    case 'lower':
      return valueColumnsOf(expr.of);
    case 'first':
    case 'joinNonEmpty':
    case 'concat':
      return expr.of.flatMap((part) => valueColumnsOf(part));
    case 'cases':
      return [...expr.cases.flatMap(({ then }) => valueColumnsOf(then)), ...(expr.otherwise ? valueColumnsOf(expr.otherwise) : [])];
  }
}

function placeSamples(expr: ValueExpr, samples: readonly string[], pools: Map<string, string[]>, asciiNames?: Set<string>): void {
  switch (expr.kind) {
    case 'column':
      addPool(pools, expr.column, samples);
      break;
    case 'member':
      addPool(pools, memberPool(expr), samples);
      break;
    case 'first':
    case 'lower':
      if (expr.kind === 'lower' && asciiNames) for (const column of valueColumnsOf(expr.of)) asciiNames.add(column);
      for (const part of expr.kind === 'first' ? expr.of : [expr.of]) placeSamples(part, samples, pools, asciiNames);
      break;
    case 'joinNonEmpty': {
      const split = samples.flatMap((sample) => sample.split(expr.separator));
      for (const part of expr.of) placeSamples(part, [...samples, ...split], pools, asciiNames);
      break;
    }
    case 'concat': {
      const tokens = samples.flatMap((sample) => sample.split(/[=,]/));
      for (const part of expr.of) if (typeof part !== 'string') placeSamples(part, [...samples, ...tokens], pools, asciiNames);
      break;
    }
    case 'cases':
      for (const { when, then } of expr.cases) {
        conditionPools(when, pools);
        if (typeof then !== 'string') placeSamples(then, samples, pools, asciiNames);
      }
      if (expr.otherwise) placeSamples(expr.otherwise, samples, pools, asciiNames);
      break;
  }
}

function columnPools(rule: SigmaRule, mapping: CategoryMapping): ColumnPools {
  const pools = new Map<string, string[]>();
  // The OS test of every product the category serves: rows of each OS, and of none.
  for (const scope of Object.values(mapping.products)) if (scope?.when) conditionPools(scope.when, pools);
  const asciiNames = new Set<string>();
  const samples = ruleFieldSamples(rule);
  const keywordSamples = samples.get(null) ?? [];
  for (const [field, fieldMapping] of Object.entries(mapping.fields)) {
    if (fieldMapping.kind !== 'value') continue;
    const fieldSamples = samples.get(field);
    if (fieldSamples === undefined && keywordSamples.length === 0) continue;
    placeSamples(fieldMapping.value, [...(fieldSamples ?? []), ...keywordSamples], pools, asciiNames);
  }
  return { values: pools, asciiNames };
}

// ---------------------------------------------------------------------------------------------------------------
// Row arbitraries

const PREFIXES = ['', '', 'C:\\', 'x', '\\', ' ', 'é', 'A&B<', '\u0130', '\u212A'];
const SUFFIXES = ['', '', '.exe', 'x', '\\', ' ', '.com', 'É', '&amp;', '"', '\u0130', '\u017F'];

/**
 * Non-ASCII letters that some case reading relates to an ASCII letter: the matcher's toLowerCase() reads the
 * KELVIN SIGN as 'k' and İ as 'i' + U+0307; Kusto's case-insensitive operators are documented for ASCII only, and
 * other readings take ı for 'i', ſ for 's', ß for "ss", ﬁ for "fi" (docs/research/kusto-case-folding.md).
 */
const CASE_PARTNERS: readonly (readonly [RegExp, readonly string[]])[] = [
  [/k/i, ['\u212A']],
  [/i/i, ['\u0130', '\u0131']],
  [/s/i, ['\u017F']],
  [/ss/i, ['\u00DF']],
  [/fi/i, ['\uFB01']],
];

/** The text with some of its letters written as their non-ASCII case partners (at least one when it has any). */
function withCasePartners(text: string, seed: number): string {
  const random = createRng(seed);
  let out = text;
  let changed = false;
  const first = seed % CASE_PARTNERS.length;
  for (const [letters, partners] of [...CASE_PARTNERS.slice(first), ...CASE_PARTNERS.slice(0, first)]) {
    const global = new RegExp(letters.source, 'gi');
    out = out.replace(global, (match) => {
      if (changed && random() < 0.5) return match;
      changed = true;
      return partners[Math.floor(random() * partners.length)]!;
    });
  }
  return out;
}

function mutateCase(text: string, mode: number, seed: number): string {
  if (mode === 0) return text;
  if (mode === 1) return text.toUpperCase();
  if (mode === 2) return text.toLowerCase();
  const random = createRng(seed);
  return Array.from(text, (character) => (random() < 0.5 ? character.toUpperCase() : character.toLowerCase())).join('');
}

function stringArbitrary(pool: readonly string[], others: readonly string[], asciiName = false): fc.Arbitrary<string | undefined> {
  if (asciiName) {
    const ascii = (text: string) => text.replace(/[\u0130\u0131\u017F\u212A\u00DF\uFB01]/g, '');
    return stringArbitrary(pool, others).map((text) => (text === undefined ? text : ascii(text)));
  }
  const fromPool =
    pool.length === 0
      ? fc.constant('')
      : fc
          .tuple(fc.constantFrom(...pool), fc.constantFrom(...PREFIXES), fc.constantFrom(...SUFFIXES), fc.nat(3), fc.nat(), fc.nat(2))
          .map(([value, prefix, suffix, mode, seed, partners]) => {
            const text = mutateCase(prefix + value + suffix, mode, seed);
            return partners === 0 ? withCasePartners(text, seed) : text;
          });
  const exactPool = pool.length === 0 ? fc.constant('') : fc.constantFrom(...pool);
  const partnerPool = pool.length === 0 ? fc.constant('') : fc.tuple(fc.constantFrom(...pool), fc.nat()).map(([value, seed]) => withCasePartners(value, seed));
  return fc.oneof(
    { weight: 1, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.constant('') },
    { weight: 4, arbitrary: exactPool },
    { weight: 6, arbitrary: fromPool },
    { weight: 2, arbitrary: partnerPool },
    { weight: 2, arbitrary: fc.constantFrom(...others) },
    { weight: 1, arbitrary: fc.string({ maxLength: 6 }) },
  );
}

function numberArbitrary(pool: readonly string[]): fc.Arbitrary<number | undefined> {
  const numbers = [...new Set(pool.filter((value) => /^-?\d{1,9}$/.test(value)).map(Number))];
  return fc.oneof(
    { weight: 1, arbitrary: fc.constant(undefined) },
    { weight: numbers.length > 0 ? 5 : 0, arbitrary: numbers.length > 0 ? fc.constantFrom(...numbers) : fc.constant(0) },
    { weight: 2, arbitrary: fc.integer({ min: 0, max: 65535 }) },
  );
}

/** A row as the source (table or parser) returns it, plus the adapter's view of it. */
export interface GeneratedRow {
  /** What the query reads. */
  readonly source: OracleRow;
  /** What the row adapter reads for the full event (for sysmon: the EventData fields as columns). */
  readonly adapted: OracleRow;
  /** False for a row of another event type of the same table (the matcher is not asked; the query must drop it). */
  readonly inCategory?: boolean;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

export function rowArbitrary(rule: SigmaRule, mapping: CategoryMapping, others: readonly string[]): fc.Arbitrary<GeneratedRow> {
  const { values, asciiNames } = columnPools(rule, mapping);
  const types = new Map(mapping.columns.map((column) => [column.name, column.type]));
  if (mapping.extraction) {
    // Sysmon: the tested fields are EventData <Data> elements, each a string.
    const names = [...values.keys()].filter((name) => mapping.extraction!.names.includes(name));
    const fields = Object.fromEntries(names.map((name) => [name, stringArbitrary(values.get(name) ?? [], others)]));
    const eventId = rule.logsource.category === 'network_connection' ? 3 : 1;
    return fc
      .record({ data: fc.record(fields, { requiredKeys: [] }), eventId: fc.constantFrom(eventId, eventId, eventId, eventId === 1 ? 3 : 1), order: fc.nat() })
      .map(({ data, eventId: id, order }) => {
        const entries = Object.entries(data).filter((entry): entry is [string, string] => entry[1] !== undefined);
        const rotated = entries.length > 0 ? [...entries.slice(order % entries.length), ...entries.slice(0, order % entries.length)] : entries;
        const eventData = `<DataItem><EventData>${rotated.map(([name, value]) => `<Data Name="${name}">${escapeXml(value)}</Data>`).join('')}</EventData></DataItem>`;
        const source = { TimeGenerated: ROW_TIME, Source: 'Microsoft-Windows-Sysmon', EventID: id, EventData: eventData, _ItemId: 'id-1', Computer: 'host1' };
        // A row of another Sysmon event type is not an event of this category: the query must drop it.
        return { source, adapted: Object.fromEntries(entries), inCategory: id === eventId };
      });
  }
  const columns: Record<string, fc.Arbitrary<unknown>> = {};
  const osColumns = productOnlyColumns(mapping);
  // Members of a dynamic bag (Defender's AdditionalFields): one bag per column, each member a string or left out.
  const bags = new Map<string, Record<string, fc.Arbitrary<string | undefined>>>();
  for (const [pool, samples] of values) {
    const dot = pool.indexOf('.');
    if (dot < 0 || types.get(pool.slice(0, dot)) !== 'dynamic') continue;
    const members = bags.get(pool.slice(0, dot)) ?? {};
    members[pool.slice(dot + 1)] = stringArbitrary(samples, others);
    bags.set(pool.slice(0, dot), members);
  }
  for (const [column, members] of bags) {
    columns[column] = fc.record(members, { requiredKeys: [] }).map((bag) => Object.fromEntries(Object.entries(bag).filter(([, value]) => value !== undefined)));
  }
  for (const [column, pool] of values) {
    const type = types.get(column);
    if (type === undefined) continue;
    // A column only the OS test reads (DvcOs, EventProduct) holds its vocabulary, in its exact spelling or not.
    if (type === 'string' && osColumns.has(column)) columns[column] = fc.constantFrom(undefined, '', ...pool);
    else if (type === 'string') columns[column] = stringArbitrary(pool, others, asciiNames.has(column));
    else if (type === 'int' || type === 'long') columns[column] = numberArbitrary(pool);
  }
  return fc.record(columns, { requiredKeys: [] }).map((cells) => {
    const row: Record<string, unknown> = { TimeGenerated: ROW_TIME };
    for (const [column, cell] of Object.entries(cells)) if (cell !== undefined) row[column] = cell;
    // Log Analytics returns every column of a result: a cell the source (or a union leg) lacks is "" for a
    // string and null otherwise. The query sees the sparse row (the oracle fills the same defaults).
    const full: Record<string, unknown> = {};
    for (const column of mapping.columns) full[column.name] = column.type === 'string' ? '' : null;
    return { source: row, adapted: { ...full, ...row } };
  });
}

// ---------------------------------------------------------------------------------------------------------------
// The check

function show(value: unknown): string {
  return JSON.stringify(value, (_key, inner) => (inner instanceof Date ? inner.toISOString() : inner));
}

/** Literal texts of every rule: the "values from other rules" the rows also draw from. */
export function otherRuleValues(rules: readonly SigmaRule[]): string[] {
  const values = new Set<string>();
  for (const rule of rules) {
    for (const list of ruleFieldSamples(rule).values()) for (const value of list) if (value !== '' && values.size < 3000) values.add(value);
  }
  return [...values];
}

export async function runAgreement(target: TargetName, options: { runs?: number; rules?: SigmaRule[] } = {}): Promise<AgreementReport> {
  const rules = options.rules ?? (await agreementRules());
  const others = otherRuleValues(rules);
  const runs = options.runs ?? RUNS_PER_RULE;
  const report = {
    target,
    rules: rules.length,
    compiled: 0,
    exact: 0,
    refusedByCompiler: {} as Record<string, number>,
    matcherRefused: 0,
    runs: 0,
    compiledByProduct: {} as Record<string, number>,
    matcherTrue: 0,
    oracleTrue: 0,
    disagreements: [] as Disagreement[],
  };
  for (const rule of rules) {
    const mapping = categoryMapping(target, rule.logsource.category ?? '');
    if (!mapping) continue;
    let matcher: CompiledRule;
    try {
      matcher = compileRule(rule);
    } catch {
      report.matcherRefused++;
      continue;
    }
    const scope = productScopeOf(mapping, rule.logsource.product);
    const conversion = compileToKql(rule, target, { window: WINDOW });
    if (!conversion.ok) {
      report.refusedByCompiler[conversion.code] = (report.refusedByCompiler[conversion.code] ?? 0) + 1;
      continue;
    }
    report.compiled++;
    const product = rule.logsource.product ?? '(none)';
    report.compiledByProduct[product] = (report.compiledByProduct[product] ?? 0) + 1;
    if (conversion.exact) report.exact++;
    const name = `${rule.id ?? rule.title} (${path.basename(rule.source.file)})`;
    const record = (kind: Disagreement['kind'], detail: string, row: unknown) =>
      report.disagreements.push({ rule: name, target, exact: conversion.exact, kind, detail, row: show(row) });
    let query;
    try {
      query = compileKqlQuery(conversion.kql, { columns: mapping.columns });
    } catch (error) {
      record('oracle-refused', `${(error as Error).message}\n${conversion.kql}`, null);
      continue;
    }
    let failure: { kind: Disagreement['kind']; detail: string } | undefined;
    const property = fc.property(rowArbitrary(rule, mapping, others), (row) => {
      failure = undefined;
      const expected = row.inCategory !== false && inProduct(scope, row.adapted) && matcher.matches(adaptRow(mapping, row.adapted));
      let output: Record<string, unknown> | null;
      try {
        output = query.run(row.source);
      } catch (error) {
        if (!(error instanceof KqlOracleError)) throw error;
        failure = { kind: 'oracle-refused', detail: error.message };
        return false;
      }
      const kept = output !== null;
      if (conversion.exact ? kept !== expected : expected && !kept) {
        failure = { kind: 'verdict', detail: `matcher ${expected}, KQL ${kept} (${conversion.exact ? 'exact' : 'inexact'})` };
        return false;
      }
      if (output !== null && (inProduct(scope, output) && matcher.matches(adaptRow(mapping, output))) !== expected) {
        failure = { kind: 'projection', detail: `matcher on the projected row differs from the full row (${expected})` };
        return false;
      }
      return true;
    });
    const result = fc.check(property, { seed: AGREEMENT_SEED, numRuns: runs });
    report.runs += result.numRuns;
    if (result.failed && result.counterexample) {
      const [row] = result.counterexample;
      // Re-run the shrunk counterexample to get its failure description.
      property.run([row]);
      record(failure?.kind ?? 'verdict', failure?.detail ?? 'failed', row.source);
    } else if (result.failed) {
      record('verdict', String(result.errorInstance ?? 'property error'), null);
    }
    // Coverage: how often each side said yes on the generated rows (seeded, so reproducible).
    for (const [row] of fc.sample(fc.tuple(rowArbitrary(rule, mapping, others)), { seed: AGREEMENT_SEED, numRuns: Math.min(runs, 8) })) {
      if (row.inCategory !== false && inProduct(scope, row.adapted) && matcher.matches(adaptRow(mapping, row.adapted))) report.matcherTrue++;
      try {
        if (query.matches(row.source)) report.oracleTrue++;
      } catch {
        // counted above as a disagreement
      }
    }
  }
  return report;
}

/** Columns the products' OS tests read that no field's value reads. */
function productOnlyColumns(mapping: CategoryMapping): Set<string> {
  const read = new Set<string>();
  for (const scope of Object.values(mapping.products)) if (scope) for (const column of productColumns(scope)) read.add(column);
  for (const fieldMapping of Object.values(mapping.fields)) {
    if (fieldMapping.kind === 'value') for (const column of valueColumnsOf(fieldMapping.value)) read.delete(column);
  }
  return read;
}

/** The verification's product test (src/hunt/verify.ts): the row is of a device the rule's product covers. */
function inProduct(scope: ProductLookup, row: Readonly<Record<string, unknown>>): boolean {
  return scope.kind === 'any' || (scope.kind === 'scoped' && rowInProduct(scope.scope, row));
}

export function formatDisagreements(disagreements: readonly Disagreement[]): string {
  return disagreements
    .map((entry) => `- [${entry.target}] ${entry.rule} ${entry.exact ? 'exact' : 'inexact'} ${entry.kind}: ${entry.detail}\n  row: ${entry.row}`)
    .join('\n');
}
