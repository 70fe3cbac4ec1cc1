/**
 * Re-verification: every row the KQL pre-filter returned goes through the target's row adapter and the
 * compiled Sigma matcher. The KQL is a superset by contract (src/kql/compile.ts); a row the matcher rejects is
 * an over-match, dropped and counted (`kqlOverMatch`), with a few kept as a sample so a mapping gap or a
 * hand-written override that reads too much can be diagnosed from the log.
 *
 * A verified row becomes a `VerifiedHit`: its identity (hit-identity.ts), its event time, and the grouping and
 * entity fields read from the Sigma event the matcher saw (so the incident shows what the rule tested).
 */
import { isIP } from 'node:net';
import type { CompiledRule, SigmaEvent } from '../match/types.js';
import type { HitDestination, VerifiedHit } from '../incidents/model.js';
import { adaptRow } from '../targets/adapter.js';
import type { CategoryMapping, ResultRow } from '../targets/types.js';
import { hitIdOf } from './hit-identity.js';

export const OVER_MATCH_SAMPLE_SIZE = 3;

export interface OverMatchSample {
  hitId: string;
  event: SigmaEvent;
}

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

export function verifyRows(rows: readonly ResultRow[], mapping: CategoryMapping, compiled: CompiledRule): VerifyOutcome {
  const rule = compiled.rule;
  const tested = testedFieldsOf(rule);
  const verdicts = new Map<string, ReturnType<CompiledRule['explain']>>();
  const ipKinds = new Map<string, number>();
  const explain = (event: SigmaEvent): ReturnType<CompiledRule['explain']> => {
    if (!tested) return compiled.explain(event);
    let key = '';
    for (const field of tested) {
      const value = event[field];
      key += value === undefined ? '\u0000' : `${typeof value}:${String(value)}\u0001`;
    }
    let verdict = verdicts.get(key);
    if (verdict === undefined && !verdicts.has(key)) {
      verdict = compiled.explain(event);
      if (verdicts.size < VERDICT_CACHE_LIMIT) verdicts.set(key, verdict);
    }
    return verdict ?? null;
  };
  const ruleId = rule.id ?? rule.title;
  const hits: VerifiedHit[] = [];
  const overMatchSample: OverMatchSample[] = [];
  let kqlOverMatch = 0;
  let rowsWithoutTime = 0;
  for (const row of rows) {
    const event = adaptRow(mapping, row);
    const explanation = explain(event);
    if (!explanation) {
      kqlOverMatch += 1;
      if (overMatchSample.length < OVER_MATCH_SAMPLE_SIZE) overMatchSample.push({ hitId: hitIdOf(row, mapping), event });
      continue;
    }
    const eventTime = timeOf(row[mapping.timeColumn]);
    if (!eventTime) {
      rowsWithoutTime += 1;
      continue;
    }
    const hit: VerifiedHit = {
      ruleId,
      ruleTitle: rule.title,
      ...(rule.level !== undefined ? { level: rule.level } : {}),
      hitId: hitIdOf(row, mapping),
      eventTime,
      host: hostOf(row, mapping, event),
      processImage: text(event.Image) ?? '',
      destination: destinationOf(event, ipKinds),
      // adaptRow returns a fresh object per row: no copy needed.
      event: event as Record<string, unknown>,
      explanation,
    };
    const account = text(event.User);
    if (account !== undefined) hit.account = account;
    const processId = text(event.ProcessId);
    if (processId !== undefined) hit.processId = processId;
    hits.push(hit);
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

function timeOf(value: unknown): Date | undefined {
  const date = value instanceof Date ? value : typeof value === 'string' && value !== '' ? new Date(value) : undefined;
  return date && !Number.isNaN(date.getTime()) ? date : undefined;
}

function text(value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined;
  const result = String(value).trim();
  return result === '' || result === '-' ? undefined : result;
}
