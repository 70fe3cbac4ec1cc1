/**
 * `lintKql`: predicates in a KQL query that can never hold (or never fail) given what the target's columns can
 * contain (the `columnDomains` of the target schemas, src/targets/): `NetworkDirection =~ "true"` on ASIM,
 * `DstHostname endswith ".x.com"` on a column that never holds a dot, a folder test on a column that holds only a
 * file name. For generated and hand-written queries alike: it reads the query through the plain syntax tree and
 * skips what it cannot model.
 *
 * The string tests use the oracle's Kusto semantics (oracle/text.ts), so "can never be true" means: no value the
 * column can hold (nor the empty string) satisfies the test.
 */
import { parseKqlSyntax, type KqlExpression, type KqlSpan } from './syntax-tree.js';
import { caseMapped, compareText, hasTerm, isSingleTerm } from './oracle/text.js';
import { TARGETS } from '../targets/index.js';
import type { ColumnDomain, TargetName } from '../targets/types.js';

export type LintSeverity = 'error' | 'warning' | 'info';

export type LintCode =
  | 'syntax' // the query does not parse
  | 'never-true' // the test can never hold on this column
  | 'always-true' // a negated test that can never fail
  | 'never-matching-value' // one value of a list can never match (the others can)
  | 'misses-rows' // the test can never hold on the rows of some sources
  | 'unknown-source'; // the query reads a source the target's facts do not cover: nothing was checked

export interface LintFinding {
  readonly severity: LintSeverity;
  readonly code: LintCode;
  readonly message: string;
  /** Offset and length in the query text (UTF-16 code units). */
  readonly span: KqlSpan;
  /** 1-based line and character of span.start. */
  readonly line: number;
  readonly character: number;
  /** The KQL column tested ('' for query-level findings). */
  readonly column: string;
  readonly operator: string;
  /** The rule value the test compares with ('' when none). */
  readonly value: string;
  readonly fix: string;
}

/** Findings in source order. Never throws on a bad query: a syntax error is itself a finding. */
export function lintKql(query: string, target: TargetName): LintFinding[] {
  const findings: Omit<LintFinding, 'line' | 'character'>[] = [];
  const tree = parseKqlSyntax(query);
  for (const diagnostic of tree.diagnostics) {
    if (diagnostic.severity !== 'error') continue;
    findings.push({
      severity: 'error',
      code: 'syntax',
      message: diagnostic.message,
      span: { start: diagnostic.start, length: diagnostic.length },
      column: '',
      operator: '',
      value: '',
      fix: 'Fix the syntax error; the rest of the query was checked as far as it parses.',
    });
  }
  const tabularLets = new Map<string, ReadonlyMap<string, ColumnDomain> | undefined>();
  const lintPipeline = (expression: KqlExpression): ReadonlyMap<string, ColumnDomain> | undefined => {
    if (expression.kind !== 'pipeline') return undefined;
    const source = expression.source;
    const sourceName = source.kind === 'name' || source.kind === 'call' ? source.name : undefined;
    let facts: Map<string, ColumnDomain> | undefined;
    if (sourceName !== undefined && tabularLets.has(sourceName)) {
      const inherited = tabularLets.get(sourceName);
      facts = inherited ? new Map(inherited) : undefined;
    } else {
      const known = sourceName === undefined ? undefined : columnDomainsOf(target, sourceName);
      facts = known ? new Map(known) : undefined;
      if (!known) {
        findings.push({
          severity: 'info',
          code: 'unknown-source',
          message: `source ${sourceName ?? source.kind} is not one the ${target} value facts cover: its columns were not checked`,
          span: source.span,
          column: '',
          operator: '',
          value: sourceName ?? '',
          fix: `Use a source of target ${target}, or lint with the target the query is written for.`,
        });
      }
    }
    for (const operator of expression.operators) {
      if (!facts) break;
      switch (operator.kind) {
        case 'where':
          lintPredicate(operator.predicate, facts, false, findings);
          break;
        case 'extend':
          // A column assigned here no longer holds the source's values.
          for (const column of operator.columns) if (column.kind === 'named') facts.delete(column.name);
          break;
        case 'project': {
          const kept = new Map<string, ColumnDomain>();
          for (const column of operator.columns) {
            if (column.kind === 'name' && facts.has(column.name)) kept.set(column.name, facts.get(column.name)!);
          }
          facts = kept;
          break;
        }
        case 'take':
          break;
        case 'unsupported':
          // parse-kv only adds columns; anything else (summarize, join, union, ...) may reshape them: stop.
          if (operator.syntaxKind !== 'ParseKvOperator') facts = undefined;
          break;
      }
    }
    return facts;
  };
  for (const statement of tree.statements) {
    if (statement.kind === 'let') {
      if (statement.value.kind === 'pipeline') tabularLets.set(statement.name, lintPipeline(statement.value));
      else if (statement.value.kind === 'name' && tabularLets.has(statement.value.name)) tabularLets.set(statement.name, tabularLets.get(statement.value.name));
    } else if (statement.kind === 'expression') {
      lintPipeline(statement.expression);
    }
  }
  return findings
    .sort((a, b) => a.span.start - b.span.start)
    .map((finding) => ({ ...finding, ...position(query, finding.span.start) }));
}

/** The value domains of the columns of a query source on a target (merged over the categories that read it), or
 *  undefined for a source none of the target's categories reads. */
function columnDomainsOf(target: TargetName, source: string): ReadonlyMap<string, ColumnDomain> | undefined {
  let domains: Map<string, ColumnDomain> | undefined;
  for (const mapping of Object.values(TARGETS[target].categories)) {
    const names = mapping.source.kind === 'table' ? [mapping.source.table] : [mapping.source.name, mapping.source.workspaceName];
    if (!names.includes(source) && !mapping.sourceAliases?.includes(source)) continue;
    domains ??= new Map();
    for (const domain of mapping.columnDomains ?? []) domains.set(domain.column, domain);
  }
  return domains;
}

function position(text: string, offset: number): { line: number; character: number } {
  let line = 1;
  let lineStart = 0;
  for (let index = 0; index < offset && index < text.length; index++) {
    if (text[index] === '\n') {
      line++;
      lineStart = index + 1;
    }
  }
  return { line, character: offset - lineStart + 1 };
}

// ---------------------------------------------------------------------------------------------------------------

interface Subject {
  readonly fact: ColumnDomain;
  /** tolower()/toupper() around the column. */
  readonly transform?: 'lower' | 'upper';
  readonly text: string;
}

type Finding = Omit<LintFinding, 'line' | 'character'>;

function subjectOf(expression: KqlExpression, facts: ReadonlyMap<string, ColumnDomain>): Subject | undefined {
  if (expression.kind === 'name') {
    const fact = facts.get(expression.name);
    return fact ? { fact, text: expression.name } : undefined;
  }
  if (expression.kind === 'call' && expression.arguments.length === 1 && expression.arguments[0]!.kind === 'name') {
    const fact = facts.get(expression.arguments[0]!.name);
    if (!fact) return undefined;
    if (expression.name === 'tolower') return { fact, transform: 'lower', text: `tolower(${fact.column})` };
    if (expression.name === 'toupper') return { fact, transform: 'upper', text: `toupper(${fact.column})` };
    if (expression.name === 'tostring') return { fact, text: fact.column };
  }
  return undefined;
}

function stringLiteral(expression: KqlExpression): string | undefined {
  return expression.kind === 'literal' && expression.type === 'string' ? expression.value : undefined;
}

/** The positive form of a string operator and whether the written one is its negation. */
function positive(operator: string): { test: string; negated: boolean } {
  if (operator === '!=') return { test: '==', negated: true };
  if (operator === '!~') return { test: '=~', negated: true };
  if (operator.startsWith('!')) return { test: operator.slice(1), negated: true };
  return { test: operator, negated: false };
}

const CASE_SENSITIVE = new Set(['==', 'in', 'contains_cs', 'startswith_cs', 'endswith_cs', 'has_cs']);
const TESTS = new Set(['==', '=~', 'in', 'in~', 'contains', 'contains_cs', 'startswith', 'startswith_cs', 'endswith', 'endswith_cs', 'has', 'has_cs']);

type Verdict = { possible: true } | { possible: false; why: string } | { possible: 'partly'; why: string; rows: string };

/** Can `subject <test> needle` hold for some value of the column's domain? */
function judge(subject: Subject, test: string, needle: string): Verdict {
  const domain = subject.fact.domain;
  const column = subject.fact.column;
  switch (domain.kind) {
    case 'enum': {
      const candidates = ['', ...domain.values].map((value) => (subject.transform ? (caseMapped(value, subject.transform) ?? value) : value));
      if (candidates.some((value) => holds(value, test, needle))) return { possible: true };
      return { possible: false, why: `${column} holds only ${domain.values.join(', ')} (or is empty)` };
    }
    case 'host-label': {
      const bad = [...needle].find((character) => character === '.' || character === '\\');
      if (bad === undefined) return { possible: true };
      return { possible: false, why: `${column} holds a host name without its domain: it never contains '${bad}'` };
    }
    case 'file-name': {
      const bad = [...needle].find((character) => character === '\\' || character === '/');
      if (bad === undefined) return { possible: true };
      if (domain.partial) return { possible: 'partly', why: `${column} holds only a file name (never '${bad}') there`, rows: domain.partial };
      return { possible: false, why: `${column} holds only a file name: it never contains '${bad}'` };
    }
    case 'upper-case': {
      if (subject.transform || !CASE_SENSITIVE.has(test)) return { possible: true };
      const upper = caseMapped(needle, 'upper');
      if (upper === null || upper === needle) return { possible: true };
      return { possible: false, why: `${column} is upper case and ${test} is case-sensitive` };
    }
  }
}

/** Whether the test may hold: a verdict that depends on Kusto's non-ASCII case folding counts as possible. */
function holds(value: string, test: string, needle: string): boolean {
  return mayHold(value, test, needle) ?? true;
}

function mayHold(value: string, test: string, needle: string): boolean | null {
  switch (test) {
    case '==':
    case 'in':
      return value === needle;
    case '=~':
    case 'in~':
      return compareText(value, needle, 'equals', false);
    case 'contains':
    case 'contains_cs':
      return compareText(value, needle, 'contains', test.endsWith('_cs'));
    case 'startswith':
    case 'startswith_cs':
      return compareText(value, needle, 'startswith', test.endsWith('_cs'));
    case 'endswith':
    case 'endswith_cs':
      return compareText(value, needle, 'endswith', test.endsWith('_cs'));
    case 'has':
    case 'has_cs':
      // A multi-term needle needs at least its separators in the value: contains is the weaker, safe reading.
      return isSingleTerm(needle) ? hasTerm(value, needle, test === 'has_cs') : compareText(value, needle, 'contains', test === 'has_cs');
    default:
      return true;
  }
}

function lintPredicate(expression: KqlExpression, facts: ReadonlyMap<string, ColumnDomain>, negatedContext: boolean, findings: Finding[]): void {
  switch (expression.kind) {
    case 'binary': {
      if (expression.operator === 'and' || expression.operator === 'or') {
        lintPredicate(expression.left, facts, negatedContext, findings);
        lintPredicate(expression.right, facts, negatedContext, findings);
        return;
      }
      const { test, negated } = positive(expression.operator);
      if (!TESTS.has(test)) return;
      let subject = subjectOf(expression.left, facts);
      let needle = stringLiteral(expression.right);
      if (!subject && (test === '==' || test === '=~')) {
        subject = subjectOf(expression.right, facts);
        needle = stringLiteral(expression.left);
      }
      if (!subject || needle === undefined) return;
      report(subject, expression.operator, negated, needle, expression.span, negatedContext, judge(subject, test, needle), findings);
      return;
    }
    case 'list': {
      const operator = expression.operator;
      const { test, negated } = positive(operator);
      const subject = subjectOf(expression.left, facts);
      if (!subject) return;
      const items: { value: string; span: KqlSpan }[] = [];
      for (const item of expression.items) {
        if (item.kind === 'literal' && item.type === 'string') items.push({ value: item.value, span: item.span });
        else if (item.kind === 'literal' && item.type === 'dynamic' && Array.isArray(item.value)) {
          for (const element of item.value) if (typeof element === 'string') items.push({ value: element, span: item.span });
          if (item.value.some((element) => typeof element !== 'string')) return;
        } else return;
      }
      if (items.length === 0) return;
      const itemTest = test === 'has_any' || test === 'has_all' ? 'has' : test;
      const verdicts = items.map((item) => ({ item, verdict: judge(subject, itemTest, item.value) }));
      const dead = verdicts.filter(({ verdict }) => verdict.possible !== true);
      if (dead.length === 0) return;
      const wholeDead = test === 'has_all' ? dead.length > 0 : dead.length === verdicts.length;
      if (wholeDead) {
        const first = dead[0]!.verdict as Exclude<Verdict, { possible: true }>;
        const listText = items.map((item) => JSON.stringify(item.value)).join(', ');
        report(subject, operator, negated, listText, expression.span, negatedContext, first, findings, true);
        return;
      }
      for (const { item, verdict } of dead) {
        if (verdict.possible === true) continue;
        findings.push({
          severity: 'warning',
          code: verdict.possible === 'partly' ? 'misses-rows' : 'never-matching-value',
          message: `${subject.text} ${operator} (...): the value ${JSON.stringify(item.value)} can never match: ${verdict.why}.`,
          span: item.span,
          column: subject.fact.column,
          operator,
          value: item.value,
          fix: subject.fact.fix,
        });
      }
      return;
    }
    case 'call':
      if (expression.name === 'not' && expression.arguments.length === 1) {
        lintPredicate(expression.arguments[0]!, facts, !negatedContext, findings);
        return;
      }
      return;
    default:
      return;
  }
}

function report(
  subject: Subject,
  operator: string,
  negated: boolean,
  value: string,
  span: KqlSpan,
  negatedContext: boolean,
  verdict: Verdict,
  findings: Finding[],
  valueIsList = false,
): void {
  if (verdict.possible === true) return;
  const shown = valueIsList ? `(${value})` : JSON.stringify(value);
  const written = `${subject.text} ${operator} ${shown}`;
  const base = { span, column: subject.fact.column, operator, value, fix: subject.fact.fix };
  if (verdict.possible === 'partly') {
    findings.push({ ...base, severity: 'warning', code: 'misses-rows', message: `${written} can never match ${verdict.rows}: ${verdict.why}.` });
    return;
  }
  // The test itself is constant: never true (a positive operator) or never false (a negated one). What that does to
  // the rows depends on the not(...)s around it.
  const constant = negated;
  const inContext = negatedContext ? !constant : constant;
  const rowsEffect = inContext
    ? 'so the filter around it excludes nothing'
    : 'so the query never returns the rows this test is meant to select';
  findings.push({
    ...base,
    severity: constant ? 'warning' : 'error',
    code: constant ? 'always-true' : 'never-true',
    message: `${written} can never be ${constant ? 'false' : 'true'}: ${verdict.why}; ${rowsEffect}.`,
  });
}
