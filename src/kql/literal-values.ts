import type { KqlLiteral } from './syntax-tree.js';

// Non-string literal values, decoded from the literal's text.
//
// Quirk: the values Kusto.Language attaches to these tokens are not usable here. Measured on 12.4.1:
// `timespan(1.02:03:04.5)` → 0 ticks ("bad timespan literal?"), `0x1F` → 0, `real(nan)` → 0, and datetimes are
// JS Dates built in the *process's local time zone* (datetime(2020-01-01) is 05:00Z under TZ=America/New_York)
// with millisecond resolution. So the text is decoded here, exactly; forms we do not decode become `unsupported`.

type DecodedScalar =
  | { literal: { kind: 'literal'; type: KqlLiteral['type']; value: KqlLiteral['value'] } }
  | { reason: string };

const DECIMAL_NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const TICKS_PER_MS = 10_000n;
const TICKS_PER_SECOND = 10_000_000n;

export function decodeScalarLiteral(kind: string, text: string): DecodedScalar {
  const inner = literalInterior(text);
  const ok = (type: KqlLiteral['type'], value: KqlLiteral['value']): DecodedScalar => ({
    literal: { kind: 'literal', type, value },
  });
  if (inner === 'null') {
    const nullType = LITERAL_TYPES[kind];
    return nullType ? ok(nullType, null) : { reason: `${kind} null` };
  }
  switch (kind) {
    case 'LongLiteralExpression':
    case 'IntLiteralExpression': {
      const value = decodeInteger(inner);
      return value === undefined ? { reason: `integer literal ${text}` } : ok(LITERAL_TYPES[kind]!, value);
    }
    case 'RealLiteralExpression': {
      const value = decodeReal(inner);
      return value === undefined ? { reason: `real literal ${text}` } : ok('real', value);
    }
    case 'DecimalLiteralExpression':
      return DECIMAL_NUMBER.test(inner) ? ok('decimal', inner) : { reason: `decimal literal ${text}` };
    case 'BooleanLiteralExpression': {
      const lowered = inner.toLowerCase();
      if (lowered === 'true' || lowered === '1') return ok('bool', true);
      if (lowered === 'false' || lowered === '0') return ok('bool', false);
      return { reason: `bool literal ${text}` };
    }
    case 'DateTimeLiteralExpression': {
      const value = decodeDateTime(unquote(inner));
      return value === undefined ? { reason: `datetime format not decoded: ${text}` } : ok('datetime', value);
    }
    case 'TimespanLiteralExpression': {
      const value = decodeTimespan(unquote(inner));
      return value === undefined ? { reason: `timespan format not decoded: ${text}` } : ok('timespan', value);
    }
    case 'GuidLiteralExpression': {
      const value = unquote(inner).toLowerCase();
      return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(value)
        ? ok('guid', value)
        : { reason: `guid literal ${text}` };
    }
    default:
      return { reason: `${kind} not modelled` };
  }
}

const LITERAL_TYPES: Readonly<Record<string, KqlLiteral['type']>> = {
  LongLiteralExpression: 'long',
  IntLiteralExpression: 'int',
  RealLiteralExpression: 'real',
  DecimalLiteralExpression: 'decimal',
  BooleanLiteralExpression: 'bool',
  DateTimeLiteralExpression: 'datetime',
  TimespanLiteralExpression: 'timespan',
  GuidLiteralExpression: 'guid',
};

/** `long(5)` → `5`; `datetime( 2020-01-01 )` → `2020-01-01`; a bare `5` or `1h` stays as is. */
function literalInterior(text: string): string {
  const match = /^[A-Za-z_][A-Za-z0-9_]*\s*\(([\s\S]*)\)$/.exec(text);
  return (match ? match[1]! : text).trim();
}

/** Kusto.Language accepts `datetime("2020-01-01")` as well as `datetime(2020-01-01)`. */
function unquote(text: string): string {
  const match = /^(["'])(.*)\1$/s.exec(text);
  return match ? match[2]! : text;
}

function decodeInteger(text: string): bigint | undefined {
  const match = /^([+-]?)(0[xX][0-9a-fA-F]+|\d+)$/.exec(text);
  if (!match) return undefined;
  const magnitude = BigInt(match[2]!);
  return match[1] === '-' ? -magnitude : magnitude;
}

function decodeReal(text: string): number | undefined {
  switch (text.toLowerCase()) {
    case 'nan':
      return Number.NaN;
    case '+inf':
    case 'inf':
      return Number.POSITIVE_INFINITY;
    case '-inf':
      return Number.NEGATIVE_INFINITY;
  }
  return DECIMAL_NUMBER.test(text) ? Number(text) : undefined;
}

/**
 * ISO 8601 forms: `2020-01-01`, `2020-01-01 12:34`, `2020-01-01T12:34:56.1234567Z`, `...+02:00`. KQL reads a
 * datetime without an offset as UTC. RFC 822/850 forms are not decoded (we never generate them).
 */
function decodeDateTime(text: string): bigint | undefined {
  const match =
    /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?)?\s*(Z|[+-]\d{2}:\d{2})?$/i.exec(text);
  if (!match) return undefined;
  const [, year, month, day, hour = '0', minute = '0', second = '0', fraction = '', offset] = match;
  const millis = Date.UTC(Number(year), Number(month) - 1, Number(day), Number(hour), Number(minute), Number(second));
  const check = new Date(millis);
  if (Number.isNaN(millis) || check.getUTCDate() !== Number(day) || check.getUTCMonth() !== Number(month) - 1) {
    return undefined;
  }
  if (check.getUTCFullYear() !== Number(year) || Number(hour) > 23 || Number(minute) > 59 || Number(second) > 59) {
    return undefined;
  }
  let ticks = BigInt(millis) * TICKS_PER_MS + BigInt(fraction.padEnd(7, '0') || '0');
  if (offset && offset.toUpperCase() !== 'Z') {
    const sign = offset.startsWith('-') ? -1n : 1n;
    const offsetMinutes = BigInt(Number(offset.slice(1, 3)) * 60 + Number(offset.slice(4, 6)));
    ticks -= sign * offsetMinutes * 60n * TICKS_PER_SECOND;
  }
  return ticks;
}

const TIMESPAN_UNIT_TICKS: ReadonlyArray<readonly [readonly string[], bigint]> = [
  [['d', 'day', 'days'], 864_000_000_000n],
  [['h', 'hr', 'hrs', 'hour', 'hours'], 36_000_000_000n],
  [['m', 'min', 'minute', 'minutes'], 600_000_000n],
  [['s', 'sec', 'second', 'seconds'], TICKS_PER_SECOND],
  [['ms', 'milli', 'millis', 'millisec', 'millisecond', 'milliseconds'], TICKS_PER_MS],
  [['micro', 'micros', 'microsec', 'microsecond', 'microseconds'], 10n],
  [['tick', 'ticks'], 1n],
];

/** `1h`, `1.5h`, `100ms`, `timespan(2d)`, `timespan(1.02:03:04.5)`, `timespan(02:03:04)`, negative forms. */
function decodeTimespan(text: string): bigint | undefined {
  const withUnit = /^([+-]?)(\d+)(?:\.(\d+))?\s*([A-Za-z]+)$/.exec(text);
  if (withUnit) {
    const [, sign, whole, fraction = '', unit] = withUnit;
    const ticksPerUnit = TIMESPAN_UNIT_TICKS.find(([names]) => names.includes(unit!.toLowerCase()))?.[1];
    if (ticksPerUnit === undefined) return undefined;
    const scale = 10n ** BigInt(fraction.length);
    const scaled = BigInt(whole!) * scale + BigInt(fraction || '0');
    // .NET rounds TimeSpan.FromX to the nearest tick; exact multiples (all we generate) are unaffected.
    const ticks = (scaled * ticksPerUnit + scale / 2n) / scale;
    return sign === '-' ? -ticks : ticks;
  }
  const clock = /^([+-]?)(?:(\d+)\.)?(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?$/.exec(text);
  if (clock) {
    const [, sign, days = '0', hours, minutes, seconds = '0', fraction = ''] = clock;
    if (Number(hours) > 23 || Number(minutes) > 59 || Number(seconds) > 59) return undefined;
    const totalSeconds = ((BigInt(days) * 24n + BigInt(hours!)) * 60n + BigInt(minutes!)) * 60n + BigInt(seconds);
    const ticks = totalSeconds * TICKS_PER_SECOND + BigInt(fraction.padEnd(7, '0') || '0');
    return sign === '-' ? -ticks : ticks;
  }
  return undefined;
}
