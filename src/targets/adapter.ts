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
import { compileCellValue, valueColumns, type CompiledCellValue } from './expr.js';
import type { CategoryMapping, ResultRow } from './types.js';

interface FieldPlan {
  field: string;
  /** Slots (in AdapterPlan.columns) of the columns the field's expression reads. */
  slots: number[];
  value: CompiledCellValue;
}

/** Every column a mapping's fields read, and per field (in code-unit order) its slots and compiled expression. */
interface AdapterPlan {
  columns: string[];
  fields: FieldPlan[];
  /** Scratch cells and presence of the row being adapted: adaptRow is synchronous and the compiled
   *  expressions call nothing outside, so one pair per mapping is never in use twice at once. */
  cells: unknown[];
  present: boolean[];
}

const plans = new WeakMap<CategoryMapping, AdapterPlan>();

function planFor(mapping: CategoryMapping): AdapterPlan {
  let plan = plans.get(mapping);
  if (!plan) {
    const slots = new Map<string, number>();
    const fields: FieldPlan[] = [];
    for (const [field, fieldMapping] of Object.entries(mapping.fields)) {
      if (fieldMapping.kind !== 'value') continue;
      const fieldSlots: number[] = [];
      for (const column of valueColumns(fieldMapping.value)) {
        if (!slots.has(column)) slots.set(column, slots.size);
        fieldSlots.push(slots.get(column)!);
      }
      // Every column the expression reads was given a slot just above.
      fields.push({ field, slots: fieldSlots, value: compileCellValue(fieldMapping.value, (column) => slots.get(column)!) });
    }
    // Events get their fields in code-unit order, the order an incident stores an event in: the store can then
    // keep the event as is instead of a sorted copy per hit (src/incidents/grouping.ts boundEvent).
    fields.sort((left, right) => (left.field < right.field ? -1 : left.field > right.field ? 1 : 0));
    const columns = [...slots.keys()];
    plan = { columns, fields, cells: new Array<unknown>(columns.length).fill(undefined), present: new Array<boolean>(columns.length).fill(false) };
    plans.set(mapping, plan);
  }
  return plan;
}

/** The Sigma event a row of this category means. */
export function adaptRow(mapping: CategoryMapping, row: ResultRow): SigmaEvent {
  const { columns, fields, cells, present } = planFor(mapping);
  for (let slot = 0; slot < columns.length; slot++) {
    const cell = row[columns[slot]!];
    cells[slot] = cell;
    present[slot] = cell !== undefined || Object.hasOwn(row, columns[slot]!);
  }
  const event: Record<string, unknown> = {};
  for (const { field, slots, value: valueOf } of fields) {
    if (!allPresent(present, slots)) continue;
    const value = valueOf(cells);
    if (value !== undefined) event[field] = value;
  }
  // The scratch must not keep the row's values alive.
  cells.fill(undefined);
  return event;
}

function allPresent(present: readonly boolean[], slots: readonly number[]): boolean {
  for (const slot of slots) if (!present[slot]) return false;
  return true;
}

