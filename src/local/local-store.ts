/**
 * The incident tables for the CLI: Azure Table Storage when a table endpoint is configured (managed identity or
 * the developer's login), else the local store the local run writes, Azurite over `.local/azurite/` of the
 * checkout.
 */
import path from 'node:path';
import type { TokenCredential } from '@azure/identity';
import { DefaultAzureCredential } from '@azure/identity';
import type { HuntConfig } from '../hunt/config.js';
import { createTableClients, type TableClients } from '../store/tables.js';
import { startAzurite } from './azurite.js';
import { projectRootOf } from './run-local.js';

export interface OpenedTables {
  tables: TableClients;
  /** `azure <endpoint>` or `local <folder>`. */
  where: string;
  close(): Promise<void>;
}

export async function openHuntTables(config: HuntConfig, options: { localDir?: string; credential?: TokenCredential } = {}): Promise<OpenedTables> {
  const names = { incidentsTable: config.incidentsTable, checkpointsTable: config.checkpointsTable };
  if (config.tableEndpoint) {
    const credential = options.credential ?? new DefaultAzureCredential(config.managedIdentityClientId ? { managedIdentityClientId: config.managedIdentityClientId } : {});
    const tables = await createTableClients({ endpoint: config.tableEndpoint, credential, ...names });
    return { tables, where: `azure ${config.tableEndpoint}`, close: async () => {} };
  }
  const localDir = options.localDir ?? path.join(projectRootOf(), '.local');
  const azurite = await startAzurite({ location: path.join(localDir, 'azurite'), silent: true });
  try {
    const tables = await createTableClients({ connectionString: azurite.connectionString, ...names });
    return { tables, where: `local ${localDir}`, close: () => azurite.stop() };
  } catch (error) {
    await azurite.stop();
    throw error;
  }
}
