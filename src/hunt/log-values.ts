/**
 * What the hunt's logs may say about an event. Event values (command lines, users, hosts, URLs) are written by
 * attackers and are personal data: by default a log line names the row (its hit id) and the fields it holds,
 * never their values. HUNT_LOG_EVENT_VALUES=true (an operator's choice, for diagnosing a mapping) adds the
 * values, each cut to EXCERPT_MAX_CHARS with control characters escaped (src/text/printable.ts).
 */
import type { SigmaEvent } from '../match/types.js';
import { excerpt } from '../text/printable.js';

export interface LoggedEvent {
  hitId: string;
  /** The event's fields that hold a value, sorted. */
  fields: string[];
  /** Only with HUNT_LOG_EVENT_VALUES=true: each value as an excerpt. */
  values?: Record<string, string>;
}

export function loggedEvent(hitId: string, event: SigmaEvent, withValues: boolean): LoggedEvent {
  const fields = Object.keys(event)
    .filter((field) => {
      const value = event[field];
      return value !== undefined && value !== null && value !== '';
    })
    .sort();
  if (!withValues) return { hitId, fields };
  const values: Record<string, string> = {};
  for (const field of fields) values[field] = excerpt(textOf(event[field]));
  return { hitId, fields, values };
}

function textOf(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'object') {
    try {
      return JSON.stringify(value) ?? '';
    } catch {
      return '[unprintable]';
    }
  }
  return String(value);
}
