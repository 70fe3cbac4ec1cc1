// Needles that know their field: what the rule index dispatches on.
//
// src/match/prefilter.ts derives, per rule, lower-case ASCII needles one of which every matching event
// holds in *some* scalar. The same derivation keeps more when each needle remembers where it came from:
//   - a needle of a field item (`Image|endswith: '\x.exe'`) must occur in that field's value: a scalar the
//     field lookup returns, or an element of the array it returns (the matcher never looks inside objects
//     for a field, and looks the field up by its exact key or by a key that equals it without spaces);
//   - a needle of a keyword item may occur in any scalar, at any depth;
//   - a `re` value's needles are the texts every match holds (src/pack/regex-needles.ts);
//   - a value whose literal (lowered, when caseless) holds a non-ASCII unit needs a non-ASCII unit in the
//     scalar (NON_ASCII): `toLowerCase` maps ASCII to ASCII. It stands for the value when its longest ASCII
//     run is short (an emoji, a homoglyph, U+2800 padding before `.exe`);
//   - a field item whose values imply no text (a regex without needles, a comparison, cidr, fieldref, `exists: true`, a
//     negated item: `neq` needs the field present) still cannot hold unless its field is present, non-null:
//     the "presence" needle, text ''. An item with a `null` or `exists: false` value holds on absence, and
//     gives nothing.
// The combination over the condition keeps prefilter.ts's proof but a conjunction of needle sets (clauses)
// instead of one set: an AND keeps its operands' clauses (every side must hold; the MAX_CLAUSES most
// selective are kept), an OR of conjunctions implies the pairwise unions of their clauses (distributivity;
// again the most selective kept), a side without requirement frees an OR; NOT has none; `1 of`/`all of`
// are OR/AND; a search is the OR over its maps of the AND of their items; an item with `|all` is the AND of
// its values, otherwise the union.
import { needleSetCost, patternNeedle } from '../match/prefilter.js';
import type { ConditionNode, DetectionItem, Search, SigmaRule, ValuePattern } from '../rule/model.js';
import { foldCondition } from '../rule/condition.js';
import { regexNeedles } from './regex-needles.js';

export interface FieldNeedle {
  /** The Sigma field whose value must hold the text; null: any scalar of the event (keywords). */
  readonly field: string | null;
  /** Lower-case ASCII; '' (only with a field) means "the field is present and not null"; NON_ASCII means "a
   *  scalar holds a code unit ≥ 128". */
  readonly text: string;
}

/** The text of the non-ASCII needle: one unit no ASCII needle holds, so no ASCII needle implies it, nor it one
 *  (minimize compares texts); the same needle with a field is implied by it without (any scalar). */
export const NON_ASCII = '\u0080';

/** A non-ASCII unit is about as rare in Windows events as a five-letter text; a shorter ASCII run of the same
 *  value prunes less. */
const NON_ASCII_COST = needleSetCost(['x'.repeat(5)]);

/** Null: no requirement could be derived, the rule is evaluated on every event. Empty: never matches. */
export type FieldNeedleSet = readonly FieldNeedle[] | null;

/** Presence prunes far less than any text does; a text needle is the cost of prefilter.ts's. */
const PRESENCE_COST = 1;

function cost(set: readonly FieldNeedle[]): number {
  let total = 0;
  for (const needle of set) total += needle.text === '' ? PRESENCE_COST : needle.text === NON_ASCII ? NON_ASCII_COST : needleSetCost([needle.text]);
  return total;
}

/** Longer needles add automaton states and little selectivity: a needle is cut to its last this many
 *  characters (any substring of a needle is still a needle; file names sit at the end of paths). */
export const MAX_NEEDLE_LENGTH = 16;

function cut(needle: FieldNeedle): FieldNeedle {
  return needle.text.length <= MAX_NEEDLE_LENGTH ? needle : { field: needle.field, text: needle.text.slice(-MAX_NEEDLE_LENGTH) };
}

/** Whether every match of a string pattern holds a non-ASCII unit: a literal part does, as the matcher
 *  compares it (lowered when caseless; U+212A lowers to ASCII 'k'). */
function needsNonAscii(pattern: ValuePattern): boolean {
  if (pattern.kind !== 'string') return false;
  for (const part of pattern.parts) {
    if (part.kind !== 'literal') continue;
    const compared = pattern.cased ? part.text : part.text.toLowerCase();
    for (let i = 0; i < compared.length; i++) if (compared.charCodeAt(i) >= 128) return true;
  }
  return false;
}

/** A string pattern's needle: its longest ASCII run, or NON_ASCII when that prunes more; null when it has
 *  neither. */
function stringNeedle(pattern: ValuePattern, field: string | null): FieldNeedle | null {
  const text = patternNeedle(pattern);
  if (needsNonAscii(pattern) && (text === null || needleSetCost([text]) > NON_ASCII_COST)) return { field, text: NON_ASCII };
  return text === null ? null : cut({ field, text });
}

/** Kept needle texts, with the lengths they come in: a text holds one of them iff one of its windows of
 *  those lengths is in the set (a rule can list thousands of hashes, all of one length). */
class TextSet {
  readonly texts = new Set<string>();
  private readonly lengths: number[] = [];

  add(text: string): void {
    this.texts.add(text);
    if (!this.lengths.includes(text.length)) this.lengths.push(text.length);
  }

  /** Whether `text` holds one of the set as a substring. */
  heldBy(text: string): boolean {
    for (const length of this.lengths) {
      for (let start = 0; start + length <= text.length; start++) if (this.texts.has(text.slice(start, start + length))) return true;
    }
    return false;
  }
}

/** Drops duplicates and every needle that implies another of the set (in a union only the weaker counts):
 *  a text holding a shorter needle of the same field, or of any field (a keyword needle), holds that one. */
function minimize(needles: readonly FieldNeedle[]): FieldNeedle[] {
  const byField = new Map<string | null, Set<string>>();
  for (const needle of needles) {
    let texts = byField.get(needle.field);
    if (texts === undefined) byField.set(needle.field, (texts = new Set()));
    texts.add(needle.text);
  }
  const byLength = (texts: Iterable<string>): string[] => [...texts].sort((a, b) => a.length - b.length);
  const keptAnywhere = new TextSet();
  for (const text of byLength(byField.get(null) ?? [])) if (!keptAnywhere.heldBy(text)) keptAnywhere.add(text);
  const result: FieldNeedle[] = [...keptAnywhere.texts].map((text) => ({ field: null, text }));
  for (const [field, texts] of byField) {
    if (field === null) continue;
    const kept = new TextSet();
    for (const text of byLength(texts)) {
      if (kept.heldBy(text) || (text !== '' && keptAnywhere.heldBy(text))) continue;
      kept.add(text);
      result.push({ field, text });
    }
  }
  return result;
}

/** Duplicates dropped only: the intermediate steps; the rule's set is minimized once at the end. */
function dedupe(needles: readonly FieldNeedle[]): FieldNeedle[] {
  const seen = new Map<string | null, Set<string>>();
  const result: FieldNeedle[] = [];
  for (const needle of needles) {
    let texts = seen.get(needle.field);
    if (texts === undefined) seen.set(needle.field, (texts = new Set()));
    if (texts.has(needle.text)) continue;
    texts.add(needle.text);
    result.push(needle);
  }
  return result;
}

function union(sets: readonly FieldNeedleSet[]): FieldNeedleSet {
  const all: FieldNeedle[] = [];
  for (const set of sets) {
    if (set === null) return null;
    all.push(...set);
  }
  return dedupe(all);
}

/** The text needles of one value group (one per pattern, all must be text), tagged with `field`. */
function groupNeedles(patterns: DetectionItem['values'][number]['patterns'], field: string | null): FieldNeedleSet {
  const needles: FieldNeedle[] = [];
  for (const pattern of patterns) {
    if (pattern.kind === 're') {
      const texts = regexNeedles(pattern.source, pattern.flags);
      if (texts === null) return null;
      for (const text of texts) needles.push(cut({ field, text }));
      continue;
    }
    const needle = stringNeedle(pattern, field);
    if (needle === null) return null;
    needles.push(needle);
  }
  return needles.length > 1 ? dedupe(needles) : needles.length === 1 ? needles : null;
}

/** Whether the item can hold only on a present, non-null field: every value needs a value to test. */
function needsPresence(item: DetectionItem): boolean {
  if (item.values.length === 0) return false;
  for (const group of item.values) {
    for (const pattern of group.patterns) {
      if (pattern.kind === 'null' || (pattern.kind === 'exists' && !pattern.expected)) return false;
    }
  }
  return true;
}

/** A conjunction of needle sets: a matching event holds a needle of every clause. No clause: no
 *  requirement (the rule is evaluated on every event); an empty clause: the rule never matches. */
export type NeedleClauses = readonly (readonly FieldNeedle[])[];

/** Clauses kept per rule: each is checked per event, and the few most selective do nearly all the pruning
 *  (a process-creation rule's `Image` and `CommandLine` needles, or its CommandLine's presence, together). */
export const MAX_CLAUSES = 3;

/** The most selective clauses (any subset of the clauses of a conjunction is implied by it). */
function select(clauses: readonly (readonly FieldNeedle[])[]): NeedleClauses {
  if (clauses.length <= MAX_CLAUSES) return clauses;
  return clauses
    .map((clause) => ({ clause, cost: cost(clause) }))
    .sort((a, b) => a.cost - b.cost)
    .slice(0, MAX_CLAUSES)
    .map(({ clause }) => clause);
}

function and(operands: readonly NeedleClauses[]): NeedleClauses {
  return select(operands.flat());
}

/** (a1 ∧ a2) ∨ (b1 ∧ b2) implies every (ai ∨ bj); an operand without requirement makes the whole free. */
function or(operands: readonly NeedleClauses[]): NeedleClauses {
  if (operands.length === 0 || operands.some((clauses) => clauses.length === 0)) return [];
  let product: NeedleClauses = operands[0];
  for (let k = 1; k < operands.length; k++) {
    const next: FieldNeedle[][] = [];
    for (const left of product) for (const right of operands[k]) next.push(dedupe([...left, ...right]));
    product = select(next);
  }
  return product;
}

function clause(set: FieldNeedleSet): NeedleClauses {
  return set === null ? [] : [set];
}

export function itemClauses(item: DetectionItem): NeedleClauses {
  const { field } = item;
  if (field === null) {
    // Keywords: prefilter.ts's item rule, any scalar. A negated keyword item holds on absence of text.
    if (item.negated || item.values.length === 0) return [];
    const groups = item.values.map((group) => groupNeedles(group.patterns, null));
    return item.combine === 'all' ? and(groups.map(clause)) : clause(union(groups));
  }
  const presence: NeedleClauses = needsPresence(item) ? [[{ field, text: '' }]] : [];
  if (item.negated || item.values.length === 0) return presence;
  const groups = item.values.map((group) => groupNeedles(group.patterns, field));
  const texts = item.combine === 'all' ? and(groups.map(clause)) : clause(union(groups));
  // A text needle of the field implies its presence.
  return texts.length > 0 ? texts : presence;
}

export function searchClauses(search: Search): NeedleClauses {
  if (search.kind === 'keywords') return itemClauses(search.item);
  return or(search.alternatives.map((conjunction) => and(conjunction.items.map(itemClauses))));
}

export function conditionClauses(node: ConditionNode, searches: ReadonlyMap<string, Search>): NeedleClauses {
  return foldCondition(node, searches, { search: searchClauses, missing: [], not: [], and, or });
}

/** The needle clauses of a rule: an event the rule matches holds a needle of each. */
export function ruleClauses(rule: SigmaRule): NeedleClauses {
  return conditionClauses(rule.detection.condition, rule.detection.searches).map(minimize);
}
