/**
 * The custom tables as the Kusto language service sees them, to check the KQL that reads them (the analytics rule
 * and workbook in infra/sentinel/, the read-back query) against the columns the writer sends.
 */
import { analyzeKql, kqlErrors, type KqlDiagnostic } from '../kql/analysis.js';
import { declareDatabase, type KqlDatabaseSchema, type KqlDeclaredDatabase } from '../kql/schema.js';
import { KQL_COLUMN_TYPE, SENTINEL_TABLES } from './schema.js';

export const SENTINEL_DATABASE: KqlDatabaseSchema = {
  name: 'SentinelWorkspace',
  tables: SENTINEL_TABLES.map((table) => ({ name: table.table, columns: table.columns.map((column) => ({ name: column.name, type: KQL_COLUMN_TYPE[column.type] })) })),
  functions: [],
};

let declared: KqlDeclaredDatabase | undefined;

/** Error diagnostics of `query` against the custom tables (empty: the query is valid on them). */
export function sentinelKqlErrors(query: string): KqlDiagnostic[] {
  declared ??= declareDatabase(SENTINEL_DATABASE);
  return kqlErrors(analyzeKql(query, declared));
}
