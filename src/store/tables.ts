/**
 * Table clients for the incident and checkpoint tables. In Azure: the account's table endpoint with a managed
 * identity (DefaultAzureCredential unless a credential is given); shared keys are refused, so the storage
 * account can keep `allowSharedKeyAccess: false`. Locally: Azurite's development connection string over
 * plain http.
 */
import { TableClient, type TableServiceClientOptions } from '@azure/data-tables';
import { DefaultAzureCredential, type TokenCredential } from '@azure/identity';
import { StoreError, statusOf } from './errors.js';
import { ESCAPE_LINE_SEPARATORS_PHASE, escapeLineSeparatorsPolicy } from './line-separators.js';

export interface TableClientsConfig {
  /** `https://<account>.table.core.windows.net` (Azure). */
  endpoint?: string;
  /** Azurite only: a connection string whose table endpoint is on this machine. */
  connectionString?: string;
  /** Token credential for `endpoint`; DefaultAzureCredential (managed identity in Azure) when absent. */
  credential?: TokenCredential;
  incidentsTable: string;
  checkpointsTable: string;
  /** Client options passed through (retry policy, additional pipeline policies in tests). */
  clientOptions?: TableServiceClientOptions;
}

export interface TableClients {
  incidents: TableClient;
  checkpoints: TableClient;
}

// Table names: alphanumeric, starting with a letter, 3-63 characters; `tables` is reserved.
const TABLE_NAME = /^[A-Za-z][A-Za-z0-9]{2,62}$/;
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** Creates the two clients and the tables when missing (a table that already exists is fine). */
export async function createTableClients(config: TableClientsConfig): Promise<TableClients> {
  for (const name of [config.incidentsTable, config.checkpointsTable]) {
    if (!TABLE_NAME.test(name) || name.toLowerCase() === 'tables') {
      throw new StoreError('config', `invalid table name '${name}': 3-63 letters and digits, starting with a letter`);
    }
  }
  const clients: TableClients = {
    incidents: clientFor(config, config.incidentsTable),
    checkpoints: clientFor(config, config.checkpointsTable),
  };
  await Promise.all([ensureTable(clients.incidents), ensureTable(clients.checkpoints)]);
  return clients;
}

function clientFor(config: TableClientsConfig, tableName: string): TableClient {
  const client = unescapedClientFor(config, tableName);
  // Transactions carry event values: see src/store/line-separators.ts for why U+2028/U+2029 are escaped.
  client.pipeline.addPolicy(escapeLineSeparatorsPolicy, { phase: ESCAPE_LINE_SEPARATORS_PHASE });
  return client;
}

function unescapedClientFor(config: TableClientsConfig, tableName: string): TableClient {
  if ((config.endpoint === undefined) === (config.connectionString === undefined)) {
    throw new StoreError('config', 'give exactly one of endpoint (Azure) or connectionString (Azurite)');
  }
  if (config.connectionString !== undefined) {
    const endpoint = tableEndpointOf(config.connectionString);
    if (!endpoint || !LOOPBACK_HOSTS.has(endpoint.host.replace(/:\d+$/, ''))) {
      throw new StoreError(
        'config',
        'a connection string is accepted for a local emulator only (TableEndpoint on 127.0.0.1/localhost); in Azure use endpoint with a managed identity',
      );
    }
    return TableClient.fromConnectionString(config.connectionString, tableName, {
      ...config.clientOptions,
      allowInsecureConnection: endpoint.protocol === 'http:',
    });
  }
  const endpoint = parseUrl(config.endpoint ?? '');
  if (!endpoint || endpoint.protocol !== 'https:') {
    throw new StoreError('config', `table endpoint must be an https URL, got '${config.endpoint}'`);
  }
  return new TableClient(endpoint.href.replace(/\/$/, ''), tableName, config.credential ?? new DefaultAzureCredential(), config.clientOptions);
}

function tableEndpointOf(connectionString: string): URL | undefined {
  const settings = new Map<string, string>();
  for (const part of connectionString.split(';')) {
    const separator = part.indexOf('=');
    if (separator > 0) settings.set(part.slice(0, separator).trim().toLowerCase(), part.slice(separator + 1).trim());
  }
  if (settings.get('usedevelopmentstorage')?.toLowerCase() === 'true') return new URL('http://127.0.0.1:10002/devstoreaccount1');
  const endpoint = settings.get('tableendpoint');
  return endpoint ? parseUrl(endpoint) : undefined;
}

function parseUrl(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}

async function ensureTable(client: TableClient): Promise<void> {
  try {
    // createTable already ignores TableAlreadyExists when the error body says so; the catch covers a 409
    // whose body the SDK could not read. A table that is being deleted is not fine: writes would fail.
    await client.createTable();
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (statusOf(error) !== 409 || code === 'TableBeingDeleted') throw error;
  }
}
