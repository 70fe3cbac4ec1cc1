/**
 * Tuning exceptions: a SOC lead picks fields of an incident (e.g. Image + DestinationHostname) and says "these
 * events are expected". An exception is stored as, and exported as, a Sigma filter document (Sigma filters
 * specification, v2.1 `filter:` with `rules:` naming the rule id), so it can go back into a rule repository
 * as is. Its author, reason and expiry travel in the document (`author`, `description`, and the custom field
 * `expires`, which the specification allows as a custom attribute).
 *
 * The filter's `condition: selection` names the events to exclude; sigma-hunt applies `not (condition)` to the
 * rule (see src/rule/load.ts parseFilter). The hunt compiles each active exception with the same Sigma matcher
 * as the rules and asks it, for every verified hit, whether the hit is suppressed (src/hunt/page-steps.ts
 * counts those per rule in the run summary: never silently lost).
 *
 * Stored in the incidents table, PartitionKey `exceptions` (never a 32-hex incident key), RowKey = the id.
 */
import { randomUUID } from 'node:crypto';
import { odata, type TableClient } from '@azure/data-tables';
import { stringify } from 'yaml';
import { INCIDENT_ROW_KEY, isIncidentKey } from '../incidents/keys.js';
import { compileRule } from '../match/compile.js';
import type { CompiledRule, SigmaEvent } from '../match/types.js';
import { withRuleLibraries } from '../rule/libraries.js';
import { parseRuleText } from '../rule/load.js';
import type { LogSource, SigmaRule } from '../rule/model.js';
import { IncidentStore } from '../store/incident-store.js';
import { statusOf } from '../store/errors.js';
import { runPool } from '../store/pool.js';
import type { Principal } from './auth.js';
import { ReviewError } from './errors.js';

export const EXCEPTIONS_PARTITION = 'exceptions';
export const MAX_EXCEPTION_FIELDS = 10;
export const MAX_EXCEPTION_VALUE_CHARS = 2_048;
export const MAX_EXCEPTION_DAYS = 366;
const FIELD_NAME = /^[A-Za-z][A-Za-z0-9_.]{0,127}$/;
const EXCEPTION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const DAY_MS = 86_400_000;

export type ExceptionValue = string | number | boolean;

/** What a lead asks for, validated; the server adds id, author and dates. */
export interface ExceptionDraft {
  id: string;
  ruleId: string;
  ruleTitle?: string;
  fields: Record<string, ExceptionValue>;
  reason: string;
  author: string;
  authorId: string;
  createdAt: string;
  expires: string;
  logsource: LogSource;
  incidentKey?: string;
}

export interface ReviewException extends ExceptionDraft {
  /** The Sigma filter document (YAML). */
  sigma: string;
  active: boolean;
}

export interface ExceptionPreview {
  ruleId: string;
  hits: number;
  incidents: number;
  incidentKeys: string[];
  message: string;
  sigma: string;
}

export function parseExceptionRequest(body: unknown, principal: Principal, now: Date): ExceptionDraft {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ReviewError('bad-request', 'the body must be a JSON object');
  const input = body as Record<string, unknown>;
  const problems: string[] = [];
  const ruleId = typeof input.ruleId === 'string' ? input.ruleId.trim() : '';
  if (ruleId === '' || ruleId.length > 256) problems.push('ruleId must name the rule (its id)');
  const reason = typeof input.reason === 'string' ? input.reason.trim() : '';
  if (reason === '' || reason.length > 2_000) problems.push('reason must say why these events are expected (at most 2,000 characters)');
  const fields: Record<string, ExceptionValue> = {};
  if (typeof input.fields !== 'object' || input.fields === null || Array.isArray(input.fields)) {
    problems.push('fields must be an object of Sigma field names to values');
  } else {
    const entries = Object.entries(input.fields as Record<string, unknown>);
    if (entries.length === 0 || entries.length > MAX_EXCEPTION_FIELDS) problems.push(`pick 1..${MAX_EXCEPTION_FIELDS} fields`);
    for (const [name, value] of entries) {
      if (!FIELD_NAME.test(name)) problems.push(`field name '${name.slice(0, 64)}' is not a Sigma field name`);
      else if (typeof value === 'number' || typeof value === 'boolean' || (typeof value === 'string' && value.length > 0 && value.length <= MAX_EXCEPTION_VALUE_CHARS)) fields[name] = value;
      else problems.push(`field ${name}: a string of 1..${MAX_EXCEPTION_VALUE_CHARS} characters, a number or a boolean`);
    }
  }
  let expires: Date | undefined;
  if (typeof input.expires === 'string') expires = new Date(input.expires);
  else if (typeof input.expiresInDays === 'number') expires = new Date(now.getTime() + input.expiresInDays * DAY_MS);
  if (!expires || Number.isNaN(expires.getTime())) problems.push('expires (ISO date/time) or expiresInDays is required');
  else if (expires.getTime() <= now.getTime() || expires.getTime() > now.getTime() + MAX_EXCEPTION_DAYS * DAY_MS) problems.push(`expires must be in the next ${MAX_EXCEPTION_DAYS} days`);
  const incidentKey = typeof input.incidentKey === 'string' && isIncidentKey(input.incidentKey) ? input.incidentKey : undefined;
  if (problems.length > 0) throw new ReviewError('bad-request', problems.join('; '));
  return {
    id: randomUUID(),
    ruleId,
    ...(typeof input.ruleTitle === 'string' && input.ruleTitle.trim() ? { ruleTitle: input.ruleTitle.trim().slice(0, 256) } : {}),
    fields,
    reason,
    author: principal.name,
    authorId: principal.id,
    createdAt: now.toISOString(),
    expires: expires!.toISOString(),
    logsource: {},
    ...(incidentKey ? { incidentKey } : {}),
  };
}

/** A literal for a Sigma string value: `*` and `?` are wildcards and `\` escapes them (spec: "Escaping"), so a
 *  value taken from an event has those escaped, and a backslash before one of them (or before another
 *  backslash, or at the end) doubled. */
export function sigmaLiteral(value: string): string {
  return value.replace(/\\(?=[*?\\]|$)/g, '\\\\').replace(/[*?]/g, '\\$&');
}

/** The exception as a Sigma filter document. */
export function sigmaFilterOf(draft: ExceptionDraft): string {
  const selection: Record<string, ExceptionValue> = {};
  for (const [name, value] of Object.entries(draft.fields)) selection[name] = typeof value === 'string' ? sigmaLiteral(value) : value;
  const document = {
    title: `Exception for ${draft.ruleTitle ?? draft.ruleId}: ${Object.keys(draft.fields).join(', ')}`.slice(0, 256),
    id: draft.id,
    status: 'experimental',
    description: draft.reason,
    author: draft.author,
    date: draft.createdAt.slice(0, 10),
    expires: draft.expires,
    logsource: draft.logsource,
    filter: { rules: [draft.ruleId], selection, condition: 'selection' },
  };
  return stringify(document, { lineWidth: 0 });
}

/** Compiles an exception's filter into a matcher of the events it suppresses (the filter's selection as a rule). */
export async function compileException(sigma: string, label: string): Promise<{ ruleIds: string[]; matcher: CompiledRule }> {
  const parsed = await withRuleLibraries(() => parseRuleText(sigma, label));
  const filter = parsed.filters[0];
  const refused = parsed.outcomes.find((outcome) => !outcome.ok && outcome.kind !== 'filter');
  if (!filter || refused) throw new ReviewError('bad-request', `the exception is not a valid Sigma filter: ${refused?.error?.message ?? 'no filter document'}`);
  const rule: SigmaRule = {
    kind: 'rule',
    title: filter.title,
    ...(filter.id ? { id: filter.id } : {}),
    source: filter.source,
    logsource: filter.logsource,
    detection: filter.detection,
    appliedFilters: [],
    references: [],
    tags: [],
    falsepositives: [],
    fields: [],
  };
  return { ruleIds: filter.rules, matcher: compileRule(rule) };
}

/** Decides, for a verified hit of a rule, whether an active exception suppresses it: the id of the first
 *  exception that does, or undefined. */
export type HitSuppressor = (ruleId: string, event: SigmaEvent) => string | undefined;

export function suppressorOf(compiled: readonly { id: string; ruleIds: string[]; matcher: CompiledRule }[]): HitSuppressor | undefined {
  if (compiled.length === 0) return undefined;
  const byRule = new Map<string, { id: string; matcher: CompiledRule }[]>();
  for (const exception of compiled) for (const ruleId of exception.ruleIds) byRule.set(ruleId, [...(byRule.get(ruleId) ?? []), exception]);
  return (ruleId, event) => byRule.get(ruleId)?.find((exception) => exception.matcher.explain(event) !== null)?.id;
}

export class ExceptionService {
  constructor(private readonly client: TableClient) {}

  async list(now: Date): Promise<ReviewException[]> {
    const exceptions: ReviewException[] = [];
    for await (const entity of this.client.listEntities<Record<string, unknown>>({ queryOptions: { filter: odata`PartitionKey eq ${EXCEPTIONS_PARTITION}` } })) {
      exceptions.push(exceptionOf(entity, now));
    }
    return exceptions.sort((left, right) => (left.createdAt < right.createdAt ? 1 : left.createdAt > right.createdAt ? -1 : 0));
  }

  async get(id: string, now: Date): Promise<ReviewException | undefined> {
    if (!EXCEPTION_ID.test(id)) return undefined;
    try {
      return exceptionOf(await this.client.getEntity<Record<string, unknown>>(EXCEPTIONS_PARTITION, id), now);
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  }

  async create(draft: ExceptionDraft): Promise<ReviewException> {
    const completed = await this.completed(draft);
    const sigma = sigmaFilterOf(completed);
    await compileException(sigma, `exception ${completed.id}`);
    await this.client.createEntity({
      partitionKey: EXCEPTIONS_PARTITION,
      rowKey: completed.id,
      ruleId: completed.ruleId,
      ...(completed.ruleTitle ? { ruleTitle: completed.ruleTitle } : {}),
      fields: JSON.stringify(completed.fields),
      reason: completed.reason,
      author: completed.author,
      authorId: completed.authorId,
      createdAt: completed.createdAt,
      expires: new Date(completed.expires),
      logsource: JSON.stringify(completed.logsource),
      ...(completed.incidentKey ? { incidentKey: completed.incidentKey } : {}),
      sigma,
    });
    return { ...completed, sigma, active: true };
  }

  async delete(id: string): Promise<boolean> {
    if (!EXCEPTION_ID.test(id)) return false;
    try {
      await this.client.deleteEntity(EXCEPTIONS_PARTITION, id);
      return true;
    } catch (error) {
      if (statusOf(error) === 404) return false;
      throw error;
    }
  }

  /** What the exception would have suppressed among the stored hits of its rule's incidents. */
  async preview(draft: ExceptionDraft): Promise<ExceptionPreview> {
    const completed = await this.completed(draft);
    const sigma = sigmaFilterOf(completed);
    const { matcher } = await compileException(sigma, 'exception preview');
    const keys: string[] = [];
    const filter = odata`RowKey eq ${INCIDENT_ROW_KEY} and ruleId eq ${completed.ruleId}`;
    for await (const entity of this.client.listEntities<Record<string, unknown>>({ queryOptions: { filter, select: ['PartitionKey'] } })) keys.push(String(entity.partitionKey));
    const store = new IncidentStore(this.client);
    const counts = new Array<number>(keys.length).fill(0);
    await runPool(keys.length, 8, async (index) => {
      for (const hit of await store.listHits(keys[index]!)) if (matcher.explain(hit.event as SigmaEvent) !== null) counts[index]! += 1;
    });
    const hits = counts.reduce((sum, count) => sum + count, 0);
    const matched = keys.filter((_, index) => counts[index]! > 0).sort();
    return {
      ruleId: completed.ruleId,
      hits,
      incidents: matched.length,
      incidentKeys: matched.slice(0, 20),
      message: `would have suppressed ${hits} hit${hits === 1 ? '' : 's'} in ${matched.length} incident${matched.length === 1 ? '' : 's'}`,
      sigma,
    };
  }

  /** The draft with the rule's logsource and title, read from the incident it was built from (when given). */
  private async completed(draft: ExceptionDraft): Promise<ExceptionDraft> {
    if (!draft.incidentKey) return draft;
    const incident = await new IncidentStore(this.client).getIncident(draft.incidentKey);
    if (!incident) return draft;
    if (incident.ruleId !== draft.ruleId) throw new ReviewError('bad-request', `incident ${draft.incidentKey} is of rule ${incident.ruleId}, not ${draft.ruleId}`);
    const rule = (incident.enrichment as { rule?: { logsource?: LogSource } }).rule;
    const logsource: LogSource = {};
    for (const key of ['category', 'product', 'service'] as const) {
      const value = rule?.logsource?.[key];
      if (typeof value === 'string') logsource[key] = value;
    }
    return { ...draft, ruleTitle: draft.ruleTitle ?? incident.ruleTitle, logsource };
  }
}

function exceptionOf(entity: Record<string, unknown>, now: Date): ReviewException {
  const expires = entity.expires instanceof Date ? entity.expires : new Date(String(entity.expires));
  return {
    id: String(entity.rowKey),
    ruleId: String(entity.ruleId),
    ...(typeof entity.ruleTitle === 'string' ? { ruleTitle: entity.ruleTitle } : {}),
    fields: JSON.parse(String(entity.fields)) as Record<string, ExceptionValue>,
    reason: String(entity.reason),
    author: String(entity.author),
    authorId: String(entity.authorId),
    createdAt: String(entity.createdAt),
    expires: expires.toISOString(),
    logsource: JSON.parse(String(entity.logsource ?? '{}')) as LogSource,
    ...(typeof entity.incidentKey === 'string' ? { incidentKey: entity.incidentKey } : {}),
    sigma: String(entity.sigma),
    active: expires.getTime() > now.getTime(),
  };
}

/** The hunt's suppressor: every exception not expired at `now`, compiled (undefined when there is none). One
 *  that no longer compiles is skipped and reported through `warn`, never silently. */
export async function activeSuppressor(client: TableClient, now: Date, warn: (message: string) => void = () => {}): Promise<HitSuppressor | undefined> {
  const filter = odata`PartitionKey eq ${EXCEPTIONS_PARTITION} and expires gt ${now}`;
  const compiled: { id: string; ruleIds: string[]; matcher: CompiledRule }[] = [];
  for await (const entity of client.listEntities<Record<string, unknown>>({ queryOptions: { filter, select: ['RowKey', 'sigma'] } })) {
    const id = String(entity.rowKey);
    try {
      compiled.push({ id, ...(await compileException(String(entity.sigma), `exception ${id}`)) });
    } catch (error) {
      warn(`exception ${id} is skipped: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return suppressorOf(compiled);
}
