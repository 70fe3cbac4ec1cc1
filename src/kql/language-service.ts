/**
 * Microsoft's Kusto parser and semantic analyser (Kusto.Language, compiled from C# to JavaScript by Bridge.NET and
 * published as `@kusto/language-service-next`): {@link loadKustoLanguage} loads it once per process.
 *
 * The `Kusto*` interfaces describe only the members of the Bridge.NET objects our modules use (`analysis.ts`,
 * `syntax-tree.ts`, `tokens.ts`, `schema.ts`, `oracle/raw.ts`); everything built on them returns plain JS values:
 * - `analysis.ts`: `analyzeKql`, syntax + semantic diagnostics of a query against a declared database;
 * - `syntax-tree.ts`: `parseKqlSyntax`, the syntax tree as plain, typed JS values (for the KQL oracle and lint);
 * - `tokens.ts`: `kqlTokens`, the lexical tokens;
 * - `string-literal.ts`: `kqlString`, a KQL string literal that decodes back to exactly the given string.
 */
import { createRequire } from 'node:module';
import { kustoScriptSpecifiers } from './kusto-scripts.js';
import type { KqlType } from './schema.js';

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
  /** For string literal tokens: the decoded string. For other literal tokens see `decodeScalarLiteral` (literal-values.ts). */
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
    for (const specifier of kustoScriptSpecifiers(import.meta.url)) require(specifier);
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
// Syntax lists

/** The elements of a `SyntaxList<SeparatedElement<T>>` (or of a plain `SyntaxList<T>`), skipping separators. */
export function separatedElements(list: KustoSyntaxNode | null): KustoSyntaxNode[] {
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

function messageOf(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}
