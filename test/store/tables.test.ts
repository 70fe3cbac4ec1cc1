import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startAzurite, type RunningAzurite } from '../../src/local/azurite.js';
import { StoreError } from '../../src/store/errors.js';
import { createTableClients } from '../../src/store/tables.js';

let azurite: RunningAzurite;
beforeAll(async () => {
  azurite = await startAzurite({ silent: true });
});
afterAll(async () => {
  await azurite?.stop();
});

async function configError(promise: Promise<unknown>): Promise<string | undefined> {
  const failure = await promise.catch((error: unknown) => error);
  return failure instanceof StoreError ? failure.code : undefined;
}

describe('table clients', () => {
  test('creates both tables, and creating them again is fine', async () => {
    const config = { connectionString: azurite.connectionString, incidentsTable: 'incidentsA', checkpointsTable: 'checkpointsA' };
    const first = await createTableClients(config);
    await first.incidents.createEntity({ partitionKey: 'p', rowKey: 'r', value: 'kept' });
    const second = await createTableClients(config);
    expect((await second.incidents.getEntity('p', 'r')).value).toBe('kept');
    let checkpointRows = 0;
    for await (const _ of second.checkpoints.listEntities()) checkpointRows += 1;
    expect(checkpointRows).toBe(0);
  });

  test('a connection string is refused unless its table endpoint is on this machine', async () => {
    const remote = azurite.connectionString.replace(/TableEndpoint=[^;]+/, 'TableEndpoint=https://acct.table.core.windows.net');
    expect(await configError(createTableClients({ connectionString: remote, incidentsTable: 'incidents', checkpointsTable: 'checkpoints' }))).toBe('config');
    const accountOnly = 'DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=a2V5;EndpointSuffix=core.windows.net';
    expect(await configError(createTableClients({ connectionString: accountOnly, incidentsTable: 'incidents', checkpointsTable: 'checkpoints' }))).toBe('config');
  });

  test('an endpoint must be https, and exactly one of endpoint or connection string is given', async () => {
    const tables = { incidentsTable: 'incidents', checkpointsTable: 'checkpoints' };
    expect(await configError(createTableClients({ endpoint: 'http://acct.table.core.windows.net', ...tables }))).toBe('config');
    expect(await configError(createTableClients({ ...tables }))).toBe('config');
    expect(await configError(createTableClients({ endpoint: 'https://acct.table.core.windows.net', connectionString: azurite.connectionString, ...tables }))).toBe('config');
  });

  test('table names outside the service rules are refused before any request', async () => {
    for (const name of ['ab', '1incidents', 'inc-idents', 'tables', 'x'.repeat(64)]) {
      expect(await configError(createTableClients({ connectionString: azurite.connectionString, incidentsTable: name, checkpointsTable: 'checkpoints' })), name).toBe('config');
    }
  });
});
