/**
 * Re-verification: every row the KQL pre-filter returned goes through the target's row adapter and the
 * compiled Sigma matcher. The KQL is a superset by contract (src/kql/compile.ts); a row the matcher rejects is
 * an over-match, dropped and counted (`kqlOverMatch`), with a few kept as a sample so a mapping gap or a
 * hand-written override that reads too much can be diagnosed from the log (hit ids and field names; values only
 * when an operator opts in, log-values.ts).
 *
 * A verified row becomes a `VerifiedHit`: its identity (hit-identity.ts), its event time, and the grouping and
 * entity fields read from the Sigma event the matcher saw (so the incident shows what the rule tested).
 */
import { isIP } from 'node:net';
import type { CompiledRule, MatchExplanation, SigmaEvent } from '../match/types.js';
import type { HitDestination, VerifiedHit } from '../incidents/model.js';
import { adaptRow } from '../targets/adapter.js';
import { productScopeOf, rowInProduct } from '../targets/product.js';
import type { CategoryMapping, ProductScope, ResultRow } from '../targets/types.js';
import { hitIdOf } from './hit-identity.js';
import { loggedEvent, type LoggedEvent } from './log-values.js';

export const OVER_MATCH_SAMPLE_SIZE = 3;

/** A rejected row as the log shows it: its hit id and field names (values only on opt-in). */
export type OverMatchSample = LoggedEvent;

export interface VerifyOutcome {
  hits: VerifiedHit[];
  rows: number;
  /** Rows the matcher rejected. */
  kqlOverMatch: number;
  overMatchSample: OverMatchSample[];
  /** Rows without a usable event time (dropped: an incident needs one). */
  rowsWithoutTime: number;
}

/**
 * The Sigma fields a rule reads, or undefined when it reads every field (keywords). The matcher's verdict and
 * explanation are a function of these fields' values alone, so rows that agree on them share one evaluation:
 * a 500,000-row window holds a few hundred distinct (Image, DestinationHostname, Initiated) combinations.
 */
export function testedFieldsOf(rule: CompiledRule['rule']): string[] | undefined {
  const fields = new Set<string>();
  for (const search of rule.detection.searches.values()) {
    if (search.kind === 'keywords') return undefined;
    for (const conjunction of search.alternatives) {
      for (const item of conjunction.items) {
        if (item.field === null) return undefined;
        fields.add(item.field);
        for (const group of item.values) for (const pattern of group.patterns) if (pattern.kind === 'fieldref') fields.add(pattern.field);
      }
    }
  }
  return [...fields].sort();
}

const VERDICT_CACHE_LIMIT = 100_000;
/** Rows looked at before deciding whether the verdict cache pays (it does not when nearly every row is new). */
const VERDICT_CACHE_PROBATION = 4_096;

/** Why a row is not a hit. */
export type RowRejection = 'over-match' | 'no-time';

/**
 * Verifies rows one at a time, so a caller can stream a window instead of holding every hit: the same row always
 * gives an equal hit (the explanation object is shared between rows the matcher saw alike).
 *
 * Verdict cache: an explanation is a pure function of the values of the fields the rule tests, read the way the
 * matcher reads them. The key encodes each tested value exactly (absent, a length-prefixed string, a number
 * with -0 kept apart, a boolean), so two rows share a key only when the matcher cannot tell them apart; a row
 * with any other value (an object from a dynamic column, a Date) is evaluated directly. The matcher also falls
 * back to an event key that equals the field with its spaces removed; adapted events only hold the mapping's
 * fields, so the cache is off for a mapping with a spaced field name, and for a tested field that names an
 * Object.prototype member (which the matcher reads as an own property only). Measured on the 500,000-row bench
 * window: 0.9 µs per row uncached, 0.3 µs per row with the key.
 */
export class RowVerifier {
  readonly ruleId: string;
  /** The fields the rule tests (undefined: every field, a keyword rule). */
  readonly testedFields: readonly string[] | undefined;
  /** How long the matcher took on the last row `verify` saw, in the row clock's unit (ms); 0 when the verdict
   *  came from the cache or no row clock was given. */
  lastEvaluationMs = 0;
  /** The fields the verdict cache keys on; undefined when the cache is off. */
  private tested: readonly string[] | undefined;
  private readonly verdicts = new Map<string, MatchExplanation | null>();
  private readonly ipKinds = new Map<string, number>();
  private explained = 0;
  private misses = 0;
  /** The rule's product as a row test (undefined: every row is in scope). */
  private readonly product: ProductScope | undefined;

  /**
   * `rowClock` (ms, e.g. performance.now) times each evaluation of the matcher: two readings per evaluated row,
   * none per cache hit (measured overhead in CHANGELOG.md). Without it nothing is timed.
   */
  constructor(
    readonly mapping: CategoryMapping,
    readonly compiled: CompiledRule,
    private readonly rowClock?: () => number,
  ) {
    const rule = compiled.rule;
    this.ruleId = rule.id ?? rule.title;
    const tested = testedFieldsOf(rule);
    this.testedFields = tested;
    const cacheable =
      tested !== undefined &&
      !tested.some((field) => field in Object.prototype) &&
      !Object.keys(mapping.fields).some((field) => field.includes(' '));
    this.tested = cacheable ? tested : undefined;
    const scope = productScopeOf(mapping, rule.logsource.product);
    // A product the category has no rows of: no row is in scope (the compiler refuses such a rule anyway).
    this.product = scope.kind === 'scoped' ? scope.scope : scope.kind === 'none' ? { when: { kind: 'in', column: '', values: [] }, basis: 'none' } : undefined;
  }

  /** The Sigma event of a row (what the matcher sees). */
  eventOf(row: ResultRow): SigmaEvent {
    return adaptRow(this.mapping, row);
  }

  /** The hit a row makes, or why it makes none; `event` is the row's adapted event when the caller has it. */
  verify(row: ResultRow, event: SigmaEvent = adaptRow(this.mapping, row)): VerifiedHit | RowRejection {
    // The rule's product is part of its meaning: a row of another OS's device is not a hit, whatever it holds.
    if (this.product !== undefined && !rowInProduct(this.product, row)) {
      this.lastEvaluationMs = 0;
      return 'over-match';
    }
    const explanation = this.explain(event);
    if (!explanation) return 'over-match';
    return this.hitOf(row, explanation, event);
  }

  /**
   * The hit of a row the matcher already explained (`explanation` is what `verify` found for it): a window's
   * second pass (src/hunt/pipeline.ts hitBatchesOf) makes its hits again without matching every row again.
   */
  hitOf(row: ResultRow, explanation: MatchExplanation, event: SigmaEvent = adaptRow(this.mapping, row)): VerifiedHit | 'no-time' {
    const eventTime = timeOf(row[this.mapping.timeColumn]);
    if (!eventTime) return 'no-time';
    const rule = this.compiled.rule;
    const hitId = hitIdOf(row, this.mapping);
    const host = hostOf(row, this.mapping, event);
    const processImage = text(event.Image) ?? '';
    const destination = destinationOf(event, this.ipKinds);
    const account = text(event.User);
    // Defender's aggregated reports (ProcessCreatedAggregatedReport) carry ProcessId 0: no process of its own.
    const processId = processIdOf(event.ProcessId);
    // adaptRow returns a fresh object per row: no copy needed.
    const hitEvent = event as Record<string, unknown>;
    // The common hit (a level, an account and a process id) as one literal: its members live in the object itself
    // (a hit is kept while its group is stored) instead of a properties store grown member by member. Either way
    // the members and their order are the same.
    if (rule.level !== undefined && account !== undefined && processId !== undefined) {
      return {
        ruleId: this.ruleId,
        ruleTitle: rule.title,
        level: rule.level,
        hitId,
        eventTime,
        host,
        processImage,
        destination,
        event: hitEvent,
        explanation,
        account,
        processId,
      };
    }
    const hit = { ruleId: this.ruleId, ruleTitle: rule.title } as VerifiedHit;
    if (rule.level !== undefined) hit.level = rule.level;
    hit.hitId = hitId;
    hit.eventTime = eventTime;
    hit.host = host;
    hit.processImage = processImage;
    hit.destination = destination;
    hit.event = hitEvent;
    hit.explanation = explanation;
    if (account !== undefined) hit.account = account;
    if (processId !== undefined) hit.processId = processId;
    return hit;
  }

  private explain(event: SigmaEvent): MatchExplanation | null {
    this.lastEvaluationMs = 0;
    const tested = this.tested;
    if (tested === undefined) return this.evaluate(event);
    const key = verdictKeyOf(event, tested);
    if (key === undefined) return this.evaluate(event);
    this.explained += 1;
    const cached = this.verdicts.get(key);
    if (cached !== undefined) return cached;
    const explanation = this.evaluate(event);
    this.misses += 1;
    if (this.verdicts.size < VERDICT_CACHE_LIMIT) this.verdicts.set(key, explanation);
    // A rule testing a field unique per row (a command line) gains nothing from the key: stop building it.
    if (this.explained === VERDICT_CACHE_PROBATION && this.misses * 2 > this.explained) {
      this.tested = undefined;
      this.verdicts.clear();
    }
    return explanation;
  }

  private evaluate(event: SigmaEvent): MatchExplanation | null {
    const clock = this.rowClock;
    if (clock === undefined) return this.compiled.explain(event);
    const started = clock();
    const explanation = this.compiled.explain(event);
    this.lastEvaluationMs = clock() - started;
    return explanation;
  }
}

/** The exact key of the tested values (see RowVerifier), or undefined for a value the key cannot hold. */
function verdictKeyOf(event: SigmaEvent, tested: readonly string[]): string | undefined {
  let key = '';
  for (const field of tested) {
    const value = event[field];
    switch (typeof value) {
      case 'undefined':
        key += 'u';
        break;
      case 'string':
        key += `s${value.length}:${value}`;
        break;
      case 'number':
        key += Object.is(value, -0) ? 'n-0;' : `n${value};`;
        break;
      case 'boolean':
        key += value ? 'T' : 'F';
        break;
      default:
        if (value === null) key += 'z';
        else return undefined;
    }
  }
  return key;
}

export function verifyRows(rows: readonly ResultRow[], mapping: CategoryMapping, compiled: CompiledRule, options: { logEventValues?: boolean } = {}): VerifyOutcome {
  const verifier = new RowVerifier(mapping, compiled);
  const hits: VerifiedHit[] = [];
  const overMatchSample: OverMatchSample[] = [];
  let kqlOverMatch = 0;
  let rowsWithoutTime = 0;
  for (const row of rows) {
    const event = verifier.eventOf(row);
    const verified = verifier.verify(row, event);
    if (verified === 'over-match') {
      kqlOverMatch += 1;
      if (overMatchSample.length < OVER_MATCH_SAMPLE_SIZE) overMatchSample.push(loggedEvent(hitIdOf(row, mapping), event, options.logEventValues === true));
    } else if (verified === 'no-time') {
      rowsWithoutTime += 1;
    } else {
      hits.push(verified);
    }
  }
  return { hits, rows: rows.length, kqlOverMatch, overMatchSample, rowsWithoutTime };
}

function hostOf(row: ResultRow, mapping: CategoryMapping, event: SigmaEvent): string {
  for (const column of mapping.hostColumns) {
    const value = text(row[column]);
    if (value !== undefined) return value;
  }
  return text(event.Computer) ?? 'unknown';
}

/** `ipKinds` caches isIP() per name: a window repeats a few destinations many times. */
function destinationOf(event: SigmaEvent, ipKinds: Map<string, number>): HitDestination {
  const destination: HitDestination = {};
  const name = text(event.DestinationHostname);
  const ip = text(event.DestinationIp);
  let nameIsIp = false;
  if (name !== undefined) {
    let kind = ipKinds.get(name);
    if (kind === undefined) {
      kind = isIP(name);
      if (ipKinds.size < 100_000) ipKinds.set(name, kind);
    }
    nameIsIp = kind !== 0;
    if (!nameIsIp) destination.fqdn = name;
  }
  if (ip !== undefined) destination.ip = ip;
  else if (name !== undefined && nameIsIp) destination.ip = name;
  const port = typeof event.DestinationPort === 'number' ? event.DestinationPort : Number(text(event.DestinationPort));
  if (Number.isInteger(port) && port >= 0 && port <= 65535) destination.port = port;
  return destination;
}

/** A process id an incident can name: 0 is the placeholder of aggregated rows (and the idle process), not a
 *  process the hit came from. */
function processIdOf(value: unknown): string | undefined {
  const id = text(value);
  return id === undefined || id === '0' ? undefined : id;
}

function timeOf(value: unknown): Date | undefined {
  const date = value instanceof Date ? value : typeof value === 'string' && value !== '' ? new Date(value) : undefined;
  return date && !Number.isNaN(date.getTime()) ? date : undefined;
}

function text(value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined;
  const result = String(value).trim();
  return result === '' || result === '-' ? undefined : result;
}
