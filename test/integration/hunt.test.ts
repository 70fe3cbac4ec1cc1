import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { fakeReply, type FakeReply, type FakeRespond } from '../../src/local/log-analytics-fake.js';
import { DEFAULT_INGESTION_TIME_COLUMN } from '../../src/kql/oracle.js';
import { HUNT_STEPS, checkpointScopeOf, type HuntRule } from '../../src/hunt/pipeline.js';
import { isServiceClockProbe } from '../../src/hunt/service-clock.js';
import { CheckpointStore } from '../../src/store/checkpoint-store.js';
import { IncidentStore } from '../../src/store/incident-store.js';
import { submitTransaction } from '../../src/store/batches.js';
import { oracleResponder, type SampleWorkspace } from '../../src/local/sample-workspace.js';
import {
  ANCHOR,
  WORKSPACE_ID,
  collectingLog,
  crashAfter,
  dumpTables,
  freshTables,
  huntRunner,
  serveWorkspace,
  startHuntFixture,
  type HuntFixture,
  type Services,
} from './harness.js';
import { virtualTime } from '../support/virtual-time.js';

let services: Services;
let rules: HuntRule[];
let workspace: SampleWorkspace;
/** Tables after one clean run over the sample workspace at ANCHOR: what every scenario must converge to. */
let cleanTables: HuntFixture['cleanTables'];

beforeAll(async () => {
  ({ services, rules, workspace, cleanTables } = await startHuntFixture());
});
afterAll(async () => services?.stop());

const MINUTE = 60_000;
const SEED_RULE_ID = '7b434893-c57d-4f41-908d-6a17bf1ae98f';

/** Replies `first` to the first `times` hunt queries (the run's service clock probe aside), then the oracle. */
function firstThen(times: number, first: (index: number) => FakeReply): FakeRespond {
  const oracle = oracleResponder({ mapping: workspace.mapping, rows: () => workspace.rows });
  let count = 0;
  return (request) => (!isServiceClockProbe(request.query) && count++ < times ? first(count - 1) : oracle(request));
}

describe('success', () => {
  test('a run over the sample workspace stores the four incidents the seed rule matches', async () => {
    serveWorkspace(services.fake, workspace);
    const tables = await freshTables(services.azurite);
    const summary = await huntRunner(services, tables, rules).run(ANCHOR);
    expect(summary.outcome).toBe('ok');
    expect(summary.totals).toMatchObject({ verifiedHits: 4, incidentsCreated: 4, kqlOverMatch: 0 });
    expect(summary.rules[0]?.ingestionTimes).toBe('ingestion');
    const incidents = await new IncidentStore(tables.incidents).listIncidents();
    expect(incidents.map((incident) => incident.processImage).sort()).toEqual([
      'C:\\PerfLogs\\x64.exe',
      'C:\\Users\\Public\\Downloads\\svchost.exe',
      'C:\\Users\\jürgen.müller\\Music\\spotify_update.exe',
      'c:\\windows\\fonts\\fontdrvhost64.exe',
    ]);
    const enrichment = incidents[0]!.enrichment as { rule: { ruleId: string; attack: { techniques: { id: string }[] } }; entities: unknown[]; pivots: unknown[] };
    expect(enrichment.rule.ruleId).toBe(SEED_RULE_ID);
    expect(enrichment.rule.attack.techniques.map((technique) => technique.id)).toContain('T1105');
    expect(enrichment.entities.length).toBeGreaterThan(0);
    expect(enrichment.pivots.length).toBeGreaterThan(0);
  });

  test('the watermark is stored per workspace, target and rule at now - safety lag', async () => {
    serveWorkspace(services.fake, workspace);
    const tables = await freshTables(services.azurite);
    await huntRunner(services, tables, rules).run(ANCHOR);
    const checkpoint = await new CheckpointStore(tables.checkpoints).read(checkpointScopeOf(WORKSPACE_ID, 'asim', SEED_RULE_ID));
    expect(checkpoint?.watermark).toBe('2026-03-02T09:58:00.0000000Z');
  });

  test('a second run finds the first run\'s checkpoint and creates nothing', async () => {
    serveWorkspace(services.fake, workspace);
    const tables = await freshTables(services.azurite);
    const runner = huntRunner(services, tables, rules);
    await runner.run(ANCHOR);
    const second = await runner.run(new Date(ANCHOR.getTime() + 5 * MINUTE));
    expect(second.totals.incidentsCreated).toBe(0);
    expect((await dumpTables(tables)).incidents).toEqual(cleanTables.incidents);
  });

  test('re-running a window from scratch (ignoring the watermark) leaves the tables as one clean run left them', async () => {
    serveWorkspace(services.fake, workspace);
    const tables = await freshTables(services.azurite);
    const runner = huntRunner(services, tables, rules);
    await runner.run(ANCHOR);
    const again = await runner.run(ANCHOR, { settings: { sinceMs: 60 * MINUTE } });
    expect(again.totals.verifiedHits).toBe(4);
    expect(again.totals.incidentsCreated).toBe(0);
    expect(await dumpTables(tables)).toEqual(cleanTables);
  });
});

describe('service limits', () => {
  test('a result too large is split until every part is complete, and no row is lost', async () => {
    services.fake.setRespond(oracleResponder({ mapping: workspace.mapping, rows: () => workspace.rows }, { rowLimit: 1 }));
    const tables = await freshTables(services.azurite);
    const summary = await huntRunner(services, tables, rules).run(ANCHOR);
    expect(summary.totals.splits).toBeGreaterThan(0);
    expect(summary.totals.verifiedHits).toBe(4);
    expect(await dumpTables(tables)).toEqual(cleanTables);
  });

  test('a partial result is never used: its rows are dropped and the window is split and re-queried', async () => {
    const bogus = fakeReply.tableFromObjects([{ name: 'Dvc', type: 'string' }, { name: 'TimeGenerated', type: 'datetime' }], [{ Dvc: 'PHANTOM', TimeGenerated: ANCHOR }]);
    services.fake.setRespond(firstThen(1, () => fakeReply.partial(bogus, [{ code: 'LimitsExceeded', message: 'Query exceeded the memory limit' }])));
    const tables = await freshTables(services.azurite);
    const summary = await huntRunner(services, tables, rules).run(ANCHOR);
    expect(summary.totals.splits).toBe(1);
    expect(summary.totals.queries).toBe(3);
    expect(await dumpTables(tables)).toEqual(cleanTables);
  });

  test('a window too large even at the minimal span is left for the next run with the watermark untouched', async () => {
    services.fake.setRespond(() => fakeReply.resultTooLarge(fakeReply.table([], [])));
    const tables = await freshTables(services.azurite);
    const summary = await huntRunner(services, tables, rules).run(ANCHOR, { settings: { minSplitSpanMs: 20 * MINUTE } });
    expect(summary.rules[0]?.stopped?.reason).toBe('too-large');
    expect((await dumpTables(tables)).checkpoints).toEqual([]);
  });
});

describe('throttling and failures', () => {
  test('a 429 with Retry-After is waited out and retried within the budget', async () => {
    services.fake.setRespond(firstThen(1, () => fakeReply.throttled(1)));
    const tables = await freshTables(services.azurite);
    const log = collectingLog();
    const time = virtualTime(ANCHOR.getTime());
    const summary = await huntRunner(services, tables, rules).run(ANCHOR, { log, time });
    expect(time.sleeps).toEqual([1_000]);
    expect(summary.outcome).toBe('ok');
    expect(log.lines.some((line) => /retrying in 1000 ms/.test(line.message))).toBe(true);
    expect(await dumpTables(tables)).toEqual(cleanTables);
  });

  test('transient 5xx replies are retried', async () => {
    services.fake.setRespond(firstThen(2, (index) => fakeReply.serverError(index === 0 ? 503 : 500)));
    const tables = await freshTables(services.azurite);
    const summary = await huntRunner(services, tables, rules).run(ANCHOR);
    expect(summary.outcome).toBe('ok');
    expect(await dumpTables(tables)).toEqual(cleanTables);
  });

  test('a window that keeps failing is left for the next run, which then completes it', async () => {
    services.fake.setRespond(() => fakeReply.serverError(503));
    const tables = await freshTables(services.azurite);
    const runner = huntRunner(services, tables, rules);
    const failed = await runner.run(ANCHOR);
    expect(failed.outcome).toBe('incomplete');
    expect(failed.rules[0]?.stopped?.reason).toBe('query-failed');
    expect(await dumpTables(tables)).toEqual({ incidents: [], checkpoints: [] });
    serveWorkspace(services.fake, workspace);
    await runner.run(ANCHOR);
    expect(await dumpTables(tables)).toEqual(cleanTables);
  });

  test('a 204 or an empty 200 body is an empty result: nothing stored, the watermark advances', async () => {
    for (const reply of [fakeReply.noContent(), fakeReply.emptyBody()]) {
      services.fake.setRespond(() => reply);
      const tables = await freshTables(services.azurite);
      const summary = await huntRunner(services, tables, rules).run(ANCHOR);
      expect(summary.outcome).toBe('ok');
      expect(summary.totals.rows).toBe(0);
      const dump = await dumpTables(tables);
      expect(dump.incidents).toEqual([]);
      expect(dump.checkpoints).toHaveLength(1);
    }
  });

  test('a slow response within the budget is waited for', async () => {
    const oracle = oracleResponder({ mapping: workspace.mapping, rows: () => workspace.rows });
    // The run's attempt timers are virtual and never run out here: the reply is slow, not late.
    services.fake.setRespond(async (request) => fakeReply.delayed(400, await oracle(request)));
    const tables = await freshTables(services.azurite);
    const summary = await huntRunner(services, tables, rules).run(ANCHOR);
    expect(summary.outcome).toBe('ok');
    expect(await dumpTables(tables)).toEqual(cleanTables);
  });

  test('a response slower than the run budget leaves the window for the next run', async () => {
    const empty = fakeReply.success(fakeReply.table([], []));
    const time = virtualTime(ANCHOR.getTime());
    // The reply would come after ten minutes: the attempt's timer, set to what is left of the budget, runs out
    // once the fake holds the reply back (on the run's virtual clock, so the machine's load cannot decide which
    // comes first). A run that waited for the reply instead would run into this test's timeout.
    services.fake.setRespond((request) => {
      if (isServiceClockProbe(request.query)) return empty;
      time.expireAttempt();
      return fakeReply.delayed(10 * 60_000, empty);
    });
    const tables = await freshTables(services.azurite);
    const summary = await huntRunner(services, tables, rules).run(ANCHOR, { settings: { runBudgetMs: 3_000, storeReserveMs: 500 }, time });
    expect(summary.outcome).toBe('incomplete');
    expect(summary.rules[0]?.stopped?.reason).toBe('query-failed');
    expect(summary.rules[0]?.stopped?.detail).toMatch(/no response within 2500 ms \(no budget left for another attempt after 1\)/);
    expect(time.now()).toBe(ANCHOR.getTime() + 2_500);
    expect((await dumpTables(tables)).checkpoints).toEqual([]);
  });
});

describe('late-arriving rows and overlapping windows', () => {
  test('a row generated before the watermark but ingested after it is found by the next run', async () => {
    const late: SampleWorkspace = { ...workspace, rows: [...workspace.rows] };
    serveWorkspace(services.fake, late);
    const tables = await freshTables(services.azurite);
    const runner = huntRunner(services, tables, rules);
    await runner.run(ANCHOR);
    const matching = workspace.rows.find((row) => row.DstProcessName === 'C:\\PerfLogs\\x64.exe')!;
    late.rows.push({
      ...matching,
      _ItemId: 'late-row-1',
      Dvc: 'SRV-LATE.corp.contoso.com',
      TimeGenerated: new Date(ANCHOR.getTime() - 6 * MINUTE),
      [DEFAULT_INGESTION_TIME_COLUMN]: new Date(ANCHOR.getTime() + MINUTE),
    });
    const second = await runner.run(new Date(ANCHOR.getTime() + 5 * MINUTE));
    expect(second.totals).toMatchObject({ verifiedHits: 1, incidentsCreated: 1 });
    const incidents = await new IncidentStore(tables.incidents).listIncidents();
    expect(incidents.reduce((sum, incident) => sum + incident.hitCount, 0)).toBe(5);
  });

  test('without ingestion_time() rows are selected by TimeGenerated and never counted twice across overlapping windows', async () => {
    const timeOnly: SampleWorkspace = {
      ...workspace,
      rows: workspace.rows.map(({ [DEFAULT_INGESTION_TIME_COLUMN]: _dropped, ...row }) => row),
    };
    // A matching row inside the overlap of the two runs' TimeGenerated windows.
    const matching = timeOnly.rows.find((row) => row.DstProcessName === 'C:\\PerfLogs\\x64.exe')!;
    timeOnly.rows.push({ ...matching, _ItemId: 'overlap-row-1', Dvc: 'SRV-OVERLAP', TimeGenerated: new Date(ANCHOR.getTime() - 4 * MINUTE) });
    serveWorkspace(services.fake, timeOnly);
    const tables = await freshTables(services.azurite);
    const runner = huntRunner(services, tables, rules);
    const first = await runner.run(ANCHOR);
    expect(first.rules[0]?.ingestionTimes).toBe('time-only');
    expect(first.totals.verifiedHits).toBe(5);
    // The next window's TimeGenerated range starts ingestionDelay before the watermark: it re-reads recent rows.
    const second = await runner.run(new Date(ANCHOR.getTime() + 5 * MINUTE));
    expect(second.totals.verifiedHits).toBe(1);
    expect(second.totals.incidentsCreated).toBe(0);
    const incidents = await new IncidentStore(tables.incidents).listIncidents();
    expect(incidents.reduce((sum, incident) => sum + incident.hitCount, 0)).toBe(5);
  });
});

describe('paging: a window is read in pages of HUNT_PAGE_ROWS rows, each stored and checkpointed in turn', () => {
  /** The sample workspace plus five more hits of one incident, each with its own account: two ingested at one
   *  instant, and the incident's earliest hit ingested after two others (each within the 5 min ingestion delay). */
  function busyWorkspace(): SampleWorkspace {
    const matching = workspace.rows.find((row) => row.DstProcessName === 'C:\\PerfLogs\\x64.exe')!;
    const at = (minutes: number) => new Date(ANCHOR.getTime() - minutes * MINUTE);
    const extra = [
      { id: 'busy-1', generated: 29, ingested: 28 },
      { id: 'busy-2', generated: 27, ingested: 26 },
      { id: 'busy-0', generated: 30, ingested: 25.5 },
      { id: 'busy-3', generated: 25, ingested: 24 },
      { id: 'busy-4', generated: 24.5, ingested: 24 },
    ].map(({ id, generated, ingested }) => ({ ...matching, _ItemId: id, DstUsername: `CORP\\${id}`, TimeGenerated: at(generated), [DEFAULT_INGESTION_TIME_COLUMN]: at(ingested) }));
    return { ...workspace, rows: [...workspace.rows, ...extra] };
  }

  test.each([1, 2, 3])('pages of %i rows store exactly the tables of one unpaged run, and end at the same watermark', async (pageRows) => {
    const busy = busyWorkspace();
    serveWorkspace(services.fake, busy);
    const unpagedTables = await freshTables(services.azurite);
    const unpaged = await huntRunner(services, unpagedTables, rules).run(ANCHOR);
    expect(unpaged.totals).toMatchObject({ verifiedHits: 9, incidentsCreated: 4, pages: 1 });
    const expected = await dumpTables(unpagedTables);

    const tables = await freshTables(services.azurite);
    const paged = await huntRunner(services, tables, rules).run(ANCHOR, { settings: { pageRows } });
    expect(paged.outcome).toBe('ok');
    expect(paged.totals.pages).toBeGreaterThan(9 / pageRows - 1);
    expect(paged.totals.queries).toBeGreaterThan(paged.totals.pages - 1);
    expect(await dumpTables(tables)).toEqual(expected);
    const incidents = await new IncidentStore(tables.incidents).listIncidents();
    const busyIncident = incidents.find((incident) => incident.hitCount === 6)!;
    // The enrichment's entities are those of the incident's earliest hit, read after two later hits.
    expect(JSON.stringify(busyIncident.enrichment)).toContain('busy-0');
  });

  test('rows sharing one ingestion instant beyond a page are read as that instant, whole', async () => {
    const busy = busyWorkspace();
    serveWorkspace(services.fake, busy);
    const tables = await freshTables(services.azurite);
    const log = collectingLog();
    await huntRunner(services, tables, rules).run(ANCHOR, { settings: { pageRows: 1 }, log });
    expect(log.lines.some((line) => line.message.endsWith('1 or more rows share the ingestion time 2026-03-02T09:36:00.0000000Z; reading that instant whole'))).toBe(true);
    const incidents = await new IncidentStore(tables.incidents).listIncidents();
    expect(incidents.map((incident) => incident.hitCount).sort()).toEqual([1, 1, 1, 6]);
  });

  test('rows without ingestion times, which cannot be paged, are halved and a minimal part still full is read whole', async () => {
    const timeOnly: SampleWorkspace = { ...workspace, rows: workspace.rows.map(({ [DEFAULT_INGESTION_TIME_COLUMN]: _dropped, ...row }) => row) };
    serveWorkspace(services.fake, timeOnly);
    const unpagedTables = await freshTables(services.azurite);
    await huntRunner(services, unpagedTables, rules).run(ANCHOR);
    const tables = await freshTables(services.azurite);
    const log = collectingLog();
    const paged = await huntRunner(services, tables, rules).run(ANCHOR, { settings: { pageRows: 1, minSplitSpanMs: 20 * MINUTE }, log });
    expect(paged.outcome).toBe('ok');
    expect(paged.totals.splits).toBeGreaterThan(0);
    expect(log.lines.some((line) => /rows without an ingestion time in a minimal part .* reading it whole$/.test(line.message))).toBe(true);
    expect((await dumpTables(tables)).incidents).toEqual((await dumpTables(unpagedTables)).incidents);
  });

  for (const step of HUNT_STEPS) {
    test(`a crash after ${step} of the third page, then a clean run, equals one clean run`, async () => {
      const busy = busyWorkspace();
      serveWorkspace(services.fake, busy);
      const cleanTablesOfBusy = await freshTables(services.azurite);
      await huntRunner(services, cleanTablesOfBusy, rules).run(ANCHOR);
      const expected = await dumpTables(cleanTablesOfBusy);

      const tables = await freshTables(services.azurite);
      const runner = huntRunner(services, tables, rules);
      let pages = 0;
      const crashed = await runner.run(ANCHOR, {
        settings: { pageRows: 2 },
        faults: (at) => {
          if (at === 'query') pages += 1;
          if (pages === 3 && at === step) throw new Error(`injected crash after ${step} of page 3`);
        },
      });
      expect(crashed.outcome).toBe('failed');
      expect((await dumpTables(tables)).checkpoints).toHaveLength(1); // pages 1 and 2 were checkpointed
      await runner.run(ANCHOR, { settings: { pageRows: 2 } });
      expect(await dumpTables(tables)).toEqual(expected);
    });
  }
});

describe('crash injection: a crash between any two steps, then a clean run, equals one clean run', () => {
  for (const step of HUNT_STEPS) {
    test(`crash after ${step}`, async () => {
      serveWorkspace(services.fake, workspace);
      const tables = await freshTables(services.azurite);
      const runner = huntRunner(services, tables, rules);
      const crashed = await runner.run(ANCHOR, { faults: crashAfter(step) });
      expect(crashed.outcome).toBe('failed');
      if (step !== 'checkpoint') expect((await dumpTables(tables)).checkpoints).toEqual([]);
      await runner.run(ANCHOR);
      expect(await dumpTables(tables)).toEqual(cleanTables);
    });
  }

  test('crash in the middle of the store step (after the first transaction), then a clean run', async () => {
    serveWorkspace(services.fake, workspace);
    const tables = await freshTables(services.azurite);
    const runner = huntRunner(services, tables, rules);
    let transactions = 0;
    const crashed = await runner.run(ANCHOR, {
      store: {
        concurrency: 1,
        submitTransaction: async (client, partitionKey, actions) => {
          if (transactions++ >= 1) throw new Error('injected crash inside the store');
          return submitTransaction(client, partitionKey, actions);
        },
      },
    });
    expect(crashed.outcome).toBe('failed');
    const partial = await dumpTables(tables);
    expect(partial.incidents.length).toBeGreaterThan(0);
    expect(partial.checkpoints).toEqual([]);
    await runner.run(ANCHOR);
    expect(await dumpTables(tables)).toEqual(cleanTables);
  });
});
