/**
 * The KQL oracle: runs the queries our compiler emits on in-memory rows, with Kusto's semantics, so the compiler
 * can be checked against the Sigma matcher without a Log Analytics workspace.
 *
 * Scope (what the compiler emits, nothing more): `declare query_parameters`, scalar `let`s and one-expression
 * `let` functions, a table or an ASIM parser call as the source, then `where`, `extend`, `project`, `take`,
 * `top N by <expr> [asc|desc] [nulls first|last]` and `parse-kv ... with (regex=...)`. Scalar language: and/or/not, == != =~ !~, in/!in/in~/!in~, contains /
 * startswith / endswith (+ _cs and negations), has / has_cs / has_any / has_all (single-term needles),
 * `matches regex` (RE2 → JS, oracle/re2.ts), between / !between, < <= > >=, + - on numbers and datetimes,
 * isempty/isnotempty/isnull/isnotnull, tostring/tolower/toupper, coalesce, iff/iif, case, strcat,
 * column_ifexists, replace_string, ipv4_is_in_range/ipv6_is_in_range, todouble/toreal/toint/tolong, ago/now,
 * ingestion_time(), `Column.member` on a dynamic bag (with tostring of a dynamic scalar). Anything else throws KqlOracleError: the oracle never guesses.
 *
 * Kusto semantics mirrored (docs: "Null values", "Logical operators", "String operators"):
 * - strings are never null: a missing string cell is ""; isnull("") is false, isempty("") is true.
 * - null numbers, datetimes and bools: `==` with one null is false, `!=` with one null is true, both null is null;
 *   `<`/`>`/between with a null are null. `where` keeps a row only when its predicate is true.
 * - `and`/`or`: "bool(null) and true" is false, "bool(null) or true" is true (documented); the undocumented
 *   combinations stay null, and `not(null)` (not documented) is refused ('undecidable') instead of guessed, as is
 *   `!between` on null. `where` and `iff` treat null as false.
 * - case-insensitive comparison: ASCII letters fold (documented); where a non-ASCII letter could change the answer
 *   the verdict is unknown (oracle/text.ts). `and`/`or` read an unknown or undecidable operand as Kleene's third
 *   value (false and unknown = false, true or unknown = true); a row whose verdict stays unknown is refused.
 * - numbers compare numerically; `in` on numbers is a disjunction of `==`.
 */
import { parseKqlSyntax, type KqlExpression, type KqlLiteral, type KqlQueryOperator, type KqlSpan, type KqlStatement } from './syntax-tree.js';
import type { KqlType } from './schema.js';
import { KqlOracleError } from './oracle/errors.js';
import { ipv4InRange, ipv6InRange } from './oracle/ip.js';
import { descendants, kindOf, nameTypeDeclarations, nodeChildren, nodeText, parseScalarText, rawNode } from './oracle/raw.js';
import { RE2JS } from 're2js';
import { re2ToRegExp } from './oracle/re2.js';
import { caseMapped, compareText, hasTerm, isSingleTerm, type StringPosition } from './oracle/text.js';

export { KqlOracleError, type KqlOracleErrorCode } from './oracle/errors.js';

// ---------------------------------------------------------------------------------------------------------------
// Public API

export interface OracleColumn {
  readonly name: string;
  readonly type: KqlType;
}

/** A row as Log Analytics returns it: column name → string, number, boolean, Date, null or a dynamic value. */
export type OracleRow = Readonly<Record<string, unknown>>;

export interface KqlOracleOptions {
  /** The source's columns and their types (a missing string cell reads as "", a missing number as null). */
  readonly columns: readonly OracleColumn[];
  /** The row cell that holds the hidden ingestion time ingestion_time() reads (a Date). */
  readonly ingestionTimeColumn?: string;
  /** now() and ago(): required when the query uses them. */
  readonly now?: Date;
  /** Values of `declare query_parameters(...)`. */
  readonly parameters?: Readonly<Record<string, string | number | boolean | Date | null>>;
}

export const DEFAULT_INGESTION_TIME_COLUMN = '$IngestionTime';

export interface KqlOracleQuery {
  /** The output row for an input row, or null when the query drops it. */
  run(row: OracleRow): Record<string, unknown> | null;
  /** Whether the query keeps the row. */
  matches(row: OracleRow): boolean;
  /** Every output row for a list of input rows (take applies across them). */
  runAll(rows: readonly OracleRow[]): Record<string, unknown>[];
}

/** Compiles a query once for many rows. Throws KqlOracleError for queries outside the modelled subset. */
export function compileKqlQuery(query: string, options: KqlOracleOptions): KqlOracleQuery {
  return new Program(query, options);
}

/** The query's verdict on rows: true when the row survives every `where`. */
export function compileKqlFilter(query: string, options: KqlOracleOptions): (row: OracleRow) => boolean {
  const program = compileKqlQuery(query, options);
  return (row) => program.matches(row);
}

export function evaluateKqlPredicate(query: string, row: OracleRow, options: KqlOracleOptions): boolean {
  return compileKqlQuery(query, options).matches(row);
}

// ---------------------------------------------------------------------------------------------------------------
// Values

type NumberType = 'long' | 'real';
type Value =
  | { readonly type: 'string'; readonly value: string }
  | { readonly type: NumberType; readonly value: number | null }
  | { readonly type: 'bool'; readonly value: boolean | null }
  | { readonly type: 'datetime' | 'timespan'; readonly value: bigint | null }
  | { readonly type: 'dynamic'; readonly value: unknown }
  | { readonly type: 'guid'; readonly value: string | null };

const EMPTY: Value = { type: 'string', value: '' };
const TRUE_VALUE: Value = { type: 'bool', value: true };
const FALSE_VALUE: Value = { type: 'bool', value: false };
const NULL_BOOL: Value = { type: 'bool', value: null };
const bool = (value: boolean | null): Value => (value === null ? NULL_BOOL : value ? TRUE_VALUE : FALSE_VALUE);
const TICKS_PER_MS = 10_000n;

function isNumeric(value: Value): value is Extract<Value, { type: NumberType }> {
  return value.type === 'long' || value.type === 'real';
}

function isNull(value: Value): boolean {
  return value.type !== 'string' && value.value === null;
}

function describe(value: Value): string {
  return value.type === 'string' ? `string ${JSON.stringify(value.value)}` : `${value.type} ${String(value.value)}`;
}

function normalizeType(type: string): KqlType | 'decimal' {
  switch (type) {
    case 'int':
    case 'long':
      return 'long';
    case 'real':
    case 'double':
      return 'real';
    case 'date':
    case 'datetime':
      return 'datetime';
    case 'time':
    case 'timespan':
      return 'timespan';
    case 'boolean':
    case 'bool':
      return 'bool';
    case 'string':
    case 'dynamic':
    case 'guid':
    case 'decimal':
      return type;
    default:
      throw new KqlOracleError('unsupported', `type ${type}`);
  }
}

/** A row cell read as its declared column type. */
function cellValue(cell: unknown, type: KqlType, column: string): Value {
  const wrong = (): never => {
    throw new KqlOracleError('input', `column ${column} (${type}) holds ${typeof cell} ${String(cell)}`);
  };
  const missing = cell === undefined || cell === null;
  switch (normalizeType(type)) {
    case 'string':
      if (missing) return EMPTY;
      return typeof cell === 'string' ? { type: 'string', value: cell } : wrong();
    case 'long':
    case 'real': {
      const numberType: NumberType = normalizeType(type) === 'long' ? 'long' : 'real';
      if (missing) return { type: numberType, value: null };
      if (typeof cell === 'bigint') return { type: numberType, value: Number(cell) };
      return typeof cell === 'number' && !Number.isNaN(cell) ? { type: numberType, value: cell } : wrong();
    }
    case 'bool':
      if (missing) return NULL_BOOL;
      return typeof cell === 'boolean' ? bool(cell) : wrong();
    case 'datetime': {
      if (missing) return { type: 'datetime', value: null };
      const millis = cell instanceof Date ? cell.getTime() : typeof cell === 'string' ? Date.parse(cell) : Number.NaN;
      return Number.isNaN(millis) ? wrong() : { type: 'datetime', value: BigInt(millis) * TICKS_PER_MS };
    }
    case 'dynamic':
      return { type: 'dynamic', value: missing ? null : cell };
    case 'guid':
      if (missing) return { type: 'guid', value: null };
      return typeof cell === 'string' ? { type: 'guid', value: cell.toLowerCase() } : wrong();
    default:
      return wrong();
  }
}

/** Order of two `top`/`sort` keys. Strings compare by UTF-16 code unit; a string never is null in Kusto. */
function compareOrderKeys(left: Value, right: Value, order: { descending: boolean; nullsFirst: boolean }): number {
  const leftNull = isNull(left);
  const rightNull = isNull(right);
  if (leftNull || rightNull) {
    if (leftNull && rightNull) return 0;
    return leftNull === order.nullsFirst ? -1 : 1;
  }
  if (left.type !== right.type && !(isNumeric(left) && isNumeric(right))) {
    throw new KqlOracleError('type', `top compares ${describe(left)} with ${describe(right)}`);
  }
  const a = left.value as string | number | bigint | boolean;
  const b = right.value as string | number | bigint | boolean;
  const ascending = a < b ? -1 : a > b ? 1 : 0;
  return order.descending ? -ascending : ascending;
}

function outputCell(value: Value): unknown {
  switch (value.type) {
    case 'datetime':
      return value.value === null ? null : new Date(Number(value.value / TICKS_PER_MS));
    default:
      return value.value;
  }
}

function literalValue(literal: KqlLiteral): Value {
  switch (literal.type) {
    case 'string':
      return { type: 'string', value: literal.value };
    case 'long':
    case 'int': {
      if (literal.value === null) return { type: 'long', value: null };
      const number = Number(literal.value);
      if (!Number.isSafeInteger(number)) throw new KqlOracleError('unsupported', `integer ${literal.text} beyond 2^53`, literal.span);
      return { type: 'long', value: number };
    }
    case 'real':
      return { type: 'real', value: literal.value };
    case 'bool':
      return bool(literal.value);
    case 'datetime':
    case 'timespan':
      return { type: literal.type, value: literal.value };
    case 'dynamic':
      return { type: 'dynamic', value: literal.value };
    case 'guid':
      return { type: 'guid', value: literal.value };
    case 'decimal':
      throw new KqlOracleError('unsupported', `decimal literal ${literal.text}`, literal.span);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Expressions, with the constructs the plain tree leaves unsupported resolved from the raw tree.

type Expr =
  | Exclude<KqlExpression, { kind: 'binary' | 'list' | 'unary' | 'call' | 'named' }>
  | { readonly kind: 'binary'; readonly operator: Extract<KqlExpression, { kind: 'binary' }>['operator']; readonly left: Expr; readonly right: Expr; readonly span: KqlSpan }
  | { readonly kind: 'list'; readonly operator: Extract<KqlExpression, { kind: 'list' }>['operator']; readonly left: Expr; readonly items: readonly Expr[]; readonly span: KqlSpan }
  | { readonly kind: 'unary'; readonly operator: '-' | '+'; readonly operand: Expr; readonly span: KqlSpan }
  | { readonly kind: 'call'; readonly name: string; readonly arguments: readonly Expr[]; readonly span: KqlSpan }
  | { readonly kind: 'named'; readonly name: string; readonly value: Expr; readonly span: KqlSpan }
  | { readonly kind: 'between'; readonly negated: boolean; readonly left: Expr; readonly low: Expr; readonly high: Expr; readonly span: KqlSpan }
  /** `Column.Member` on a dynamic column (a property bag such as Defender's AdditionalFields). */
  | { readonly kind: 'member'; readonly column: string; readonly member: string; readonly span: KqlSpan };

/** The plain expression with `between` (left unsupported by the plain tree) read from Kusto.Language's tree. */
function resolve(expression: KqlExpression): Expr {
  switch (expression.kind) {
    case 'binary':
      return { ...expression, left: resolve(expression.left), right: resolve(expression.right) };
    case 'list':
      return { ...expression, left: resolve(expression.left), items: expression.items.map((item) => resolve(item)) };
    case 'unary':
      return { ...expression, operand: resolve(expression.operand) };
    case 'call':
      return { ...expression, arguments: expression.arguments.map((argument) => resolve(argument)) };
    case 'named':
      return { ...expression, value: resolve(expression.value) };
    case 'unsupported':
      if (expression.syntaxKind === 'BetweenExpression' || expression.syntaxKind === 'NotBetweenExpression') {
        const { node, source: snippet } = rawNode(expression.text, expression.syntaxKind, 'print ');
        const [left, couple] = nodeChildren(node);
        const [low, high] = couple ? nodeChildren(couple) : [];
        if (!left || !low || !high) throw new KqlOracleError('syntax', `incomplete ${expression.text}`, expression.span);
        const reread = (part: typeof left) => {
          const parsed = parseScalarText(nodeText(snippet, part));
          return resolve(parsed.expression);
        };
        return {
          kind: 'between',
          negated: expression.syntaxKind === 'NotBetweenExpression',
          left: reread(left),
          low: reread(low),
          high: reread(high),
          span: expression.span,
        };
      }
      if (expression.syntaxKind === 'PathExpression') {
        const path = /^([A-Za-z_][A-Za-z0-9_]*)\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(expression.text);
        if (path) return { kind: 'member', column: path[1]!, member: path[2]!, span: expression.span };
      }
      return expression;
    default:
      return expression;
  }
}

interface UserFunction {
  readonly parameters: readonly { name: string; type: KqlType | 'decimal' }[];
  readonly body: Expr;
}

interface Scope {
  readonly scalars: ReadonlyMap<string, Value>;
  readonly functions: ReadonlyMap<string, UserFunction>;
}

interface RowContext {
  readonly columns: ReadonlyMap<string, Value>;
  /** The input row (for ingestion_time()); null inside a function body. */
  readonly input: OracleRow | null;
  readonly scope: Scope;
}

type Step =
  | { readonly kind: 'where'; readonly predicate: Expr; readonly span: KqlSpan }
  | { readonly kind: 'extend' | 'project'; readonly columns: readonly { name: string; value: Expr }[]; readonly span: KqlSpan }
  | { readonly kind: 'take'; readonly count: number }
  | { readonly kind: 'top'; readonly count: number; readonly key: Expr; readonly descending: boolean; readonly nullsFirst: boolean }
  | { readonly kind: 'parse-kv'; readonly column: Expr; readonly keys: readonly { name: string; type: KqlType }[]; readonly regex: RegExp; readonly span: KqlSpan }
  | { readonly kind: 'time-window'; readonly start: Expr | null; readonly end: Expr | null };

/** ASIM parsers whose starttime/endtime filter `TimeGenerated` inclusively (research E.1/E.2). */
const TIME_WINDOW_FUNCTIONS = new Set(['_Im_NetworkSession', 'imNetworkSession', '_Im_ProcessCreate', 'imProcessCreate']);

class Program implements KqlOracleQuery {
  private readonly steps: Step[] = [];
  private readonly declared: ReadonlyMap<string, KqlType>;
  private readonly scope: Scope;
  private readonly regexes = new Map<string, RE2JS>();

  constructor(
    query: string,
    private readonly options: KqlOracleOptions,
  ) {
    this.declared = new Map(options.columns.map((column) => [column.name, column.type]));
    const tree = parseKqlSyntax(query);
    const syntaxErrors = tree.diagnostics.filter((diagnostic) => diagnostic.severity === 'error');
    if (syntaxErrors.length > 0) {
      const first = syntaxErrors[0]!;
      throw new KqlOracleError('syntax', first.message, { start: first.start, length: first.length });
    }
    const scalars = new Map<string, Value>();
    const functions = new Map<string, UserFunction>();
    this.scope = { scalars, functions };
    let pipeline: KqlStatement | undefined;
    for (const statement of tree.statements) {
      if (pipeline) throw new KqlOracleError('unsupported', 'statements after the query', statement.span);
      if (statement.kind === 'let') this.bindLet(statement.name, statement.value, scalars, functions);
      else if (statement.kind === 'unsupported' && statement.syntaxKind === 'QueryParametersStatement') this.declareParameters(statement, scalars);
      else if (statement.kind === 'expression') pipeline = statement;
      else throw new KqlOracleError('unsupported', `${statement.syntaxKind}: ${statement.reason}`, statement.span);
    }
    if (!pipeline || pipeline.kind !== 'expression') throw new KqlOracleError('unsupported', 'no query expression');
    this.buildPipeline(pipeline.expression);
  }

  private bindLet(name: string, value: KqlExpression, scalars: Map<string, Value>, functions: Map<string, UserFunction>): void {
    if (value.kind === 'unsupported' && value.syntaxKind === 'FunctionDeclaration') {
      const { node, source } = rawNode(value.text, 'FunctionDeclaration', 'let f = ', ';\nprint 0');
      const [parameterList, body] = nodeChildren(node);
      if (!parameterList || !body || kindOf(body) !== 'FunctionBody') throw new KqlOracleError('syntax', `function ${name}`, value.span);
      const bodyParts = nodeChildren(body);
      const statements = bodyParts.find((part) => kindOf(part) === 'List');
      const expression = bodyParts.find((part) => kindOf(part) !== 'List');
      if (!expression || (statements && statements.Width > 0)) {
        throw new KqlOracleError('unsupported', `function ${name}: only a body of one expression is modelled`, value.span);
      }
      const parameters = nameTypeDeclarations(source, parameterList).map((parameter) => ({ name: parameter.name, type: normalizeType(parameter.type) }));
      if (descendants(parameterList, 'FunctionParameter').some((parameter) => nodeText(source, parameter).includes('='))) {
        throw new KqlOracleError('unsupported', `function ${name}: parameter defaults are not modelled`, value.span);
      }
      const parsed = parseScalarText(nodeText(source, expression));
      functions.set(name, { parameters, body: resolve(parsed.expression) });
      return;
    }
    const expression = resolve(value);
    scalars.set(name, this.evaluate(expression, { columns: new Map(), input: null, scope: { scalars, functions } }));
  }

  private declareParameters(statement: Extract<KqlStatement, { kind: 'unsupported' }>, scalars: Map<string, Value>): void {
    const { node, source } = rawNode(statement.text, 'QueryParametersStatement', '');
    for (const { name, type } of nameTypeDeclarations(source, node)) {
      const given = this.options.parameters?.[name];
      if (given === undefined) throw new KqlOracleError('unsupported', `query parameter ${name} has no value (options.parameters)`, statement.span);
      const kqlType = normalizeType(type);
      if (kqlType === 'decimal') throw new KqlOracleError('unsupported', `decimal parameter ${name}`, statement.span);
      scalars.set(name, cellValue(given, kqlType, name));
    }
  }

  private buildPipeline(expression: KqlExpression): void {
    if (expression.kind !== 'pipeline') throw new KqlOracleError('unsupported', `the query is a ${expression.kind}, not source | operators`, expression.span);
    const source = expression.source;
    if (source.kind === 'call') {
      if (!TIME_WINDOW_FUNCTIONS.has(source.name)) throw new KqlOracleError('unsupported', `source function ${source.name}`, source.span);
      let start: Expr | null = null;
      let end: Expr | null = null;
      for (const argument of source.arguments) {
        if (argument.kind !== 'named') throw new KqlOracleError('unsupported', `positional argument to ${source.name}`, argument.span);
        if (argument.name === 'starttime') start = resolve(argument.value);
        else if (argument.name === 'endtime') end = resolve(argument.value);
        // The other parameters are superset filters at best and empty the result on some sources (research E).
        else throw new KqlOracleError('unsupported', `${source.name} parameter ${argument.name} is not modelled`, argument.span);
      }
      this.steps.push({ kind: 'time-window', start, end });
    } else if (source.kind !== 'name') {
      throw new KqlOracleError('unsupported', `query source ${source.kind}`, source.span);
    }
    for (const operator of expression.operators) this.steps.push(this.step(operator));
  }

  private step(operator: KqlQueryOperator): Step {
    switch (operator.kind) {
      case 'where':
        return { kind: 'where', predicate: resolve(operator.predicate), span: operator.span };
      case 'extend':
      case 'project':
        return {
          kind: operator.kind,
          span: operator.span,
          columns: operator.columns.map((column) => {
            if (column.kind === 'named') return { name: column.name, value: resolve(column.value) };
            if (column.kind === 'name') return { name: column.name, value: resolve(column) };
            throw new KqlOracleError('unsupported', `${operator.kind} of an unnamed expression`, column.span);
          }),
        };
      case 'take': {
        const count = operator.count;
        if (count.kind !== 'literal' || (count.type !== 'long' && count.type !== 'int') || count.value === null) {
          throw new KqlOracleError('unsupported', 'take needs an integer literal', operator.span);
        }
        return { kind: 'take', count: Number(count.value) };
      }
      case 'unsupported':
        if (operator.syntaxKind === 'ParseKvOperator') return this.parseKvStep(operator);
        if (operator.syntaxKind === 'TopOperator') return this.topStep(operator);
        throw new KqlOracleError('unsupported', `${operator.syntaxKind}: ${operator.reason}`, operator.span);
    }
  }

  /** `top N by <expr> [asc|desc] [nulls first|last]`: one ordering key (all the hunt's paging needs). Kusto's
   *  defaults: descending; nulls last when descending, first when ascending (docs: "top operator"). */
  private topStep(operator: Extract<KqlQueryOperator, { kind: 'unsupported' }>): Step {
    const { node, source } = rawNode(operator.text, 'TopOperator', 'T | ');
    const parts = nodeChildren(node).filter((child) => kindOf(child) !== 'List');
    const [countNode, ordered, ...rest] = parts;
    if (!countNode || !ordered || rest.length > 0) throw new KqlOracleError('unsupported', 'top needs a count and one ordering expression', operator.span);
    const count = parseScalarText(nodeText(source, countNode)).expression;
    if (count.kind !== 'literal' || (count.type !== 'long' && count.type !== 'int') || count.value === null) {
      throw new KqlOracleError('unsupported', 'top needs an integer literal', operator.span);
    }
    // Without asc/desc/nulls the key is not wrapped in an OrderedExpression.
    const [keyNode, ordering] = kindOf(ordered) === 'OrderedExpression' ? nodeChildren(ordered) : [ordered];
    if (!keyNode) throw new KqlOracleError('syntax', 'top without a key', operator.span);
    const clause = ordering ? nodeText(source, ordering).trim().toLowerCase().split(/\s+/) : [];
    const descending = clause[0] !== 'asc';
    const nulls = clause.indexOf('nulls');
    const nullsFirst = nulls >= 0 ? clause[nulls + 1] === 'first' : !descending;
    return { kind: 'top', count: Number(count.value), key: resolve(parseScalarText(nodeText(source, keyNode)).expression), descending, nullsFirst };
  }

  private parseKvStep(operator: Extract<KqlQueryOperator, { kind: 'unsupported' }>): Step {
    const { node, source } = rawNode(operator.text, 'ParseKvOperator', 'T | ');
    const [subject, schema, withClause] = nodeChildren(node);
    if (!subject || !schema || !withClause || kindOf(schema) !== 'RowSchema' || kindOf(withClause) !== 'ParseKvWithClause') {
      throw new KqlOracleError('unsupported', 'parse-kv without a row schema and a with clause', operator.span);
    }
    const keys = nameTypeDeclarations(source, schema).map(({ name, type }) => {
      const kqlType = normalizeType(type);
      if (kqlType !== 'string') throw new KqlOracleError('unsupported', `parse-kv key ${name}:${type} (only string keys are modelled)`, operator.span);
      return { name: name.replace(/^\['(.*)'\]$|^\["(.*)"\]$/, '$1$2'), type: kqlType as KqlType };
    });
    let regex: RegExp | undefined;
    for (const parameter of descendants(withClause, 'NamedParameter')) {
      const [name, value] = nodeChildren(parameter);
      const parameterName = name ? nodeText(source, name).trim() : '';
      if (parameterName !== 'regex' || !value) throw new KqlOracleError('unsupported', `parse-kv option ${parameterName}`, operator.span);
      const parsed = parseScalarText(nodeText(source, value));
      if (parsed.expression.kind !== 'literal' || parsed.expression.type !== 'string') {
        throw new KqlOracleError('unsupported', 'parse-kv regex must be a string literal', operator.span);
      }
      regex = re2ToRegExp(parsed.expression.value, 'g');
    }
    if (!regex) throw new KqlOracleError('unsupported', 'parse-kv without regex=', operator.span);
    const parsedSubject = parseScalarText(nodeText(source, subject));
    return { kind: 'parse-kv', column: resolve(parsedSubject.expression), keys, regex, span: operator.span };
  }

  // -------------------------------------------------------------------------------------------------------------
  // Rows

  matches(row: OracleRow): boolean {
    return this.run(row) !== null;
  }

  run(row: OracleRow): Record<string, unknown> | null {
    return this.runAll([row])[0] ?? null;
  }

  runAll(rows: readonly OracleRow[]): Record<string, unknown>[] {
    // `unknown`: a `where` the oracle could not decide for the row. The row goes on, since a later `where` that
    // drops it decides the outcome all the same (a row survives only when every `where` holds); if it survives
    // every other step, or its fate matters to take/top, the refusal stands.
    type Entry = { input: OracleRow; columns: Map<string, Value>; unknown?: KqlOracleError };
    const settled = (entries: readonly Entry[]): void => {
      const unknown = entries.find((entry) => entry.unknown)?.unknown;
      if (unknown) throw unknown;
    };
    let current: Entry[] = rows.map((row) => ({ input: row, columns: this.inputColumns(row) }));
    for (const step of this.steps) {
      if (step.kind === 'take') {
        settled(current);
        current = current.slice(0, Math.max(0, step.count));
        continue;
      }
      if (step.kind === 'top') {
        settled(current);
        const keyed = current.map((entry) => ({ entry, key: this.evaluate(step.key, { columns: entry.columns, input: entry.input, scope: this.scope }) }));
        // Array.prototype.sort is stable: rows with equal keys keep their input order (Kusto leaves it open).
        keyed.sort((left, right) => compareOrderKeys(left.key, right.key, step));
        current = keyed.slice(0, Math.max(0, step.count)).map(({ entry }) => entry);
        continue;
      }
      const next: Entry[] = [];
      for (const entry of current) {
        const context: RowContext = { columns: entry.columns, input: entry.input, scope: this.scope };
        let columns: Map<string, Value> | null;
        try {
          columns = this.apply(step, context);
        } catch (error) {
          if (step.kind !== 'where' || !(error instanceof KqlOracleError) || error.code !== 'undecidable') throw error;
          next.push({ ...entry, unknown: entry.unknown ?? error });
          continue;
        }
        if (columns) next.push({ input: entry.input, columns, ...(entry.unknown ? { unknown: entry.unknown } : {}) });
      }
      current = next;
    }
    settled(current);
    return current.map((entry) => Object.fromEntries([...entry.columns].map(([name, value]) => [name, outputCell(value)])));
  }

  private inputColumns(row: OracleRow): Map<string, Value> {
    const columns = new Map<string, Value>();
    for (const [name, type] of this.declared) columns.set(name, cellValue(Object.hasOwn(row, name) ? row[name] : undefined, type, name));
    return columns;
  }

  /** The row's columns after the step, or null when the step drops the row. */
  private apply(step: Exclude<Step, { kind: 'take' | 'top' }>, context: RowContext): Map<string, Value> | null {
    switch (step.kind) {
      case 'time-window': {
        const time = context.columns.get('TimeGenerated');
        if (!time || time.type !== 'datetime') throw new KqlOracleError('column', 'the parser time window needs a TimeGenerated datetime column');
        for (const [bound, holds] of [
          [step.start, (t: bigint, b: bigint) => t >= b],
          [step.end, (t: bigint, b: bigint) => t <= b],
        ] as const) {
          if (!bound) continue;
          const limit = this.evaluate(bound, context);
          if (limit.type !== 'datetime') throw new KqlOracleError('type', `time window bound is ${limit.type}`);
          // A null bound is the parser's default: no filtering on that side.
          if (limit.value === null) continue;
          if (time.value === null || !holds(time.value, limit.value)) return null;
        }
        return context.columns as Map<string, Value>;
      }
      case 'where': {
        const verdict = this.evaluate(step.predicate, context);
        if (verdict.type !== 'bool') throw new KqlOracleError('type', `where needs a bool, got ${verdict.type}`, step.span);
        return verdict.value === true ? (context.columns as Map<string, Value>) : null;
      }
      case 'extend': {
        const columns = new Map(context.columns);
        for (const { name, value } of step.columns) columns.set(name, this.evaluate(value, { ...context, columns }));
        return columns;
      }
      case 'project': {
        const columns = new Map<string, Value>();
        for (const { name, value } of step.columns) columns.set(name, this.evaluate(value, context));
        return columns;
      }
      case 'parse-kv': {
        const subject = this.evaluate(step.column, context);
        if (subject.type !== 'string') throw new KqlOracleError('type', `parse-kv on ${subject.type}`, step.span);
        if (LONE_SURROGATE.test(subject.value)) throw new KqlOracleError('undecidable', 'parse-kv on text with a lone surrogate', step.span);
        const found = new Map<string, string>();
        step.regex.lastIndex = 0;
        for (const match of subject.value.matchAll(step.regex)) {
          if (match.length !== 3) throw new KqlOracleError('unsupported', 'parse-kv regex needs exactly two groups', step.span);
          const key = match[1] ?? '';
          const value = match[2] ?? '';
          const earlier = found.get(key);
          if (earlier !== undefined && earlier !== value) {
            throw new KqlOracleError('undecidable', `parse-kv: key ${key} occurs twice with different values`, step.span);
          }
          found.set(key, value);
        }
        const columns = new Map(context.columns);
        for (const key of step.keys) columns.set(key.name, { type: 'string', value: found.get(key.name) ?? '' });
        return columns;
      }
    }
  }

  // -------------------------------------------------------------------------------------------------------------
  // Scalar evaluation

  private evaluate(expression: Expr, context: RowContext): Value {
    switch (expression.kind) {
      case 'literal':
        return literalValue(expression);
      case 'name':
        return this.lookup(expression.name, expression.span, context);
      case 'unary': {
        const operand = this.evaluate(expression.operand, context);
        if (expression.operator === '+') return operand;
        if (isNumeric(operand)) return { type: operand.type, value: operand.value === null ? null : -operand.value };
        if (operand.type === 'timespan') return { type: 'timespan', value: operand.value === null ? null : -operand.value };
        throw new KqlOracleError('type', `unary - on ${operand.type}`, expression.span);
      }
      case 'binary':
        return this.binary(expression, context);
      case 'list':
        return this.list(expression, context);
      case 'between':
        return this.between(expression, context);
      case 'call':
        return this.call(expression, context);
      case 'member': {
        // A property of a dynamic bag; a missing property, or a bag that is null or not an object, is null.
        const bag = this.lookup(expression.column, expression.span, context);
        if (bag.type !== 'dynamic') throw new KqlOracleError('type', `member access on ${bag.type} ${expression.column}`, expression.span);
        const holder = bag.value;
        const value = typeof holder === 'object' && holder !== null && !Array.isArray(holder) && Object.hasOwn(holder, expression.member) ? (holder as Record<string, unknown>)[expression.member] : null;
        return { type: 'dynamic', value: value ?? null };
      }
      case 'unsupported':
        throw new KqlOracleError('unsupported', `${expression.syntaxKind} (${expression.text}): ${expression.reason}`, expression.span);
      default:
        throw new KqlOracleError('unsupported', `${expression.kind} in a scalar context`, expression.span);
    }
  }

  private lookup(name: string, span: KqlSpan, context: RowContext): Value {
    const column = context.columns.get(name);
    const scalar = context.scope.scalars.get(name);
    if (column && scalar) throw new KqlOracleError('unsupported', `${name} is both a column and a let name`, span);
    const value = column ?? scalar;
    if (!value) throw new KqlOracleError('column', `unknown column or name ${name}`, span);
    return value;
  }

  private text(expression: Expr, context: RowContext, what: string): string {
    const value = this.evaluate(expression, context);
    if (value.type !== 'string') throw new KqlOracleError('type', `${what} needs a string, got ${describe(value)}`, expression.span);
    return value.value;
  }

  /** The operand's value, or the refusal when the oracle cannot decide it (any other error propagates). */
  private decided(evaluate: () => boolean | null): boolean | null | KqlOracleError {
    try {
      return evaluate();
    } catch (error) {
      if (error instanceof KqlOracleError && error.code === 'undecidable') return error;
      throw error;
    }
  }

  private boolean(expression: Expr, context: RowContext): boolean | null {
    const value = this.evaluate(expression, context);
    if (value.type !== 'bool') throw new KqlOracleError('type', `expected a bool, got ${describe(value)}`, expression.span);
    return value.value;
  }

  private binary(expression: Extract<Expr, { kind: 'binary' }>, context: RowContext): Value {
    const { operator, span } = expression;
    switch (operator) {
      case 'and': {
        // Documented: "bool(null) and true" is false; null with false is false in any reading; null with null is
        // left null (a later not() of it is refused). An operand the oracle cannot decide does not matter when the
        // other one is false (Kusto functions do not fail on values, so evaluating both is safe).
        const left = this.decided(() => this.boolean(expression.left, context));
        if (left === false) return FALSE_VALUE;
        const right = this.decided(() => this.boolean(expression.right, context));
        if (right === false) return FALSE_VALUE;
        if (left instanceof KqlOracleError) throw left;
        if (right instanceof KqlOracleError) throw right;
        if (left === true) return bool(right);
        return right === null ? NULL_BOOL : FALSE_VALUE;
      }
      case 'or': {
        // Documented: "bool(null) or true" is true. null or false is not documented: left null. An undecidable
        // operand does not matter when the other one is true.
        const left = this.decided(() => this.boolean(expression.left, context));
        if (left === true) return TRUE_VALUE;
        const right = this.decided(() => this.boolean(expression.right, context));
        if (right === true) return TRUE_VALUE;
        if (left instanceof KqlOracleError) throw left;
        if (right instanceof KqlOracleError) throw right;
        if (left === false) return bool(right);
        return NULL_BOOL;
      }
      case '==':
      case '!=':
        return this.equality(this.evaluate(expression.left, context), this.evaluate(expression.right, context), operator === '!=', span);
      case '=~':
      case '!~': {
        const left = this.text(expression.left, context, operator);
        const right = this.text(expression.right, context, operator);
        return bool(known(compareText(left, right, 'equals', false), span) !== (operator === '!~'));
      }
      case '<':
      case '<=':
      case '>':
      case '>=':
        return this.order(this.evaluate(expression.left, context), this.evaluate(expression.right, context), operator, span);
      case '+':
      case '-':
        return this.arithmetic(this.evaluate(expression.left, context), this.evaluate(expression.right, context), operator, span);
      case 'matches regex': {
        const haystack = this.text(expression.left, context, 'matches regex');
        const pattern = this.text(expression.right, context, 'matches regex');
        if (LONE_SURROGATE.test(haystack)) throw new KqlOracleError('undecidable', 'matches regex on text with a lone surrogate', span);
        // Kusto's `matches regex` is RE2, so the model runs RE2 (re2js): linear in the row's text, so a hostile row
        // cannot stall the local fake either. (A translation to a backtracking JS RegExp could, and it covered
        // less of RE2's syntax.) re2js against C++ RE2 is checked by the ReDoS suite (test/redos).
        let regex = this.regexes.get(pattern);
        if (!regex) {
          try {
            regex = RE2JS.compile(pattern);
          } catch (error) {
            throw new KqlOracleError('unsupported', `RE2 pattern ${JSON.stringify(pattern)}: ${(error as Error).message}`, span);
          }
          this.regexes.set(pattern, regex);
        }
        return bool(regex.test(haystack));
      }
      default: {
        const stringOperator = STRING_OPERATORS[operator];
        if (!stringOperator) throw new KqlOracleError('unsupported', `operator ${operator}`, span);
        const haystack = this.text(expression.left, context, operator);
        const needle = this.text(expression.right, context, operator);
        return bool(stringTest(haystack, needle, stringOperator, span) !== stringOperator.negated);
      }
    }
  }

  private equality(left: Value, right: Value, negated: boolean, span: KqlSpan): Value {
    if (left.type === 'string' || right.type === 'string') {
      if (left.type !== 'string' || right.type !== 'string') throw new KqlOracleError('type', `cannot compare ${describe(left)} with ${describe(right)}`, span);
      return bool((left.value === right.value) !== negated);
    }
    if (family(left) !== family(right) || left.type === 'dynamic') {
      throw new KqlOracleError('type', `cannot compare ${describe(left)} with ${describe(right)}`, span);
    }
    const leftNull = isNull(left);
    const rightNull = isNull(right);
    if (leftNull && rightNull) return NULL_BOOL;
    if (leftNull || rightNull) return bool(negated);
    return bool((left.value === right.value) !== negated);
  }

  private order(left: Value, right: Value, operator: '<' | '<=' | '>' | '>=', span: KqlSpan): Value {
    if (family(left) !== family(right) || left.type === 'string' || left.type === 'dynamic' || left.type === 'bool' || left.type === 'guid') {
      throw new KqlOracleError('type', `cannot order ${describe(left)} and ${describe(right)}`, span);
    }
    if (isNull(left) || isNull(right)) return NULL_BOOL;
    const a = left.value as number | bigint;
    const b = right.value as number | bigint;
    switch (operator) {
      case '<':
        return bool(a < b);
      case '<=':
        return bool(a <= b);
      case '>':
        return bool(a > b);
      case '>=':
        return bool(a >= b);
    }
  }

  private arithmetic(left: Value, right: Value, operator: '+' | '-', span: KqlSpan): Value {
    if (isNumeric(left) && isNumeric(right)) {
      const type: NumberType = left.type === 'real' || right.type === 'real' ? 'real' : 'long';
      if (left.value === null || right.value === null) return { type, value: null };
      return { type, value: operator === '+' ? left.value + right.value : left.value - right.value };
    }
    if ((left.type === 'datetime' || left.type === 'timespan') && right.type === 'timespan') {
      if (left.value === null || right.value === null) return { type: left.type, value: null };
      return { type: left.type, value: operator === '+' ? left.value + right.value : left.value - right.value };
    }
    if (left.type === 'datetime' && right.type === 'datetime' && operator === '-') {
      if (left.value === null || right.value === null) return { type: 'timespan', value: null };
      return { type: 'timespan', value: left.value - right.value };
    }
    throw new KqlOracleError('type', `${describe(left)} ${operator} ${describe(right)}`, span);
  }

  private between(expression: Extract<Expr, { kind: 'between' }>, context: RowContext): Value {
    const value = this.evaluate(expression.left, context);
    const low = this.order(value, this.evaluate(expression.low, context), '>=', expression.span);
    const high = this.order(value, this.evaluate(expression.high, context), '<=', expression.span);
    if (low.value === null || high.value === null) {
      if (expression.negated) throw new KqlOracleError('undecidable', '!between on a null value is not documented', expression.span);
      return NULL_BOOL;
    }
    return bool((low.value === true && high.value === true) !== expression.negated);
  }

  private list(expression: Extract<Expr, { kind: 'list' }>, context: RowContext): Value {
    const left = this.evaluate(expression.left, context);
    const items: Value[] = [];
    for (const item of expression.items) {
      const value = this.evaluate(item, context);
      if (value.type === 'dynamic' && Array.isArray(value.value)) items.push(...value.value.map((element) => dynamicScalar(element, item.span)));
      else items.push(value);
    }
    const { operator, span } = expression;
    if (operator === 'has_any' || operator === 'has_all') {
      if (left.type !== 'string') throw new KqlOracleError('type', `${operator} on ${describe(left)}`, span);
      const needles = items.map((item) => {
        if (item.type !== 'string') throw new KqlOracleError('type', `${operator} item ${describe(item)}`, span);
        return item.value;
      });
      // One needle decides has_any (a term found) or has_all (one missing) even when another one is undecidable.
      const decisive = operator === 'has_any';
      let unknown: KqlOracleError | undefined;
      for (const needle of needles) {
        const found = this.decided(() => stringTest(left.value, needle, { test: 'has', cased: false, negated: false }, span));
        if (found instanceof KqlOracleError) unknown ??= found;
        else if (found === decisive) return bool(decisive);
      }
      if (unknown) throw unknown;
      return bool(!decisive);
    }
    const folded = operator === 'in~' || operator === '!in~';
    const negated = operator === '!in' || operator === '!in~';
    if (left.type === 'string') {
      const found = items.some((item) => {
        if (item.type !== 'string') throw new KqlOracleError('type', `${operator}: ${describe(item)} in a list for a string`, span);
        return known(compareText(left.value, item.value, 'equals', !folded), span);
      });
      return bool(found !== negated);
    }
    if (folded) throw new KqlOracleError('type', `${operator} on ${describe(left)}`, span);
    // `x in (a, b)` is `x == a or x == b`; `x !in (a, b)` is `x != a and x != b` (documented null rules of ==/!=).
    let verdict: boolean | null = negated;
    for (const item of items) {
      const comparison = this.equality(left, item, negated, span).value as boolean | null;
      if (negated) {
        if (comparison === false) return FALSE_VALUE;
        if (comparison === null) verdict = null;
      } else {
        if (comparison === true) return TRUE_VALUE;
        if (comparison === null) verdict = null;
      }
    }
    return bool(verdict);
  }

  private call(expression: Extract<Expr, { kind: 'call' }>, context: RowContext): Value {
    const { name, span } = expression;
    const args = expression.arguments;
    const arity = (min: number, max = min) => {
      if (args.length < min || args.length > max) throw new KqlOracleError('syntax', `${name} takes ${min}..${max} arguments`, span);
    };
    const userFunction = context.scope.functions.get(name);
    if (userFunction) {
      arity(userFunction.parameters.length);
      const scalars = new Map(context.scope.scalars);
      userFunction.parameters.forEach((parameter, index) => {
        const value = this.evaluate(args[index]!, context);
        if (parameter.type !== value.type && !(parameter.type === 'long' && isNumeric(value))) {
          throw new KqlOracleError('type', `${name}(${parameter.name}:${parameter.type}) given ${describe(value)}`, span);
        }
        scalars.set(parameter.name, value);
      });
      // A function body sees its parameters and the lets before it, not the caller's row.
      return this.evaluate(userFunction.body, { columns: new Map(), input: null, scope: { scalars, functions: context.scope.functions } });
    }
    switch (name) {
      case 'not': {
        arity(1);
        const value = this.boolean(args[0]!, context);
        if (value === null) throw new KqlOracleError('undecidable', 'not() of a null bool is not documented', span);
        return bool(!value);
      }
      case 'isempty':
      case 'isnotempty': {
        arity(1);
        const value = this.evaluate(args[0]!, context);
        const empty = value.type === 'string' ? value.value === '' : value.value === null;
        return bool(empty === (name === 'isempty'));
      }
      case 'isnull':
      case 'isnotnull': {
        arity(1);
        const value = this.evaluate(args[0]!, context);
        return bool(isNull(value) === (name === 'isnull'));
      }
      case 'tostring':
        arity(1);
        return { type: 'string', value: toText(this.evaluate(args[0]!, context), span) };
      case 'tolower':
      case 'toupper':
        arity(1);
      {
        const mapped = caseMapped(this.text(args[0]!, context, name), name === 'tolower' ? 'lower' : 'upper');
        if (mapped === null) throw new KqlOracleError('undecidable', `${name}() of text whose simple and full case mappings differ`, span);
        return { type: 'string', value: mapped };
      }
      case 'strcat':
        arity(1, 64);
        return { type: 'string', value: args.map((argument) => toText(this.evaluate(argument, context), span)).join('') };
      case 'coalesce': {
        arity(2, 64);
        let last: Value | undefined;
        for (const argument of args) {
          const value = this.evaluate(argument, context);
          if (last && family(last) !== family(value)) throw new KqlOracleError('type', `coalesce of ${last.type} and ${value.type}`, span);
          last = value;
          if (value.type === 'string' ? value.value !== '' : value.value !== null) return value;
        }
        return last!;
      }
      case 'iff':
      case 'iif': {
        arity(3);
        // The docs: a null condition is treated as false.
        const condition = this.boolean(args[0]!, context);
        return this.evaluate(condition === true ? args[1]! : args[2]!, context);
      }
      case 'case': {
        if (args.length < 3 || args.length % 2 === 0) throw new KqlOracleError('syntax', 'case takes condition/value pairs and an else value', span);
        for (let index = 0; index + 1 < args.length; index += 2) {
          if (this.boolean(args[index]!, context) === true) return this.evaluate(args[index + 1]!, context);
        }
        return this.evaluate(args[args.length - 1]!, context);
      }
      case 'column_ifexists': {
        arity(2);
        const columnName = args[0]!;
        if (columnName.kind !== 'literal' || columnName.type !== 'string') throw new KqlOracleError('unsupported', 'column_ifexists needs a literal name', span);
        return context.columns.get(columnName.value) ?? this.evaluate(args[1]!, context);
      }
      case 'replace_string': {
        arity(3);
        const text = this.text(args[0]!, context, name);
        const lookup = this.text(args[1]!, context, name);
        const rewrite = this.text(args[2]!, context, name);
        if (lookup === '') throw new KqlOracleError('undecidable', 'replace_string with an empty lookup', span);
        return { type: 'string', value: text.split(lookup).join(rewrite) };
      }
      case 'ipv4_is_in_range':
      case 'ipv6_is_in_range': {
        arity(2);
        const address = this.text(args[0]!, context, name);
        const range = this.text(args[1]!, context, name);
        return bool(name === 'ipv4_is_in_range' ? ipv4InRange(address, range) : ipv6InRange(address, range));
      }
      case 'todouble':
      case 'toreal':
      case 'toint':
      case 'tolong':
        arity(1);
        return toNumber(this.evaluate(args[0]!, context), name === 'todouble' || name === 'toreal' ? 'real' : 'long', span);
      case 'now':
        arity(0);
        return { type: 'datetime', value: this.now(span) };
      case 'ago': {
        arity(1);
        const offset = this.evaluate(args[0]!, context);
        if (offset.type !== 'timespan') throw new KqlOracleError('type', `ago(${offset.type})`, span);
        return { type: 'datetime', value: offset.value === null ? null : this.now(span) - offset.value };
      }
      case 'ingestion_time': {
        arity(0);
        if (!context.input) throw new KqlOracleError('unsupported', 'ingestion_time() outside a row', span);
        const column = this.options.ingestionTimeColumn ?? DEFAULT_INGESTION_TIME_COLUMN;
        return cellValue(context.input[column], 'datetime', column);
      }
      default:
        throw new KqlOracleError('unsupported', `function ${name}()`, span);
    }
  }

  private now(span: KqlSpan): bigint {
    if (!this.options.now) throw new KqlOracleError('unsupported', 'now()/ago() need options.now', span);
    return BigInt(this.options.now.getTime()) * TICKS_PER_MS;
  }
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function family(value: Value): string {
  return isNumeric(value) ? 'number' : value.type;
}

interface StringOperator {
  readonly test: StringPosition | 'has';
  readonly cased: boolean;
  readonly negated: boolean;
}

const STRING_OPERATORS: Readonly<Partial<Record<string, StringOperator>>> = Object.fromEntries(
  (['contains', 'startswith', 'endswith', 'has'] as const).flatMap((test) =>
    [false, true].flatMap((cased) =>
      [false, true].map((negated) => [`${negated ? '!' : ''}${test}${cased ? '_cs' : ''}`, { test, cased, negated }] as const),
    ),
  ),
);

function stringTest(haystack: string, needle: string, operator: StringOperator, span: KqlSpan): boolean {
  if (operator.test === 'has') {
    if (!isSingleTerm(needle)) {
      throw new KqlOracleError('unsupported', `has with ${JSON.stringify(needle)}: only needles of one term (letters and digits) are modelled`, span);
    }
    return known(hasTerm(haystack, needle, operator.cased), span);
  }
  return known(compareText(haystack, needle, operator.test, operator.cased), span);
}

/** A case-insensitive verdict, or a refusal where Kusto's non-ASCII case folding would decide it. */
function known(verdict: boolean | null, span: KqlSpan): boolean {
  if (verdict === null) throw new KqlOracleError('undecidable', 'a case-insensitive test whose answer depends on how Kusto folds non-ASCII letters', span);
  return verdict;
}

function dynamicScalar(element: unknown, span: KqlSpan): Value {
  if (typeof element === 'string') return { type: 'string', value: element };
  if (typeof element === 'bigint') return { type: 'long', value: Number(element) };
  if (typeof element === 'number') return { type: 'real', value: element };
  if (typeof element === 'boolean') return bool(element);
  throw new KqlOracleError('unsupported', `dynamic list element ${JSON.stringify(element)}`, span);
}

/** tostring(): only the forms whose text is certain. */
function toText(value: Value, span: KqlSpan): string {
  switch (value.type) {
    case 'string':
      return value.value;
    case 'long':
      return value.value === null ? '' : String(value.value);
    case 'real':
      if (value.value === null) return '';
      if (Number.isInteger(value.value) && Math.abs(value.value) < 1e15) return String(value.value);
      throw new KqlOracleError('undecidable', `tostring of the real ${value.value}`, span);
    case 'bool':
      return value.value === null ? '' : String(value.value);
    case 'guid':
      return value.value ?? '';
    case 'datetime': {
      // Kusto prints a datetime with all 7 fractional digits: 2026-03-02T09:57:00.1234567Z (null: '').
      if (value.value === null) return '';
      const ticks = value.value;
      const seconds = ticks / 10_000_000n - (ticks % 10_000_000n < 0n ? 1n : 0n);
      const fraction = ticks - seconds * 10_000_000n;
      return `${new Date(Number(seconds) * 1000).toISOString().slice(0, 19)}.${fraction.toString().padStart(7, '0')}Z`;
    }
    case 'dynamic': {
      // tostring of a dynamic scalar is its text (a string without quotes); null is "". Bags and arrays print
      // as JSON, whose spacing and key order the oracle does not claim to know.
      const inner = value.value;
      if (inner === null || inner === undefined) return '';
      if (typeof inner === 'string') return inner;
      if (typeof inner === 'boolean' || (typeof inner === 'number' && Number.isSafeInteger(inner))) return String(inner);
      throw new KqlOracleError('undecidable', 'tostring of a dynamic bag, array or real', span);
    }
    default:
      throw new KqlOracleError('unsupported', `tostring of ${value.type}`, span);
  }
}

const DECIMAL_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function toNumber(value: Value, type: NumberType, span: KqlSpan): Value {
  if (isNumeric(value)) {
    if (value.value === null || type === 'real') return { type, value: value.value };
    return { type, value: Math.trunc(value.value) };
  }
  if (value.type !== 'string') throw new KqlOracleError('unsupported', `conversion of ${value.type} to ${type}`, span);
  if (DECIMAL_TEXT.test(value.value)) {
    const number = Number(value.value);
    if (type === 'real') return { type, value: number };
    if (/^[+-]?\d+$/.test(value.value) && Number.isSafeInteger(number)) return { type, value: number };
    throw new KqlOracleError('undecidable', `${type} of ${JSON.stringify(value.value)}`, span);
  }
  // Text without any digit is certainly not a number; other spellings (hex, spaces, "1,5") are not modelled.
  if (!/\d/.test(value.value)) return { type, value: null };
  throw new KqlOracleError('undecidable', `${type} of ${JSON.stringify(value.value)}`, span);
}
