/**
 * Write-back to Sentinel: after a hunt, every incident whose stored version the workspace has not yet received
 * is sent through the Logs Ingestion API, its hits first, then the incident version, then the version is recorded
 * as sent. At least once: a crash or a failed record after a send sends the same version again next time, which
 * `arg_max(Version, *) by IncidentKey` absorbs (see schema.ts). A failed upload leaves the version unrecorded, so
 * the next run retries it; the report says what failed and why.
 *
 * Which versions are pending is read from the incident store (every incident, compared with a ledger of sent
 * versions): no change to the hunt's own write path, and a version is never lost between the store and the
 * workspace. The cost is one listing of the incidents table per run.
 */
import type { Incident } from '../incidents/model.js';
import type { StoredHit } from '../store/incident-entity.js';
import { HITS_TABLE, hitRow, INCIDENTS_TABLE, incidentVersionRow, type SentinelRow, type SentinelTable } from './schema.js';

/** Where incidents and their hits are read (the IncidentStore). */
export interface IncidentSource {
  listIncidents(): Promise<Incident[]>;
  listHits(incidentKey: string): Promise<StoredHit[]>;
}

/** Which version of each incident the workspace has received. */
export interface SentLedger {
  sentVersions(): Promise<Map<string, number>>;
  recordSent(incidentKey: string, version: number): Promise<void>;
}

/** Uploads rows to one stream of the data collection rule (LogsIngestionClient.upload). */
export interface IngestionSink {
  upload(table: SentinelTable, rows: SentinelRow[]): Promise<void>;
}

export interface WriteBackFailure {
  incidentKey: string;
  version: number;
  stage: 'hits' | 'incident' | 'ledger';
  reason: string;
}

/** The write-back part of a run's report (logged as one JSON line, `event: "sigma-hunt.sentinel"`). */
export interface WriteBackReport {
  event: 'sigma-hunt.sentinel';
  incidents: number;
  /** Incident versions the workspace already had. */
  upToDate: number;
  incidentVersionsSent: number;
  hitsSent: number;
  /** Versions not sent (the next run retries them). */
  failed: number;
  /** Versions sent but not recorded in the ledger (the next run sends them again). */
  unrecorded: number;
  /** At most MAX_REPORTED_FAILURES of both kinds. */
  failures: WriteBackFailure[];
}

const MAX_REPORTED_FAILURES = 10;

export interface WriteBackOptions {
  source: IncidentSource;
  ledger: SentLedger;
  sink: IngestionSink;
  now?: () => Date;
}

export async function writeBackToSentinel(options: WriteBackOptions): Promise<WriteBackReport> {
  const now = options.now ?? (() => new Date());
  const report: WriteBackReport = { event: 'sigma-hunt.sentinel', incidents: 0, upToDate: 0, incidentVersionsSent: 0, hitsSent: 0, failed: 0, unrecorded: 0, failures: [] };
  const fail = (failure: WriteBackFailure): void => {
    if (failure.stage === 'ledger') report.unrecorded++;
    else report.failed++;
    if (report.failures.length < MAX_REPORTED_FAILURES) report.failures.push(failure);
  };
  const [incidents, sent] = await Promise.all([options.source.listIncidents(), options.ledger.sentVersions()]);
  report.incidents = incidents.length;
  for (const incident of incidents) {
    const version = incident.hitCount;
    if ((sent.get(incident.incidentKey) ?? -1) >= version) {
      report.upToDate++;
      continue;
    }
    const sentAt = now();
    let stage: WriteBackFailure['stage'] = 'hits';
    try {
      const hits = await options.source.listHits(incident.incidentKey);
      const hitRows = hits.map((hit) => hitRow(incident, hit, sentAt));
      if (hitRows.length > 0) await options.sink.upload(HITS_TABLE, hitRows);
      report.hitsSent += hitRows.length;
      stage = 'incident';
      await options.sink.upload(INCIDENTS_TABLE, [incidentVersionRow(incident, sentAt)]);
      report.incidentVersionsSent++;
      stage = 'ledger';
      await options.ledger.recordSent(incident.incidentKey, version);
    } catch (error) {
      fail({ incidentKey: incident.incidentKey, version, stage, reason: reasonOf(error) });
    }
  }
  return report;
}

/** The message of an upload failure; the Logs Ingestion client aggregates one error per 1 MB chunk. */
export function reasonOf(error: unknown): string {
  const causes = (error as { errors?: { cause?: unknown }[] } | null)?.errors;
  if (Array.isArray(causes) && causes.length > 0) {
    return causes.map((failure) => reasonOf(failure.cause)).join('; ');
  }
  if (error instanceof Error) {
    const status = (error as { statusCode?: number }).statusCode;
    return `${status ? `${status} ` : ''}${error.message}`.slice(0, 500);
  }
  return String(error).slice(0, 500);
}

export function formatWriteBack(report: WriteBackReport, readBack?: number): string {
  const total = report.incidentVersionsSent + report.failed;
  const parts = [`Sentinel: sent ${report.incidentVersionsSent}/${total} incident versions, ${report.hitsSent} hits (${report.upToDate} up to date)`];
  if (readBack !== undefined) parts.push(`read back ${readBack}`);
  if (report.failed + report.unrecorded > 0) parts.push(`${report.failed} failed, ${report.unrecorded} unrecorded: ${report.failures.map((failure) => `${failure.incidentKey.slice(0, 12)} v${failure.version} ${failure.stage}: ${failure.reason}`).join(' | ')}`);
  return parts.join(', ');
}
