import type { SigmaEvent } from '../match/types.js';

/** Why a JSON text is not an event. A class, so `instanceof` tells it from an event that happens to have
 *  `code` and `reason` keys. */
export class EventTextProblem {
  constructor(
    readonly code: 'json' | 'not-object',
    readonly reason: string,
  ) {}
}

/** Parses one raw JSON text (a JSON line, an array element) into an event: a JSON object. Returns the
 *  problem rather than throwing, so callers handle it like any other outcome. */
export function parseEventText(text: string): SigmaEvent | EventTextProblem {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return new EventTextProblem('json', `invalid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    const what = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
    return new EventTextProblem('not-object', `not a JSON object: ${what}`);
  }
  return value as SigmaEvent;
}
