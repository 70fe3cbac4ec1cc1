/**
 * Diagnostics of a query from Kusto.Language's parser and semantic analyser, plus the stricter checks the service
 * makes and the library leaves out.
 */
import { loadKustoLanguage, separatedElements, type KustoDiagnostic, type KustoLanguage, type KustoSyntaxNode } from './language-service.js';
import type { KqlDeclaredDatabase, KqlFunctionSchema, KqlType } from './schema.js';

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

export function toDiagnostic(diagnostic: KustoDiagnostic): KqlDiagnostic {
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
