// The row adapter: a Log Analytics result row back into the Sigma event the matcher verifies. Generic: it only
// evaluates each field's ValueExpr (src/targets/expr.ts) on the row, the same expression the compiler rendered.
//
// Decisions (also in src/targets/README.md):
// - An empty string or null cell is an absent value; a field whose value is absent is left out of the event.
//   Kusto strings are never null, so '' is the only way a row says "no value" (and a union leg without the column
//   gives ''). Hence Sigma `null` ⇔ KQL isempty(), `exists: true` ⇔ isnotempty(), and a string test that would
//   accept '' (`*`) also requires isnotempty(); the value '' itself never matches.
// - A field is computed only when the row holds every column its expression reads: a row projected without them
//   says nothing about the field (rather than something wrong, e.g. a coalesce missing its first column).
// - Numbers stay numbers (the matcher compares them by their string form, as Kusto's tostring() prints them).
import type { SigmaEvent } from '../match/types.js';
import { evaluateValue, valueColumns } from './expr.js';
import type { CategoryMapping, ResultRow } from './types.js';

/** The Sigma fields of a mapping and the columns each needs, computed once per mapping. */
const plans = new WeakMap<CategoryMapping, { field: string; columns: string[]; mapping: Extract<CategoryMapping['fields'][string], { kind: 'value' }> }[]>();

function planFor(mapping: CategoryMapping) {
  let plan = plans.get(mapping);
  if (!plan) {
    plan = [];
    for (const [field, fieldMapping] of Object.entries(mapping.fields)) {
      if (fieldMapping.kind !== 'value') continue;
      plan.push({ field, columns: [...valueColumns(fieldMapping.value)], mapping: fieldMapping });
    }
    plans.set(mapping, plan);
  }
  return plan;
}

/** The Sigma event a row of this category means. */
export function adaptRow(mapping: CategoryMapping, row: ResultRow): SigmaEvent {
  const event: Record<string, unknown> = {};
  for (const { field, columns, mapping: fieldMapping } of planFor(mapping)) {
    if (!columns.every((column) => Object.hasOwn(row, column))) continue;
    const value = evaluateValue(fieldMapping.value, row);
    if (value !== undefined) event[field] = value;
  }
  return event;
}

/** The Sigma fields a row with these columns can carry (the fields `adaptRow` may set). */
export function adaptedFields(mapping: CategoryMapping, columns: readonly string[]): string[] {
  const available = new Set(columns);
  return planFor(mapping)
    .filter(({ columns: needed }) => needed.every((column) => available.has(column)))
    .map(({ field }) => field);
}
