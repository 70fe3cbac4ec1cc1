// The two readings of a ValueExpr: KQL text (forwards) and evaluation on a result row (backwards). Each case
// below is written so that both readings give the same value on every row; the notes say why where it is not
// obvious. Agreement is also tested (test/targets/expr.test.ts) by running both on the same rows.
import { kqlString } from '../kql/string-literal.js';
import type { KqlType } from '../kql/schema.js';
import type { ColumnDeclaration, Condition, ResultRow, ValueExpr } from './types.js';

/** A Sigma event value as the adapter produces it: absent (undefined), a non-empty string, or a number. */
export type AdaptedValue = string | number | boolean | undefined;

/** A column reference in KQL: bare when it is a plain identifier, else `['name']`. */
export function kqlColumn(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) && !KQL_KEYWORDS.has(name) ? name : `[${kqlString(name)}]`;
}

// Column names we declare that a bare reference would misread; the list only needs the names we use.
const KQL_KEYWORDS = new Set(['Type', 'and', 'or', 'not', 'in', 'has', 'contains', 'between', 'by', 'on', 'with']);

/** The KQL type of an expression's value: 'string', 'int' or 'long'. */
export function valueType(expr: ValueExpr, columns: ReadonlyMap<string, ColumnDeclaration>): KqlType {
  switch (expr.kind) {
    case 'column':
      return columns.get(expr.column)?.type ?? 'string';
    case 'cases': {
      const first = expr.cases[0]?.then;
      return first === undefined || typeof first === 'string' ? 'string' : valueType(first, columns);
    }
    default:
      return 'string';
  }
}

/** Every raw column the expression reads (values and conditions). */
export function valueColumns(expr: ValueExpr, into: Set<string> = new Set()): Set<string> {
  switch (expr.kind) {
    case 'column':
    case 'member':
      into.add(expr.column);
      break;
    case 'first':
    case 'joinNonEmpty':
      for (const part of expr.of) valueColumns(part, into);
      break;
    case 'lower':
      valueColumns(expr.of, into);
      break;
    case 'concat':
      for (const part of expr.of) if (typeof part !== 'string') valueColumns(part, into);
      break;
    case 'cases':
      for (const { when, then } of expr.cases) {
        conditionColumns(when, into);
        if (typeof then !== 'string') valueColumns(then, into);
      }
      if (expr.otherwise) valueColumns(expr.otherwise, into);
      break;
  }
  return into;
}

export function conditionColumns(condition: Condition, into: Set<string>): void {
  if (condition.kind === 'all' || condition.kind === 'any') for (const part of condition.of) conditionColumns(part, into);
  else if (condition.kind === 'not') conditionColumns(condition.of, into);
  else into.add(condition.column);
}

// ---------------------------------------------------------------------------------------------------------------
// Forwards: KQL

export function renderValue(expr: ValueExpr, columns: ReadonlyMap<string, ColumnDeclaration>): string {
  switch (expr.kind) {
    case 'column':
      return kqlColumn(expr.column);
    case 'member':
      return `tostring(${kqlColumn(expr.column)}.${expr.member})`;
    case 'first':
      // coalesce() skips empty strings, not only nulls (Kusto docs, coalesce): the adapter's "first non-empty".
      return expr.of.length === 1 ? renderValue(expr.of[0]!, columns) : `coalesce(${expr.of.map((part) => renderValue(part, columns)).join(', ')})`;
    case 'lower':
      return `tolower(${renderValue(expr.of, columns)})`;
    case 'joinNonEmpty':
      return renderJoin(expr.of.map((part) => renderValue(part, columns)), kqlString(expr.separator));
    case 'concat':
      return `strcat(${expr.of.map((part) => (typeof part === 'string' ? kqlString(part) : renderValue(part, columns))).join(', ')})`;
    case 'cases': {
      const type = valueType(expr, columns);
      const pieces: string[] = [];
      for (const { when, then } of expr.cases) {
        pieces.push(renderCondition(when), typeof then === 'string' ? kqlString(then) : renderValue(then, columns));
      }
      pieces.push(expr.otherwise ? renderValue(expr.otherwise, columns) : type === 'string' ? '""' : `${type}(null)`);
      return `case(${pieces.join(', ')})`;
    }
  }
}

function renderJoin(parts: string[], separator: string): string {
  if (parts.length === 1) return parts[0]!;
  const head = parts[0]!;
  const rest = renderJoin(parts.slice(1), separator);
  return `iff(isempty(${head}), ${rest}, iff(isempty(${rest}), ${head}, strcat(${head}, ${separator}, ${rest})))`;
}

/** `columnText` renders a column reference (default: its quoted name); a query reading a column a union leg may
 *  lack before it is extended passes `column_ifexists(...)` here. */
export function renderCondition(condition: Condition, columnText: (name: string) => string = kqlColumn): string {
  const render = (inner: Condition) => renderCondition(inner, columnText);
  switch (condition.kind) {
    case 'in':
      return condition.values.length === 1
        ? `${columnText(condition.column)} == ${kqlString(condition.values[0]!)}`
        : `${columnText(condition.column)} in (${condition.values.map(kqlString).join(', ')})`;
    case 'startswith':
      return `${columnText(condition.column)} startswith_cs ${kqlString(condition.prefix)}`;
    case 'nonEmpty':
      return `isnotempty(${columnText(condition.column)})`;
    case 'empty':
      return `isempty(${columnText(condition.column)})`;
    case 'all':
      return `(${condition.of.map(render).join(' and ')})`;
    case 'any':
      return `(${condition.of.map(render).join(' or ')})`;
    case 'not':
      // The tests above are two-valued on every row (a string is never null in Kusto), so `not` is too.
      return `not(${render(condition.of)})`;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Backwards: evaluation on a row

/** A row cell as an adapted value: '' and null are absent; Dates become ISO text; objects become JSON text. */
function cellValue(cell: unknown): AdaptedValue {
  if (cell === undefined || cell === null) return undefined;
  if (typeof cell === 'string') return cell === '' ? undefined : cell;
  if (typeof cell === 'number') return Number.isNaN(cell) ? undefined : cell;
  if (typeof cell === 'bigint') return Number(cell);
  if (typeof cell === 'boolean') return cell;
  if (cell instanceof Date) return Number.isNaN(cell.getTime()) ? undefined : cell.toISOString();
  const text = JSON.stringify(cell);
  return text === undefined || text === '' ? undefined : text;
}

/** The text KQL's string functions see for a cell: '' for null. */
function cellText(cell: unknown): string {
  const value = cellValue(cell);
  return value === undefined ? '' : String(value);
}

/** `tostring(bag.member)` on a cell: a dynamic bag as the client parses it, or its JSON text (a CSV export). */
function memberText(cell: unknown, member: string): AdaptedValue {
  let bag = cell;
  if (typeof bag === 'string' && bag.startsWith('{')) {
    try {
      bag = JSON.parse(bag) as unknown;
    } catch {
      return undefined;
    }
  }
  if (typeof bag !== 'object' || bag === null || Array.isArray(bag) || !Object.hasOwn(bag, member)) return undefined;
  const value = (bag as Record<string, unknown>)[member];
  if (typeof value === 'string') return value === '' ? undefined : value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return value === null || value === undefined ? undefined : JSON.stringify(value);
}

export function evaluateValue(expr: ValueExpr, row: ResultRow): AdaptedValue {
  switch (expr.kind) {
    case 'column':
      return cellValue(row[expr.column]);
    case 'member':
      return memberText(row[expr.column], expr.member);
    case 'first':
      for (const part of expr.of) {
        const value = evaluateValue(part, row);
        if (value !== undefined) return value;
      }
      return undefined;
    case 'lower': {
      const value = evaluateValue(expr.of, row);
      return value === undefined ? undefined : String(value).toLowerCase();
    }
    case 'joinNonEmpty': {
      const parts = expr.of.map((part) => evaluateValue(part, row)).filter((part) => part !== undefined);
      return parts.length === 0 ? undefined : parts.map(String).join(expr.separator);
    }
    case 'concat': {
      const text = expr.of.map((part) => (typeof part === 'string' ? part : textOf(evaluateValue(part, row)))).join('');
      return text === '' ? undefined : text;
    }
    case 'cases':
      for (const { when, then } of expr.cases) {
        if (!evaluateCondition(when, row)) continue;
        return typeof then === 'string' ? (then === '' ? undefined : then) : evaluateValue(then, row);
      }
      return expr.otherwise ? evaluateValue(expr.otherwise, row) : undefined;
  }
}

function textOf(value: AdaptedValue): string {
  return value === undefined ? '' : String(value);
}

export function evaluateCondition(condition: Condition, row: ResultRow): boolean {
  switch (condition.kind) {
    case 'in':
      return condition.values.includes(cellText(row[condition.column]));
    case 'startswith':
      return cellText(row[condition.column]).startsWith(condition.prefix);
    case 'nonEmpty':
      return cellText(row[condition.column]) !== '';
    case 'empty':
      return cellText(row[condition.column]) === '';
    case 'all':
      return condition.of.every((part) => evaluateCondition(part, row));
    case 'any':
      return condition.of.some((part) => evaluateCondition(part, row));
    case 'not':
      return !evaluateCondition(condition.of, row);
  }
}

/** The values a `cases` expression can take when every case yields fixed text and there is no `otherwise`:
 *  a finite domain the compiler can test value by value. Null otherwise. */
export function finiteDomain(expr: ValueExpr): { value: string; when: Condition }[] | null {
  if (expr.kind !== 'cases' || expr.otherwise) return null;
  const domain: { value: string; when: Condition }[] = [];
  for (const { when, then } of expr.cases) {
    if (typeof then !== 'string') return null;
    domain.push({ value: then, when });
  }
  return domain;
}

// ---------------------------------------------------------------------------------------------------------------
// Backwards, compiled: the same evaluation as closures built once per expression. Interpreting the expression
// tree per row cost ~0.9 µs per row and pass on a 500,000-row window (the switch, the `of` arrays mapped and
// filtered per row); the closures do the same steps in the same order without the walk. They read a row's cells
// from an array by position: `row[column]` with a different name at one site is a megamorphic lookup, paid once
// per column and row by the caller instead of once per use. evaluateValue stays the reference:
// test/targets/compiled-expr.test.ts checks that both give the same value on generated rows.

/** A row's cells in the order of a `CellSlots` (undefined for a column the row lacks). */
export type RowCells = readonly unknown[];
/** The position of a column in a `RowCells`: defined for every column the expression reads (valueColumns). */
export type CellSlots = (column: string) => number;
/** A ValueExpr ready to evaluate on a row's cells. */
export type CompiledCellValue = (cells: RowCells) => AdaptedValue;
type CompiledCondition = (cells: RowCells) => boolean;

/** A ValueExpr ready to evaluate on rows. */
export type CompiledValue = (row: ResultRow) => AdaptedValue;

/** The expression as a function of a row (compileCellValue with the slots of its own columns). */
export function compileValue(expr: ValueExpr): CompiledValue {
  const columns = [...valueColumns(expr)];
  const compiled = compileCellValue(expr, (column) => columns.indexOf(column));
  return (row) => compiled(columns.map((column) => row[column]));
}

/** The expression as a function of a row's cells, each column read from the cell `slotOf` gives it. */
export function compileCellValue(expr: ValueExpr, slotOf: CellSlots): CompiledCellValue {
  const compile = (inner: ValueExpr): CompiledCellValue => compileCellValue(inner, slotOf);
  switch (expr.kind) {
    case 'column': {
      const slot = slotOf(expr.column);
      return (cells) => cellValue(cells[slot]);
    }
    case 'member': {
      const slot = slotOf(expr.column);
      const member = expr.member;
      return (cells) => memberText(cells[slot], member);
    }
    case 'first': {
      const parts = expr.of.map(compile);
      if (parts.length === 1) return parts[0]!;
      if (parts.length === 2) {
        const [head, tail] = parts as [CompiledCellValue, CompiledCellValue];
        return (cells) => {
          const value = head(cells);
          return value !== undefined ? value : tail(cells);
        };
      }
      return (cells) => {
        for (const part of parts) {
          const value = part(cells);
          if (value !== undefined) return value;
        }
        return undefined;
      };
    }
    case 'lower': {
      const of = compile(expr.of);
      return (cells) => {
        const value = of(cells);
        return value === undefined ? undefined : String(value).toLowerCase();
      };
    }
    case 'joinNonEmpty': {
      const parts = expr.of.map(compile);
      const separator = expr.separator;
      return (cells) => {
        let joined: string | undefined;
        for (const part of parts) {
          const value = part(cells);
          if (value === undefined) continue;
          joined = joined === undefined ? String(value) : joined + separator + String(value);
        }
        return joined;
      };
    }
    case 'concat': {
      const parts = expr.of.map((part): string | CompiledCellValue => (typeof part === 'string' ? part : compile(part)));
      return (cells) => {
        let text = '';
        for (const part of parts) text += typeof part === 'string' ? part : textOf(part(cells));
        return text === '' ? undefined : text;
      };
    }
    case 'cases': {
      const cases = expr.cases.map(({ when, then }) => ({
        when: compileCondition(when, slotOf),
        then: typeof then === 'string' ? constantValue(then === '' ? undefined : then) : compile(then),
      }));
      const otherwise = expr.otherwise ? compile(expr.otherwise) : constantValue(undefined);
      return (cells) => {
        for (const { when, then } of cases) if (when(cells)) return then(cells);
        return otherwise(cells);
      };
    }
  }
}

function constantValue(value: AdaptedValue): CompiledCellValue {
  return () => value;
}

function compileCondition(condition: Condition, slotOf: (column: string) => number): CompiledCondition {
  switch (condition.kind) {
    case 'in': {
      const slot = slotOf(condition.column);
      if (condition.values.length === 1) {
        const only = condition.values[0]!;
        return (cells) => cellText(cells[slot]) === only;
      }
      // Set.has and Array.includes agree on strings (SameValueZero); the set is for long lists.
      const values = new Set(condition.values);
      return (cells) => values.has(cellText(cells[slot]));
    }
    case 'startswith': {
      const slot = slotOf(condition.column);
      const prefix = condition.prefix;
      return (cells) => cellText(cells[slot]).startsWith(prefix);
    }
    case 'nonEmpty': {
      const slot = slotOf(condition.column);
      return (cells) => cellText(cells[slot]) !== '';
    }
    case 'empty': {
      const slot = slotOf(condition.column);
      return (cells) => cellText(cells[slot]) === '';
    }
    case 'all': {
      const parts = condition.of.map((part) => compileCondition(part, slotOf));
      return (cells) => parts.every((part) => part(cells));
    }
    case 'any': {
      const parts = condition.of.map((part) => compileCondition(part, slotOf));
      return (cells) => parts.some((part) => part(cells));
    }
    case 'not': {
      const inner = compileCondition(condition.of, slotOf);
      return (cells) => !inner(cells);
    }
  }
}
