/**
 * {@link parseKqlSyntax}: the syntax tree of a query as plain, typed JS values, converted from Kusto.Language's
 * tree. What it does not model becomes an `unsupported` node, so a consumer refuses it instead of guessing.
 */
import { toDiagnostic, type KqlDiagnostic } from './analysis.js';
import {
  loadKustoLanguage,
  separatedElements,
  type KustoLanguage,
  type KustoSyntaxElement,
  type KustoSyntaxNode,
  type KustoSyntaxToken,
} from './language-service.js';
import { decodeScalarLiteral } from './literal-values.js';

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
