// Rule packs: rules of one source hunted by batched queries (src/hunt/pack/), against Azurite, the Log Analytics
// fake and the real LogsQueryClient. Every guarantee of one rule must hold for each member of a batch.
// The runs' budget is on the harness's virtual time (huntRunner): a pack of 1,233 rules on a loaded machine takes
// what it takes, and still comes out `ok`; only waits and timeouts the test arranges would spend the budget.
import path from 'node:path';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { HUNT_STEPS, type HuntRule } from '../../src/hunt/pipeline.js';
import { loadHuntRules } from '../../src/hunt/clients.js';
import { isServiceClockProbe } from '../../src/hunt/service-clock.js';
import { MAX_BATCH_QUERY_CHARS } from '../../src/hunt/pack/batch-query.js';
import { analyzeKql, kqlErrors } from '../../src/kql/analysis.js';
import { DEFAULT_INGESTION_TIME_COLUMN } from '../../src/kql/oracle.js';
import { defaultSampleTiming, oracleResponder, readSampleEvents, sampleWorkspace, sysmonProcessCreationRow, type SampleEvent, type SampleWorkspace } from '../../src/local/sample-workspace.js';
import { targetDatabase } from '../../src/targets/index.js';
import { sharedRoot } from '../support/paths.js';
import { ANCHOR, collectingLog, dumpTables, freshTables, huntRunner, SAMPLE_FILE, sampleRows, serveWorkspace, startServices, type Services } from './harness.js';

const MINUTE = 60_000;
const CORPUS = path.join(sharedRoot, 'sigma-rules', 'rules', 'windows');

let services: Services;
let workspace: SampleWorkspace;
/** The corpus's network_connection rules that compile for asim: one source, one batch. */
let pack: HuntRule[];

beforeAll(async () => {
  services = await startServices();
  workspace = await sampleRows();
  pack = (await loadHuntRules({ rulesPath: path.join(CORPUS, 'network_connection'), target: 'asim' }, collectingLog())).rules;
}, 120_000);
afterAll(async () => services?.stop());

/** The hunt queries the fake received since `from` (the run's service clock probe aside). */
function huntQueriesSince(from: number): string[] {
  return services.fake.requests.slice(from).map((request) => request.query).filter((query) => !isServiceClockProbe(query));
}

/** The tables running each rule alone (one hunt per rule) at each of `runs` leaves. */
async function eachAlone(rulesAt: { now: Date; rules: HuntRule[] }[]) {
  const tables = await freshTables(services.azurite);
  for (const { now, rules } of rulesAt) for (const rule of rules) await huntRunner(services, tables, [rule]).run(now);
  return dumpTables(tables);
}

describe('a pack of rules over one source', () => {
  test('issues one query per page and stores exactly the incidents of running each rule alone', async () => {
    expect(pack.length).toBeGreaterThan(40);
    serveWorkspace(services.fake, workspace);
    const tables = await freshTables(services.azurite);
    const from = services.fake.requests.length;
    const summary = await huntRunner(services, tables, pack).run(ANCHOR);
    const queries = huntQueriesSince(from);
    expect(summary.outcome).toBe('ok');
    expect(summary.batches).toHaveLength(1);
    expect(summary.batches[0]).toMatchObject({ rules: pack.length, queries: 1, pages: 1 });
    expect(queries).toHaveLength(1);
    expect(summary.totals).toMatchObject({ queries: 1, rules: pack.length });
    expect(summary.totals.verifiedHits).toBeGreaterThanOrEqual(4);
    expect(summary.totals.kqlOverMatch).toBe(0);
    // Only rules with rows are listed; the rest are counted.
    expect(summary.rules.length + summary.totals.quietRules).toBe(pack.length);
    expect(summary.rules.every((rule) => rule.rows > 0 && rule.batched)).toBe(true);
    expect(kqlErrors(analyzeKql(queries[0]!, targetDatabase('asim')))).toEqual([]);

    expect(await dumpTables(tables)).toEqual(await eachAlone([{ now: ANCHOR, rules: pack }]));
  }, 180_000);

  test('pages of a batch are each one query, stored and checkpointed per rule, to the tables of one unpaged run', async () => {
    serveWorkspace(services.fake, workspace);
    const unpagedTables = await freshTables(services.azurite);
    await huntRunner(services, unpagedTables, pack).run(ANCHOR);
    const tables = await freshTables(services.azurite);
    const from = services.fake.requests.length;
    const summary = await huntRunner(services, tables, pack).run(ANCHOR, { settings: { pageRows: 2 } });
    expect(summary.outcome).toBe('ok');
    expect(summary.batches[0]!.pages).toBeGreaterThan(1);
    expect(huntQueriesSince(from)).toHaveLength(summary.batches[0]!.queries);
    expect(summary.batches[0]!.queries).toBe(summary.batches[0]!.pages + summary.batches[0]!.splits);
    expect(await dumpTables(tables)).toEqual(await dumpTables(unpagedTables));
  }, 120_000);

  test('a rule added to a running pack starts at the lookback in its own cohort while the others continue, and joins them next run', async () => {
    serveWorkspace(services.fake, workspace);
    const earlier = new Date(ANCHOR.getTime() - 20 * MINUTE);
    const later = new Date(ANCHOR.getTime() + 5 * MINUTE);
    // The seed rule, which has hits in the sample: as an active rule it is listed in the summary.
    const added = pack.find((rule) => rule.ruleId === '7b434893-c57d-4f41-908d-6a17bf1ae98f')!;
    const running = pack.filter((rule) => rule !== added);
    const tables = await freshTables(services.azurite);
    await huntRunner(services, tables, running).run(earlier);

    const second = await huntRunner(services, tables, pack).run(ANCHOR);
    expect(second.outcome).toBe('ok');
    expect(second.batches).toHaveLength(1);
    expect(second.batches[0]).toMatchObject({ rules: running.length, watermark: expect.any(String) });
    // Alone in its cohort, it is hunted by its own query from the lookback; the others from their watermark.
    const addedSummary = second.rules.find((rule) => rule.ruleId === added.ruleId)!;
    expect(addedSummary.batched).toBeUndefined();
    expect(addedSummary.watermark).toBe(addedSummary.window!.ingestionTo);
    expect(addedSummary.window!.ingestionFrom < second.batches[0]!.watermark!).toBe(true);
    expect(second.totals.queries).toBe(2);

    const third = await huntRunner(services, tables, pack).run(later);
    expect(third.batches).toHaveLength(1);
    expect(third.batches[0]!.rules).toBe(pack.length);

    expect(await dumpTables(tables)).toEqual(
      await eachAlone([
        { now: earlier, rules: running },
        { now: ANCHOR, rules: pack },
        { now: later, rules: pack },
      ]),
    );
  }, 300_000);

  test('rows whose values hold case partners (ſ, K, İ, ß) are widened in the batch, decided by the matcher, and store what each rule alone stores', async () => {
    // Copies of the sample with partners spelled into every string value: where a batch's fast test cannot be
    // sure (Kusto documents case folding for ASCII only), its member's partner flag widens it; the matcher decides.
    const events = await readSampleEvents(SAMPLE_FILE);
    const spelled = (value: string) => value.replace(/ss/g, '\u00DF').replace(/s/g, '\u017F').replace(/k/g, '\u212A').replace(/I/g, '\u0130');
    const partnered = events.map((event, index) => {
      const copy: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(event)) copy[key] = typeof value === 'string' && key !== 'Channel' && key !== 'Provider_Name' ? spelled(value) : value;
      return { ...copy, EventRecordID: 9_000_000 + index } as SampleEvent;
    });
    const both: SampleWorkspace = sampleWorkspace('asim', [...events, ...partnered], (index, count) => defaultSampleTiming(ANCHOR, index, count));
    serveWorkspace(services.fake, both);
    const tables = await freshTables(services.azurite);
    const summary = await huntRunner(services, tables, pack).run(ANCHOR);
    expect(summary.outcome).toBe('ok');
    expect(summary.batches).toHaveLength(1);
    // The widened rows the matcher rejected are counted apart: the rules' own queries never return them.
    expect(summary.totals.widenedRejects).toBeGreaterThan(0);
    expect(summary.totals.kqlOverMatch).toBe(0);
    // What the batch tagged and the matcher kept is exactly what each rule's own (exact) query finds.
    expect(await dumpTables(tables)).toEqual(await eachAlone([{ now: ANCHOR, rules: pack }]));
  }, 300_000);

  test('a result too large is split until every part is complete, for the whole batch, and no row is lost', async () => {
    serveWorkspace(services.fake, workspace);
    const cleanTables = await freshTables(services.azurite);
    await huntRunner(services, cleanTables, pack).run(ANCHOR);
    services.fake.setRespond(oracleResponder({ mapping: workspace.mapping, rows: () => workspace.rows }, { rowLimit: 1 }));
    const tables = await freshTables(services.azurite);
    const summary = await huntRunner(services, tables, pack).run(ANCHOR);
    expect(summary.outcome).toBe('ok');
    expect(summary.batches[0]!.splits).toBeGreaterThan(0);
    expect(summary.totals.splits).toBe(summary.batches[0]!.splits);
    expect(await dumpTables(tables)).toEqual(await dumpTables(cleanTables));
  }, 120_000);
});

describe('crash injection with a pack: a crash after any step of a page, then a clean run, equals one clean run', () => {
  let cleanTables: Awaited<ReturnType<typeof dumpTables>>;
  beforeAll(async () => {
    serveWorkspace(services.fake, workspace);
    const tables = await freshTables(services.azurite);
    await huntRunner(services, tables, pack).run(ANCHOR, { settings: { pageRows: 3 } });
    cleanTables = await dumpTables(tables);
  }, 120_000);

  for (const step of HUNT_STEPS) {
    test(`crash after ${step} of the second page`, async () => {
      serveWorkspace(services.fake, workspace);
      const tables = await freshTables(services.azurite);
      const runner = huntRunner(services, tables, pack);
      let pages = 0;
      const crashed = await runner.run(ANCHOR, {
        settings: { pageRows: 3 },
        faults: (at) => {
          if (at === 'query') pages += 1;
          if (pages === 2 && at === step) throw new Error(`injected crash after ${step} of page 2`);
        },
      });
      expect(crashed.outcome).toBe('failed');
      expect(crashed.batches[0]!.stopped?.reason).toBe('error');
      // The members that only share the batch's stop are one entry, not one each.
      expect(crashed.sharedStops?.[0]).toMatchObject({ reason: 'error', rules: expect.any(Number) });
      expect(crashed.rules.length + crashed.sharedStops![0]!.rules).toBeLessThanOrEqual(pack.length);
      await runner.run(ANCHOR, { settings: { pageRows: 3 } });
      expect(await dumpTables(tables)).toEqual(cleanTables);
    }, 120_000);
  }

  test('a crash between two members\' checkpoints leaves the rest behind; they re-read the page and converge', async () => {
    serveWorkspace(services.fake, workspace);
    const tables = await freshTables(services.azurite);
    const runner = huntRunner(services, tables, pack);
    let checkpoints = 0;
    const crashed = await runner.run(ANCHOR, {
      settings: { pageRows: 3 },
      checkpointConcurrency: 1,
      faults: (at) => {
        if (at === 'checkpoint' && ++checkpoints === pack.length + 2) throw new Error('injected crash between member checkpoints');
      },
    });
    expect(crashed.outcome).toBe('failed');
    // Page 1 checkpointed every member; page 2 only two of them.
    const behind = await dumpTables(tables);
    expect(behind.checkpoints).toHaveLength(pack.length);
    expect(new Set(behind.checkpoints.map((row) => row.watermark)).size).toBe(2);
    const resumed = await runner.run(ANCHOR, { settings: { pageRows: 3 } });
    expect(resumed.outcome).toBe('ok');
    // Two cohorts: the members left behind re-read page 2, the two ahead go on from there.
    expect(resumed.batches.map((batch) => batch.rules).sort((left, right) => left - right)).toEqual([2, pack.length - 2]);
    expect(await dumpTables(tables)).toEqual(cleanTables);
  }, 120_000);
});

describe('the network + process creation pack of the SigmaHQ corpus', () => {
  test('hunts 1,233 rules on a target serving both categories with a few queries per source per page', async () => {
    const rulesPath = path.join(sharedRoot, 'sigma-rules', 'rules', 'windows');
    const rules: HuntRule[] = [];
    const skipped: string[] = [];
    for (const category of ['network_connection', 'process_creation']) {
      const loaded = await loadHuntRules({ rulesPath: path.join(rulesPath, category), target: 'sysmon' }, collectingLog());
      rules.push(...loaded.rules);
      skipped.push(...loaded.skipped.map((skip) => skip.ruleId));
    }
    const network = await sampleRows('sysmon');
    const processes = await processCreationRows(network.rows.length);
    const both: SampleWorkspace = { ...network, rows: [...network.rows, ...processes] };
    serveWorkspace(services.fake, both);
    const tables = await freshTables(services.azurite);
    const from = services.fake.requests.length;
    const summary = await huntRunner(services, tables, rules).run(ANCHOR, { settings: { target: 'sysmon' } });
    const queries = huntQueriesSince(from);
    const sources = new Set(summary.batches.map((batch) => batch.category)).size;
    const pages = Math.max(...summary.batches.map((batch) => batch.pages));
    const longest = Math.max(...queries.map((query) => query.length));
    console.log(
      `pack of ${rules.length} rules (${skipped.length} of the 1,234 refused for sysmon): ${queries.length} queries per tick ` +
        `(${summary.batches.map((batch) => `${batch.category} ${batch.rules} rules`).join(', ')}), ${pages} page(s), longest query ${longest} chars, ` +
        `${summary.totals.verifiedHits} hits, summary ${JSON.stringify(summary).length} bytes`,
    );
    expect(rules.length + skipped.length).toBe(1_234);
    expect(summary.outcome).toBe('ok');
    expect(sources).toBe(2);
    expect(queries.length).toBe(summary.totals.queries);
    // Queries grow with sources × pages × ceil(text / limit), not with rules.
    const text = queries.reduce((sum, query) => sum + query.length, 0);
    expect(queries.length).toBeLessThanOrEqual(sources * pages * (Math.ceil(text / MAX_BATCH_QUERY_CHARS) + 2));
    expect(queries.length).toBeLessThan(rules.length / 40);
    // A few per source and page: the batch form (case-partner flags, not folding regexes) keeps it at 3 at most.
    for (const category of ['network_connection', 'process_creation']) {
      expect(summary.batches.filter((batch) => batch.category === category).reduce((sum, batch) => sum + batch.queries, 0)).toBeLessThanOrEqual(3 * pages);
    }
    expect(longest).toBeLessThanOrEqual(MAX_BATCH_QUERY_CHARS + 1_000); // the window's lets and cursor come on top
    expect(summary.totals.verifiedHits).toBeGreaterThan(0);
    expect(summary.rules.length).toBeLessThan(rules.length / 4);
    const database = targetDatabase('sysmon');
    for (const query of queries) expect(kqlErrors(analyzeKql(query, database))).toEqual([]);
  }, 600_000);
});

/** Sysmon process creations from the regression events of the corpus's process_creation rules, ingested between
 *  the sample's network rows. */
async function processCreationRows(offset: number): Promise<Record<string, unknown>[]> {
  const manifest = (await readFile(path.join(sharedRoot, 'sigma-regression', 'manifest.tsv'), 'utf8')).split('\n').slice(1);
  const files = manifest
    .map((line) => line.split('\t'))
    .filter((fields) => fields[1] === 'process_creation' && fields[5]?.startsWith('sigma-rules/rules/windows/'))
    .map((fields) => fields[6]!)
    .slice(0, 20);
  const rows: Record<string, unknown>[] = [];
  for (const [index, file] of files.entries()) {
    const event = JSON.parse((await readFile(path.join(sharedRoot, 'sigma-regression', file), 'utf8')).split('\n')[0]!) as SampleEvent;
    const ingestedAt = new Date(ANCHOR.getTime() - 6 * MINUTE - index * MINUTE);
    const row = sysmonProcessCreationRow({ ...event, EventRecordID: `pc-${offset + index}` }, new Date(ingestedAt.getTime() - 30_000));
    row[DEFAULT_INGESTION_TIME_COLUMN] = ingestedAt;
    rows.push(row);
  }
  return rows;
}
