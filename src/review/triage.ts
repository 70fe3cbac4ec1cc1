/**
 * Triage: what a SOC lead decides about an incident, and the audit trail of every change.
 *
 * Layout, in the incident's own partition (so one entity-group transaction changes all of it at once):
 * - RowKey `triage`: owner, classification (Sentinel's vocabulary), its reason, the last comment, who and when.
 *   Its ETag is the incident's *version* in the API: the hunt never writes this entity, so new hits arriving
 *   do not make a lead's open page stale; only another triage does.
 * - RowKey `incident` (the hunt's summary): only its `status` property, merged. The hunt keeps the stored status
 *   when it folds hits in (src/incidents/merge.ts) and writes the summary with If-Match, so a triage between its
 *   read and its write makes the hunt re-read and keep the new status.
 * - RowKey `audit_<change number, 10 digits>`: one record per change (who, when, each field's old and new
 *   value, the comment), created in the same transaction as the change: no change without its record. The
 *   number comes from the triage entity the transaction replaces with If-Match, so it is never taken twice.
 * The hunt only ever writes `incident` and `hit_*` rows, so none of the triage fields can be overwritten by it.
 */
import { odata, type TableClient, type TransactionAction } from '@azure/data-tables';
import { INCIDENT_ROW_KEY, isIncidentKey } from '../incidents/keys.js';
import { INCIDENT_STATUSES, type IncidentStatus } from '../incidents/model.js';
import { statusOf } from '../store/errors.js';
import type { Principal } from './auth.js';
import { ReviewError } from './errors.js';

export const TRIAGE_ROW_KEY = 'triage';
export const AUDIT_ROW_KEY_PREFIX = 'audit_';
/** The version of an incident nobody has triaged yet. */
export const UNTRIAGED_VERSION = '"untriaged"';

/** Sentinel's incident classifications and the reasons it pairs with each (SecurityInsights incident API). */
export const CLASSIFICATION_REASONS = {
  TruePositive: ['SuspiciousActivity'],
  BenignPositive: ['SuspiciousButExpected'],
  FalsePositive: ['IncorrectAlertLogic', 'InaccurateData'],
  Undetermined: [],
} as const satisfies Record<string, readonly string[]>;
export type Classification = keyof typeof CLASSIFICATION_REASONS;
const CLASSIFICATIONS = Object.keys(CLASSIFICATION_REASONS) as Classification[];

export const MAX_COMMENT_CHARS = 4_000;
export const MAX_OWNER_CHARS = 256;

export interface Triage {
  status: IncidentStatus;
  owner?: string;
  classification?: Classification;
  classificationReason?: string;
  lastComment?: string;
  updatedAt?: string;
  updatedBy?: string;
  /** Changes so far: numbers the audit records (their RowKeys), so they list in the order they were made. */
  changeCount: number;
  /** The ETag to send back in If-Match. */
  version: string;
}

export interface TriageChange {
  status?: IncidentStatus;
  /** null clears the owner. */
  owner?: string | null;
  classification?: Classification;
  classificationReason?: string;
  comment?: string;
}

export interface AuditRecord {
  at: string;
  by: string;
  byId: string;
  development?: true;
  changes: { field: string; from: string | null; to: string | null }[];
  comment?: string;
}

/** The PATCH body as a typed change, or a 400 naming what is wrong. */
export function parseTriageChange(body: unknown): TriageChange {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ReviewError('bad-request', 'the body must be a JSON object');
  const input = body as Record<string, unknown>;
  const known = new Set(['status', 'owner', 'classification', 'classificationReason', 'comment']);
  const unknown = Object.keys(input).filter((key) => !known.has(key));
  if (unknown.length > 0) throw new ReviewError('bad-request', `unknown field(s): ${unknown.join(', ')}`);
  const change: TriageChange = {};
  if (input.status !== undefined) {
    if (typeof input.status !== 'string' || !(INCIDENT_STATUSES as readonly string[]).includes(input.status)) {
      throw new ReviewError('bad-request', `status must be one of ${INCIDENT_STATUSES.join(', ')}`);
    }
    change.status = input.status as IncidentStatus;
  }
  if (input.owner !== undefined) {
    if (input.owner !== null && (typeof input.owner !== 'string' || input.owner.length > MAX_OWNER_CHARS)) {
      throw new ReviewError('bad-request', `owner must be a string of at most ${MAX_OWNER_CHARS} characters, or null`);
    }
    change.owner = input.owner === null || input.owner.trim() === '' ? null : input.owner.trim();
  }
  if (input.classification !== undefined) {
    if (typeof input.classification !== 'string' || !(CLASSIFICATIONS as string[]).includes(input.classification)) {
      throw new ReviewError('bad-request', `classification must be one of ${CLASSIFICATIONS.join(', ')}`);
    }
    change.classification = input.classification as Classification;
  }
  if (input.classificationReason !== undefined) {
    if (typeof input.classificationReason !== 'string') throw new ReviewError('bad-request', 'classificationReason must be a string');
    change.classificationReason = input.classificationReason;
  }
  if (input.comment !== undefined) {
    if (typeof input.comment !== 'string' || input.comment.length > MAX_COMMENT_CHARS) {
      throw new ReviewError('bad-request', `comment must be a string of at most ${MAX_COMMENT_CHARS} characters`);
    }
    if (input.comment.trim() !== '') change.comment = input.comment;
  }
  if (Object.keys(change).length === 0) throw new ReviewError('bad-request', 'nothing to change');
  return change;
}

/** The triage after `change`, checked as a whole: closing needs a classification (and its Sentinel reason);
 *  reopening clears it. */
export function applyTriageChange(current: Triage, change: TriageChange): Omit<Triage, 'version'> {
  const next: Omit<Triage, 'version'> = { ...current };
  delete (next as Partial<Triage>).version;
  if (change.status !== undefined) next.status = change.status;
  if (change.owner !== undefined) {
    if (change.owner === null) delete next.owner;
    else next.owner = change.owner;
  }
  if (change.classification !== undefined) {
    next.classification = change.classification;
    delete next.classificationReason;
  }
  if (change.classificationReason !== undefined) next.classificationReason = change.classificationReason;
  if (change.comment !== undefined) next.lastComment = change.comment;
  if (next.status === 'closed') {
    if (next.classification === undefined) throw new ReviewError('bad-request', 'closing an incident needs a classification');
    const reasons: readonly string[] = CLASSIFICATION_REASONS[next.classification];
    if (reasons.length > 0 && !reasons.includes(next.classificationReason ?? '')) {
      throw new ReviewError('bad-request', `classification ${next.classification} needs a classificationReason: ${reasons.join(' or ')}`);
    }
    if (reasons.length === 0) delete next.classificationReason;
  } else if (change.classification !== undefined || change.classificationReason !== undefined) {
    throw new ReviewError('bad-request', 'a classification is given when closing (status closed)');
  } else {
    delete next.classification;
    delete next.classificationReason;
  }
  return next;
}

const AUDITED_FIELDS = ['status', 'owner', 'classification', 'classificationReason'] as const;

export class TriageStore {
  constructor(private readonly client: TableClient) {}

  /** The incident's triage, or undefined when the incident does not exist. */
  async read(incidentKey: string): Promise<Triage | undefined> {
    if (!isIncidentKey(incidentKey)) return undefined;
    const [summary, triage] = await Promise.all([this.entity(incidentKey, INCIDENT_ROW_KEY, ['status']), this.entity(incidentKey, TRIAGE_ROW_KEY)]);
    if (!summary) return undefined;
    return triageOf(summary.status as IncidentStatus, triage);
  }

  /**
   * Applies a change if `ifMatch` is the incident's current version: the triage, the summary's status and the
   * audit record in one transaction. Missing If-Match → 428; another version → 412 with the current triage.
   */
  async update(incidentKey: string, ifMatch: string | undefined, change: TriageChange, principal: Principal, now: Date = new Date()): Promise<{ triage: Triage; audit: AuditRecord }> {
    if (ifMatch === undefined || ifMatch.trim() === '') throw new ReviewError('precondition-required', 'send If-Match with the version (ETag) you are changing');
    const current = await this.read(incidentKey);
    if (!current) throw new ReviewError('not-found', `no incident ${incidentKey}`);
    if (ifMatch.trim() !== current.version) throw this.stale(current);
    const next = applyTriageChange(current, change);
    const at = now.toISOString();
    const audit: AuditRecord = {
      at,
      by: principal.name,
      byId: principal.id,
      ...(principal.development ? { development: true as const } : {}),
      changes: AUDITED_FIELDS.filter((field) => (current[field] ?? null) !== (next[field] ?? null)).map((field) => ({
        field,
        from: current[field] ?? null,
        to: next[field] ?? null,
      })),
      ...(change.comment !== undefined ? { comment: change.comment } : {}),
    };
    const triageEntity = {
      partitionKey: incidentKey,
      rowKey: TRIAGE_ROW_KEY,
      ...(next.owner !== undefined ? { owner: next.owner } : {}),
      ...(next.classification !== undefined ? { classification: next.classification } : {}),
      ...(next.classificationReason !== undefined ? { classificationReason: next.classificationReason } : {}),
      ...(next.lastComment !== undefined ? { lastComment: next.lastComment } : {}),
      updatedAt: at,
      updatedBy: principal.name,
      changeCount: current.changeCount + 1,
    };
    const actions: TransactionAction[] = [
      current.version === UNTRIAGED_VERSION ? ['create', triageEntity] : ['update', triageEntity, 'Replace', { etag: current.version }],
      ['create', { partitionKey: incidentKey, rowKey: auditRowKeyOf(current.changeCount + 1), at, by: audit.by, byId: audit.byId, development: principal.development === true, changes: JSON.stringify(audit.changes), ...(audit.comment !== undefined ? { comment: audit.comment } : {}) }],
    ];
    if (next.status !== current.status) actions.push(['update', { partitionKey: incidentKey, rowKey: INCIDENT_ROW_KEY, status: next.status }, 'Merge']);
    try {
      const response = await this.client.submitTransaction(actions);
      const version = response.subResponses[0]?.etag;
      return { triage: { ...next, updatedAt: at, updatedBy: principal.name, changeCount: current.changeCount + 1, version: version ?? (await this.read(incidentKey))!.version }, audit };
    } catch (error) {
      const status = statusOf(error);
      // Another triage won the race between our read and our write (412 on Replace, 409 on create).
      if (status === 412 || status === 409) throw this.stale((await this.read(incidentKey)) ?? current);
      throw error;
    }
  }

  /** The incident's audit records, oldest first. */
  async audit(incidentKey: string): Promise<AuditRecord[]> {
    if (!isIncidentKey(incidentKey)) return [];
    const records: AuditRecord[] = [];
    const filter = odata`PartitionKey eq ${incidentKey} and RowKey ge ${AUDIT_ROW_KEY_PREFIX} and RowKey lt ${'audit`'}`;
    for await (const entity of this.client.listEntities<Record<string, unknown>>({ queryOptions: { filter } })) {
      records.push({
        at: String(entity.at),
        by: String(entity.by),
        byId: String(entity.byId),
        ...(entity.development === true ? { development: true as const } : {}),
        changes: JSON.parse(String(entity.changes)) as AuditRecord['changes'],
        ...(typeof entity.comment === 'string' ? { comment: entity.comment } : {}),
      });
    }
    return records;
  }

  private stale(current: Triage): ReviewError {
    return new ReviewError('precondition-failed', 'the incident was changed by someone else since you loaded it: reload, check, and apply your change again', {
      currentVersion: current.version,
      current,
    });
  }

  private async entity(partitionKey: string, rowKey: string, select?: string[]): Promise<(Record<string, unknown> & { etag: string }) | undefined> {
    try {
      return await this.client.getEntity<Record<string, unknown>>(partitionKey, rowKey, select ? { queryOptions: { select } } : {});
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  }
}

function triageOf(status: IncidentStatus, entity: (Record<string, unknown> & { etag: string }) | undefined): Triage {
  const triage: Triage = { status, changeCount: typeof entity?.changeCount === 'number' ? entity.changeCount : 0, version: entity?.etag ?? UNTRIAGED_VERSION };
  if (!entity) return triage;
  if (typeof entity.owner === 'string') triage.owner = entity.owner;
  if (typeof entity.classification === 'string' && (CLASSIFICATIONS as string[]).includes(entity.classification)) triage.classification = entity.classification as Classification;
  if (typeof entity.classificationReason === 'string') triage.classificationReason = entity.classificationReason;
  if (typeof entity.lastComment === 'string') triage.lastComment = entity.lastComment;
  if (typeof entity.updatedAt === 'string') triage.updatedAt = entity.updatedAt;
  if (typeof entity.updatedBy === 'string') triage.updatedBy = entity.updatedBy;
  return triage;
}

function auditRowKeyOf(changeNumber: number): string {
  return `${AUDIT_ROW_KEY_PREFIX}${String(changeNumber).padStart(10, '0')}`;
}
