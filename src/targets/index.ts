// The target registry and each target's database declaration for the Kusto parser (derived from the category
// mappings, so a table or function is declared exactly as the compiler and the adapter read it).
import { declareDatabase, type KqlColumnSchema, type KqlDatabaseSchema, type KqlDeclaredDatabase, type KqlFunctionSchema, type KqlTableSchema } from '../kql/schema.js';
import { asimTarget } from './asim.js';
import { mdeTarget } from './mde.js';
import { sysmonTarget } from './sysmon.js';
import type { CategoryMapping, SigmaCategory, TargetName, TargetSchema } from './types.js';

export * from './types.js';
export { adaptRow } from './adapter.js';

export const TARGETS: Readonly<Record<TargetName, TargetSchema>> = {
  asim: asimTarget,
  mde: mdeTarget,
  sysmon: sysmonTarget,
};

export function isTargetName(name: string): name is TargetName {
  return Object.hasOwn(TARGETS, name);
}

export function categoryMapping(target: TargetName, category: string): CategoryMapping | undefined {
  return Object.hasOwn(TARGETS[target].categories, category) ? TARGETS[target].categories[category as SigmaCategory] : undefined;
}

/** The tables and functions a target's queries read, as the Kusto parser must know them. */
export function targetDatabaseSchema(target: TargetName): KqlDatabaseSchema {
  const tables = new Map<string, Map<string, KqlColumnSchema>>();
  const functions: KqlFunctionSchema[] = [];
  for (const mapping of Object.values(TARGETS[target].categories)) {
    // Optional columns are read through column_ifexists, so they are not declared: a query that named one
    // directly would fail the analysis, as it could fail in a workspace without that source.
    const columns = mapping.columns.filter((column) => !column.optional).map(({ name, type }) => ({ name, type }));
    const source = mapping.source;
    if (source.kind === 'table') {
      const declared = tables.get(source.table) ?? new Map<string, KqlColumnSchema>();
      for (const column of columns) declared.set(column.name, column);
      tables.set(source.table, declared);
    } else {
      for (const name of [source.name, source.workspaceName]) {
        functions.push({ name, parameters: source.parameters, resultColumns: columns });
      }
    }
  }
  const tableSchemas: KqlTableSchema[] = [...tables].map(([name, columns]) => ({ name, columns: [...columns.values()] }));
  return { name: `sigma-hunt-${target}`, tables: tableSchemas, functions };
}

const declared = new Map<TargetName, KqlDeclaredDatabase>();

/** The declared database (built once per process: building loads the Kusto parser). */
export function targetDatabase(target: TargetName): KqlDeclaredDatabase {
  let database = declared.get(target);
  if (!database) {
    database = declareDatabase(targetDatabaseSchema(target));
    declared.set(target, database);
  }
  return database;
}
