/**
 * Bounds on what an incident stores, so that every summary fits one Table Storage entity (1 MiB, 64 KiB per
 * property) whatever the input, and so that re-running is idempotent: each bound is a pure function of one
 * value (never of its neighbours), and bounding a bounded value returns it unchanged. Whatever is cut is
 * recorded in a `truncated` flag, never dropped silently and never a failed write.
 */
import type { MatchExplanation, MatchReason } from '../match/types.js';
import { sha256Hex } from './keys.js';
import { IncidentError } from './errors.js';

export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

export interface Bounded<T> {
  value: T;
  truncated: boolean;
}

/** Appended where text was cut, so that a reader sees the cut. */
export const TRUNCATION_MARK = '\u2026';

/** String.prototype.isWellFormed: in every Node >= 20, in TypeScript's lib from ES2024 (ours is ES2023). */
type WellFormedCheck = string & { isWellFormed(): boolean };

/** Replaces lone UTF-16 surrogates with U+FFFD: the service stores UTF-16 but speaks UTF-8 JSON. */
export function wellFormed(text: string): string {
  // isWellFormed (no allocation) first: nearly every text is well formed, and the regex scan cost ~0.4 µs per
  // hit id on the 500,000-row bench window.
  if ((text as WellFormedCheck).isWellFormed()) return text;
  return text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}

/**
 * At most `maxChars` UTF-16 units, the cut marked and never splitting a surrogate pair. Only the part kept is
 * read and cleaned (a 2,000,000-character value costs what a `maxChars` one does): wellFormed maps each unit to
 * one unit, so cleaning the first `cut + 1` units gives the first `cut` units of the cleaned whole (the extra
 * unit keeps a pair that straddles the cut a pair, so it is seen and left out whole).
 */
export function boundText(text: string, maxChars: number): Bounded<string> {
  if (text.length <= maxChars) return { value: wellFormed(text), truncated: false };
  let cut = Math.max(0, maxChars - TRUNCATION_MARK.length);
  const head = wellFormed(text.slice(0, cut + 1));
  if (cut > 0 && isHighSurrogate(head.charCodeAt(cut - 1))) cut -= 1;
  return { value: head.slice(0, cut) + TRUNCATION_MARK, truncated: true };
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/** Hit ids longer than this are stored as a prefix plus the hash of the whole id (still unique, still ordered
 *  deterministically). Real ids (a row's hash, an EventOriginalUid) are far shorter. */
export const MAX_HIT_ID_CHARS = 512;

export function hitRefOf(hitId: string): string {
  if (hitId.length <= MAX_HIT_ID_CHARS) return wellFormed(hitId);
  return boundText(hitId, 256).value + 'sha256:' + sha256Hex(hitId);
}

/** The JSON form of a value (`toJSON` applied, `undefined` and functions dropped, keys sorted), as storage
 *  gives it back. */
export function toJsonValue(value: unknown, what: string): JsonValue {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (error) {
    throw new IncidentError('value', `${what} cannot be written as JSON: ${(error as Error).message}`);
  }
  return text === undefined ? null : sortKeys(JSON.parse(wellFormed(text)) as JsonValue);
}

/** Keys in code-unit order at every level: the stored form must not depend on how the caller built the object
 *  (the same row re-read may list its columns in another order). */
function sortKeys(value: JsonValue): JsonValue {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(sortKeys);
  return Object.fromEntries(
    Object.keys(value)
      .sort(compareText)
      .map((key) => [key, sortKeys(value[key] as JsonValue)]),
  );
}

export function toJsonObject(value: unknown, what: string): JsonObject {
  const json = toJsonValue(value, what);
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new IncidentError('value', `${what} must be a JSON object`);
  }
  return json;
}

/** Successively harsher cuts: text length, entries per array/object, nesting depth. */
const SHRINK_LEVELS: readonly { text: number; entries: number; depth: number }[] = [
  { text: 8192, entries: 1000, depth: 32 },
  { text: 2048, entries: 256, depth: 16 },
  { text: 512, entries: 64, depth: 12 },
  { text: 128, entries: 16, depth: 8 },
  { text: 32, entries: 4, depth: 4 },
  { text: 8, entries: 1, depth: 2 },
];

/**
 * The object itself when its JSON text has at most `maxChars` characters; otherwise the first shrink level
 * whose result fits (long strings cut, long arrays and objects shortened, deep nesting pruned), else `{}`.
 * Idempotent: a result that fits is returned unchanged when bounded again.
 */
export function fitJsonObject(value: JsonObject, maxChars: number): Bounded<JsonObject> {
  if (JSON.stringify(value).length <= maxChars) return { value, truncated: false };
  for (const level of SHRINK_LEVELS) {
    const shrunk = shrink(value, level, 0) as JsonObject;
    if (JSON.stringify(shrunk).length <= maxChars) return { value: shrunk, truncated: true };
  }
  return { value: {}, truncated: true };
}

function shrink(value: JsonValue, level: (typeof SHRINK_LEVELS)[number], depth: number): JsonValue {
  if (typeof value === 'string') return boundText(value, level.text).value;
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    if (depth >= level.depth) return [];
    return value.slice(0, level.entries).map((item) => shrink(item, level, depth + 1));
  }
  if (depth >= level.depth) return {};
  // Object.fromEntries defines own properties, so a `__proto__` key stays data and never becomes a prototype.
  return Object.fromEntries(
    Object.entries(value)
      .slice(0, level.entries)
      .map(([key, item]) => [boundText(key, level.text).value, shrink(item, level, depth + 1)]),
  );
}

// -------------------------------------------------------------------------------------------------------
// Explanations
// -------------------------------------------------------------------------------------------------------

export interface ExplanationBounds {
  maxSearches: number;
  maxReasons: number;
  /** The JSON text of one reason. */
  maxReasonChars: number;
}

const SEARCH_IDENTIFIER_MAX_CHARS = 128;
const REASON_LEVELS: readonly { text: number; modifiers: number }[] = [
  { text: 256, modifiers: 16 },
  { text: 64, modifiers: 8 },
  { text: 16, modifiers: 4 },
];

/** A reason in canonical form (fixed key order, JSON values), cut per REASON_LEVELS until its JSON fits. */
export function boundReason(reason: MatchReason, maxChars: number): Bounded<MatchReason> {
  const canonical = canonicalReason(reason, Infinity, Infinity);
  if (JSON.stringify(canonical).length <= maxChars) return { value: canonical, truncated: false };
  for (const level of REASON_LEVELS) {
    const cut = canonicalReason(reason, level.text, level.modifiers);
    if (JSON.stringify(cut).length <= maxChars) return { value: cut, truncated: true };
  }
  // Unreachable for maxChars >= 1000 (the last level is at most ~700 characters); kept total anyway.
  return { value: { identifier: '', field: null, modifiers: [], ruleValue: null }, truncated: true };
}

function canonicalReason(reason: MatchReason, textMax: number, modifiersMax: number): MatchReason {
  const text = (value: string): string => (textMax === Infinity ? wellFormed(value) : boundText(value, textMax).value);
  const ruleValue =
    typeof reason.ruleValue === 'string'
      ? text(reason.ruleValue)
      : typeof reason.ruleValue === 'number' && !Number.isFinite(reason.ruleValue)
        ? null
        : (reason.ruleValue ?? null);
  const canonical: MatchReason = {
    identifier: text(String(reason.identifier)),
    field: reason.field === null || reason.field === undefined ? null : text(String(reason.field)),
    modifiers: (reason.modifiers ?? []).slice(0, modifiersMax).map((modifier) => text(String(modifier))),
    ruleValue,
  };
  if (reason.eventValue !== undefined) canonical.eventValue = text(String(reason.eventValue));
  return canonical;
}

/** An explanation as stored: searches and reasons deduplicated and sorted, each bounded. */
export interface BoundedExplanation {
  explanation: MatchExplanation;
  truncated: boolean;
}

export const EMPTY_EXPLANATION: BoundedExplanation = {
  explanation: { matchedSearches: [], unmatchedSearches: [], reasons: [] },
  truncated: false,
};

/**
 * The union of explanations, deterministic whatever the order or grouping of its inputs: each search and reason
 * is bounded on its own, the set is sorted, and the smallest `maxSearches`/`maxReasons` are kept. Keeping the
 * smallest k of a union equals keeping the smallest k of (smallest k of A) ∪ B, which is what makes the
 * incremental union of a re-run equal the union of a clean run; `truncated` is sticky for the same reason
 * (a union that once exceeded k always exceeds it).
 */
export function unionExplanations(
  base: BoundedExplanation,
  additions: readonly MatchExplanation[],
  bounds: ExplanationBounds,
): BoundedExplanation {
  let truncated = base.truncated;
  const searches = new Set(base.explanation.matchedSearches);
  // Explanations stored before unmatchedSearches existed lack it.
  const unmatched = new Set(base.explanation.unmatchedSearches ?? []);
  const reasons = new Map<string, MatchReason>();
  for (const reason of base.explanation.reasons) reasons.set(JSON.stringify(reason), reason);
  // A union is idempotent: hits the matcher saw alike share one explanation object, so each is added once.
  for (const explanation of new Set(additions)) {
    for (const search of explanation.matchedSearches ?? []) {
      const bounded = boundText(String(search), SEARCH_IDENTIFIER_MAX_CHARS);
      truncated ||= bounded.truncated;
      searches.add(bounded.value);
    }
    for (const search of explanation.unmatchedSearches ?? []) {
      const bounded = boundText(String(search), SEARCH_IDENTIFIER_MAX_CHARS);
      truncated ||= bounded.truncated;
      unmatched.add(bounded.value);
    }
    for (const reason of explanation.reasons ?? []) {
      const bounded = boundReason(reason, bounds.maxReasonChars);
      truncated ||= bounded.truncated;
      reasons.set(JSON.stringify(bounded.value), bounded.value);
    }
  }
  const sortedSearches = [...searches].sort(compareText);
  const sortedUnmatched = [...unmatched].sort(compareText);
  const sortedReasonKeys = [...reasons.keys()].sort(compareText);
  if (sortedSearches.length > bounds.maxSearches || sortedUnmatched.length > bounds.maxSearches || sortedReasonKeys.length > bounds.maxReasons) truncated = true;
  return {
    explanation: {
      matchedSearches: sortedSearches.slice(0, bounds.maxSearches),
      // A union over hits: a search false on one hit and true on another is in both lists.
      unmatchedSearches: sortedUnmatched.slice(0, bounds.maxSearches),
      reasons: sortedReasonKeys.slice(0, bounds.maxReasons).map((key) => reasons.get(key) as MatchReason),
    },
    truncated,
  };
}

/** Code-unit order: locale-independent, so every machine sorts the same way. */
export function compareText(left: string, right: string): number {
  return left < right ? -1 : left > right ? 1 : 0;
}
