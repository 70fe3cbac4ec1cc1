// A cheap term pre-filter on the raw Sysmon XML (`EventData has_any (...)`) before parse-kv, which uses the
// term index instead of parsing every row. It must only drop rows the exact predicate would drop, so it is a
// superset of the rule by construction:
//
// - Kusto's `has` finds whole terms: maximal runs of alphanumerics, case-insensitive (KQL docs, "String
//   operators", "What is a term?"). A term of a rule literal is certain to be a whole term of a matching value
//   only when both its neighbours inside the literal are delimiters — or it touches the literal's anchored end,
//   where the XML has `>` before and `<` after the value. We only trust ASCII punctuation and space as
//   delimiters, and not `_` (whether `_` joins a term is not documented clearly enough to rely on).
// - XML escaping (&amp; &lt; ...) keeps delimiters delimiters, so a term of the value is a term of EventData.
// - Only terms of 3+ characters are used: shorter ones do not use the index (KQL docs, has operator).
// - No term with a 'k': the matcher reads the KELVIN SIGN as 'k', and whether `has` does is not documented
//   (docs/research/kusto-case-folding.md). The matcher's other non-ASCII fold to ASCII, İ → "i\u0307", can only
//   meet a literal's last 'i' at an open end, which never belongs to a chosen term.
// - Only positive polarity: any `not` makes its operand `true`; a pattern without a usable term makes its
//   alternative `true`; so the result is implied by the rule.
import type { ConditionNode, DetectionItem, Search, SigmaRule, ValuePattern } from '../../rule/model.js';
import { normalizeParts } from '../../match/text.js';
import { kqlString } from '../string-literal.js';
import { and, atom, or, TRUE, type Predicate } from './predicate.js';

const MIN_TERM = 3;

export function eventDataPrefilter(rule: SigmaRule, extractedNames: readonly string[], column: string): Predicate {
  const names = new Set(extractedNames);
  const visit = (node: ConditionNode): Predicate => {
    switch (node.kind) {
      case 'search':
        return searchFilter(rule.detection.searches.get(node.identifier), names, column);
      case 'and':
        return and(node.operands.map(visit));
      case 'or':
        return or(node.operands.map(visit));
      case 'not':
        return TRUE;
      case 'of': {
        const operands = node.identifiers.map((identifier) => searchFilter(rule.detection.searches.get(identifier), names, column));
        return node.quantifier === 'all' ? and(operands) : or(operands);
      }
    }
  };
  return visit(rule.detection.condition);
}

function searchFilter(search: Search | undefined, names: ReadonlySet<string>, column: string): Predicate {
  if (!search || search.kind === 'keywords') return TRUE;
  return or(search.alternatives.map((conjunction) => and(conjunction.items.map((item) => itemFilter(item, names, column)))));
}

function itemFilter(item: DetectionItem, names: ReadonlySet<string>, column: string): Predicate {
  if (item.negated || item.field === null || !names.has(item.field)) return TRUE;
  const groupFilter = (patterns: readonly ValuePattern[]): Predicate => {
    const terms: string[] = [];
    for (const pattern of patterns) {
      const term = pattern.kind === 'string' ? bestTerm(pattern.parts) : null;
      if (term === null) return TRUE;
      terms.push(term);
    }
    return hasAny(column, terms);
  };
  if (item.combine === 'all') return and(item.values.map((group) => groupFilter(group.patterns)));
  return groupFilter(item.values.flatMap((group) => group.patterns));
}

function hasAny(column: string, terms: string[]): Predicate {
  const unique = [...new Set(terms.map((term) => term.toLowerCase()))];
  if (unique.length === 0) return TRUE;
  return unique.length === 1 ? atom(`${column} has ${kqlString(unique[0]!)}`) : atom(`${column} has_any (${unique.map(kqlString).join(', ')})`);
}

const ALNUM = /[A-Za-z0-9]/;
/** ASCII characters we are sure delimit Kusto terms. */
const DELIMITER = /[ !"#$%&'()*+,\-./:;<=>?@[\\\]^`{|}~\t]/;

/** The longest certain whole term of a string pattern, or null. */
export function bestTerm(rawParts: Extract<ValuePattern, { kind: 'string' }>['parts']): string | null {
  const parts = normalizeParts(rawParts);
  let best: string | null = null;
  parts.forEach((part, index) => {
    if (part.kind !== 'literal') return;
    const text = part.text;
    const startAnchored = index === 0;
    const endAnchored = index === parts.length - 1;
    for (let start = 0; start < text.length; ) {
      if (!ALNUM.test(text[start]!)) {
        start++;
        continue;
      }
      let end = start;
      while (end < text.length && ALNUM.test(text[end]!)) end++;
      const leftOk = start === 0 ? startAnchored : DELIMITER.test(text[start - 1]!);
      const rightOk = end === text.length ? endAnchored : DELIMITER.test(text[end]!);
      const term = text.slice(start, end);
      if (leftOk && rightOk && term.length >= MIN_TERM && !/k/i.test(term) && (best === null || term.length > best.length)) best = term;
      start = end;
    }
  });
  return best;
}
