/**
 * The Logs Ingestion client (`@azure/monitor-ingestion`) as an IngestionSink. In Azure it authenticates with the
 * app's managed identity, which holds Monitoring Metrics Publisher on the data collection rule. Locally it talks
 * plain http to src/local/ingestion-fake.ts without a token: the bearer policy refuses http, so it is removed.
 */
import type { TokenCredential } from '@azure/identity';
import { LogsIngestionClient } from '@azure/monitor-ingestion';
import type { SentinelConfig } from './config.js';
import type { SentinelRow, SentinelTable } from './schema.js';
import type { IngestionSink } from './write-back.js';

const BEARER_POLICY = 'bearerTokenAuthenticationPolicy';

const localCredential: TokenCredential = {
  getToken: async () => ({ token: 'local-fake', expiresOnTimestamp: Date.now() + 3_600_000 }),
};

export interface IngestionClientOptions {
  credential?: TokenCredential;
  /** Plain http without a token, for the local fake. Never for a real endpoint. */
  insecureLocal?: boolean;
}

export function createIngestionSink(config: SentinelConfig, options: IngestionClientOptions): IngestionSink {
  const credential = options.credential ?? (options.insecureLocal ? localCredential : undefined);
  if (!credential) throw new TypeError('createIngestionSink: a credential is required outside the local run');
  const client = new LogsIngestionClient(config.ingestionEndpoint, credential, {
    userAgentOptions: { userAgentPrefix: 'sigma-hunt' },
    ...(options.insecureLocal ? { allowInsecureConnection: true } : {}),
  });
  if (options.insecureLocal) client.pipeline.removePolicy({ name: BEARER_POLICY });
  return {
    upload: (table: SentinelTable, rows: SentinelRow[]) => client.upload(config.dcrImmutableId, table.stream, rows),
  };
}
