/**
 * The fan-out's clients, built once per process: the LogsQueryClient with the global query-slot policy in its
 * pipeline, the incident and checkpoint tables, the slots table, and the two queues. Azure: one managed identity
 * for all of them. Locally: Azurite (tables and queues) and the Log Analytics fake.
 */
import { TableClient } from '@azure/data-tables';
import { DefaultAzureCredential, type TokenCredential } from '@azure/identity';
import type { LogsQueryClient } from '@azure/monitor-query-logs';
import { ConfigError } from '../hunt/config.js';
import type { HuntLog } from '../hunt/pipeline.js';
import { createLogsQueryClient } from '../loganalytics/index.js';
import { statusOf } from '../store/errors.js';
import { createTableClients, type TableClients } from '../store/tables.js';
import type { FanoutConfig } from './config.js';
import { QUERY_SLOT_POLICY, querySlotPolicy, QuerySlots, type QuerySlotsOptions } from './query-slots.js';
import { createFanoutQueues, type FanoutQueues } from './queues.js';

export interface FanoutClients {
  logsClient: LogsQueryClient;
  tables: TableClients;
  queues: FanoutQueues;
  slots: QuerySlots;
  /** The table behind `slots` (the chaos rig gives each simulated host its own QuerySlots and clock on it). */
  slotsTable: TableClient;
}

/** Puts the slot policy into the client's pipeline, around each attempt (the SDK's own retries are off). */
export function withQuerySlots(logsClient: LogsQueryClient, slots: QuerySlots, log?: HuntLog): LogsQueryClient {
  logsClient.pipeline.removePolicy({ name: QUERY_SLOT_POLICY });
  logsClient.pipeline.addPolicy(
    querySlotPolicy(slots, (event) => {
      if (event.kind === 'throttled') log?.warn(`Log Analytics throttled a query (429): every instance pauses ${event.pauseMs} ms`);
      else log?.warn(`no query slot: ${event.reason}`);
    }),
    { afterPhase: 'Retry' },
  );
  return logsClient;
}

export async function slotsTableClient(options: { endpoint?: string; connectionString?: string; credential?: TokenCredential; tableName: string }): Promise<TableClient> {
  const client =
    options.connectionString !== undefined
      ? TableClient.fromConnectionString(options.connectionString, options.tableName, { allowInsecureConnection: true })
      : new TableClient(options.endpoint ?? '', options.tableName, options.credential ?? new DefaultAzureCredential());
  try {
    await client.createTable();
  } catch (error) {
    if (statusOf(error) !== 409) throw error;
  }
  return client;
}

export async function azureFanoutClients(config: FanoutConfig, log: HuntLog, credential?: TokenCredential): Promise<FanoutClients> {
  const hunt = config.hunt;
  const identity = credential ?? new DefaultAzureCredential(hunt.managedIdentityClientId ? { managedIdentityClientId: hunt.managedIdentityClientId } : {});
  if (!hunt.tableEndpoint) throw new ConfigError([{ setting: 'HUNT_STORAGE_TABLE_ENDPOINT', reason: 'required to write incidents to Azure: https://<account>.table.core.windows.net' }]);
  if (!config.queueEndpoint) throw new ConfigError([{ setting: 'AzureWebJobsStorage__queueServiceUri', reason: 'required for the fan-out: https://<account>.queue.core.windows.net' }]);
  const [tables, slotsTable, queues] = await Promise.all([
    createTableClients({ endpoint: hunt.tableEndpoint, credential: identity, incidentsTable: hunt.incidentsTable, checkpointsTable: hunt.checkpointsTable }),
    slotsTableClient({ endpoint: hunt.tableEndpoint, credential: identity, tableName: config.slotsTable }),
    createFanoutQueues({ endpoint: config.queueEndpoint, credential: identity, queueName: config.queueName, poisonQueueName: config.poisonQueueName }),
  ]);
  const slots = new QuerySlots(slotsTable, { slots: config.querySlots });
  const logsClient = withQuerySlots(
    createLogsQueryClient({ endpoint: hunt.logAnalyticsEndpoint, scopes: [hunt.logAnalyticsScope], credential: identity, userAgentPrefix: 'sigma-hunt' }),
    slots,
    log,
  );
  return { logsClient, tables, queues, slots, slotsTable };
}

/** Local clients: Azurite's table and queue services and the Log Analytics fake. */
export async function localFanoutClients(
  config: FanoutConfig,
  options: { tableConnectionString: string; queueConnectionString: string; logAnalyticsUrl: string; log?: HuntLog; slots?: Partial<QuerySlotsOptions>; tableSuffix?: string },
): Promise<FanoutClients> {
  const suffix = options.tableSuffix ?? '';
  const [tables, slotsTable, queues] = await Promise.all([
    createTableClients({ connectionString: options.tableConnectionString, incidentsTable: config.hunt.incidentsTable + suffix, checkpointsTable: config.hunt.checkpointsTable + suffix }),
    slotsTableClient({ connectionString: options.tableConnectionString, tableName: config.slotsTable + suffix }),
    createFanoutQueues({ connectionString: options.queueConnectionString, queueName: config.queueName, poisonQueueName: config.poisonQueueName }),
  ]);
  const slots = new QuerySlots(slotsTable, { slots: config.querySlots, ...options.slots });
  const logsClient = withQuerySlots(createLogsQueryClient({ endpoint: options.logAnalyticsUrl, insecureLocal: true }), slots, options.log);
  return { logsClient, tables, queues, slots, slotsTable };
}
