/**
 * Table Storage keys for incidents, hits and checkpoints. Every key is a hash: PartitionKey and RowKey may not
 * contain `/ \ # ?` or control characters (U+0000–U+001F, U+007F–U+009F) and are limited to 1 KiB, while the
 * values we group on (Windows image paths, host names, row ids from the query) contain all of those.
 */
import * as crypto from 'node:crypto';

/** RowKey of an incident's summary entity; hit entities share its partition. */
export const INCIDENT_ROW_KEY = 'incident';
/** Hit RowKeys start with this prefix, which sorts them apart from the summary in a partition scan. */
export const HIT_ROW_KEY_PREFIX = 'hit_';
/** RowKey of a checkpoint entity. */
export const CHECKPOINT_ROW_KEY = 'checkpoint';

/** Length of an incident key: 128 bits of sha256, plenty against accidental collision at our volumes. */
export const INCIDENT_KEY_LENGTH = 32;

const INCIDENT_KEY_FORMAT = /^[0-9a-f]{32}$/;
// U+0000–U+001F, U+007F–U+009F are forbidden in keys, as are '/', '\', '#', '?'.
const FORBIDDEN_KEY_CHARACTERS = /[/\\#?\u0000-\u001f\u007f-\u009f]/;
/** 1 KiB of UTF-16. */
const MAX_KEY_CHARS = 512;

// One-shot crypto.hash (Node >= 20.12; engines allow 20.10, hence the namespace import and the fallback) costs
// half of createHash().update().digest() on the short texts hashed once per hit, and encodes the text the same
// way (UTF-8, lone surrogates as U+FFFD).
const oneShotHash: ((algorithm: string, data: string, encoding: 'hex') => string) | undefined = (crypto as { hash?: typeof crypto.hash }).hash;

export function sha256Hex(text: string): string {
  return oneShotHash ? oneShotHash('sha256', text, 'hex') : crypto.createHash('sha256').update(text, 'utf8').digest('hex');
}

/** The key of an incident from its canonical identity tuple (see grouping.ts for what goes in). */
export function incidentKeyOf(canonicalTuple: readonly (string | number | null)[]): string {
  return sha256Hex(JSON.stringify(canonicalTuple)).slice(0, INCIDENT_KEY_LENGTH);
}

/** The RowKey of a hit: the full hash of the caller's hit id, so ids of any length and content fit. */
export function hitRowKeyOf(hitId: string): string {
  return HIT_ROW_KEY_PREFIX + sha256Hex(hitId);
}

/** The PartitionKey of a checkpoint scope (scopes name workspaces and rules and may hold any character). */
export function checkpointPartitionKeyOf(scope: string): string {
  return sha256Hex(`sigma-hunt/checkpoint/v1\u0000${scope}`).slice(0, INCIDENT_KEY_LENGTH);
}

export function isIncidentKey(text: string): boolean {
  return INCIDENT_KEY_FORMAT.test(text);
}

/** True when Table Storage accepts `text` as a PartitionKey or RowKey. */
export function isValidTableKey(text: string): boolean {
  return text.length > 0 && text.length <= MAX_KEY_CHARS && !FORBIDDEN_KEY_CHARACTERS.test(text);
}
