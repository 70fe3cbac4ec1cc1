/**
 * The write-back step of a timer tick, after the hunt (also after a failed one: what it stored is sent): settings
 * parsed once (SENTINEL_*; both empty: off), clients built once and reused, one JSON line per tick
 * (`event: "sigma-hunt.sentinel"`). It never throws: a failed upload or an unreadable store is logged and retried
 * on the next tick (the ledger only records what arrived), and never fails the hunt's invocation.
 */
import { DefaultAzureCredential, type TokenCredential } from '@azure/identity';
import { parseHuntConfig } from '../hunt/config.js';
import type { HuntLog } from '../hunt/pipeline.js';
import { IncidentStore } from '../store/incident-store.js';
import { createTableClients } from '../store/tables.js';
import { parseSentinelConfig, SentinelConfigError } from './config.js';
import { createIngestionSink } from './ingestion.js';
import { TableSentLedger } from './ledger.js';
import { reasonOf, writeBackToSentinel, type IncidentSource, type IngestionSink, type SentLedger, type WriteBackReport } from './write-back.js';

export interface WriteBackClients {
  source: IncidentSource;
  ledger: SentLedger;
  sink: IngestionSink;
}

export function sentinelWriteBackStep(
  env: Readonly<Record<string, string | undefined>>,
  options: { credential?: TokenCredential; clients?: WriteBackClients } = {},
): (log: HuntLog) => Promise<WriteBackReport | undefined> {
  let setup: ReturnType<typeof parseSentinelConfig> | SentinelConfigError;
  try {
    setup = parseSentinelConfig(env);
  } catch (error) {
    if (!(error instanceof SentinelConfigError)) throw error;
    setup = error;
  }
  let clients: Promise<WriteBackClients> | undefined = options.clients ? Promise.resolve(options.clients) : undefined;
  return async (log) => {
    if (setup === undefined) return undefined;
    if (setup instanceof SentinelConfigError) {
      log.error(setup.message, { problems: setup.problems });
      return undefined;
    }
    const config = setup;
    clients ??= (async () => {
      const hunt = parseHuntConfig(env);
      const credential = options.credential ?? new DefaultAzureCredential(hunt.managedIdentityClientId ? { managedIdentityClientId: hunt.managedIdentityClientId } : {});
      const tables = await createTableClients({ endpoint: hunt.tableEndpoint!, credential, incidentsTable: hunt.incidentsTable, checkpointsTable: hunt.checkpointsTable });
      return {
        source: new IncidentStore(tables.incidents, { groupingWindowMs: hunt.groupingWindowMs }),
        ledger: new TableSentLedger(tables.checkpoints),
        sink: createIngestionSink(config, { credential }),
      };
    })().catch((error: unknown) => {
      clients = undefined;
      throw error;
    });
    try {
      const report = await writeBackToSentinel(await clients);
      (report.failed > 0 ? log.warn : log.info)(JSON.stringify(report));
      return report;
    } catch (error) {
      // The incidents or the ledger could not be read: nothing was recorded, the next tick sends it all.
      log.error(`sentinel write-back: ${reasonOf(error)}`);
      return undefined;
    }
  };
}
