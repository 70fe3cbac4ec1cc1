/**
 * Reads the latest version of every incident back from the workspace, the way an analyst or the analytics rule
 * does (schema.ts): `SigmaHuntIncidents_CL | summarize arg_max(Version, *) by IncidentKey`.
 */
import type { LogsQueryClient } from '@azure/monitor-query-logs';
import { INCIDENTS_TABLE } from './schema.js';

export const LATEST_INCIDENTS_QUERY = `${INCIDENTS_TABLE.table} | summarize arg_max(Version, *) by IncidentKey`;

export interface LatestIncidentVersion {
  incidentKey: string;
  version: number;
}

export async function readLatestIncidentVersions(client: LogsQueryClient, workspaceId: string, lookbackDays = 30): Promise<LatestIncidentVersion[]> {
  const result = await client.queryWorkspace(workspaceId, LATEST_INCIDENTS_QUERY, { duration: `P${lookbackDays}D` });
  const table = result.status === 'Success' ? result.tables[0] : result.partialTables[0];
  if (!table) return [];
  const key = table.columnDescriptors.findIndex((column) => column.name === 'IncidentKey');
  const version = table.columnDescriptors.findIndex((column) => column.name === 'Version');
  return table.rows.map((row) => ({ incidentKey: String(row[key]), version: Number(row[version]) }));
}
