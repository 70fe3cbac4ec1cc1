// The Sigma value/modifier layer: one detection item as written in YAML (`Field|mod1|mod2: values`) becomes a
// typed DetectionItem. Semantics follow the rules spec ("Detection", "Value Modifiers"), the modifiers
// appendix v2.1.0 and, where those are silent, pySigma's `sigma/modifiers.py` (noted where we differ).
import { SigmaError, type SigmaErrorCode } from './errors.js';
import type { DetectionItem, PlaceholderValues, SourceLocation, StringPart, ValueGroup, ValuePattern } from './model.js';
import { parseCidr } from './values/cidr.js';
import { base64, base64OffsetVariants, bytesOf, UTF16_BOM_BYTES, utf16beBytes, utf16leBytes } from './values/encoding.js';
import { expandPlaceholders } from './values/placeholders.js';
import { checkRegex, liftLeadingInlineFlags, type RegexFlags } from './values/regex.js';
import { concatParts, formatParts, hasWildcard, literalParts, literalText, parseSigmaString } from './values/sigma-string.js';
import { expandWindash } from './values/windash.js';

export interface RawValue {
  value: unknown;
  location: SourceLocation;
}

export const SIGMA_MODIFIERS = [
  'contains', 'startswith', 'endswith', 'all', 'cased', 'exists', 'neq', 'windash',
  're', 'i', 'm', 's',
  'base64', 'base64offset', 'utf16le', 'utf16be', 'utf16',
  'cidr', 'fieldref', 'gt', 'gte', 'lt', 'lte', 'expand',
  'minute', 'hour', 'day', 'week', 'month', 'year',
] as const;
export type SigmaModifier = (typeof SIGMA_MODIFIERS)[number];

/** Spellings that name the same modifier: the re flag long forms (pySigma) and `wide` (appendix: alias of
 *  utf16le). DetectionItem.modifiers holds the canonical name. */
const MODIFIER_ALIASES: Readonly<Record<string, SigmaModifier>> = {
  ignorecase: 'i',
  multiline: 'm',
  dotall: 's',
  wide: 'utf16le',
};

/** `all` and `neq` act on the item (how values combine, negation), not on values: they may stand anywhere
 *  in the chain and do not count as "modifying" a value for re/cidr. */
const ITEM_MODIFIERS: ReadonlySet<SigmaModifier> = new Set(['all', 'neq']);

type TimePart = Extract<ValuePattern, { kind: 'timepart' }>['part'];
const TIME_PART_RANGES: Readonly<Record<TimePart, readonly [number, number]>> = {
  minute: [0, 59],
  hour: [0, 23],
  day: [1, 31],
  // The appendix says 1..52; ISO 8601 years have a week 53, which an event can carry.
  week: [1, 53],
  month: [1, 12],
  year: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
};

/** A value while the chain is applied to it. */
type Working =
  | { kind: 'text'; parts: StringPart[]; cased: boolean; isByteString: boolean }
  | { kind: 'number'; value: number; text: string }
  | { kind: 'boolean'; value: boolean }
  | { kind: 'null' }
  | { kind: 're'; source: string; flags: RegexFlags }
  | { kind: 'fieldref'; field: string; startsWith: boolean; endsWith: boolean; cased: boolean }
  | Extract<ValuePattern, { kind: 'cidr' | 'exists' | 'compare' | 'timepart' }>;

const KIND_NAMES: Readonly<Record<Working['kind'], string>> = {
  text: 'a string',
  number: 'a number',
  boolean: 'a boolean',
  null: 'null',
  re: 'a regular expression',
  fieldref: 'a field reference',
  cidr: 'a CIDR network',
  exists: 'an exists check',
  compare: 'a numeric comparison',
  timepart: 'a date part',
};

interface ChainContext {
  field: string | null;
  placeholders: PlaceholderValues | undefined;
  itemLocation: SourceLocation;
  valueLocation: SourceLocation;
  /** Value modifiers applied before the current one. */
  applied: SigmaModifier[];
}

function fail(code: SigmaErrorCode, location: SourceLocation, reason: string): never {
  throw new SigmaError(code, location, reason);
}

function describe(working: Working): string {
  if (working.kind === 'text') return `${KIND_NAMES.text} '${formatParts(working.parts)}'`;
  if (working.kind === 'number') return `${KIND_NAMES.number} ${working.text}`;
  if (working.kind === 'boolean') return `${KIND_NAMES.boolean} ${working.value}`;
  return KIND_NAMES[working.kind];
}

/** A wrong kind is a bad value when it came from the YAML, and a bad combination when a previous modifier
 *  produced it. */
function refuseKind(modifier: SigmaModifier, working: Working, needs: string, context: ChainContext): never {
  const previous = context.applied[context.applied.length - 1];
  if (previous === undefined) fail('value', context.valueLocation, `modifier '${modifier}' needs ${needs}, not ${describe(working)}`);
  fail('modifier', context.itemLocation, `modifier '${modifier}' cannot follow '${previous}' (it needs ${needs}, not ${KIND_NAMES[working.kind]})`);
}

/** Numbers and booleans are strings for string modifiers (rules spec "General": values are strings). */
function asText(modifier: SigmaModifier, working: Working, context: ChainContext): Extract<Working, { kind: 'text' }> {
  if (working.kind === 'text') return working;
  if (working.kind === 'number') return { kind: 'text', parts: literalParts(working.text), cased: false, isByteString: false };
  if (working.kind === 'boolean') return { kind: 'text', parts: literalParts(String(working.value)), cased: false, isByteString: false };
  return refuseKind(modifier, working, 'a string', context);
}

function requireUnmodified(modifier: SigmaModifier, context: ChainContext): void {
  if (context.applied.length > 0) {
    fail('modifier', context.itemLocation, `modifier '${modifier}' applies only to an unmodified value; it follows '${context.applied[context.applied.length - 1]}'`);
  }
}

function withWrap(parts: StringPart[], leading: boolean, trailing: boolean): StringPart[] {
  let wrapped = parts;
  // pySigma does not add a second `*` next to one already written.
  if (leading && wrapped[0]?.kind !== 'any') wrapped = concatParts([{ kind: 'any' }], wrapped);
  if (trailing && wrapped[wrapped.length - 1]?.kind !== 'any') wrapped = concatParts(wrapped, [{ kind: 'any' }]);
  return wrapped;
}

function encodeText(
  modifier: SigmaModifier,
  working: Working,
  context: ChainContext,
  encode: (text: string) => string,
  prefix = '',
): Working {
  const text = asText(modifier, working, context);
  const parts = text.parts.map((part): StringPart => (part.kind === 'literal' ? { kind: 'literal', text: encode(part.text) } : part));
  return { ...text, parts: concatParts(literalParts(prefix), parts), isByteString: true };
}

function wildcardFreeBytes(modifier: SigmaModifier, working: Working, context: ChainContext): Buffer {
  const text = asText(modifier, working, context);
  if (hasWildcard(text.parts)) {
    fail('value', context.valueLocation, `modifier '${modifier}' cannot encode a value with wildcards ('${formatParts(text.parts)}'); escape them as \\* or \\?`);
  }
  return bytesOf(literalText(text.parts), text.isByteString);
}

function applyModifier(modifier: SigmaModifier, working: Working, context: ChainContext): Working[] {
  switch (modifier) {
    case 'contains':
    case 'startswith':
    case 'endswith': {
      const leading = modifier !== 'startswith';
      const trailing = modifier !== 'endswith';
      if (working.kind === 'fieldref') {
        return [{ ...working, startsWith: working.startsWith || trailing, endsWith: working.endsWith || leading }];
      }
      // pySigma would wrap a regex in `.*`; matching is an unanchored search, so that changes nothing and
      // reads as if it anchored. Refused so a rule cannot mean something else than it says.
      if (working.kind === 're') fail('modifier', context.itemLocation, `modifier '${modifier}' cannot follow 're' (a regular expression is already an unanchored search; write the pattern instead)`);
      const text = asText(modifier, working, context);
      return [{ ...text, parts: withWrap(text.parts, leading, trailing) }];
    }
    case 'cased':
      if (working.kind === 'fieldref') return [{ ...working, cased: true }];
      return [{ ...asText(modifier, working, context), cased: true }];
    case 'windash': {
      const text = asText(modifier, working, context);
      return expandWindash(text.parts).map((parts) => ({ ...text, parts }));
    }
    case 'expand': {
      const text = asText(modifier, working, context);
      const expansion = expandPlaceholders(text.parts, context.placeholders);
      if (!expansion.ok) fail('placeholder', context.valueLocation, expansion.reason);
      return expansion.alternatives.map((parts) => ({ ...text, parts }));
    }
    case 're': {
      requireUnmodified(modifier, context);
      const text = asText(modifier, working, context);
      return [{ kind: 're', source: literalText(text.parts), flags: { ignoreCase: false, multiline: false, dotAll: false } }];
    }
    case 'i':
    case 'm':
    case 's': {
      if (working.kind !== 're') return refuseKind(modifier, working, "a regular expression (write 're' first)", context);
      const flag = modifier === 'i' ? 'ignoreCase' : modifier === 'm' ? 'multiline' : 'dotAll';
      return [{ ...working, flags: { ...working.flags, [flag]: true } }];
    }
    case 'base64':
      return [{ kind: 'text', parts: literalParts(base64(wildcardFreeBytes(modifier, working, context))), cased: working.kind === 'text' && working.cased, isByteString: false }];
    case 'base64offset': {
      const variants = base64OffsetVariants(wildcardFreeBytes(modifier, working, context));
      // For 1-2 byte values pySigma's cut leaves an empty variant, which with contains would match everything.
      if (variants.some((variant) => variant === '')) {
        fail('value', context.valueLocation, `modifier 'base64offset' needs a longer value: '${formatParts(asText(modifier, working, context).parts)}' leaves an empty encoded variant`);
      }
      const cased = working.kind === 'text' && working.cased;
      return variants.map((variant) => ({ kind: 'text', parts: literalParts(variant), cased, isByteString: false }));
    }
    case 'utf16le':
      return [encodeText(modifier, working, context, utf16leBytes)];
    case 'utf16be':
      return [encodeText(modifier, working, context, utf16beBytes)];
    case 'utf16':
      return [encodeText(modifier, working, context, utf16leBytes, UTF16_BOM_BYTES)];
    case 'cidr': {
      requireUnmodified(modifier, context);
      if (working.kind !== 'text') return refuseKind(modifier, working, 'a string', context);
      const parsed = parseCidr(hasWildcard(working.parts) ? formatParts(working.parts) : literalText(working.parts));
      if (!parsed.ok) fail('value', context.valueLocation, `modifier 'cidr': ${parsed.reason}`);
      return [{ kind: 'cidr', ...parsed.network }];
    }
    case 'fieldref': {
      if (context.field === null) fail('modifier', context.itemLocation, `modifier 'fieldref' needs a field`);
      if (working.kind !== 'text') return refuseKind(modifier, working, 'a field name', context);
      if (hasWildcard(working.parts)) fail('value', context.valueLocation, `modifier 'fieldref' needs a field name without wildcards, not '${formatParts(working.parts)}'`);
      const field = literalText(working.parts);
      if (field === '') fail('value', context.valueLocation, `modifier 'fieldref' needs a field name, not an empty string`);
      return [{ kind: 'fieldref', field, startsWith: false, endsWith: false, cased: working.cased }];
    }
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      if (working.kind !== 'number') return refuseKind(modifier, working, 'a number', context);
      return [{ kind: 'compare', op: modifier, value: working.value }];
    case 'minute':
    case 'hour':
    case 'day':
    case 'week':
    case 'month':
    case 'year': {
      if (working.kind !== 'number' || !Number.isInteger(working.value)) return refuseKind(modifier, working, 'an integer', context);
      const [low, high] = TIME_PART_RANGES[modifier];
      if (working.value < low || working.value > high) fail('value', context.valueLocation, `modifier '${modifier}' needs an integer between ${low} and ${high}, not ${working.text}`);
      return [{ kind: 'timepart', part: modifier, value: working.value }];
    }
    case 'exists':
      if (working.kind !== 'boolean') return refuseKind(modifier, working, 'a boolean (true or false)', context);
      return [{ kind: 'exists', expected: working.value }];
    case 'all':
    case 'neq':
      return [working];
  }
}

function toPattern(working: Working, location: SourceLocation): ValuePattern {
  switch (working.kind) {
    case 'text':
      return { kind: 'string', parts: working.parts, cased: working.cased };
    case 'number':
      return { kind: 'string', parts: literalParts(working.text), cased: false };
    case 'boolean':
      return { kind: 'string', parts: literalParts(String(working.value)), cased: false };
    case 're': {
      const { source, flags } = liftLeadingInlineFlags(working.source, working.flags);
      const refusal = checkRegex(source, flags);
      if (refusal !== null) fail('value', location, `modifier 're': ${refusal}`);
      return { kind: 're', source, flags };
    }
    case 'fieldref': {
      const position = working.startsWith && working.endsWith ? 'contains' : working.startsWith ? 'startswith' : working.endsWith ? 'endswith' : 'exact';
      return { kind: 'fieldref', field: working.field, position, cased: working.cased };
    }
    default:
      return working;
  }
}

/** Python's str() of a number as pySigma's SigmaNumber holds it (integral floats become ints). */
function numberText(value: number): string {
  return Object.is(value, -0) ? '0' : String(value);
}

function decodeValue(raw: RawValue, regexChain: boolean): { working: Working; written: ValueGroup['written'] } {
  const value = raw.value;
  if (typeof value === 'string') {
    // pySigma reads `re` values raw: backslashes belong to the regex, not to Sigma escaping.
    return { working: { kind: 'text', parts: regexChain ? literalParts(value) : parseSigmaString(value), cased: false, isByteString: false }, written: value };
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) fail('value', raw.location, `value ${String(value)} is not a finite number`);
    return { working: { kind: 'number', value, text: numberText(value) }, written: value };
  }
  if (typeof value === 'bigint') {
    const text = value.toString();
    return { working: { kind: 'number', value: Number(value), text }, written: Number.isSafeInteger(Number(value)) ? Number(value) : text };
  }
  if (typeof value === 'boolean') return { working: { kind: 'boolean', value }, written: value };
  if (value === null || value === undefined) return { working: { kind: 'null' }, written: null };
  const found = Array.isArray(value) ? 'a list' : value instanceof Date ? 'a timestamp (quote it)' : typeof value === 'object' ? 'a map' : typeof value;
  return fail('schema', raw.location, `a value must be a string, number, boolean or null, not ${found}`);
}

function parseModifierChain(key: string | null, location: SourceLocation): { field: string | null; modifiers: SigmaModifier[] } {
  if (key === null) return { field: null, modifiers: [] };
  const [fieldName, ...written] = key.split('|');
  const known: ReadonlySet<string> = new Set(SIGMA_MODIFIERS);
  const modifiers = written.map((name): SigmaModifier => {
    const canonical = MODIFIER_ALIASES[name] ?? (known.has(name) ? (name as SigmaModifier) : undefined);
    if (canonical === undefined) fail('modifier', location, `unknown modifier '${name}'`);
    return canonical;
  });
  const seen = new Set<SigmaModifier>();
  for (const modifier of modifiers) {
    if (seen.has(modifier)) fail('modifier', location, `modifier '${modifier}' appears twice`);
    seen.add(modifier);
  }
  return { field: fieldName === '' ? null : fieldName, modifiers };
}

const FIELD_ONLY_KINDS: ReadonlySet<Working['kind']> = new Set(['null', 'exists', 'fieldref', 'compare', 'timepart', 'cidr']);

/** key: the map key as written (`Image|contains|all`, `EventID`, `'|all'`), or null for a plain keyword list or
 *  scalar under a search identifier. values: the value(s); isList: whether the YAML value was a sequence.
 *  Throws SigmaError ('modifier' | 'value' | 'placeholder' | 'schema') naming the location and the reason. */
export function parseDetectionItem(
  key: string | null,
  values: RawValue[],
  isList: boolean,
  location: SourceLocation,
  placeholders?: PlaceholderValues,
): DetectionItem {
  const { field, modifiers } = parseModifierChain(key, location);
  const has = (modifier: SigmaModifier): boolean => modifiers.includes(modifier);

  if (has('exists')) {
    // pySigma: a boolean, no other modifier, and a field to test.
    const other = modifiers.find((modifier) => modifier !== 'exists');
    if (other !== undefined) fail('modifier', location, `modifier 'exists' cannot be combined with other modifiers ('${other}')`);
    if (field === null) fail('modifier', location, `modifier 'exists' needs a field`);
  }
  // Spec (Generic Modifiers): "Single item values are not allowed to have an `all` modifier"; a one-item list
  // is a single item too (SigmaHQ has none).
  if (has('all') && (!isList || values.length === 1)) {
    fail('modifier', location, `modifier 'all' needs a list of two or more values; a single value is not allowed (spec: Generic Modifiers)`);
  }
  if (isList && values.length === 0) fail('value', location, `the value list is empty`);
  if (!isList && values.length !== 1) fail('schema', location, `a single value was expected, got ${values.length}`);
  if (isList) {
    const nullValue = values.find((raw) => raw.value === null || raw.value === undefined);
    if (nullValue) fail('value', nullValue.location, `null is not allowed inside a list of values; use a separate selection (spec: Special Field Values)`);
  }

  const regexChain = has('re');
  const groups = values.map((raw): ValueGroup => {
    const { working, written } = decodeValue(raw, regexChain);
    const context: ChainContext = { field, placeholders, itemLocation: location, valueLocation: raw.location, applied: [] };
    let alternatives: Working[] = [working];
    for (const modifier of modifiers) {
      if (ITEM_MODIFIERS.has(modifier)) continue;
      alternatives = alternatives.flatMap((alternative) => applyModifier(modifier, alternative, context));
      context.applied.push(modifier);
    }
    if (field === null) {
      const fieldOnly = alternatives.find((alternative) => FIELD_ONLY_KINDS.has(alternative.kind));
      if (fieldOnly) fail('value', raw.location, `${KIND_NAMES[fieldOnly.kind]} needs a field; a keyword cannot hold it`);
    }
    return { written, patterns: alternatives.map((alternative) => toPattern(alternative, raw.location)), location: raw.location };
  });

  return {
    field,
    modifiers,
    combine: has('all') ? 'all' : 'any',
    values: groups,
    negated: has('neq'),
    location,
  };
}
