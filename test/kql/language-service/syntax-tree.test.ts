import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { parseKqlSyntax, type KqlExpression, type KqlLiteral, type KqlQueryOperator, type KqlStatement } from '../../../src/kql/syntax-tree.js';
import { seedKql, sharedRoot } from './fixtures.js';

type AnyNode = KqlExpression | KqlQueryOperator | KqlStatement;

/** Every node of the tree, depth first. */
function nodes(root: AnyNode): AnyNode[] {
  const found: AnyNode[] = [root];
  const children: AnyNode[] = [];
  switch (root.kind) {
    case 'binary':
      children.push(root.left, root.right);
      break;
    case 'list':
      children.push(root.left, ...root.items);
      break;
    case 'unary':
      children.push(root.operand);
      break;
    case 'call':
      children.push(...root.arguments);
      break;
    case 'named':
      children.push(root.value);
      break;
    case 'pipeline':
      children.push(root.source, ...root.operators);
      break;
    case 'print':
    case 'project':
    case 'extend':
      children.push(...root.columns);
      break;
    case 'where':
      children.push(root.predicate);
      break;
    case 'take':
      children.push(root.count);
      break;
    case 'expression':
      children.push(root.expression);
      break;
    case 'let':
      children.push(root.value);
      break;
  }
  for (const child of children) found.push(...nodes(child));
  return found;
}

function onlyStatementExpression(query: string): KqlExpression {
  const tree = parseKqlSyntax(query);
  expect(tree.diagnostics).toEqual([]);
  expect(tree.statements).toHaveLength(1);
  const statement = tree.statements[0]!;
  if (statement.kind !== 'expression') throw new Error(`expected an expression statement, got ${statement.kind}`);
  return statement.expression;
}

/** The predicate of `T | where <predicate>`. */
function predicate(condition: string): KqlExpression {
  const pipeline = onlyStatementExpression(`T | where ${condition}`);
  if (pipeline.kind !== 'pipeline' || pipeline.operators[0]?.kind !== 'where') throw new Error('not T | where');
  return pipeline.operators[0].predicate;
}

/** The value of `print x = <expression>`. */
function printed(expression: string): KqlExpression {
  const print = onlyStatementExpression(`print x = ${expression}`);
  if (print.kind !== 'print' || print.columns[0]?.kind !== 'named') throw new Error('not print x = ...');
  return print.columns[0].value;
}

function literal(expression: string): Pick<KqlLiteral, 'type' | 'value'> {
  const value = printed(expression);
  if (value.kind !== 'literal') throw new Error(`not a literal: ${value.kind} at ${value.span.start}`);
  return { type: value.type, value: value.value };
}

describe('parseKqlSyntax: operators', () => {
  const binaryOperators = [
    '==', '!=', '=~', '!~', '<', '<=', '>', '>=',
    'contains', '!contains', 'contains_cs', '!contains_cs',
    'startswith', '!startswith', 'startswith_cs', '!startswith_cs',
    'endswith', '!endswith', 'endswith_cs', '!endswith_cs',
    'has', '!has', 'has_cs', '!has_cs', 'hasprefix', '!hasprefix', 'hassuffix', '!hassuffix',
    'matches regex',
  ] as const;

  it.each(binaryOperators)('maps the binary operator %s', (operator) => {
    expect(predicate(`a ${operator} "v"`)).toMatchObject({
      kind: 'binary',
      operator,
      left: { kind: 'name', name: 'a' },
      right: { kind: 'literal', type: 'string', value: 'v' },
    });
  });

  it.each(['in', '!in', 'in~', '!in~', 'has_any', 'has_all'] as const)('maps the list operator %s', (operator) => {
    expect(predicate(`a ${operator} ("x", "y")`)).toMatchObject({
      kind: 'list',
      operator,
      left: { kind: 'name', name: 'a' },
      items: [{ value: 'x' }, { value: 'y' }],
    });
  });

  it('keeps a dynamic array item of a list operator as one dynamic literal', () => {
    expect(predicate('a in~ (dynamic(["x", "y"]))')).toMatchObject({
      kind: 'list',
      items: [{ kind: 'literal', type: 'dynamic', value: ['x', 'y'] }],
    });
  });

  it('nests and/or by precedence and drops parentheses', () => {
    expect(predicate('a == "1" or b == "2" and (c == "3" or d == "4")')).toMatchObject({
      kind: 'binary',
      operator: 'or',
      left: { operator: '==', left: { name: 'a' } },
      right: {
        operator: 'and',
        left: { operator: '==', left: { name: 'b' } },
        right: { operator: 'or', left: { left: { name: 'c' } }, right: { left: { name: 'd' } } },
      },
    });
  });

  it.each([
    [
      'not(isempty(a))',
      { kind: 'call', name: 'not', arguments: [{ kind: 'call', name: 'isempty', arguments: [{ name: 'a' }] }] },
    ],
    ['isnotempty(a)', { kind: 'call', name: 'isnotempty' }],
    ['isnull(a)', { kind: 'call', name: 'isnull' }],
    [
      'ipv4_is_in_range(a, "10.0.0.0/8")',
      { kind: 'call', name: 'ipv4_is_in_range', arguments: [{ name: 'a' }, { value: '10.0.0.0/8' }] },
    ],
    ['ipv6_is_in_range(a, "fe80::/10")', { kind: 'call', name: 'ipv6_is_in_range' }],
    ['tostring(a) == tolower(b)', { operator: '==', left: { name: 'tostring' }, right: { name: 'tolower' } }],
    [
      'ingestion_time() > ago(1h)',
      {
        left: { kind: 'call', name: 'ingestion_time', arguments: [] },
        right: { name: 'ago', arguments: [{ type: 'timespan', value: 36_000_000_000n }] },
      },
    ],
  ])('maps the call in %s', (condition, expected) => {
    expect(predicate(condition)).toMatchObject(expected);
  });

  it('maps a unary minus', () => {
    expect(printed('-a')).toMatchObject({ kind: 'unary', operator: '-', operand: { kind: 'name', name: 'a' } });
  });

  it('maps named arguments of a function call', () => {
    expect(onlyStatementExpression('_Im_NetworkSession(starttime=ago(1h), dstportnumber=443)')).toMatchObject({
      kind: 'call',
      name: '_Im_NetworkSession',
      arguments: [
        { kind: 'named', name: 'starttime', value: { kind: 'call', name: 'ago' } },
        { kind: 'named', name: 'dstportnumber', value: { type: 'long', value: 443n } },
      ],
    });
  });

  it('reads a bracketed name as the name', () => {
    expect(predicate(`['where'] == 1`)).toMatchObject({ left: { kind: 'name', name: 'where' } });
  });
});

describe('parseKqlSyntax: pipelines and statements', () => {
  it('flattens a pipeline into its source and operators in order', () => {
    const query = 'T | where a == 1 | project a, b = c | extend d = 1 | take 5 | limit 3 | filter e';
    const pipeline = onlyStatementExpression(query);
    expect(pipeline).toMatchObject({
      kind: 'pipeline',
      source: { kind: 'name', name: 'T' },
      operators: [
        { kind: 'where', predicate: { operator: '==' } },
        { kind: 'project', columns: [{ kind: 'name', name: 'a' }, { kind: 'named', name: 'b', value: { name: 'c' } }] },
        { kind: 'extend', columns: [{ kind: 'named', name: 'd' }] },
        { kind: 'take', count: { value: 5n } },
        { kind: 'take', count: { value: 3n } },
        { kind: 'where', predicate: { kind: 'name', name: 'e' } },
      ],
    });
  });

  it('marks operators it does not model as unsupported, with their text', () => {
    const pipeline = onlyStatementExpression('T | summarize count() by a');
    expect(pipeline).toMatchObject({
      operators: [{ kind: 'unsupported', syntaxKind: 'SummarizeOperator', text: 'summarize count() by a' }],
    });
  });

  it('reads let statements', () => {
    const tree = parseKqlSyntax('let window = 1h; T | where t > ago(window)');
    expect(tree.statements).toMatchObject([
      { kind: 'let', name: 'window', value: { type: 'timespan', value: 36_000_000_000n } },
      { kind: 'expression', expression: { kind: 'pipeline' } },
    ]);
  });

  it('builds a tree with a missing node and a diagnostic on a syntax error', () => {
    const tree = parseKqlSyntax('T | where ');
    expect(tree.diagnostics.map((diagnostic) => diagnostic.code)).toEqual(['KS006']);
    expect(tree.statements).toMatchObject([
      { expression: { operators: [{ kind: 'where', predicate: { kind: 'unsupported', syntaxKind: 'Missing' } }] } },
    ]);
  });

  it('gives every node a span that slices to its literal text', () => {
    const query = '  T // comment\n| where  a  contains  @"x\\y" and b in (1, 2)';
    const tree = parseKqlSyntax(query);
    const literals = nodes(tree.statements[0]!).filter((node): node is KqlLiteral => node.kind === 'literal');
    expect(literals.map((node) => query.slice(node.span.start, node.span.start + node.span.length))).toEqual([
      '@"x\\y"', '1', '2',
    ]);
    expect(literals.map((node) => node.text)).toEqual(['@"x\\y"', '1', '2']);
  });
});

describe('parseKqlSyntax: string literals', () => {
  it.each([
    ['"plain"', 'plain'],
    ['"a\\\\b\\"c\\n\\t\\r"', 'a\\b"c\n\t\r'],
    ["'it\\'s \"fine\"'", `it's "fine"`],
    ['"\\u0041\\u00e9"', 'Aé'],
    ['@"C:\\Windows\\System32\\"', 'C:\\Windows\\System32\\'],
    ['@"say ""hi"""', 'say "hi"'],
    ["@'it''s'", "it's"],
    ['h"secret"', 'secret'],
    ['```multi\nline "x" \\n```', 'multi\nline "x" \\n'],
    ['"a" "b" @"\\c"', 'ab\\c'],
    ['"pipe | and // slashes"', 'pipe | and // slashes'],
    ['"ünïcødé 🚀"', 'ünïcødé 🚀'],
  ])('decodes %s', (text, value) => {
    expect(literal(text)).toEqual({ type: 'string', value });
  });
});

describe('parseKqlSyntax: other literals', () => {
  it.each([
    ['42', 'long', 42n],
    ['9223372036854775807', 'long', 9_223_372_036_854_775_807n],
    ['0x1F', 'long', 31n],
    ['long(-5)', 'long', -5n],
    ['long(null)', 'long', null],
    ['int(7)', 'int', 7n],
    ['int(null)', 'int', null],
    ['1.5', 'real', 1.5],
    ['1e3', 'real', 1000],
    ['real(null)', 'real', null],
    ['real(-inf)', 'real', Number.NEGATIVE_INFINITY],
    ['decimal(1.10)', 'decimal', '1.10'],
    ['true', 'bool', true],
    ['false', 'bool', false],
    ['bool(null)', 'bool', null],
    ['datetime(2026-05-06)', 'datetime', 1_778_025_600_000n * 10_000n],
    ['datetime(2026-05-06 11:00)', 'datetime', 1_778_065_200_000n * 10_000n],
    ['datetime(2026-05-06T11:00:00.1234567Z)', 'datetime', 1_778_065_200_000n * 10_000n + 1_234_567n],
    ['datetime(2026-05-06T13:00:00+02:00)', 'datetime', 1_778_065_200_000n * 10_000n],
    ['datetime(null)', 'datetime', null],
    ['1h', 'timespan', 36_000_000_000n],
    ['1.5h', 'timespan', 54_000_000_000n],
    ['100ms', 'timespan', 1_000_000n],
    ['5tick', 'timespan', 5n],
    ['timespan(2d)', 'timespan', 1_728_000_000_000n],
    ['timespan(1.02:03:04.5)', 'timespan', 937_845_000_000n],
    ['timespan(00:10:00)', 'timespan', 6_000_000_000n],
    ['timespan(null)', 'timespan', null],
    ['guid(6F9619FF-8B86-D011-B42D-00C04FC964FF)', 'guid', '6f9619ff-8b86-d011-b42d-00c04fc964ff'],
    ['dynamic(["a", 1, -2, 2.5, true, null])', 'dynamic', ['a', 1n, -2n, 2.5, true, null]],
    ['dynamic({"k": {"n": [1]}, "s": "v"})', 'dynamic', { k: { n: [1n] }, s: 'v' }],
    ['dynamic([])', 'dynamic', []],
    ['dynamic(null)', 'dynamic', null],
  ])('decodes %s', (text, type, value) => {
    expect(literal(text)).toEqual({ type, value });
  });

  it('decodes real(nan) as NaN', () => {
    expect(literal('real(nan)').value).toBeNaN();
  });

  it.each([
    ['datetime(Sat, 8 Nov 2014 15:05:02 GMT)', 'DateTimeLiteralExpression'],
    ['datetime(2026-02-30)', 'DateTimeLiteralExpression'],
    ['dynamic([datetime(2020-01-01)])', 'DynamicExpression'],
  ])('marks %s as unsupported rather than guessing', (text, syntaxKind) => {
    expect(printed(text)).toMatchObject({ kind: 'unsupported', syntaxKind, text });
  });
});

describe('parseKqlSyntax on the seed query', () => {
  const seedFile = '000_65d37338f901d9a1.txt';
  const query = seedKql(seedFile);
  const tree = parseKqlSyntax(query);
  const statement = tree.statements[0]!;
  const all = nodes(statement);

  it('parses without diagnostics or unsupported nodes', () => {
    expect(tree.diagnostics).toEqual([]);
    expect(all.filter((node) => node.kind === 'unsupported')).toEqual([]);
  });

  it('is imNetworkSession with one where', () => {
    expect(statement).toMatchObject({
      kind: 'expression',
      expression: {
        kind: 'pipeline',
        source: { kind: 'name', name: 'imNetworkSession' },
        operators: [
          { kind: 'where', predicate: { kind: 'binary', operator: 'and', right: { kind: 'call', name: 'not' } } },
        ],
      },
    });
  });

  it('decodes the contains literals to the Sigma values they came from', () => {
    const page = readFileSync(path.join(sharedRoot, 'seeds', seedFile), 'utf8');
    const sigma = parseYaml(page.slice(page.indexOf('title:'), page.indexOf('\n\nKQL (Azure Sentinel)'))) as {
      detection: {
        selection: { 'Image|contains': string[] };
        filter_main_domains: { 'DestinationHostname|endswith': string[] };
      };
    };
    const operands = (operator: string, column: string) =>
      all.flatMap((node) =>
        node.kind === 'binary' &&
        node.operator === operator &&
        node.left.kind === 'name' &&
        node.left.name === column &&
        node.right.kind === 'literal'
          ? [node.right.value]
          : [],
      );
    expect(operands('contains', 'SrcProcessName')).toEqual(sigma.detection.selection['Image|contains']);
    expect(operands('contains', 'DstProcessName')).toEqual(sigma.detection.selection['Image|contains']);
    const domains = sigma.detection.filter_main_domains['DestinationHostname|endswith'];
    expect(operands('endswith', 'DstHostname')).toEqual(domains);
    expect(operands('=~', 'NetworkDirection')).toEqual(['true']);
  });
});
