/**
 * The queue message of one (workspace, batch) and the poison record. A message says which workspace and which
 * rules of its pack to hunt; it carries no window: the hunter reads each rule's watermark from the checkpoints
 * table, so a duplicate, a re-ordered or a late message re-hunts from wherever the rules are, and finds the
 * store already holding what an earlier delivery stored (hits are idempotent by hit id, checkpoints are
 * ETag-checked).
 *
 * Encoding: JSON, base64 on the wire, which is what the Functions queue trigger expects by default
 * (host.json extensions.queues.messageEncoding "base64").
 */

export const MESSAGE_KIND = 'sigma-hunt.batch';
export const MESSAGE_VERSION = 1;
/** A queue message is at most 64 KiB; base64 makes 3 bytes 4, so the JSON text must stay within 48 KiB. */
export const MAX_MESSAGE_JSON_BYTES = 48 * 1024;
/** What a poison record keeps of the message it refused. */
const POISON_MESSAGE_CHARS = 2000;

export interface BatchMessage {
  kind: typeof MESSAGE_KIND;
  v: typeof MESSAGE_VERSION;
  /** Workspace name (HUNT_WORKSPACES[].name) and id: the hunter refuses a message whose id no longer matches. */
  workspace: string;
  workspaceId: string;
  /** `<category>#<n>` of the plan, for logs. */
  batch: string;
  ruleIds: string[];
  /** The planner tick that sent it (ISO). */
  plannedAt: string;
}

export type MessageParse = { ok: true; message: BatchMessage } | { ok: false; reason: string };

/** Parses a delivered message: the host hands over the decoded text, or the parsed JSON object. */
export function parseBatchMessage(delivered: unknown): MessageParse {
  let value = delivered;
  if (typeof delivered === 'string') {
    try {
      value = JSON.parse(delivered);
    } catch {
      return { ok: false, reason: 'not JSON' };
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, reason: 'not a JSON object' };
  const fields = value as Record<string, unknown>;
  if (fields.kind !== MESSAGE_KIND) return { ok: false, reason: `kind is ${JSON.stringify(fields.kind ?? null)}, not "${MESSAGE_KIND}"` };
  if (fields.v !== MESSAGE_VERSION) return { ok: false, reason: `version ${JSON.stringify(fields.v ?? null)} is not ${MESSAGE_VERSION} (sent by another release?)` };
  for (const key of ['workspace', 'workspaceId', 'batch', 'plannedAt'] as const) {
    if (typeof fields[key] !== 'string' || fields[key] === '') return { ok: false, reason: `${key} missing or not a string` };
  }
  if (!Array.isArray(fields.ruleIds) || fields.ruleIds.length === 0 || !fields.ruleIds.every((id) => typeof id === 'string' && id !== '')) {
    return { ok: false, reason: 'ruleIds must be a non-empty array of rule ids' };
  }
  return {
    ok: true,
    message: {
      kind: MESSAGE_KIND,
      v: MESSAGE_VERSION,
      workspace: fields.workspace as string,
      workspaceId: (fields.workspaceId as string).toLowerCase(),
      batch: fields.batch as string,
      ruleIds: fields.ruleIds as string[],
      plannedAt: fields.plannedAt as string,
    },
  };
}

export function encodeMessage(message: BatchMessage): string {
  return Buffer.from(JSON.stringify(message), 'utf8').toString('base64');
}

/** The JSON text of a wire message (base64), or the text itself when it is not base64 of UTF-8. */
export function decodeMessageText(wire: string): string {
  if (/^[A-Za-z0-9+/]*={0,2}$/.test(wire) && wire.length % 4 === 0) {
    const text = Buffer.from(wire, 'base64').toString('utf8');
    if (!text.includes('\uFFFD')) return text;
  }
  return wire;
}

/** What lands in the poison queue: why, in words, and the message as delivered (cut). */
export interface PoisonRecord {
  kind: 'sigma-hunt.poison';
  reason: string;
  workspace?: string;
  batch?: string;
  dequeueCount: number;
  poisonedAt: string;
  message: string;
}

export function poisonRecordOf(delivered: unknown, reason: string, dequeueCount: number, at: Date, message?: BatchMessage): PoisonRecord {
  const text = typeof delivered === 'string' ? delivered : JSON.stringify(delivered) ?? String(delivered);
  return {
    kind: 'sigma-hunt.poison',
    reason,
    ...(message ? { workspace: message.workspace, batch: message.batch } : {}),
    dequeueCount,
    poisonedAt: at.toISOString(),
    message: text.length > POISON_MESSAGE_CHARS ? `${text.slice(0, POISON_MESSAGE_CHARS)}...` : text,
  };
}

/** The reason of a poison-queue entry: ours (a PoisonRecord), or the host's (the raw message it gave up on). */
export function poisonReasonOf(wire: string): string {
  const text = decodeMessageText(wire);
  try {
    const value = JSON.parse(text) as Partial<PoisonRecord>;
    if (value && value.kind === 'sigma-hunt.poison' && typeof value.reason === 'string') {
      return value.workspace ? `${value.workspace} ${value.batch}: ${value.reason}` : value.reason;
    }
  } catch {
    // the host's own: not ours to read
  }
  return `moved by the Functions host after ${MAX_DELIVERIES_TEXT} failed deliveries: ${text.slice(0, 200)}`;
}

const MAX_DELIVERIES_TEXT = 'maxDequeueCount';
