// Fault suite, continued: a host clock apart from the service's, a service whose clock cannot be read, and a
// page whose verification runs past the run's budget. Each must leave the tables as clean runs leave them.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DEFAULT_INGESTION_TIME_COLUMN } from '../../src/kql/oracle.js';
import { fakeReply } from '../../src/local/log-analytics-fake.js';
import { oracleResponder, type SampleWorkspace } from '../../src/local/sample-workspace.js';
import type { HuntRule } from '../../src/hunt/pipeline.js';
import { isServiceClockProbe } from '../../src/hunt/service-clock.js';
import type { CompiledRule } from '../../src/match/types.js';
import { ANCHOR, collectingLog, dumpTables, freshTables, huntRunner, serveWorkspace, startHuntFixture, type HuntFixture } from './harness.js';

let fixture: HuntFixture;
beforeAll(async () => {
  fixture = await startHuntFixture();
});
afterAll(async () => fixture?.services.stop());

const MINUTE = 60_000;
const at = (base: Date, minutes: number) => new Date(base.getTime() + minutes * MINUTE);

describe('the host clock apart from the service clock', () => {
  /** A matching row the service ingests one minute after ANCHOR (on its own clock): after the first run. */
  function lateRow(): Record<string, unknown> {
    const matching = fixture.workspace.rows.find((row) => row.DstProcessName === 'C:\\PerfLogs\\x64.exe')!;
    return { ...matching, _ItemId: 'ingested-after-run-1', Dvc: 'SRV-LATE.corp.contoso.com', TimeGenerated: at(ANCHOR, 0.5), [DEFAULT_INGESTION_TIME_COLUMN]: at(ANCHOR, 1) };
  }

  /** Two runs five minutes apart on the service's clock, the late row ingested between them. */
  async function twoRuns(hostAheadMinutes: number) {
    const grown: SampleWorkspace = { ...fixture.workspace, rows: [...fixture.workspace.rows] };
    serveWorkspace(fixture.services.fake, grown);
    const tables = await freshTables(fixture.services.azurite);
    const runner = huntRunner(fixture.services, tables, fixture.rules);
    const log = collectingLog();
    const first = await runner.run(at(ANCHOR, hostAheadMinutes), { serviceNow: ANCHOR, log });
    grown.rows.push(lateRow());
    const second = await runner.run(at(ANCHOR, 5 + hostAheadMinutes), { serviceNow: at(ANCHOR, 5) });
    return { tables: await dumpTables(tables), summaries: [first, second], log };
  }

  test('with the host 10 minutes ahead, the runs leave the tables clean runs leave and lose no row', async () => {
    const clean = await twoRuns(0);
    expect(clean.summaries.map((summary) => summary.totals.verifiedHits)).toEqual([4, 1]);
    const skewed = await twoRuns(10);
    expect(skewed.summaries.map((summary) => summary.outcome)).toEqual(['ok', 'ok']);
    expect(skewed.summaries.map((summary) => summary.totals.verifiedHits)).toEqual([4, 1]);
    expect(skewed.tables).toEqual(clean.tables);
    // The watermark is the service's now - safety lag, not the host's.
    expect(skewed.tables.checkpoints.map((checkpoint) => checkpoint.watermark)).toEqual(['2026-03-02T10:03:00.0000000Z']);
  });

  test('a skew over a minute is logged and reported in the summary; windows follow the service', async () => {
    const { summaries, log } = await twoRuns(10);
    expect(summaries[0]!.serviceClock).toEqual({ serviceTime: ANCHOR.toISOString(), hostTime: at(ANCHOR, 10).toISOString(), skewMs: 10 * MINUTE });
    expect(summaries[0]!.window?.ingestionTo).toBe('2026-03-02T09:58:00.0000000Z');
    const warning = log.lines.find((line) => line.level === 'warn' && /host clock is 600 s ahead of the Log Analytics service/.test(line.message));
    expect(warning?.fields).toMatchObject({ skewMs: 10 * MINUTE });
  });

  test('with the host behind the service, nothing is read twice and nothing is missed either', async () => {
    const clean = await twoRuns(0);
    const behind = await twoRuns(-10);
    expect(behind.tables).toEqual(clean.tables);
    expect(behind.summaries[0]!.serviceClock?.skewMs).toBe(-10 * MINUTE);
  });

  test('when the service never answers, no window is read and the watermark stays; the next run completes', async () => {
    const oracle = oracleResponder({ mapping: fixture.workspace.mapping, rows: () => fixture.workspace.rows });
    fixture.services.fake.setRespond((request) => (isServiceClockProbe(request.query) ? fakeReply.connectionReset() : oracle(request)));
    const tables = await freshTables(fixture.services.azurite);
    const runner = huntRunner(fixture.services, tables, fixture.rules);
    const failed = await runner.run(ANCHOR);
    expect(failed.outcome).toBe('incomplete');
    expect(failed.rules[0]?.stopped).toMatchObject({ reason: 'query-failed', detail: expect.stringMatching(/service's clock could not be read/) });
    expect(failed.serviceClock?.error).toMatch(/no response/);
    expect(failed.totals.queries).toBe(0);
    expect(await dumpTables(tables)).toEqual({ incidents: [], checkpoints: [] });
    serveWorkspace(fixture.services.fake, fixture.workspace);
    await runner.run(ANCHOR);
    expect(await dumpTables(tables)).toEqual(fixture.cleanTables);
  });
});

describe('a page whose verification runs past the run budget', () => {
  /** The seed rule, whose `evaluations`-th evaluation moves the run's clock past every deadline. */
  function ruleThatSpendsTheBudget(clock: { now: number }, evaluations: number): HuntRule[] {
    return fixture.rules.map((huntRule) => {
      const compiled = huntRule.compiled;
      let count = 0;
      const slow: CompiledRule = {
        rule: compiled.rule,
        matches: (event) => compiled.matches(event),
        explain: (event) => {
          if (++count === evaluations) clock.now += 10 * MINUTE;
          return compiled.explain(event);
        },
      };
      return { ...huntRule, compiled: slow };
    });
  }

  test('stops with reason budget, stores and checkpoints nothing of the page, and the next run completes as a clean run', async () => {
    serveWorkspace(fixture.services.fake, fixture.workspace);
    const tables = await freshTables(fixture.services.azurite);
    const clock = { now: 0 };
    const log = collectingLog();
    const stopped = await huntRunner(fixture.services, tables, ruleThatSpendsTheBudget(clock, 2)).run(ANCHOR, {
      budgetClock: () => clock.now,
      rowClock: () => clock.now,
      log,
    });
    expect(stopped.outcome).toBe('incomplete');
    expect(stopped.rules[0]?.stopped?.reason).toBe('budget');
    // Verification stopped right after the slow row, before the page's end.
    const [, verified, total] = /\((\d+) of (\d+) rows\); nothing of it was stored/.exec(stopped.rules[0]!.stopped!.detail) ?? [];
    expect(Number(verified)).toBe(2);
    expect(Number(total)).toBe(stopped.totals.rows);
    expect(Number(total)).toBeGreaterThan(2);
    expect(stopped.totals).toMatchObject({ verifiedHits: 0, incidentsCreated: 0, pages: 0 });
    expect(await dumpTables(tables)).toEqual({ incidents: [], checkpoints: [] });
    // The row that took ten minutes is reported, by hit id and field, and its verdict is not lost.
    expect(stopped.totals.slowRows).toBe(1);
    expect(stopped.rules[0]?.slowRowSample?.[0]).toMatchObject({ ruleId: fixture.rules[0]!.ruleId, hitId: expect.any(String), field: expect.any(String), chars: expect.any(Number) });

    const again = await huntRunner(fixture.services, tables, fixture.rules).run(ANCHOR);
    expect(again.outcome).toBe('ok');
    expect(again.totals.verifiedHits).toBe(4);
    expect(await dumpTables(tables)).toEqual(fixture.cleanTables);
  });
});
