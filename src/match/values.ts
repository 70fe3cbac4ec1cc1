// Reading event values the way Sigma compares them: field lookup, scalars, numbers.
import type { SigmaEvent } from './types.js';

/** A value a pattern can test: JSON strings, numbers and booleans. Numbers and booleans compare as their
 *  string form (`true` equals 'true', 3 equals '3'). */
export type Scalar = string | number | boolean;

export function isScalar(value: unknown): value is Scalar {
  const type = typeof value;
  return type === 'string' || type === 'number' || type === 'boolean';
}

export function scalarText(value: Scalar): string {
  return typeof value === 'string' ? value : String(value);
}

/** How an event value appears in an explanation: scalars as their string form, arrays and objects as JSON. */
export function displayValue(value: unknown): string {
  if (isScalar(value)) return scalarText(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** Looks a Sigma field up in an event; `undefined` means absent or null (Sigma treats both alike). */
export type FieldLookup = (event: SigmaEvent) => unknown;

/** Exact key first; otherwise the event key that equals the field once its spaces are removed (Sigma
 *  "Field Usage": 'Threat Name' is ThreatName). The fallback runs only on a miss, compares without
 *  allocating, and only looks at keys longer than the field, which are the only ones that can hold spaces
 *  to strip. */
export function compileFieldLookup(field: string): FieldLookup {
  // `event.constructor` would find Object.prototype's: read own properties only for such names.
  const shadowsPrototype = field in Object.prototype;
  const fieldLength = field.length;
  const spacedFallback = (event: SigmaEvent): unknown => {
    for (const key in event) {
      if (key.length <= fieldLength || !strippedEquals(key, field)) continue;
      const value = event[key];
      return value === null ? undefined : value;
    }
    return undefined;
  };
  if (shadowsPrototype) {
    return (event) => {
      if (Object.hasOwn(event, field)) {
        const value = Object.getOwnPropertyDescriptor(event, field)?.value;
        return value === null ? undefined : value;
      }
      return spacedFallback(event);
    };
  }
  const readExact = ownPropertyReader(field);
  return (event) => {
    const value = readExact(event);
    if (value !== undefined) return value === null ? undefined : value;
    return spacedFallback(event);
  };
}

/** A reader for one property with its own inline cache. `event[field]` inside a shared closure is one load
 *  site for every field of every rule, which V8 makes megamorphic; a function per field name keeps each
 *  site monomorphic or polymorphic over event shapes (measured 1.3x on the seed benchmark). The name is
 *  embedded with JSON.stringify, which yields a valid, inert JS string literal for any string. */
const readers = new Map<string, (event: SigmaEvent) => unknown>();
function ownPropertyReader(field: string): (event: SigmaEvent) => unknown {
  let reader = readers.get(field);
  if (reader === undefined) {
    reader = new Function('event', `return event[${JSON.stringify(field)}];`) as (event: SigmaEvent) => unknown;
    readers.set(field, reader);
  }
  return reader;
}

/** `key` with its spaces removed equals `field`, compared in place. */
function strippedEquals(key: string, field: string): boolean {
  let f = 0;
  let sawSpace = false;
  for (let k = 0; k < key.length; k++) {
    const code = key.charCodeAt(k);
    if (code === 32) {
      sawSpace = true;
      continue;
    }
    if (f >= field.length || code !== field.charCodeAt(f)) return false;
    f++;
  }
  return sawSpace && f === field.length;
}

const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** A field value read as a finite number for gt/gte/lt/lte: a JSON number, or a string holding a decimal
 *  number (no surrounding spaces, no hex, no empty string); anything else is NaN. */
export function numericValue(value: Scalar): number {
  if (typeof value === 'number') return Number.isFinite(value) ? value : Number.NaN;
  if (typeof value === 'boolean' || !DECIMAL.test(value)) return Number.NaN;
  const parsed = Number(value);
  return Number.isFinite(parsed) ? parsed : Number.NaN;
}
