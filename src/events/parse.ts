import type { SigmaEvent } from '../match/types.js';

/** The deepest nesting of objects and arrays an event may have (the event itself is depth 1). Real events
 *  nest a few levels (ASIM AdditionalFields, Defender's dynamic columns); the matcher's keyword search and
 *  JSON.stringify of a match line recurse once per level, so a hostile record 6,000 levels deep would
 *  overflow the stack and end the whole scan. Such a record is refused on its own instead. */
export const MAX_EVENT_DEPTH = 64;

/** Why a JSON text is not an event. A class, so `instanceof` tells it from an event that happens to have
 *  `code` and `reason` keys. */
export class EventTextProblem {
  constructor(
    readonly code: 'json' | 'not-object' | 'too-deep',
    readonly reason: string,
  ) {}
}

/** Parses one raw JSON text (a JSON line, an array element) into an event: a JSON object no deeper than
 *  MAX_EVENT_DEPTH. Returns the problem rather than throwing, so callers handle it like any other outcome. */
export function parseEventText(text: string): SigmaEvent | EventTextProblem {
  let value: unknown;
  try {
    // V8's JSON.parse does not recurse, so any depth parses; the depth is checked on the value below.
    value = JSON.parse(text);
  } catch (error) {
    return new EventTextProblem('json', `invalid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    const what = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
    return new EventTextProblem('not-object', `not a JSON object: ${what}`);
  }
  return nestedTooDeep(value) ? tooDeep() : (value as SigmaEvent);
}

export function tooDeep(): EventTextProblem {
  return new EventTextProblem('too-deep', `objects or arrays nested more than ${MAX_EVENT_DEPTH} levels deep`);
}

/** Whether `value` nests objects and arrays deeper than MAX_EVENT_DEPTH, counting `value` as level 1.
 *  Iterative, with an explicit stack, so the check itself cannot overflow; a flat event costs one pass over
 *  its values. */
export function nestedTooDeep(value: object, depth = 1): boolean {
  // A flat record (most events) holds no container: answered without allocating the stack.
  if (depth <= MAX_EVENT_DEPTH && !holdsContainer(value as Record<string, unknown>)) return false;
  const pending: Array<{ value: object; depth: number }> = [{ value, depth }];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    if (next.depth > MAX_EVENT_DEPTH) return true;
    // for..in, not Object.values: no array allocated per parsed event.
    const container = next.value as Record<string, unknown>;
    for (const key in container) {
      const child = container[key];
      if (child !== null && typeof child === 'object') pending.push({ value: child, depth: next.depth + 1 });
    }
  }
  return false;
}

function holdsContainer(container: Record<string, unknown>): boolean {
  for (const key in container) {
    const child = container[key];
    if (child !== null && typeof child === 'object') return true;
  }
  return false;
}
