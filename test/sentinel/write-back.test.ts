// Write-back to Sentinel: at-least-once delivery of every stored incident version under crashes and failed
// uploads, arg_max reading back the stored incident, and payloads checked against the DCR stream declaration.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Incident } from '../../src/incidents/model.js';
import type { StoredHit } from '../../src/store/incident-entity.js';
import { MemorySentLedger } from '../../src/sentinel/ledger.js';
import { HITS_TABLE, INCIDENTS_TABLE, incidentVersionRow, sentinelTactic, streamProblems, type SentinelRow, type SentinelTable } from '../../src/sentinel/schema.js';
import { formatWriteBack, writeBackToSentinel, type IncidentSource, type IngestionSink } from '../../src/sentinel/write-back.js';

function incidentOf(key: number, hitCount: number): Incident {
  const firstSeen = new Date(Date.UTC(2025, 10, 3, 10, 0, 0));
  return {
    incidentKey: `incident-${key}`,
    ruleId: '7b434893-c57d-4f41-908d-6a17bf1ae98f',
    ruleTitle: 'Uncommon Outbound Connection',
    severity: 'high',
    host: `host-${key}`,
    processImage: 'C:\\Users\\Public\\a.exe',
    destination: { fqdn: 'raw.githubusercontent.com', ip: '185.199.108.133', port: 443 },
    bucketStart: new Date(Date.UTC(2025, 10, 3)),
    groupingWindowMs: 86_400_000,
    firstSeen,
    lastSeen: new Date(firstSeen.getTime() + hitCount * 1000),
    hitCount,
    sampleHits: [],
    explanation: { matchedSearches: ['selection'], unmatchedSearches: [], reasons: [] },
    enrichment: { attack: { tactics: [{ id: 'TA0011', name: 'Command and Control' }], techniques: [{ id: 'T1105', name: 'Ingress Tool Transfer' }] } },
    status: 'new',
    truncated: [],
  };
}

function hitsOf(incident: Incident): StoredHit[] {
  return Array.from({ length: incident.hitCount }, (_, index) => ({
    hitId: `${incident.incidentKey}-hit-${index}`,
    eventTime: new Date(incident.firstSeen.getTime() + index * 1000),
    destination: incident.destination,
    event: { Image: incident.processImage, DestinationPort: 443 },
    explanation: incident.explanation,
  }));
}

class MemorySource implements IncidentSource {
  readonly incidents = new Map<string, Incident>();
  async listIncidents(): Promise<Incident[]> {
    return [...this.incidents.values()];
  }
  async listHits(incidentKey: string): Promise<StoredHit[]> {
    const incident = this.incidents.get(incidentKey);
    return incident ? hitsOf(incident) : [];
  }
}

/** The workspace side: checks each payload as the DCR does, keeps accepted rows; `fail` decides per upload. */
class MemoryWorkspace implements IngestionSink {
  readonly rows = new Map<string, SentinelRow[]>([
    [INCIDENTS_TABLE.table, []],
    [HITS_TABLE.table, []],
  ]);
  fail: (table: SentinelTable) => 'none' | 'before' | 'after' = () => 'none';
  async upload(table: SentinelTable, rows: SentinelRow[]): Promise<void> {
    const problems = streamProblems(table, JSON.parse(JSON.stringify(rows)));
    if (problems.length > 0) throw new Error(`400 InvalidStream: ${JSON.stringify(problems[0])}`);
    const fault = this.fail(table);
    if (fault === 'before') throw new Error('503 ServiceUnavailable');
    this.rows.get(table.table)!.push(...rows);
    // Accepted, but the reply is lost: the client reports a failure for rows the workspace keeps.
    if (fault === 'after') throw new Error('connection reset after the service accepted the rows');
  }
  /** `T | summarize arg_max(Version, *) by IncidentKey` */
  latestIncidents(): Map<string, SentinelRow> {
    const latest = new Map<string, SentinelRow>();
    for (const row of this.rows.get(INCIDENTS_TABLE.table)!) {
      const key = row['IncidentKey'] as string;
      const current = latest.get(key);
      if (!current || (row['Version'] as number) > (current['Version'] as number)) latest.set(key, row);
    }
    return latest;
  }
}

class FlakyLedger extends MemorySentLedger {
  failNext = false;
  override async recordSent(incidentKey: string, version: number): Promise<void> {
    if (this.failNext) {
      this.failNext = false;
      throw new Error('412 precondition failed');
    }
    await super.recordSent(incidentKey, version);
  }
}

const withoutTime = (row: SentinelRow): SentinelRow => {
  const { TimeGenerated: _sent, ...rest } = row;
  return rest;
};

type Step =
  | { kind: 'hits'; incident: number; added: number }
  | { kind: 'run'; uploadFaults: ('none' | 'before' | 'after')[]; ledgerFails: boolean };

const stepArbitrary: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('hits' as const), incident: fc.integer({ min: 0, max: 4 }), added: fc.integer({ min: 1, max: 3 }) }),
  fc.record({
    kind: fc.constant('run' as const),
    uploadFaults: fc.array(fc.constantFrom('none' as const, 'before' as const, 'after' as const), { maxLength: 6 }),
    ledgerFails: fc.boolean(),
  }),
);

describe('write-back to Sentinel', () => {
  it('delivers every stored incident version once or more, through crashes and failed uploads, and arg_max(Version) yields the stored incident', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(stepArbitrary, { minLength: 1, maxLength: 25 }), async (steps) => {
        const source = new MemorySource();
        const ledger = new FlakyLedger();
        const workspace = new MemoryWorkspace();
        const now = () => new Date(Date.UTC(2025, 10, 3, 12));
        /** Versions each run found stored and reported as sent. */
        const reportedSent: string[] = [];
        for (const step of steps) {
          if (step.kind === 'hits') {
            const key = `incident-${step.incident}`;
            const before = source.incidents.get(key)?.hitCount ?? 0;
            source.incidents.set(key, incidentOf(step.incident, before + step.added));
            continue;
          }
          const faults = [...step.uploadFaults];
          workspace.fail = () => faults.shift() ?? 'none';
          ledger.failNext = step.ledgerFails;
          const stored = new Map([...source.incidents.values()].map((incident) => [incident.incidentKey, incident.hitCount]));
          const report = await writeBackToSentinel({ source, ledger, sink: workspace, now });
          expect(report.incidentVersionsSent + report.failed + report.upToDate).toBe(report.incidents);
          for (const [key, version] of stored) if (!report.failures.some((failure) => failure.incidentKey === key && failure.stage !== 'ledger')) reportedSent.push(`${key}@${version}`);
        }
        // The next clean run (the timer's next tick) catches up.
        workspace.fail = () => 'none';
        ledger.failNext = false;
        const last = await writeBackToSentinel({ source, ledger, sink: workspace, now });
        expect(last.failed).toBe(0);

        const arrived = new Map<string, number>();
        for (const row of workspace.rows.get(INCIDENTS_TABLE.table)!) {
          const id = `${String(row['IncidentKey'])}@${String(row['Version'])}`;
          arrived.set(id, (arrived.get(id) ?? 0) + 1);
        }
        // Every version a run reported as sent or already there has arrived, at least once.
        for (const id of reportedSent) expect(arrived.get(id) ?? 0, id).toBeGreaterThanOrEqual(1);
        // The ledger never claims a version the workspace lacks.
        for (const [key, version] of ledger.versions) expect(arrived.get(`${key}@${version}`) ?? 0).toBeGreaterThanOrEqual(1);
        // arg_max(Version, *) by IncidentKey is the stored incident, for every stored incident, and nothing else.
        const latest = workspace.latestIncidents();
        expect([...latest.keys()].sort()).toEqual([...source.incidents.keys()].sort());
        for (const incident of source.incidents.values()) {
          expect(withoutTime(latest.get(incident.incidentKey)!)).toEqual(withoutTime(incidentVersionRow(incident, now())));
        }
        // Every hit of every stored incident is in the hits table (duplicates allowed: HitId keys them).
        const hitIds = new Set(workspace.rows.get(HITS_TABLE.table)!.map((row) => row['HitId']));
        for (const incident of source.incidents.values()) for (const hit of hitsOf(incident)) expect(hitIds.has(hit.hitId)).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  it('reports a payload the stream refuses, keeps the version unsent, and names the incident, stage and reason', async () => {
    const source = new MemorySource();
    source.incidents.set('incident-1', incidentOf(1, 2));
    const ledger = new MemorySentLedger();
    const workspace = new MemoryWorkspace();
    const badSink: IngestionSink = {
      upload: (table, rows) => workspace.upload(table, table === INCIDENTS_TABLE ? rows.map((row) => ({ ...row, Version: 'two' })) : rows),
    };
    const report = await writeBackToSentinel({ source, ledger, sink: badSink });
    expect(report).toMatchObject({ incidentVersionsSent: 0, failed: 1, failures: [{ incidentKey: 'incident-1', version: 2, stage: 'incident' }] });
    expect(report.failures[0]!.reason).toContain('InvalidStream');
    expect(report.failures[0]!.reason).toContain('Version');
    expect(ledger.versions.size).toBe(0);
    expect(formatWriteBack(report)).toMatch(/^Sentinel: sent 0\/1 incident versions, 2 hits .*1 failed, 0 unrecorded: incident-1 v2 incident: .*InvalidStream/);
  });
});

describe('stream schema', () => {
  it('accepts the rows the writer builds', () => {
    const incident = incidentOf(3, 4);
    expect(streamProblems(INCIDENTS_TABLE, JSON.parse(JSON.stringify([incidentVersionRow(incident, new Date())])))).toEqual([]);
  });

  it('refuses an undeclared column, a mistyped value, a missing TimeGenerated and a body that is not an array', () => {
    const row = JSON.parse(JSON.stringify(incidentVersionRow(incidentOf(3, 4), new Date()))) as Record<string, unknown>;
    expect(streamProblems(INCIDENTS_TABLE, [{ ...row, Extra: 1 }])).toEqual([{ row: 0, column: 'Extra', reason: 'not declared in Custom-SigmaHuntIncidents_CL' }]);
    expect(streamProblems(INCIDENTS_TABLE, [{ ...row, DestinationPort: '443' }])[0]).toMatchObject({ column: 'DestinationPort' });
    expect(streamProblems(INCIDENTS_TABLE, [{ ...row, FirstSeen: 'yesterday' }])[0]).toMatchObject({ column: 'FirstSeen' });
    const { TimeGenerated: _time, ...untimed } = row;
    expect(streamProblems(INCIDENTS_TABLE, [untimed])[0]).toMatchObject({ column: 'TimeGenerated', reason: 'missing' });
    expect(streamProblems(INCIDENTS_TABLE, { rows: [] })).toHaveLength(1);
  });

  it('writes ATT&CK tactics as Sentinel spells them', () => {
    expect(sentinelTactic('Command and Control')).toBe('CommandAndControl');
    expect(sentinelTactic('Defense Evasion')).toBe('DefenseEvasion');
    expect(incidentVersionRow(incidentOf(1, 1), new Date())).toMatchObject({ Tactics: ['CommandAndControl'], Techniques: ['T1105'] });
  });
});
