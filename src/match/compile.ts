// Compiles a typed Sigma rule once into closures evaluated per event (the sigma-go model): `matches` is the
// allocation-free hot path, `explain` re-evaluates with reasons. Semantics: src/match/README.md.
import { SigmaError } from '../rule/errors.js';
import type { ConditionNode, DetectionItem, Search, SigmaRule, SourceLocation, ValueGroup, ValuePattern } from '../rule/model.js';
import { isScalarPattern, ScalarMatcher, type CompileOptions, type ScalarPattern } from './scalar.js';
import { literalShape, normalizeParts } from './text.js';
import type { CompiledRule, MatchExplanation, MatchReason, SigmaEvent } from './types.js';
export type { CompileOptions, RegexEngine } from './scalar.js';
import { compileFieldLookup, displayValue, isScalar, scalarText, type FieldLookup, type Scalar } from './values.js';

/** "Did not match", distinct from a match whose event value is `undefined` (a `null`/`exists:false` test). */
const NOT_MATCHED: unique symbol = Symbol('not matched');
type Found = unknown | typeof NOT_MATCHED;

/** The first scalar in `value` (itself, or an element of an array, recursively) that `accepts` takes. */
function findScalar(value: unknown, accepts: ScalarMatcher): Scalar | typeof NOT_MATCHED {
  if (isScalar(value)) return accepts.test(value) ? value : NOT_MATCHED;
  if (Array.isArray(value)) {
    for (const element of value) {
      const found = findScalar(element, accepts);
      if (found !== NOT_MATCHED) return found;
    }
  }
  // Objects never match a value pattern: Sigma values are scalars, and stringified JSON would make matches
  // depend on key order and spacing.
  return NOT_MATCHED;
}

/** Every scalar of the event, keys excluded, recursively through arrays and objects: the keyword haystack. */
function findScalarDeep(value: unknown, accepts: ScalarMatcher): Scalar | typeof NOT_MATCHED {
  if (isScalar(value)) return accepts.test(value) ? value : NOT_MATCHED;
  if (Array.isArray(value)) {
    for (const element of value) {
      const found = findScalarDeep(element, accepts);
      if (found !== NOT_MATCHED) return found;
    }
  } else if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    for (const key in record) {
      if (!Object.hasOwn(record, key)) continue;
      const found = findScalarDeep(record[key], accepts);
      if (found !== NOT_MATCHED) return found;
    }
  }
  return NOT_MATCHED;
}

function eachScalar(value: unknown, visit: (scalar: Scalar) => boolean): boolean {
  if (isScalar(value)) return visit(value);
  if (Array.isArray(value)) for (const element of value) if (eachScalar(element, visit)) return true;
  return false;
}

type FieldRefPattern = Extract<ValuePattern, { kind: 'fieldref' }>;
type FieldRefTest = (value: Scalar, event: SigmaEvent) => boolean;

function compileFieldRef(pattern: FieldRefPattern): FieldRefTest {
  const lookupOther = compileFieldLookup(pattern.field);
  const { position, cased } = pattern;
  const compare = (mine: string, theirs: string): boolean => {
    if (!cased) {
      mine = mine.toLowerCase();
      theirs = theirs.toLowerCase();
    }
    return position === 'exact' ? mine === theirs : position === 'contains' ? mine.includes(theirs) : position === 'startswith' ? mine.startsWith(theirs) : mine.endsWith(theirs);
  };
  return (value, event) => {
    const other = lookupOther(event);
    if (other === undefined) return false;
    const mine = scalarText(value);
    return eachScalar(other, (theirs) => compare(mine, scalarText(theirs)));
  };
}

/** An OR of patterns on one field's value (`undefined` = absent or null). */
class FieldPatternSet {
  private readonly nullMatches: boolean;
  private readonly existsExpected: boolean[] = [];
  private readonly scalars: ScalarMatcher | null;
  private readonly fieldRefs: FieldRefTest[] = [];

  constructor(patterns: readonly ValuePattern[], location: SourceLocation, options: CompileOptions) {
    let nullMatches = false;
    const scalarPatterns: ScalarPattern[] = [];
    for (const pattern of patterns) {
      if (pattern.kind === 'null') nullMatches = true;
      else if (pattern.kind === 'exists') this.existsExpected.push(pattern.expected);
      else if (pattern.kind === 'fieldref') this.fieldRefs.push(compileFieldRef(pattern));
      else if (isScalarPattern(pattern)) scalarPatterns.push(pattern);
    }
    this.nullMatches = nullMatches;
    this.scalars = scalarPatterns.length > 0 ? new ScalarMatcher(scalarPatterns, location, options) : null;
  }

  /** The event value that satisfied a pattern (a scalar, or the field value for presence tests). */
  find(value: unknown, event: SigmaEvent): Found {
    const present = value !== undefined;
    if (!present && this.nullMatches) return undefined;
    for (const expected of this.existsExpected) if (present === expected) return value;
    if (!present) return NOT_MATCHED;
    if (this.scalars !== null) {
      const found = findScalar(value, this.scalars);
      if (found !== NOT_MATCHED) return found;
    }
    for (const fieldRef of this.fieldRefs) {
      let matched: Scalar | undefined;
      if (eachScalar(value, (scalar) => (fieldRef(scalar, event) ? ((matched = scalar), true) : false))) return matched;
    }
    return NOT_MATCHED;
  }

  holds(value: unknown, event: SigmaEvent): boolean {
    return this.find(value, event) !== NOT_MATCHED;
  }

  /** `holds` as a closure; value-only sets (no null/exists/fieldref) test a string value directly. */
  holder(): (value: unknown, event: SigmaEvent) => boolean {
    const scalars = this.scalars;
    if (scalars === null || this.nullMatches || this.existsExpected.length > 0 || this.fieldRefs.length > 0) {
      return (value, event) => this.holds(value, event);
    }
    const test = scalars.tester();
    return (value) => {
      if (typeof value === 'string') return test(value);
      return value !== undefined && findScalar(value, scalars) !== NOT_MATCHED;
    };
  }
}

interface CompiledItem {
  /** Rough relative evaluation cost, to test cheap items of a conjunction first. */
  readonly cost: number;
  holds(event: SigmaEvent): boolean;
  /** Pushes this item's reasons when it holds; returns whether it held. */
  explain(event: SigmaEvent, identifier: string, reasons: MatchReason[]): boolean;
}

function patternCost(pattern: ValuePattern): number {
  switch (pattern.kind) {
    case 'null':
    case 'exists':
      return 0;
    case 'string': {
      const shape = literalShape(normalizeParts(pattern.parts));
      if (shape === null) return 8;
      return shape.position === 'exact' ? 1 : shape.position === 'contains' ? 3 : 2;
    }
    case 'compare':
      return 2;
    case 'fieldref':
      return 4;
    case 'cidr':
    case 'timepart':
      return 6;
    case 're':
      return 10;
  }
}

function itemCost(item: DetectionItem): number {
  let cost = 0;
  for (const group of item.values) for (const pattern of group.patterns) cost = Math.max(cost, patternCost(pattern));
  return item.field === null ? 50 + cost : cost;
}

function reason(identifier: string, item: DetectionItem, ruleValue: ValueGroup['written'], eventValue: Found): MatchReason {
  const entry: MatchReason = { identifier, field: item.field, modifiers: [...item.modifiers], ruleValue };
  if (eventValue !== undefined && eventValue !== NOT_MATCHED) entry.eventValue = displayValue(eventValue);
  return entry;
}

function compileFieldItem(item: DetectionItem & { field: string }, options: CompileOptions): CompiledItem {
  const lookup: FieldLookup = compileFieldLookup(item.field);
  const allPatterns = item.values.flatMap((group) => group.patterns);
  const anyGroup = new FieldPatternSet(allPatterns, item.location, options);
  // Per-group sets serve `all` and explanations; built on first use so rules that never explain stay lean.
  let groupSets: FieldPatternSet[] | null = null;
  const perGroup = (): FieldPatternSet[] => (groupSets ??= item.values.map((group) => new FieldPatternSet(group.patterns, group.location, options)));
  if (item.combine === 'all') perGroup();
  const { negated } = item;
  const all = item.combine === 'all';

  const holdsAny = anyGroup.holder();
  let holds: (event: SigmaEvent) => boolean;
  if (negated) {
    holds = (event) => {
      const value = lookup(event);
      return value !== undefined && !holdsAny(value, event);
    };
  } else if (!all) {
    holds = (event) => holdsAny(lookup(event), event);
  } else {
    const sets = perGroup();
    holds = (event) => {
      const value = lookup(event);
      for (const set of sets) if (!set.holds(value, event)) return false;
      return true;
    };
  }

  return {
    cost: itemCost(item),
    holds,
    explain(event, identifier, reasons) {
      if (!holds(event)) return false;
      const value = lookup(event);
      if (negated) {
        reasons.push(reason(identifier, item, item.values[0]?.written ?? null, value));
        return true;
      }
      const sets = perGroup();
      for (let g = 0; g < sets.length; g++) {
        const found = sets[g].find(value, event);
        if (found === NOT_MATCHED) continue;
        reasons.push(reason(identifier, item, item.values[g].written, found));
        if (!all) break;
      }
      return true;
    },
  };
}

/** Keywords search the whole event; the spec's "Keywords search" means substrings of the log message, so
 *  string patterns are wrapped in `*…*` here whether or not the modifier layer already did (idempotent). */
function keywordPatterns(group: ValueGroup): ScalarPattern[] {
  return group.patterns.map((pattern) => {
    if (!isScalarPattern(pattern)) {
      throw new SigmaError('modifier', group.location, `a keyword search cannot use a '${pattern.kind}' test: it needs a field`);
    }
    if (pattern.kind !== 'string') return pattern;
    const parts = normalizeParts(pattern.parts);
    if (parts[0]?.kind !== 'any') parts.unshift({ kind: 'any' });
    if (parts[parts.length - 1].kind !== 'any') parts.push({ kind: 'any' });
    return { ...pattern, parts };
  });
}

function compileKeywordItem(item: DetectionItem, options: CompileOptions): CompiledItem {
  const groupPatterns = item.values.map(keywordPatterns);
  const anyGroup = new ScalarMatcher(groupPatterns.flat(), item.location, options);
  const groupMatchers = groupPatterns.map((patterns, g) => new ScalarMatcher(patterns, item.values[g].location, options));
  const { negated } = item;
  const all = item.combine === 'all';

  const holds = (event: SigmaEvent): boolean => {
    if (negated) return findScalarDeep(event, anyGroup) === NOT_MATCHED;
    if (!all) return findScalarDeep(event, anyGroup) !== NOT_MATCHED;
    for (const matcher of groupMatchers) if (findScalarDeep(event, matcher) === NOT_MATCHED) return false;
    return true;
  };

  return {
    cost: itemCost(item),
    holds,
    explain(event, identifier, reasons) {
      if (!holds(event)) return false;
      if (negated) {
        reasons.push(reason(identifier, item, item.values[0]?.written ?? null, undefined));
        return true;
      }
      for (let g = 0; g < groupMatchers.length; g++) {
        const found = findScalarDeep(event, groupMatchers[g]);
        if (found === NOT_MATCHED) continue;
        reasons.push(reason(identifier, item, item.values[g].written, found));
        if (!all) break;
      }
      return true;
    },
  };
}

function compileItem(item: DetectionItem, options: CompileOptions): CompiledItem {
  return item.field === null ? compileKeywordItem(item, options) : compileFieldItem(item as DetectionItem & { field: string }, options);
}

interface CompiledSearch {
  readonly identifier: string;
  holds(event: SigmaEvent): boolean;
  explain(event: SigmaEvent, reasons: MatchReason[]): boolean;
}

function compileSearch(search: Search, options: CompileOptions): CompiledSearch {
  const { identifier } = search;
  if (search.kind === 'keywords') {
    const item = compileItem(search.item, options);
    return { identifier, holds: item.holds, explain: (event, reasons) => item.explain(event, identifier, reasons) };
  }
  // Evaluation is pure, so reordering a conjunction's items cannot change its verdict, only its cost.
  const alternatives = search.alternatives.map((conjunction) =>
    conjunction.items
      .map((item) => compileItem(item, options))
      .map((item, order) => ({ item, order }))
      .sort((a, b) => a.item.cost - b.item.cost || a.order - b.order)
      .map(({ item }) => item),
  );
  const holdsConjunction = (items: CompiledItem[], event: SigmaEvent): boolean => {
    for (const item of items) if (!item.holds(event)) return false;
    return true;
  };
  const conjunctions = alternatives.map((items): Predicate => {
    if (items.length === 1) return items[0].holds;
    if (items.length === 2) {
      const [first, second] = [items[0].holds, items[1].holds];
      return (event) => first(event) && second(event);
    }
    return (event) => holdsConjunction(items, event);
  });
  const holds: Predicate =
    conjunctions.length === 1
      ? conjunctions[0]
      : (event) => {
          for (const conjunction of conjunctions) if (conjunction(event)) return true;
          return false;
        };
  return {
    identifier,
    holds,
    explain(event, reasons) {
      for (const items of alternatives) {
        if (!holdsConjunction(items, event)) continue;
        for (const item of items) item.explain(event, identifier, reasons);
        return true;
      }
      return false;
    },
  };
}

type Predicate = (event: SigmaEvent) => boolean;

function compileCondition(node: ConditionNode, searches: ReadonlyMap<string, CompiledSearch>, rule: SigmaRule): Predicate {
  const searchOf = (identifier: string): Predicate => {
    const search = searches.get(identifier);
    if (!search) throw new SigmaError('condition', rule.source, `condition refers to unknown search identifier '${identifier}'`);
    return search.holds;
  };
  const every = (operands: Predicate[]): Predicate =>
    operands.length === 1
      ? operands[0]
      : operands.length === 2
        ? ((a, b) => (event: SigmaEvent) => a(event) && b(event))(operands[0], operands[1])
        : (event) => {
            for (const operand of operands) if (!operand(event)) return false;
            return true;
          };
  const some = (operands: Predicate[]): Predicate =>
    operands.length === 1
      ? operands[0]
      : operands.length === 2
        ? ((a, b) => (event: SigmaEvent) => a(event) || b(event))(operands[0], operands[1])
        : (event) => {
            for (const operand of operands) if (operand(event)) return true;
            return false;
          };
  switch (node.kind) {
    case 'search':
      return searchOf(node.identifier);
    case 'and':
      if (node.operands.length === 0) return () => true;
      return every(node.operands.map((operand) => compileCondition(operand, searches, rule)));
    case 'or':
      if (node.operands.length === 0) return () => false;
      return some(node.operands.map((operand) => compileCondition(operand, searches, rule)));
    case 'not': {
      const operand = compileCondition(node.operand, searches, rule);
      return (event) => !operand(event);
    }
    case 'of': {
      const operands = node.identifiers.map(searchOf);
      if (operands.length === 0) return node.quantifier === 'all' ? () => true : () => false;
      return node.quantifier === 'all' ? every(operands) : some(operands);
    }
  }
}

/** Compiles a rule for repeated evaluation. Throws SigmaError ('value' for a regex, network or number the
 *  matcher cannot use, 'modifier' for a presence or fieldref test in a keyword search, 'condition' for an
 *  unknown identifier). */
export function compileRule(rule: SigmaRule, options: CompileOptions = {}): CompiledRule {
  const searches = new Map<string, CompiledSearch>();
  for (const [identifier, search] of rule.detection.searches) searches.set(identifier, compileSearch(search, options));
  const verdict = compileCondition(rule.detection.condition, searches, rule);
  const orderedSearches = [...searches.values()];
  return {
    rule,
    matches: verdict,
    explain(event: SigmaEvent): MatchExplanation | null {
      return verdict(event) ? explainMatch(event) : null;
    },
    explainMatch,
  };
  function explainMatch(event: SigmaEvent): MatchExplanation {
    const matchedSearches: string[] = [];
    const unmatchedSearches: string[] = [];
    const reasons: MatchReason[] = [];
    for (const search of orderedSearches) (search.explain(event, reasons) ? matchedSearches : unmatchedSearches).push(search.identifier);
    return { matchedSearches, unmatchedSearches, reasons };
  }
}
