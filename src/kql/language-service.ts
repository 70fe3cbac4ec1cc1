/**
 * Microsoft's Kusto parser and semantic analyser (Kusto.Language, compiled from C# to JavaScript by Bridge.NET and
 * published as `@kusto/language-service-next`) behind a small typed API:
 *
 * - {@link loadKustoLanguage}: loads the library once per process.
 * - {@link analyzeKql}: syntax + semantic diagnostics of a query against a declared database (see `schema.ts`).
 * - {@link parseKqlSyntax}: the syntax tree as plain, typed JS values (for the KQL oracle).
 * - {@link kqlTokens}: the lexical tokens.
 * - {@link kqlString}: a KQL string literal that decodes back to exactly the given string.
 *
 * The `Kusto*` interfaces describe only the members of the Bridge.NET objects this module and `schema.ts` use;
 * everything above the loader returns plain JS values.
 */
import { createRequire } from 'node:module';
import type { KqlDeclaredDatabase, KqlFunctionSchema, KqlType } from './schema.js';

// ---------------------------------------------------------------------------------------------------------------
// Errors

export type KqlServiceErrorCode =
  | 'load' // the library cannot be loaded or does not have the shape this module was written against
  | 'schema'; // a database declaration the parser rejects (bad type, bad default, body errors, duplicates)

/** A refusal from the KQL language-service layer, with a stable code. */
export class KqlServiceError extends Error {
  override readonly name = 'KqlServiceError';
  constructor(
    readonly code: KqlServiceErrorCode,
    readonly reason: string,
  ) {
    super(`kql ${code}: ${reason}`);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The part of the Bridge.NET object model this module touches. Property names are the C# ones; overloaded C#
// constructors become `ctor`, `$ctor1`, `$ctor2`... (numbered per class, see Kusto.Language.Bridge.d.ts).

/** A .NET `IReadOnlyList<T>`: only ever passed to `Bridge.toArray`. */
export interface BridgeList<T> {
  readonly Count: number;
  readonly __element?: T;
}

interface BridgeRuntime {
  toArray<T>(list: BridgeList<T>): T[];
}

/** Kusto symbols (types, columns, tables, functions, databases): built in `schema.ts`; only names are read. */
export interface KustoSymbol {
  readonly Name: string;
}
export interface KustoGlobalState {
  WithDatabase(database: KustoSymbol): KustoGlobalState;
  WithCache(): KustoGlobalState;
}

export interface KustoDiagnostic {
  readonly Code: string | null;
  readonly Severity: string;
  readonly Message: string;
  readonly Start: number;
  readonly Length: number;
}

export interface KustoLexicalToken {
  readonly Kind: number;
  readonly Text: string;
  readonly Trivia: string | null;
}

export interface KustoSyntaxElement {
  readonly Kind: number;
  readonly IsToken: boolean;
  readonly IsMissing: boolean;
  readonly TextStart: number;
  readonly Width: number;
  readonly ChildCount: number;
  GetChild(index: number): KustoSyntaxElement | null;
}

export interface KustoSyntaxToken extends KustoSyntaxElement {
  readonly Text: string;
  /** For string literal tokens: the decoded string. For other literal tokens see {@link decodeLiteral}. */
  readonly Value: unknown;
}

export interface KustoSyntaxNode extends KustoSyntaxElement {
  readonly ReferencedSymbol: KustoSymbol | null;
  WalkNodes(action: (node: KustoSyntaxNode) => void): void;
  /** Only on expressions, and only after semantic analysis. */
  readonly ResultType?: KustoSymbol | null;
}

export interface KustoCode {
  readonly Syntax: KustoSyntaxNode;
  GetDiagnostics(): BridgeList<KustoDiagnostic>;
  GetLexicalTokens(): BridgeList<KustoLexicalToken>;
}

interface ColumnSymbolConstructor {
  new (
    name: string,
    type: KustoSymbol,
    description: string | null,
    originalColumns: null,
    source: null,
    examples: null,
  ): KustoSymbol;
}

/** What `schema.ts` needs to build symbols. */
export interface KustoSymbolFactory {
  readonly scalarTypes: Readonly<Record<KqlType, KustoSymbol>>;
  column(name: string, type: KqlType): KustoSymbol;
  table(name: string, columns: readonly KustoSymbol[]): KustoSymbol;
  /** A database function declared as text, the way `.show functions` reports it: `(a:int=1)` and `{ ... }`. */
  function(name: string, parameterList: string, body: string, description: string | null): KustoSymbol;
  database(name: string, members: readonly KustoSymbol[]): KustoSymbol;
  readonly defaultGlobals: KustoGlobalState;
}

/** The loaded library: the factory for schema symbols and the entry points used by this module. */
export interface KustoLanguage {
  readonly symbols: KustoSymbolFactory;
  parse(text: string): KustoCode;
  parseAndAnalyze(text: string, globals: KustoGlobalState): KustoCode;
  toArray<T>(list: BridgeList<T>): T[];
  /** SyntaxKind enum value → its C# name (`FilterOperator`, `EqualExpression`, ...). */
  kindName(kind: number): string;
}

export interface KustoLoadTimings {
  /** Time to evaluate bridge.js and Kusto.Language.Bridge.js. */
  readonly loadMs: number;
  /** First ParseAndAnalyze: builds the ~800 built-in function and operator symbols lazily, and JIT warm-up. */
  readonly firstAnalysisMs: number;
}

let loaded: { language: KustoLanguage; timings: KustoLoadTimings } | undefined;

/**
 * Loads the library into this process (once; later calls return the same instance).
 *
 * Quirk: the Bridge.NET runtime only works as a script that defines globals. Loaded through `require` it detects
 * CommonJS and installs `Bridge`, `System` and `Kusto` on `globalThis` (plus `Object.$$inheritors`); nothing else
 * is modified. Evaluating it in a separate `vm` context would avoid the globals, but every global lookup inside
 * the library then goes through the context's interceptors and analysis becomes ~4x slower (measured: 30 ms →
 * 130 ms for the 70-term seed query), so we accept the three globals.
 */
export function loadKustoLanguage(): KustoLanguage {
  if (loaded) return loaded.language;
  const started = performance.now();
  const require = createRequire(import.meta.url);
  try {
    // Order matters: the compiled library calls Bridge.assembly(...) at load time.
    require('@kusto/language-service-next/bridge.js');
    require('@kusto/language-service-next/Kusto.Language.Bridge.js');
  } catch (cause) {
    throw new KqlServiceError('load', `cannot load @kusto/language-service-next: ${messageOf(cause)}`);
  }
  const loadMs = performance.now() - started;
  const language = bindLanguage(globalThis as unknown as Record<string, unknown>);
  const warmStarted = performance.now();
  language.parseAndAnalyze('print 1', language.symbols.defaultGlobals);
  loaded = { language, timings: { loadMs, firstAnalysisMs: performance.now() - warmStarted } };
  return language;
}

/** How long loading took in this process, or undefined before the first load. */
export function kustoLoadTimings(): KustoLoadTimings | undefined {
  return loaded?.timings;
}

function bindLanguage(globals: Record<string, unknown>): KustoLanguage {
  const bridge = globals['Bridge'] as BridgeRuntime | undefined;
  const kusto = (globals['Kusto'] as { Language?: unknown } | undefined)?.Language as
    | Record<string, Record<string, unknown>>
    | undefined;
  if (!bridge || typeof bridge.toArray !== 'function' || !kusto) {
    throw new KqlServiceError('load', 'the library did not define the Bridge and Kusto globals');
  }
  const symbols = kusto['Symbols'] as Record<string, Record<string, unknown>> | undefined;
  const kustoCode = kusto['KustoCode'] as
    | { Parse(text: string): KustoCode; ParseAndAnalyze(text: string, globals: KustoGlobalState): KustoCode }
    | undefined;
  const defaultGlobals = (kusto['GlobalState'] as { Default?: KustoGlobalState } | undefined)?.Default;
  const syntaxKinds = (kusto['Syntax'] as Record<string, unknown> | undefined)?.['SyntaxKind'] as
    | Record<string, unknown>
    | undefined;
  const scalar = symbols?.['ScalarTypes'] as Record<string, KustoSymbol | undefined> | undefined;
  const ColumnSymbol = symbols?.['ColumnSymbol'] as unknown as ColumnSymbolConstructor | undefined;
  const TableSymbol = symbols?.['TableSymbol']?.['$ctor4'] as
    | (new (name: string, columns: KustoSymbol[]) => KustoSymbol)
    | undefined;
  const FunctionSymbol = symbols?.['FunctionSymbol']?.['$ctor16'] as
    | (new (name: string, parameterList: string, body: string, description: string | null) => KustoSymbol)
    | undefined;
  const DatabaseSymbol = symbols?.['DatabaseSymbol']?.['ctor'] as
    | (new (name: string, members: KustoSymbol[]) => KustoSymbol)
    | undefined;
  if (!kustoCode || !defaultGlobals || !syntaxKinds || !scalar || !ColumnSymbol) {
    throw new KqlServiceError('load', 'Kusto.Language lacks KustoCode, GlobalState, SyntaxKind or ScalarTypes');
  }
  if (!TableSymbol || !FunctionSymbol || !DatabaseSymbol) {
    throw new KqlServiceError('load', 'Kusto.Language symbol constructors changed (TableSymbol.$ctor4, ...)');
  }
  const scalarTypes = {
    string: scalar['String'],
    long: scalar['Long'],
    int: scalar['Int'],
    real: scalar['Real'],
    bool: scalar['Bool'],
    datetime: scalar['DateTime'],
    timespan: scalar['TimeSpan'],
    dynamic: scalar['Dynamic'],
    guid: scalar['Guid'],
  };
  for (const [type, symbol] of Object.entries(scalarTypes)) {
    if (!symbol) throw new KqlServiceError('load', `Kusto.Language has no scalar type for ${type}`);
  }
  const types = scalarTypes as Record<KqlType, KustoSymbol>;
  const kindNames = new Map<number, string>();
  for (const [name, value] of Object.entries(syntaxKinds)) {
    if (typeof value === 'number') kindNames.set(value, name);
  }
  return {
    symbols: {
      scalarTypes: types,
      column: (name, type) => new ColumnSymbol(name, types[type], null, null, null, null),
      table: (name, columns) => new TableSymbol(name, [...columns]),
      function: (name, parameterList, body, description) => new FunctionSymbol(name, parameterList, body, description),
      database: (name, members) => new DatabaseSymbol(name, [...members]),
      defaultGlobals,
    },
    parse: (text) => kustoCode.Parse(text),
    parseAndAnalyze: (text, globals) => kustoCode.ParseAndAnalyze(text, globals),
    toArray: (list) => bridge.toArray(list),
    kindName: (kind) => kindNames.get(kind) ?? `SyntaxKind${kind}`,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Diagnostics

export type KqlSeverity = 'error' | 'warning' | 'suggestion' | 'information' | 'hidden';

export interface KqlDiagnostic {
  readonly severity: KqlSeverity;
  readonly message: string;
  /** Offset in the query text, in UTF-16 code units (the same unit as JS string indices). */
  readonly start: number;
  readonly length: number;
  /** `KS142` etc. from Kusto.Language; `sigma-hunt/...` for the stricter checks this module adds. */
  readonly code?: string;
}

export interface KqlAnalysis {
  readonly diagnostics: readonly KqlDiagnostic[];
}

/**
 * Parses and analyses a query against a declared database (or built-ins only when `database` is omitted).
 *
 * On top of Kusto.Language's own diagnostics this adds two checks the library deliberately leaves out:
 * - `sigma-hunt/argument-type`: Kusto.Language lets *user and database* functions take any scalar argument
 *   ("User functions, however, allow implicit coercion of scalar arguments", Binder.AllowImplicitArgumentCoercion)
 *   so `_Im_NetworkSession(dstportnumber="x")` is silently accepted. A generated query that passes the wrong type
 *   to an ASIM parameter is our bug, so we refuse it. Also flags a parameter named twice.
 * - `sigma-hunt/comparison-type`: the library checks operand types of <, <=, >, >= but accepts any pair for == and
 *   != (`DstPortNumber == "443"` passes), while the service refuses to compare a number with a string. Flags ==
 *   and != between a string and a number/bool/datetime/timespan, between a number and a datetime/timespan, and
 *   between a datetime and a timespan. Pairs we are unsure the service refuses (guid with string, bool with
 *   number) are left alone.
 *
 * Limit: past a syntax depth of ~500 (measured: 492 `or`-ed comparisons in one `where`) Kusto.Language reports
 * "Query syntax depth exceeds maximum safe limit. Semantic analysis not performed." as an error and checks
 * nothing else. Long value lists belong in `in~ (...)` / `has_any (...)`, which do not nest.
 */
export function analyzeKql(query: string, database?: KqlDeclaredDatabase): KqlAnalysis {
  const language = loadKustoLanguage();
  const code = language.parseAndAnalyze(query, database?.globals ?? language.symbols.defaultGlobals);
  const diagnostics = language.toArray(code.GetDiagnostics()).map(toDiagnostic);
  diagnostics.push(...strictChecks(language, code.Syntax, database));
  diagnostics.sort((a, b) => a.start - b.start);
  return { diagnostics };
}

/** The diagnostics of an analysis that are errors. */
export function kqlErrors(analysis: KqlAnalysis): KqlDiagnostic[] {
  return analysis.diagnostics.filter((diagnostic) => diagnostic.severity === 'error');
}

function toDiagnostic(diagnostic: KustoDiagnostic): KqlDiagnostic {
  const severity = diagnostic.Severity.toLowerCase();
  return {
    severity: isSeverity(severity) ? severity : 'error',
    message: diagnostic.Message,
    start: diagnostic.Start,
    length: diagnostic.Length,
    ...(diagnostic.Code ? { code: diagnostic.Code } : {}),
  };
}

function isSeverity(value: string): value is KqlSeverity {
  return ['error', 'warning', 'suggestion', 'information', 'hidden'].includes(value);
}

/** Which argument types a declared parameter takes without the service coercing. */
const ACCEPTED_ARGUMENT_TYPES: Readonly<Record<KqlType, readonly string[]>> = {
  string: ['string'],
  // Integer literals are long in KQL (`dstportnumber=443` passes a long), and int(...) is int: both are fine.
  long: ['long', 'int'],
  int: ['int', 'long'],
  real: ['real', 'long', 'int'],
  bool: ['bool'],
  datetime: ['datetime'],
  timespan: ['timespan'],
  // dynamic([...]) is typed as a dynamic array/bag/primitive: all named 'dynamic'.
  dynamic: ['dynamic'],
  guid: ['guid'],
};

const SCALAR_TYPE_NAMES = new Set([
  'string', 'long', 'int', 'real', 'decimal', 'bool', 'datetime', 'timespan', 'guid', 'dynamic',
]);
const NUMERIC_TYPE_NAMES = new Set(['long', 'int', 'real', 'decimal']);
const EQUALITY_KINDS = new Set(['EqualExpression', 'NotEqualExpression']);

function strictChecks(
  language: KustoLanguage,
  root: KustoSyntaxNode,
  database: KqlDeclaredDatabase | undefined,
): KqlDiagnostic[] {
  const found: KqlDiagnostic[] = [];
  root.WalkNodes((node) => {
    const kind = language.kindName(node.Kind);
    if (kind === 'FunctionCallExpression' && database && node.ReferencedSymbol) {
      const declared = database.functionFor(node.ReferencedSymbol);
      if (declared) found.push(...checkArguments(language, node, declared));
    } else if (EQUALITY_KINDS.has(kind)) {
      const comparison = node as unknown as { Left: KustoSyntaxNode | null; Right: KustoSyntaxNode | null };
      const left = typeName(comparison.Left);
      const right = typeName(comparison.Right);
      if (left && right && !comparable(left, right)) {
        found.push({
          severity: 'error',
          code: 'sigma-hunt/comparison-type',
          message: `Cannot compare values of types ${left} and ${right}.`,
          start: node.TextStart,
          length: node.Width,
        });
      }
    }
  });
  return found;
}

function typeName(node: KustoSyntaxNode | null): string | undefined {
  const name = node?.ResultType?.Name;
  return name && SCALAR_TYPE_NAMES.has(name) ? name : undefined;
}

function comparable(left: string, right: string): boolean {
  const family = (type: string) => (NUMERIC_TYPE_NAMES.has(type) ? 'number' : type);
  const families = new Set([family(left), family(right)]);
  if (families.size === 1) return true;
  const refused = [
    ['string', 'number'], ['string', 'bool'], ['string', 'datetime'], ['string', 'timespan'],
    ['number', 'datetime'], ['number', 'timespan'], ['datetime', 'timespan'],
  ];
  return !refused.some(([a, b]) => families.has(a!) && families.has(b!));
}

function checkArguments(language: KustoLanguage, call: KustoSyntaxNode, declared: KqlFunctionSchema): KqlDiagnostic[] {
  const found: KqlDiagnostic[] = [];
  const argumentList = (call as unknown as { ArgumentList: KustoSyntaxNode | null }).ArgumentList;
  const expressions = (argumentList as unknown as { Expressions: KustoSyntaxNode | null } | null)?.Expressions;
  const seen = new Set<string>();
  let position = 0;
  for (const argument of separatedElements(expressions ?? null)) {
    let parameterName: string | undefined;
    let value: KustoSyntaxNode | null = argument;
    if (language.kindName(argument.Kind) === 'SimpleNamedExpression') {
      const named = argument as unknown as { Name: { SimpleName: string } | null; Expression: KustoSyntaxNode | null };
      parameterName = named.Name?.SimpleName;
      value = named.Expression;
    } else {
      parameterName = declared.parameters[position]?.name;
    }
    position += 1;
    const parameter = declared.parameters.find((candidate) => candidate.name === parameterName);
    if (!parameter || !value) continue; // unknown names and extra arguments: Kusto.Language reports them
    if (seen.has(parameter.name)) {
      found.push({
        severity: 'error',
        code: 'sigma-hunt/argument-type',
        message: `The parameter '${parameter.name}' of '${declared.name}' is given more than once.`,
        start: argument.TextStart,
        length: argument.Width,
      });
    }
    seen.add(parameter.name);
    const actual = typeName(value);
    if (actual && !ACCEPTED_ARGUMENT_TYPES[parameter.type].includes(actual)) {
      found.push({
        severity: 'error',
        code: 'sigma-hunt/argument-type',
        message:
          `The parameter '${parameter.name}' of '${declared.name}' is ${parameter.type}; ` +
          `the argument is ${actual} (the service would coerce it silently).`,
        start: value.TextStart,
        length: value.Width,
      });
    }
  }
  return found;
}

/** The elements of a `SyntaxList<SeparatedElement<T>>` (or of a plain `SyntaxList<T>`), skipping separators. */
function separatedElements(list: KustoSyntaxNode | null): KustoSyntaxNode[] {
  const elements: KustoSyntaxNode[] = [];
  if (!list) return elements;
  for (let index = 0; index < list.ChildCount; index++) {
    const child = list.GetChild(index);
    if (!child || child.IsToken) continue;
    const element = (child as unknown as { Element?: KustoSyntaxElement | null }).Element;
    if (element === undefined) elements.push(child as KustoSyntaxNode);
    else if (element && !element.IsToken) elements.push(element as KustoSyntaxNode);
  }
  return elements;
}

// ---------------------------------------------------------------------------------------------------------------
// Lexical tokens

export interface KqlToken {
  /** Kusto.Language's SyntaxKind name: `StringLiteralToken`, `IdentifierToken`, `BarToken`, ... */
  readonly kind: string;
  readonly text: string;
  readonly start: number;
  readonly length: number;
}

/** The query's lexical tokens (comments and whitespace are trivia, not tokens), ending with `EndOfTextToken`. */
export function kqlTokens(query: string): KqlToken[] {
  const language = loadKustoLanguage();
  const tokens: KqlToken[] = [];
  let offset = 0;
  for (const token of language.toArray(language.parse(query).GetLexicalTokens())) {
    offset += (token.Trivia ?? '').length;
    tokens.push({ kind: language.kindName(token.Kind), text: token.Text, start: offset, length: token.Text.length });
    offset += token.Text.length;
  }
  return tokens;
}

// ---------------------------------------------------------------------------------------------------------------
// Plain syntax tree

export interface KqlSpan {
  /** Offset in the query text (UTF-16 code units), excluding leading whitespace and comments. */
  readonly start: number;
  readonly length: number;
}

/** Values inside `dynamic(...)`. Integers are bigint (KQL long), reals are number. */
export type KqlDynamicValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | readonly KqlDynamicValue[]
  | { readonly [key: string]: KqlDynamicValue };

interface LiteralBase<T extends string, V> {
  readonly kind: 'literal';
  readonly type: T;
  readonly value: V;
  /** The literal as written in the query. */
  readonly text: string;
  readonly span: KqlSpan;
}

export type KqlLiteral =
  /** Decoded: escapes resolved, verbatim `@"..."` quotes undoubled, adjacent literals ("a" "b") joined. */
  | LiteralBase<'string', string>
  /** Exact 64-bit value; null for `long(null)` / `int(null)`. */
  | LiteralBase<'long' | 'int', bigint | null>
  /** NaN and ±Infinity for `real(nan)`, `real(+inf)`, `real(-inf)`. */
  | LiteralBase<'real', number | null>
  /** The decimal's digits as written. */
  | LiteralBase<'decimal', string | null>
  | LiteralBase<'bool', boolean | null>
  /** 100-ns ticks since 1970-01-01T00:00:00Z (KQL datetimes are UTC with 100-ns resolution). */
  | LiteralBase<'datetime', bigint | null>
  /** 100-ns ticks. */
  | LiteralBase<'timespan', bigint | null>
  /** Lower-case `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`. */
  | LiteralBase<'guid', string | null>
  | LiteralBase<'dynamic', KqlDynamicValue>;

export type KqlBinaryOperator =
  | 'and' | 'or'
  | '==' | '!=' | '=~' | '!~' | '<' | '<=' | '>' | '>='
  | '+' | '-' | '*' | '/' | '%'
  | 'contains' | '!contains' | 'contains_cs' | '!contains_cs'
  | 'startswith' | '!startswith' | 'startswith_cs' | '!startswith_cs'
  | 'endswith' | '!endswith' | 'endswith_cs' | '!endswith_cs'
  | 'has' | '!has' | 'has_cs' | '!has_cs'
  | 'hasprefix' | '!hasprefix' | 'hasprefix_cs' | '!hasprefix_cs'
  | 'hassuffix' | '!hassuffix' | 'hassuffix_cs' | '!hassuffix_cs'
  | 'matches regex';

export type KqlListOperator = 'in' | '!in' | 'in~' | '!in~' | 'has_any' | 'has_all';

export type KqlExpression =
  | KqlLiteral
  | { readonly kind: 'name'; readonly name: string; readonly span: KqlSpan }
  | {
      readonly kind: 'binary';
      readonly operator: KqlBinaryOperator;
      readonly left: KqlExpression;
      readonly right: KqlExpression;
      readonly span: KqlSpan;
    }
  | {
      readonly kind: 'list';
      readonly operator: KqlListOperator;
      readonly left: KqlExpression;
      /** As written: an item may itself be a dynamic array, which the operator flattens. */
      readonly items: readonly KqlExpression[];
      readonly span: KqlSpan;
    }
  | { readonly kind: 'unary'; readonly operator: '-' | '+'; readonly operand: KqlExpression; readonly span: KqlSpan }
  /** Function calls: not(), isempty(), ago(), tolower(), ipv4_is_in_range(), _Im_NetworkSession(...), ... */
  | {
      readonly kind: 'call';
      readonly name: string;
      readonly arguments: readonly KqlExpression[];
      readonly span: KqlSpan;
    }
  /** `name = value`: a column in project/extend/print, or a named argument. */
  | { readonly kind: 'named'; readonly name: string; readonly value: KqlExpression; readonly span: KqlSpan }
  /** `source | op | op ...`, flattened. */
  | {
      readonly kind: 'pipeline';
      readonly source: KqlExpression;
      readonly operators: readonly KqlQueryOperator[];
      readonly span: KqlSpan;
    }
  | { readonly kind: 'print'; readonly columns: readonly KqlExpression[]; readonly span: KqlSpan }
  | KqlUnsupported;

export type KqlQueryOperator =
  /** `where` and its synonym `filter`. */
  | { readonly kind: 'where'; readonly predicate: KqlExpression; readonly span: KqlSpan }
  | { readonly kind: 'project'; readonly columns: readonly KqlExpression[]; readonly span: KqlSpan }
  | { readonly kind: 'extend'; readonly columns: readonly KqlExpression[]; readonly span: KqlSpan }
  /** `take` and its synonym `limit`. */
  | { readonly kind: 'take'; readonly count: KqlExpression; readonly span: KqlSpan }
  | KqlUnsupported;

export type KqlStatement =
  | { readonly kind: 'expression'; readonly expression: KqlExpression; readonly span: KqlSpan }
  | { readonly kind: 'let'; readonly name: string; readonly value: KqlExpression; readonly span: KqlSpan }
  | KqlUnsupported;

/** Anything this view does not model (so a consumer refuses it instead of guessing). */
export interface KqlUnsupported {
  readonly kind: 'unsupported';
  /** Kusto.Language's SyntaxKind name, or `Missing` where the parser inserted a missing node. */
  readonly syntaxKind: string;
  readonly text: string;
  readonly reason: string;
  readonly span: KqlSpan;
}

export interface KqlSyntaxTree {
  readonly statements: readonly KqlStatement[];
  /** Syntax errors only (no semantic analysis): the tree is still built, with `unsupported` nodes where broken. */
  readonly diagnostics: readonly KqlDiagnostic[];
}

const BINARY_OPERATORS: Readonly<Record<string, KqlBinaryOperator>> = {
  AndExpression: 'and',
  OrExpression: 'or',
  EqualExpression: '==',
  NotEqualExpression: '!=',
  EqualTildeExpression: '=~',
  BangTildeExpression: '!~',
  LessThanExpression: '<',
  LessThanOrEqualExpression: '<=',
  GreaterThanExpression: '>',
  GreaterThanOrEqualExpression: '>=',
  AddExpression: '+',
  SubtractExpression: '-',
  MultiplyExpression: '*',
  DivideExpression: '/',
  ModuloExpression: '%',
  ContainsExpression: 'contains',
  NotContainsExpression: '!contains',
  ContainsCsExpression: 'contains_cs',
  NotContainsCsExpression: '!contains_cs',
  StartsWithExpression: 'startswith',
  NotStartsWithExpression: '!startswith',
  StartsWithCsExpression: 'startswith_cs',
  NotStartsWithCsExpression: '!startswith_cs',
  EndsWithExpression: 'endswith',
  NotEndsWithExpression: '!endswith',
  EndsWithCsExpression: 'endswith_cs',
  NotEndsWithCsExpression: '!endswith_cs',
  HasExpression: 'has',
  NotHasExpression: '!has',
  HasCsExpression: 'has_cs',
  NotHasCsExpression: '!has_cs',
  HasPrefixExpression: 'hasprefix',
  NotHasPrefixExpression: '!hasprefix',
  HasPrefixCsExpression: 'hasprefix_cs',
  NotHasPrefixCsExpression: '!hasprefix_cs',
  HasSuffixExpression: 'hassuffix',
  NotHasSuffixExpression: '!hassuffix',
  HasSuffixCsExpression: 'hassuffix_cs',
  NotHasSuffixCsExpression: '!hassuffix_cs',
  MatchesRegexExpression: 'matches regex',
};

// Quirk: Kusto.Language names the *case-insensitive* `in~` InCsExpression and `!in~` NotInCsExpression (and the
// case-sensitive `in` plain InExpression), the opposite of the `_cs` convention of the string operators. The map
// is by syntax kind, checked against the operator text in the tests.
const LIST_OPERATORS: Readonly<Record<string, KqlListOperator>> = {
  InExpression: 'in',
  NotInExpression: '!in',
  InCsExpression: 'in~',
  NotInCsExpression: '!in~',
  HasAnyExpression: 'has_any',
  HasAllExpression: 'has_all',
};

/** The syntax tree of a query (parse only, no schema needed) as plain typed values. */
export function parseKqlSyntax(query: string): KqlSyntaxTree {
  const language = loadKustoLanguage();
  const code = language.parse(query);
  const converter = new SyntaxConverter(language, query);
  const statementList = (code.Syntax as unknown as { Statements?: KustoSyntaxNode | null }).Statements ?? null;
  const statements = separatedElements(statementList).map((statement) => converter.statement(statement));
  return { statements, diagnostics: language.toArray(code.GetDiagnostics()).map(toDiagnostic) };
}

class SyntaxConverter {
  constructor(
    private readonly language: KustoLanguage,
    private readonly query: string,
  ) {}

  statement(node: KustoSyntaxNode): KqlStatement {
    const kind = this.language.kindName(node.Kind);
    if (kind === 'ExpressionStatement') {
      const expression = (node as unknown as { Expression: KustoSyntaxNode | null }).Expression;
      return { kind: 'expression', expression: this.expression(expression, node), span: span(node) };
    }
    if (kind === 'LetStatement') {
      const letStatement = node as unknown as {
        Name: { SimpleName: string } | null;
        Expression: KustoSyntaxNode | null;
      };
      return {
        kind: 'let',
        name: letStatement.Name?.SimpleName ?? '',
        value: this.expression(letStatement.Expression, node),
        span: span(node),
      };
    }
    return this.unsupported(node, 'statement kind not modelled');
  }

  expression(node: KustoSyntaxNode | null, parent: KustoSyntaxNode): KqlExpression {
    if (!node || node.IsMissing) return this.missing(node, parent);
    const kind = this.language.kindName(node.Kind);
    const binary = BINARY_OPERATORS[kind];
    if (binary) {
      const { Left, Right } = node as unknown as { Left: KustoSyntaxNode | null; Right: KustoSyntaxNode | null };
      return {
        kind: 'binary',
        operator: binary,
        left: this.expression(Left, node),
        right: this.expression(Right, node),
        span: span(node),
      };
    }
    const list = LIST_OPERATORS[kind];
    if (list) {
      const { Left, Right } = node as unknown as { Left: KustoSyntaxNode | null; Right: KustoSyntaxNode | null };
      const items = (Right as unknown as { Expressions?: KustoSyntaxNode | null } | null)?.Expressions ?? null;
      return {
        kind: 'list',
        operator: list,
        left: this.expression(Left, node),
        items: separatedElements(items).map((item) => this.expression(item, node)),
        span: span(node),
      };
    }
    switch (kind) {
      case 'ParenthesizedExpression':
        // Grouping is already in the tree's shape.
        return this.expression((node as unknown as { Expression: KustoSyntaxNode | null }).Expression, node);
      case 'NameReference':
        return { kind: 'name', name: (node as unknown as { SimpleName: string }).SimpleName, span: span(node) };
      case 'UnaryMinusExpression':
      case 'UnaryPlusExpression':
        return {
          kind: 'unary',
          operator: kind === 'UnaryMinusExpression' ? '-' : '+',
          operand: this.expression((node as unknown as { Expression: KustoSyntaxNode | null }).Expression, node),
          span: span(node),
        };
      case 'FunctionCallExpression': {
        const call = node as unknown as {
          Name: { SimpleName: string } | null;
          ArgumentList: { Expressions: KustoSyntaxNode | null } | null;
        };
        return {
          kind: 'call',
          name: call.Name?.SimpleName ?? '',
          arguments: separatedElements(call.ArgumentList?.Expressions ?? null).map((argument) =>
            this.expression(argument, node),
          ),
          span: span(node),
        };
      }
      case 'SimpleNamedExpression': {
        const named = node as unknown as { Name: { SimpleName: string } | null; Expression: KustoSyntaxNode | null };
        return {
          kind: 'named',
          name: named.Name?.SimpleName ?? '',
          value: this.expression(named.Expression, node),
          span: span(node),
        };
      }
      case 'PipeExpression':
        return this.pipeline(node);
      case 'PrintOperator':
        return { kind: 'print', columns: this.columns(node), span: span(node) };
      case 'DynamicExpression':
        return this.dynamicLiteral(node);
      case 'StringLiteralExpression':
      case 'CompoundStringLiteralExpression':
        return this.stringLiteral(node);
      default:
        if (kind.endsWith('LiteralExpression')) return this.scalarLiteral(node, kind);
        return this.unsupported(node, 'expression kind not modelled');
    }
  }

  private pipeline(node: KustoSyntaxNode): KqlExpression {
    const operators: KqlQueryOperator[] = [];
    let current: KustoSyntaxNode | null = node;
    // Left-nested: ((source | a) | b) | c. Walk down iteratively, so long pipelines cost no stack.
    while (current && this.language.kindName(current.Kind) === 'PipeExpression') {
      const pipe = current as unknown as { Expression: KustoSyntaxNode | null; Operator: KustoSyntaxNode | null };
      operators.push(this.queryOperator(pipe.Operator, current));
      current = pipe.Expression;
    }
    operators.reverse();
    return { kind: 'pipeline', source: this.expression(current, node), operators, span: span(node) };
  }

  private queryOperator(node: KustoSyntaxNode | null, parent: KustoSyntaxNode): KqlQueryOperator {
    if (!node || node.IsMissing) return this.missing(node, parent);
    switch (this.language.kindName(node.Kind)) {
      case 'FilterOperator':
        return {
          kind: 'where',
          predicate: this.expression((node as unknown as { Condition: KustoSyntaxNode | null }).Condition, node),
          span: span(node),
        };
      case 'ProjectOperator':
        return { kind: 'project', columns: this.columns(node), span: span(node) };
      case 'ExtendOperator':
        return { kind: 'extend', columns: this.columns(node), span: span(node) };
      case 'TakeOperator':
        return {
          kind: 'take',
          count: this.expression((node as unknown as { Expression: KustoSyntaxNode | null }).Expression, node),
          span: span(node),
        };
      default:
        return this.unsupported(node, 'query operator not modelled');
    }
  }

  private columns(node: KustoSyntaxNode): KqlExpression[] {
    const expressions = (node as unknown as { Expressions: KustoSyntaxNode | null }).Expressions;
    return separatedElements(expressions).map((column) => this.expression(column, node));
  }

  private stringLiteral(node: KustoSyntaxNode): KqlExpression {
    // Kusto.Language decodes string tokens itself (token.Value): escapes in "..." and '...', doubled quotes in
    // @"...", nothing in ```...```. A compound literal is adjacent tokens ("a" "b" == "ab").
    const tokens = this.language.kindName(node.Kind) === 'CompoundStringLiteralExpression'
      ? childTokens((node as unknown as { Tokens: KustoSyntaxNode | null }).Tokens)
      : childTokens(node);
    if (tokens.length === 0 || tokens.some((token) => token.IsMissing || typeof token.Value !== 'string')) {
      return this.unsupported(node, 'string literal without a decoded value');
    }
    return {
      kind: 'literal',
      type: 'string',
      value: tokens.map((token) => token.Value as string).join(''),
      text: this.text(node),
      span: span(node),
    };
  }

  private scalarLiteral(node: KustoSyntaxNode, kind: string): KqlExpression {
    const text = this.text(node);
    const decoded = decodeScalarLiteral(kind, text);
    if ('reason' in decoded) return this.unsupported(node, decoded.reason);
    return { ...decoded.literal, text, span: span(node) } as KqlLiteral;
  }

  private dynamicLiteral(node: KustoSyntaxNode): KqlExpression {
    const inner = (node as unknown as { Expression: KustoSyntaxNode | null }).Expression;
    try {
      const value = this.jsonValue(inner);
      return { kind: 'literal', type: 'dynamic', value, text: this.text(node), span: span(node) };
    } catch (problem) {
      if (problem instanceof UnsupportedDynamic) return this.unsupported(node, problem.message);
      throw problem;
    }
  }

  private jsonValue(node: KustoSyntaxNode | null): KqlDynamicValue {
    if (!node || node.IsMissing) throw new UnsupportedDynamic('incomplete dynamic literal');
    const kind = this.language.kindName(node.Kind);
    switch (kind) {
      case 'JsonArrayExpression': {
        const values = (node as unknown as { Values: KustoSyntaxNode | null }).Values;
        return separatedElements(values).map((value) => this.jsonValue(value));
      }
      case 'JsonObjectExpression': {
        const pairs = (node as unknown as { Pairs: KustoSyntaxNode | null }).Pairs;
        const entries = separatedElements(pairs).map((pair) => {
          const { Name, Value } = pair as unknown as { Name: KustoSyntaxToken | null; Value: KustoSyntaxNode | null };
          if (!Name || typeof Name.Value !== 'string') throw new UnsupportedDynamic('dynamic object key');
          return [Name.Value, this.jsonValue(Value)] as const;
        });
        return Object.fromEntries(entries);
      }
      case 'NullLiteralExpression':
        return null;
      case 'StringLiteralExpression':
      case 'CompoundStringLiteralExpression': {
        const literal = this.stringLiteral(node);
        if (literal.kind !== 'literal' || literal.type !== 'string') throw new UnsupportedDynamic('dynamic string');
        return literal.value;
      }
      case 'LongLiteralExpression':
      case 'IntLiteralExpression':
      case 'RealLiteralExpression':
      case 'BooleanLiteralExpression': {
        const decoded = decodeScalarLiteral(kind, this.text(node));
        if ('reason' in decoded || decoded.literal.value === null) throw new UnsupportedDynamic('dynamic scalar');
        return decoded.literal.value as KqlDynamicValue;
      }
      case 'UnaryMinusExpression': {
        const operand = this.jsonValue((node as unknown as { Expression: KustoSyntaxNode | null }).Expression);
        if (typeof operand === 'bigint' || typeof operand === 'number') return -operand;
        throw new UnsupportedDynamic('negated non-number in dynamic literal');
      }
      default:
        // datetime/timespan/guid inside dynamic keep their KQL type in the service; JSON cannot hold that.
        throw new UnsupportedDynamic(`${kind} inside a dynamic literal`);
    }
  }

  private unsupported(node: KustoSyntaxNode, reason: string): KqlUnsupported {
    return {
      kind: 'unsupported',
      syntaxKind: this.language.kindName(node.Kind),
      text: this.text(node),
      reason,
      span: span(node),
    };
  }

  private missing(node: KustoSyntaxNode | null, parent: KustoSyntaxNode): KqlUnsupported {
    const where = node ?? parent;
    const reason = 'missing (syntax error)';
    return { kind: 'unsupported', syntaxKind: 'Missing', text: '', reason, span: span(where) };
  }

  private text(node: KustoSyntaxElement): string {
    return this.query.slice(node.TextStart, node.TextStart + node.Width);
  }
}

class UnsupportedDynamic extends Error {}

function span(node: KustoSyntaxElement): KqlSpan {
  return { start: node.TextStart, length: node.Width };
}

function childTokens(node: KustoSyntaxNode | null): KustoSyntaxToken[] {
  const tokens: KustoSyntaxToken[] = [];
  if (!node) return tokens;
  for (let index = 0; index < node.ChildCount; index++) {
    const child = node.GetChild(index);
    if (child?.IsToken) tokens.push(child as KustoSyntaxToken);
  }
  return tokens;
}

// ---------------------------------------------------------------------------------------------------------------
// Non-string literal values, decoded from the literal's text.
//
// Quirk: the values Kusto.Language attaches to these tokens are not usable here. Measured on 12.4.1:
// `timespan(1.02:03:04.5)` → 0 ticks ("bad timespan literal?"), `0x1F` → 0, `real(nan)` → 0, and datetimes are
// JS Dates built in the *process's local time zone* (datetime(2020-01-01) is 05:00Z under TZ=America/New_York)
// with millisecond resolution. So the text is decoded here, exactly; forms we do not decode become `unsupported`.

type DecodedScalar =
  | { literal: { kind: 'literal'; type: KqlLiteral['type']; value: KqlLiteral['value'] } }
  | { reason: string };

const DECIMAL_NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const TICKS_PER_MS = 10_000n;
const TICKS_PER_SECOND = 10_000_000n;

function decodeScalarLiteral(kind: string, text: string): DecodedScalar {
  const inner = literalInterior(text);
  const ok = (type: KqlLiteral['type'], value: KqlLiteral['value']): DecodedScalar => ({
    literal: { kind: 'literal', type, value },
  });
  if (inner === 'null') {
    const nullType = LITERAL_TYPES[kind];
    return nullType ? ok(nullType, null) : { reason: `${kind} null` };
  }
  switch (kind) {
    case 'LongLiteralExpression':
    case 'IntLiteralExpression': {
      const value = decodeInteger(inner);
      return value === undefined ? { reason: `integer literal ${text}` } : ok(LITERAL_TYPES[kind]!, value);
    }
    case 'RealLiteralExpression': {
      const value = decodeReal(inner);
      return value === undefined ? { reason: `real literal ${text}` } : ok('real', value);
    }
    case 'DecimalLiteralExpression':
      return DECIMAL_NUMBER.test(inner) ? ok('decimal', inner) : { reason: `decimal literal ${text}` };
    case 'BooleanLiteralExpression': {
      const lowered = inner.toLowerCase();
      if (lowered === 'true' || lowered === '1') return ok('bool', true);
      if (lowered === 'false' || lowered === '0') return ok('bool', false);
      return { reason: `bool literal ${text}` };
    }
    case 'DateTimeLiteralExpression': {
      const value = decodeDateTime(unquote(inner));
      return value === undefined ? { reason: `datetime format not decoded: ${text}` } : ok('datetime', value);
    }
    case 'TimespanLiteralExpression': {
      const value = decodeTimespan(unquote(inner));
      return value === undefined ? { reason: `timespan format not decoded: ${text}` } : ok('timespan', value);
    }
    case 'GuidLiteralExpression': {
      const value = unquote(inner).toLowerCase();
      return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(value)
        ? ok('guid', value)
        : { reason: `guid literal ${text}` };
    }
    default:
      return { reason: `${kind} not modelled` };
  }
}

const LITERAL_TYPES: Readonly<Record<string, KqlLiteral['type']>> = {
  LongLiteralExpression: 'long',
  IntLiteralExpression: 'int',
  RealLiteralExpression: 'real',
  DecimalLiteralExpression: 'decimal',
  BooleanLiteralExpression: 'bool',
  DateTimeLiteralExpression: 'datetime',
  TimespanLiteralExpression: 'timespan',
  GuidLiteralExpression: 'guid',
};

/** `long(5)` → `5`; `datetime( 2020-01-01 )` → `2020-01-01`; a bare `5` or `1h` stays as is. */
function literalInterior(text: string): string {
  const match = /^[A-Za-z_][A-Za-z0-9_]*\s*\(([\s\S]*)\)$/.exec(text);
  return (match ? match[1]! : text).trim();
}

/** Kusto.Language accepts `datetime("2020-01-01")` as well as `datetime(2020-01-01)`. */
function unquote(text: string): string {
  const match = /^(["'])(.*)\1$/s.exec(text);
  return match ? match[2]! : text;
}

function decodeInteger(text: string): bigint | undefined {
  const match = /^([+-]?)(0[xX][0-9a-fA-F]+|\d+)$/.exec(text);
  if (!match) return undefined;
  const magnitude = BigInt(match[2]!);
  return match[1] === '-' ? -magnitude : magnitude;
}

function decodeReal(text: string): number | undefined {
  switch (text.toLowerCase()) {
    case 'nan':
      return Number.NaN;
    case '+inf':
    case 'inf':
      return Number.POSITIVE_INFINITY;
    case '-inf':
      return Number.NEGATIVE_INFINITY;
  }
  return DECIMAL_NUMBER.test(text) ? Number(text) : undefined;
}

/**
 * ISO 8601 forms: `2020-01-01`, `2020-01-01 12:34`, `2020-01-01T12:34:56.1234567Z`, `...+02:00`. KQL reads a
 * datetime without an offset as UTC. RFC 822/850 forms are not decoded (we never generate them).
 */
function decodeDateTime(text: string): bigint | undefined {
  const match =
    /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?)?\s*(Z|[+-]\d{2}:\d{2})?$/i.exec(text);
  if (!match) return undefined;
  const [, year, month, day, hour = '0', minute = '0', second = '0', fraction = '', offset] = match;
  const millis = Date.UTC(Number(year), Number(month) - 1, Number(day), Number(hour), Number(minute), Number(second));
  const check = new Date(millis);
  if (Number.isNaN(millis) || check.getUTCDate() !== Number(day) || check.getUTCMonth() !== Number(month) - 1) {
    return undefined;
  }
  if (check.getUTCFullYear() !== Number(year) || Number(hour) > 23 || Number(minute) > 59 || Number(second) > 59) {
    return undefined;
  }
  let ticks = BigInt(millis) * TICKS_PER_MS + BigInt(fraction.padEnd(7, '0') || '0');
  if (offset && offset.toUpperCase() !== 'Z') {
    const sign = offset.startsWith('-') ? -1n : 1n;
    const offsetMinutes = BigInt(Number(offset.slice(1, 3)) * 60 + Number(offset.slice(4, 6)));
    ticks -= sign * offsetMinutes * 60n * TICKS_PER_SECOND;
  }
  return ticks;
}

const TIMESPAN_UNIT_TICKS: ReadonlyArray<readonly [readonly string[], bigint]> = [
  [['d', 'day', 'days'], 864_000_000_000n],
  [['h', 'hr', 'hrs', 'hour', 'hours'], 36_000_000_000n],
  [['m', 'min', 'minute', 'minutes'], 600_000_000n],
  [['s', 'sec', 'second', 'seconds'], TICKS_PER_SECOND],
  [['ms', 'milli', 'millis', 'millisec', 'millisecond', 'milliseconds'], TICKS_PER_MS],
  [['micro', 'micros', 'microsec', 'microsecond', 'microseconds'], 10n],
  [['tick', 'ticks'], 1n],
];

/** `1h`, `1.5h`, `100ms`, `timespan(2d)`, `timespan(1.02:03:04.5)`, `timespan(02:03:04)`, negative forms. */
function decodeTimespan(text: string): bigint | undefined {
  const withUnit = /^([+-]?)(\d+)(?:\.(\d+))?\s*([A-Za-z]+)$/.exec(text);
  if (withUnit) {
    const [, sign, whole, fraction = '', unit] = withUnit;
    const ticksPerUnit = TIMESPAN_UNIT_TICKS.find(([names]) => names.includes(unit!.toLowerCase()))?.[1];
    if (ticksPerUnit === undefined) return undefined;
    const scale = 10n ** BigInt(fraction.length);
    const scaled = BigInt(whole!) * scale + BigInt(fraction || '0');
    // .NET rounds TimeSpan.FromX to the nearest tick; exact multiples (all we generate) are unaffected.
    const ticks = (scaled * ticksPerUnit + scale / 2n) / scale;
    return sign === '-' ? -ticks : ticks;
  }
  const clock = /^([+-]?)(?:(\d+)\.)?(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?$/.exec(text);
  if (clock) {
    const [, sign, days = '0', hours, minutes, seconds = '0', fraction = ''] = clock;
    if (Number(hours) > 23 || Number(minutes) > 59 || Number(seconds) > 59) return undefined;
    const totalSeconds = ((BigInt(days) * 24n + BigInt(hours!)) * 60n + BigInt(minutes!)) * 60n + BigInt(seconds);
    const ticks = totalSeconds * TICKS_PER_SECOND + BigInt(fraction.padEnd(7, '0') || '0');
    return sign === '-' ? -ticks : ticks;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// String literals

/**
 * A double-quoted KQL string literal that decodes to exactly `value`, whatever it holds.
 *
 * Only `\\`, `\"`, `\n`, `\r`, `\t` and `\uXXXX` are emitted: the first five are the escapes the KQL docs list,
 * `\uXXXX` covers what must not appear raw. Raw is fine for any other character, including `|`, `//` (a comment
 * only outside a literal) and non-ASCII text. `\uXXXX` is used for:
 * - the other C0/C1 control characters and DEL (a raw NUL or ESC in a query is asking for trouble in transit);
 * - U+2028/U+2029: Kusto.Language ends a "..." literal only at CR/LF, but counts these as line breaks elsewhere
 *   (TokenParser.IsLineBreakStart), so the service's own lexer may too;
 * - lone surrogates, which cannot travel as UTF-8 (paired surrogates, i.e. astral characters, stay raw).
 * Kusto.Language decodes `\uXXXX` as one UTF-16 code unit (KustoFacts.DecodeEscapes), like .NET.
 */
export function kqlString(value: string): string {
  let literal = '"';
  for (let index = 0; index < value.length; index++) {
    const unit = value.charCodeAt(index);
    const character = value[index]!;
    if (character === '\\') literal += '\\\\';
    else if (character === '"') literal += '\\"';
    else if (character === '\n') literal += '\\n';
    else if (character === '\r') literal += '\\r';
    else if (character === '\t') literal += '\\t';
    else if (unit < 0x20 || (unit >= 0x7f && unit <= 0x9f) || unit === 0x2028 || unit === 0x2029) {
      literal += unicodeEscape(unit);
    } else if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = value.charCodeAt(index + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        literal += character + value[index + 1];
        index += 1;
      } else {
        literal += unicodeEscape(unit);
      }
    } else if (unit >= 0xdc00 && unit <= 0xdfff) {
      literal += unicodeEscape(unit); // a low surrogate without its high half
    } else {
      literal += character;
    }
  }
  return literal + '"';
}

function unicodeEscape(unit: number): string {
  return '\\u' + unit.toString(16).padStart(4, '0');
}

function messageOf(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}
