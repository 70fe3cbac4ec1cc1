import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { kqlString } from '../../../src/kql/string-literal.js';
import { parseKqlSyntax } from '../../../src/kql/syntax-tree.js';
import { kqlTokens } from '../../../src/kql/tokens.js';

/** Any UTF-16 code unit, lone surrogates included. */
const anyCodeUnit = fc.integer({ min: 0, max: 0xffff }).map((unit) => String.fromCharCode(unit));
/** Characters that break naive quoting, weighted up so they meet each other often. */
const troublesome = fc.constantFrom(
  '"', "'", '\\', '\n', '\r', '\t', '\0', '\u001b', '\u007f', '\u0085', '\u2028', '\u2029', '\ufeff',
  '|', '/', '//', '`', '```', '@', 'u', 'x', '0', '7', '{', '}', '\ud800', '\udc00', '🚀', 'é', ' ',
);
const anyString = fc.oneof(
  fc.string({ unit: anyCodeUnit, maxLength: 40 }),
  fc.string({ unit: troublesome, maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
);

/** Control characters, line separators and lone surrogates. */
const UNPRINTABLE =
  /[\u0000-\u001f\u007f-\u009f\u2028\u2029]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** The decoded value of the only column of `print x = <literal>`, checking it is one literal node and token. */
function printedString(literal: string): string {
  const query = `print x = ${literal}`;
  const tree = parseKqlSyntax(query);
  expect(tree.diagnostics).toEqual([]);
  const statement = tree.statements[0];
  expect(tree.statements).toHaveLength(1);
  if (statement?.kind !== 'expression' || statement.expression.kind !== 'print') throw new Error('not a print');
  const [column, ...others] = statement.expression.columns;
  expect(others).toEqual([]);
  if (column?.kind !== 'named' || column.value.kind !== 'literal' || column.value.type !== 'string') {
    throw new Error(`not one string literal: ${JSON.stringify(column)}`);
  }
  expect(column.value.span).toEqual({ start: 10, length: literal.length });
  expect(kqlTokens(query).map((token) => [token.kind, token.text])).toEqual([
    ['PrintKeyword', 'print'],
    ['IdentifierToken', 'x'],
    ['EqualToken', '='],
    ['StringLiteralToken', literal],
    ['EndOfTextToken', ''],
  ]);
  return column.value.value;
}

describe('kqlString', () => {
  it('round-trips any string through the Kusto parser as one literal token', () => {
    fc.assert(
      fc.property(anyString, (value) => {
        expect(printedString(kqlString(value))).toBe(value);
      }),
      { numRuns: 1500 },
    );
  });

  it('keeps what follows the literal out of it', () => {
    fc.assert(
      fc.property(anyString, anyString, (first, second) => {
        const tree = parseKqlSyntax(`T | where a in~ (${kqlString(first)}, ${kqlString(second)}) | take 1`);
        expect(tree.diagnostics).toEqual([]);
        expect(tree.statements).toMatchObject([
          {
            expression: {
              kind: 'pipeline',
              operators: [
                { kind: 'where', predicate: { kind: 'list', items: [{ value: first }, { value: second }] } },
                { kind: 'take' },
              ],
            },
          },
        ]);
      }),
      { numRuns: 300 },
    );
  });

  it('emits a single line of printable characters', () => {
    fc.assert(
      fc.property(anyString, (value) => {
        expect(kqlString(value)).not.toMatch(UNPRINTABLE);
      }),
      { numRuns: 500 },
    );
  });

  it.each([
    ['', '""'],
    ['plain text', '"plain text"'],
    ['C:\\Users\\Public\\', '"C:\\\\Users\\\\Public\\\\"'],
    ['say "hi"', '"say \\"hi\\""'],
    ["it's", `"it's"`],
    ['a\nb\rc\td', '"a\\nb\\rc\\td"'],
    ['nul\0esc\u001b', '"nul\\u0000esc\\u001b"'],
    ['line\u2028sep', '"line\\u2028sep"'],
    ['rocket 🚀', '"rocket 🚀"'],
    ['lone \ud800', '"lone \\ud800"'],
  ])('writes %j as %s', (value, literal) => {
    expect(kqlString(value)).toBe(literal);
  });
});
