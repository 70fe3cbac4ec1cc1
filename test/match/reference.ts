// A deliberately straightforward evaluator of the matcher's defined semantics, for property tests: every
// case-insensitive comparison goes through toLowerCase() and wildcards through a code-point DP, with no fast
// paths. Numbers, date-times and networks are read by its own code (reference-values.ts), not the product's.
import type { ConditionNode, DetectionItem, SigmaRule, StringPart, ValuePattern } from '../../src/rule/model.js';
import { referenceDateTime, referenceInNetwork, referenceNumber, referenceTimePart } from './reference-values.js';
import { RE2JS } from 're2js';

type Event = Record<string, unknown>;

/** Whole-value wildcard match over code points: `*` any run, `?` one code point. */
export function globMatches(parts: readonly StringPart[], text: string): boolean {
  const units: Array<{ kind: 'char'; c: string } | { kind: 'any' } | { kind: 'one' }> = [];
  for (const part of parts) {
    if (part.kind === 'literal') for (const c of part.text) units.push({ kind: 'char', c });
    else units.push(part);
  }
  const chars = Array.from(text);
  const memo = new Map<number, boolean>();
  const at = (u: number, c: number): boolean => {
    const key = u * (chars.length + 1) + c;
    const cached = memo.get(key);
    if (cached !== undefined) return cached;
    let result: boolean;
    if (u === units.length) result = c === chars.length;
    else {
      const unit = units[u];
      if (unit.kind === 'any') result = at(u + 1, c) || (c < chars.length && at(u, c + 1));
      else if (c === chars.length) result = false;
      else if (unit.kind === 'one') result = at(u + 1, c + 1);
      else result = unit.c === chars[c] && at(u + 1, c + 1);
    }
    memo.set(key, result);
    return result;
  };
  return at(0, 0);
}

export function stringPatternMatches(parts: readonly StringPart[], cased: boolean, value: string): boolean {
  if (cased) return globMatches(parts, value);
  const lowered = parts.map((p) => (p.kind === 'literal' ? { kind: 'literal' as const, text: p.text.toLowerCase() } : p));
  return globMatches(lowered, value.toLowerCase());
}

function scalars(value: unknown): Array<string | number | boolean> {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return [value];
  if (Array.isArray(value)) return value.flatMap(scalars);
  return [];
}

function deepScalars(value: unknown): Array<string | number | boolean> {
  if (Array.isArray(value)) return value.flatMap(deepScalars);
  if (value !== null && typeof value === 'object') return Object.values(value).flatMap(deepScalars);
  return scalars(value);
}

function lookup(event: Event, field: string): unknown {
  if (Object.hasOwn(event, field)) return event[field] ?? undefined;
  const key = Object.keys(event).find((k) => k.includes(' ') && k.replaceAll(' ', '') === field);
  return key === undefined ? undefined : (event[key] ?? undefined);
}

function scalarMatches(pattern: ValuePattern, value: string | number | boolean, event: Event): boolean {
  const text = String(value);
  switch (pattern.kind) {
    case 'string':
      return stringPatternMatches(pattern.parts, pattern.cased, text);
    case 're':
      return RE2JS.compile(pattern.source, (pattern.flags.ignoreCase ? RE2JS.CASE_INSENSITIVE : 0) | (pattern.flags.multiline ? RE2JS.MULTILINE : 0) | (pattern.flags.dotAll ? RE2JS.DOTALL : 0)).test(text);
    case 'compare': {
      const n = referenceNumber(value);
      if (Number.isNaN(n)) return false;
      return pattern.op === 'gt' ? n > pattern.value : pattern.op === 'gte' ? n >= pattern.value : pattern.op === 'lt' ? n < pattern.value : n <= pattern.value;
    }
    case 'cidr':
      return referenceInNetwork(pattern.family, pattern.network, pattern.prefixLength, text) === true;
    case 'timepart': {
      const millis = referenceDateTime(text);
      return millis !== null && referenceTimePart(millis, pattern.part) === pattern.value;
    }
    case 'fieldref': {
      const other = lookup(event, pattern.field);
      return scalars(other).some((o) => {
        const mine = pattern.cased ? text : text.toLowerCase();
        const theirs = pattern.cased ? String(o) : String(o).toLowerCase();
        return pattern.position === 'exact' ? mine === theirs : pattern.position === 'contains' ? mine.includes(theirs) : pattern.position === 'startswith' ? mine.startsWith(theirs) : mine.endsWith(theirs);
      });
    }
    default:
      return false;
  }
}

function patternHolds(pattern: ValuePattern, value: unknown, event: Event): boolean {
  if (pattern.kind === 'null') return value === undefined;
  if (pattern.kind === 'exists') return (value !== undefined) === pattern.expected;
  if (value === undefined) return false;
  return scalars(value).some((v) => scalarMatches(pattern, v, event));
}

export function referenceItem(item: DetectionItem, event: Event): boolean {
  if (item.field === null) {
    const values = deepScalars(event);
    const groupHolds = (g: number) =>
      item.values[g].patterns.some((pattern) => {
        const keywordPattern: ValuePattern =
          pattern.kind === 'string' ? { ...pattern, parts: [{ kind: 'any' }, ...pattern.parts, { kind: 'any' }] } : pattern;
        return values.some((v) => scalarMatches(keywordPattern, v, event));
      });
    const indexes = item.values.map((_, g) => g);
    if (item.negated) return !indexes.some(groupHolds);
    return item.combine === 'all' ? indexes.every(groupHolds) : indexes.some(groupHolds);
  }
  const value = lookup(event, item.field);
  const groupHolds = (g: number) => item.values[g].patterns.some((pattern) => patternHolds(pattern, value, event));
  const indexes = item.values.map((_, g) => g);
  if (item.negated) return value !== undefined && !indexes.some(groupHolds);
  return item.combine === 'all' ? indexes.every(groupHolds) : indexes.some(groupHolds);
}

export function referenceSearch(rule: SigmaRule, identifier: string, event: Event): boolean {
  const search = rule.detection.searches.get(identifier)!;
  if (search.kind === 'keywords') return referenceItem(search.item, event);
  return search.alternatives.some((conjunction) => conjunction.items.every((item) => referenceItem(item, event)));
}

export function referenceCondition(rule: SigmaRule, node: ConditionNode, event: Event): boolean {
  switch (node.kind) {
    case 'search':
      return referenceSearch(rule, node.identifier, event);
    case 'and':
      return node.operands.every((o) => referenceCondition(rule, o, event));
    case 'or':
      return node.operands.some((o) => referenceCondition(rule, o, event));
    case 'not':
      return !referenceCondition(rule, node.operand, event);
    case 'of':
      return node.quantifier === 'all'
        ? node.identifiers.every((id) => referenceSearch(rule, id, event))
        : node.identifiers.some((id) => referenceSearch(rule, id, event));
  }
}

export function referenceMatches(rule: SigmaRule, event: Event): boolean {
  return referenceCondition(rule, rule.detection.condition, event);
}
