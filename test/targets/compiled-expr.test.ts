// The compiled reading of a ValueExpr (compileValue, and adaptRow built on it) against the interpreted one
// (evaluateValue), on rows generated from each mapping's own columns and condition values.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { adaptRow, TARGET_NAMES, TARGETS } from '../../src/targets/index.js';
import { compileValue, evaluateValue, valueColumns } from '../../src/targets/expr.js';
import type { CategoryMapping, Condition, ResultRow, ValueExpr } from '../../src/targets/types.js';

const mappings: [string, string, CategoryMapping][] = TARGET_NAMES.flatMap((target) =>
  Object.entries(TARGETS[target].categories).map(([category, mapping]) => [target, category, mapping] as [string, string, CategoryMapping]),
);

/** The texts an expression's conditions compare with: rows hit every case, not only the fallback. */
function conditionTexts(expr: ValueExpr, into: Set<string>): Set<string> {
  const fromCondition = (condition: Condition): void => {
    if (condition.kind === 'in') for (const value of condition.values) into.add(value);
    else if (condition.kind === 'startswith') into.add(condition.prefix).add(`${condition.prefix}tail`);
    else if (condition.kind === 'all') condition.of.forEach(fromCondition);
  };
  switch (expr.kind) {
    case 'first':
    case 'joinNonEmpty':
      for (const part of expr.of) conditionTexts(part, into);
      break;
    case 'lower':
      conditionTexts(expr.of, into);
      break;
    case 'concat':
      for (const part of expr.of) if (typeof part !== 'string') conditionTexts(part, into);
      break;
    case 'cases':
      for (const { when, then } of expr.cases) {
        fromCondition(when);
        if (typeof then !== 'string') conditionTexts(then, into);
      }
      if (expr.otherwise) conditionTexts(expr.otherwise, into);
      break;
    case 'column':
      break;
  }
  return into;
}

/** Any cell a row may hold: the SDK's kinds (string, number, boolean, Date, parsed dynamic, null) and more. */
function cellArbitrary(texts: readonly string[]): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 4, arbitrary: texts.length > 0 ? fc.constantFrom(...texts) : fc.constant('x') },
    { weight: 2, arbitrary: fc.constantFrom('', null, undefined, ' ', 'ABC', 'true') },
    { weight: 2, arbitrary: fc.string({ maxLength: 8 }) },
    { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.constantFrom(0, -0, Number.NaN, 1.5)) },
    { weight: 1, arbitrary: fc.constantFrom(true, false, 5n, new Date(Date.UTC(2026, 2, 2)), new Date(Number.NaN), { a: 1 }, [1, 'b']) },
  );
}

function rowArbitrary(columns: readonly string[], texts: readonly string[]): fc.Arbitrary<ResultRow> {
  const cells = Object.fromEntries(columns.map((column) => [column, cellArbitrary(texts)]));
  // Optional keys: a row may lack a column (a projection without it), which the adapter must notice.
  return fc.record(cells, { requiredKeys: [] });
}

/** adaptRow as it was before compilation: mapping order, every column present, evaluateValue. */
function interpretedEvent(mapping: CategoryMapping, row: ResultRow): Record<string, unknown> {
  const event: Record<string, unknown> = {};
  for (const [field, fieldMapping] of Object.entries(mapping.fields)) {
    if (fieldMapping.kind !== 'value') continue;
    if (![...valueColumns(fieldMapping.value)].every((column) => Object.hasOwn(row, column))) continue;
    const value = evaluateValue(fieldMapping.value, row);
    if (value !== undefined) event[field] = value;
  }
  return event;
}

function mappingRows(mapping: CategoryMapping): fc.Arbitrary<ResultRow> {
  const columns = new Set<string>();
  const texts = new Set<string>();
  for (const fieldMapping of Object.values(mapping.fields)) {
    if (fieldMapping.kind !== 'value') continue;
    valueColumns(fieldMapping.value, columns);
    conditionTexts(fieldMapping.value, texts);
  }
  return rowArbitrary([...columns], [...texts]);
}

describe('compiled value expressions', () => {
  test.each(mappings)('%s %s: every field compiles to the value evaluateValue gives', (_target, _category, mapping) => {
    const fields = Object.entries(mapping.fields).flatMap(([field, fieldMapping]) =>
      fieldMapping.kind === 'value' ? [{ field, expr: fieldMapping.value, compiled: compileValue(fieldMapping.value) }] : [],
    );
    fc.assert(
      fc.property(mappingRows(mapping), (row) => {
        for (const { field, expr, compiled } of fields) {
          const interpreted = evaluateValue(expr, row);
          const value = compiled(row);
          if (!Object.is(value, interpreted)) throw new Error(`${field}: compiled ${String(value)}, interpreted ${String(interpreted)}`);
        }
      }),
      { seed: 20260302, numRuns: 400 },
    );
  });

  test.each(mappings)('%s %s: adaptRow gives the event the interpreted adapter gives', (_target, _category, mapping) => {
    fc.assert(
      fc.property(mappingRows(mapping), (row) => {
        expect(adaptRow(mapping, row)).toStrictEqual(interpretedEvent(mapping, row));
      }),
      { seed: 20260303, numRuns: 300 },
    );
  });

  test.each(mappings)('%s %s: adapted events hold their fields in code-unit order', (_target, _category, mapping) => {
    fc.assert(
      fc.property(mappingRows(mapping), (row) => {
        const keys = Object.keys(adaptRow(mapping, row));
        expect(keys).toEqual([...keys].sort((left, right) => (left < right ? -1 : left > right ? 1 : 0)));
      }),
      { seed: 20260304, numRuns: 100 },
    );
  });

  test('every expression kind compiles to its interpreted value, also where the schemas do not use it yet', () => {
    const exprs: ValueExpr[] = [
      { kind: 'joinNonEmpty', separator: '\\', of: [{ kind: 'column', column: 'A' }, { kind: 'lower', of: { kind: 'column', column: 'B' } }, { kind: 'column', column: 'C' }] },
      { kind: 'concat', of: ['pre-', { kind: 'column', column: 'A' }, '-', { kind: 'column', column: 'C' }] },
      { kind: 'concat', of: [{ kind: 'column', column: 'A' }] },
      { kind: 'first', of: [{ kind: 'column', column: 'A' }, { kind: 'column', column: 'B' }, { kind: 'column', column: 'C' }] },
      {
        kind: 'cases',
        cases: [
          { when: { kind: 'all', of: [{ kind: 'in', column: 'A', values: ['x', 'ABC'] }, { kind: 'nonEmpty', column: 'B' }] }, then: 'both' },
          { when: { kind: 'startswith', column: 'B', prefix: 'AB' }, then: { kind: 'column', column: 'C' } },
          { when: { kind: 'empty', column: 'C' }, then: '' },
          { when: { kind: 'in', column: 'C', values: ['true'] }, then: 'yes' },
        ],
        otherwise: { kind: 'lower', of: { kind: 'column', column: 'A' } },
      },
      { kind: 'cases', cases: [{ when: { kind: 'in', column: 'A', values: ['', 'x'] }, then: 'empty-or-x' }] },
    ];
    const rows = rowArbitrary(['A', 'B', 'C'], ['x', 'ABC', 'AB', 'true']);
    for (const expr of exprs) {
      const compiled = compileValue(expr);
      fc.assert(
        fc.property(rows, (row) => Object.is(compiled(row), evaluateValue(expr, row))),
        { seed: 20260305, numRuns: 500 },
      );
    }
  });
});
