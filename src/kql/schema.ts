/**
 * Declares a target's tables and functions to the Kusto parser, so that analysis knows their columns and checks
 * calls: `DeviceNetworkEvents`, `Event`, `_Im_NetworkSession(starttime=..., dstportnumber=...)` and so on.
 */
import { KqlServiceError, loadKustoLanguage, type KustoGlobalState, type KustoSymbol } from './language-service.js';
import { kqlString } from './string-literal.js';

export type KqlType = 'string' | 'long' | 'int' | 'real' | 'bool' | 'datetime' | 'timespan' | 'dynamic' | 'guid';

export const KQL_TYPES: readonly KqlType[] = [
  'string', 'long', 'int', 'real', 'bool', 'datetime', 'timespan', 'dynamic', 'guid',
];

export interface KqlColumnSchema {
  readonly name: string;
  readonly type: KqlType;
}

export interface KqlTableSchema {
  readonly name: string;
  readonly columns: readonly KqlColumnSchema[];
}

export interface KqlParameterSchema {
  readonly name: string;
  readonly type: KqlType;
  /** KQL expression text of the default value (`datetime(null)`, `dynamic([])`, `'*'`); absent = required. */
  readonly default?: string;
}

interface KqlFunctionHead {
  readonly name: string;
  readonly parameters: readonly KqlParameterSchema[];
  readonly description?: string;
}

/**
 * A stored function. Give either its real `body` (`{ ... }`, may use the parameters and the declared tables) or
 * only the `resultColumns` it returns, when the body is not ours to copy (the ASIM parsers): the parser then
 * sees an empty `datatable` of those columns.
 */
export type KqlFunctionSchema = KqlFunctionHead &
  (
    | { readonly body: string; readonly resultColumns?: undefined }
    | { readonly resultColumns: readonly KqlColumnSchema[]; readonly body?: undefined }
  );

export interface KqlDatabaseSchema {
  readonly name: string;
  readonly tables: readonly KqlTableSchema[];
  readonly functions: readonly KqlFunctionSchema[];
}

/** A database the parser knows; pass it to `analyzeKql`. */
export interface KqlDeclaredDatabase {
  readonly schema: KqlDatabaseSchema;
  /** Kusto.Language's global state with this database as the default one. */
  readonly globals: KustoGlobalState;
  /** The declared function a call resolved to (by the symbol analysis attached to the call). */
  functionFor(symbol: KustoSymbol): KqlFunctionSchema | undefined;
}

/**
 * Builds the parser's view of a database. Refuses (KqlServiceError 'schema') duplicate names, unknown types,
 * parameter lists or bodies the parser rejects: Kusto.Language itself never reports errors inside a declared
 * function at the call site, so a broken declaration would otherwise pass silently.
 */
export function declareDatabase(database: KqlDatabaseSchema): KqlDeclaredDatabase {
  const language = loadKustoLanguage();
  const { symbols } = language;
  const members: KustoSymbol[] = [];
  const functionsBySymbol = new Map<KustoSymbol, KqlFunctionSchema>();
  const memberNames = new Set<string>();
  const claim = (name: string, what: string) => {
    if (name.length === 0) throw new KqlServiceError('schema', `${database.name}: a ${what} has an empty name`);
    if (memberNames.has(name)) throw new KqlServiceError('schema', `${database.name}: '${name}' is declared twice`);
    memberNames.add(name);
  };

  for (const table of database.tables) {
    claim(table.name, 'table');
    const columns = checkedColumns(`${database.name}.${table.name}`, table.columns);
    members.push(symbols.table(table.name, columns.map((column) => symbols.column(column.name, column.type))));
  }
  const declarations: { fn: KqlFunctionSchema; parameterList: string; body: string }[] = [];
  for (const fn of database.functions) {
    claim(fn.name, 'function');
    const where = `${database.name}.${fn.name}`;
    const parameterList = `(${checkedParameters(where, fn.parameters).join(', ')})`;
    const body = fn.body !== undefined ? bracedBody(fn.body) : resultColumnsBody(where, fn.resultColumns);
    const symbol = symbols.function(fn.name, parameterList, body, fn.description ?? null);
    functionsBySymbol.set(symbol, fn);
    members.push(symbol);
    declarations.push({ fn, parameterList, body });
  }

  // WithCache: function bodies are analysed once per global state instead of once per query (~25% faster).
  const globals = symbols.defaultGlobals.WithDatabase(symbols.database(database.name, members)).WithCache();
  for (const declaration of declarations) checkDeclaration(database.name, declaration, globals);
  return {
    schema: database,
    globals,
    functionFor: (symbol) => functionsBySymbol.get(symbol),
  };
}

function checkedColumns(where: string, columns: readonly KqlColumnSchema[]): readonly KqlColumnSchema[] {
  const names = new Set<string>();
  for (const column of columns) {
    if (column.name.length === 0) throw new KqlServiceError('schema', `${where}: a column has an empty name`);
    if (names.has(column.name)) throw new KqlServiceError('schema', `${where}: column '${column.name}' twice`);
    names.add(column.name);
    checkType(`${where}.${column.name}`, column.type);
  }
  return columns;
}

/** Parameter declarations as KQL text: `name:type` or `name:type=default`. */
function checkedParameters(where: string, parameters: readonly KqlParameterSchema[]): string[] {
  const names = new Set<string>();
  return parameters.map((parameter) => {
    // Parameter names go into the declaration text unquoted, so they must be plain identifiers.
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(parameter.name)) {
      throw new KqlServiceError('schema', `${where}: parameter name '${parameter.name}' is not an identifier`);
    }
    if (names.has(parameter.name)) throw new KqlServiceError('schema', `${where}: parameter '${parameter.name}' twice`);
    names.add(parameter.name);
    checkType(`${where}(${parameter.name})`, parameter.type);
    return parameter.default === undefined
      ? `${parameter.name}:${parameter.type}`
      : `${parameter.name}:${parameter.type}=${parameter.default}`;
  });
}

function checkType(where: string, type: string): void {
  if (!(KQL_TYPES as readonly string[]).includes(type)) {
    throw new KqlServiceError('schema', `${where}: unknown type '${type}' (expected one of ${KQL_TYPES.join(', ')})`);
  }
}

function bracedBody(body: string): string {
  const trimmed = body.trim();
  return trimmed.startsWith('{') ? trimmed : `{ ${trimmed} }`;
}

function resultColumnsBody(where: string, columns: readonly KqlColumnSchema[]): string {
  // Bracketed names (["Type"], ["Count"]) because some column names are KQL keywords.
  const schema = checkedColumns(where, columns).map((column) => `[${kqlString(column.name)}]:${column.type}`);
  return `{ datatable(${schema.join(', ')})[] }`;
}

/**
 * Analyses the declaration as a `let` function in the database's scope: that reports syntax errors in the
 * parameter list, unknown types, defaults of the wrong type and errors in the body.
 */
function checkDeclaration(
  databaseName: string,
  declaration: { fn: KqlFunctionSchema; parameterList: string; body: string },
  globals: KustoGlobalState,
): void {
  const language = loadKustoLanguage();
  const prefix = 'let __sigma_hunt_declaration = ';
  const probe = `${prefix}${declaration.parameterList} ${declaration.body};\nprint 0`;
  const code = language.parseAndAnalyze(probe, globals);
  const errors = language.toArray(code.GetDiagnostics()).filter((diagnostic) => diagnostic.Severity === 'Error');
  if (errors.length === 0) return;
  const declarationText = `${declaration.parameterList} ${declaration.body}`;
  const first = errors[0]!;
  const offset = Math.max(0, first.Start - prefix.length);
  const at = declarationText.slice(offset, offset + Math.max(first.Length, 1));
  throw new KqlServiceError(
    'schema',
    `${databaseName}.${declaration.fn.name}: ${first.Message} (at '${at}' in ${declarationText})` +
      (errors.length > 1 ? ` and ${errors.length - 1} more error(s)` : ''),
  );
}
