// `--logsource category=process_creation,product=windows[,service=…]`: the source of events that carry nothing
// to classify them by (a flat export without Channel, EventID or Type).
import { LogsourceSpecError } from './errors.js';
import type { DefaultSource } from './resolver.js';

const SPEC_KEYS = ['product', 'service', 'category'] as const;
type SpecKey = (typeof SPEC_KEYS)[number];

/** Sigma log source names are lower-case identifiers; a space or quote here is a typo, not a name. */
const SPEC_VALUE = /^[A-Za-z0-9_.-]+$/;

export function parseLogsourceSpec(spec: string): DefaultSource {
  const given: { -readonly [K in SpecKey]?: string } = {};
  if (spec.trim() === '') throw new LogsourceSpecError('--logsource needs key=value pairs: category=…,product=…[,service=…]');
  for (const pair of spec.split(',')) {
    const equals = pair.indexOf('=');
    if (equals < 0) throw new LogsourceSpecError(`--logsource: '${pair}' is not key=value (keys: ${SPEC_KEYS.join(', ')})`);
    const key = pair.slice(0, equals);
    const value = pair.slice(equals + 1);
    if (!(SPEC_KEYS as readonly string[]).includes(key)) throw new LogsourceSpecError(`--logsource: unknown key '${key}' (keys: ${SPEC_KEYS.join(', ')})`);
    if (given[key as SpecKey] !== undefined) throw new LogsourceSpecError(`--logsource: '${key}' given twice`);
    if (!SPEC_VALUE.test(value)) throw new LogsourceSpecError(`--logsource: ${key} '${value}' must be a name of letters, digits, '_', '.' or '-'`);
    given[key as SpecKey] = value.toLowerCase();
  }
  return given;
}
