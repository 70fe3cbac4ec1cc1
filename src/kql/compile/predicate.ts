// A small boolean algebra over KQL predicate text: constants fold, and long and/or chains render as balanced
// parenthesised groups, because Kusto.Language (and the service) refuse a predicate nested deeper than ~490
// binary operators (test/kql/language-service/analyze.test.ts) and a flat chain of n terms nests n deep.
//
// A `folded` node is a case-insensitive literal test on one subject in two forms (compile/fold.ts): `exact`, right
// on every value, and `fast`, Kusto's own operator alone, right wherever the subject holds no case partner. One
// rule's query renders `exact`; a batch of many rules (src/hunt/pack/) renders `fast` widened by a per-subject
// partner flag computed once per row (tagPredicateOf), which is a fraction of the text. `widen: false` marks a fast
// form that is exact on every value (it only says the same in fewer characters).

export type Predicate =
  | { readonly kind: 'const'; readonly value: boolean }
  | { readonly kind: 'atom'; readonly text: string }
  | { readonly kind: 'and' | 'or'; readonly of: readonly Predicate[] }
  | { readonly kind: 'not'; readonly of: Predicate }
  | { readonly kind: 'folded'; readonly subject: string; readonly exact: Predicate; readonly fast: Predicate; readonly widen: boolean };

export const TRUE: Predicate = { kind: 'const', value: true };
export const FALSE: Predicate = { kind: 'const', value: false };

export function atom(text: string): Predicate {
  return { kind: 'atom', text };
}

export function and(operands: readonly Predicate[]): Predicate {
  return combine('and', operands);
}

export function or(operands: readonly Predicate[]): Predicate {
  return combine('or', operands);
}

function combine(kind: 'and' | 'or', operands: readonly Predicate[]): Predicate {
  const absorbing = kind === 'or'; // true absorbs an or, false absorbs an and
  const flat: Predicate[] = [];
  for (const operand of operands) {
    if (operand.kind === 'const') {
      if (operand.value === absorbing) return operand;
      continue;
    }
    if (operand.kind === kind) flat.push(...operand.of);
    else flat.push(operand);
  }
  if (flat.length === 0) return { kind: 'const', value: !absorbing };
  if (flat.length === 1) return flat[0]!;
  return { kind, of: flat };
}

export function not(operand: Predicate): Predicate {
  if (operand.kind === 'const') return { kind: 'const', value: !operand.value };
  if (operand.kind === 'not') return operand.of;
  return { kind: 'not', of: operand };
}

/** An and/or without repeated atoms (a subject's flag widens each of its tests: `a or F or b or F`). */
function distinctAtoms(predicate: Predicate): Predicate {
  if (predicate.kind !== 'and' && predicate.kind !== 'or') return predicate;
  const seen = new Set<string>();
  const operands = predicate.of.filter((operand) => {
    if (operand.kind !== 'atom') return true;
    if (seen.has(operand.text)) return false;
    seen.add(operand.text);
    return true;
  });
  return operands.length === predicate.of.length ? predicate : combine(predicate.kind, operands);
}

/** Operands per parenthesised group of a long chain. */
const GROUP = 16;

export function renderPredicate(predicate: Predicate): string {
  switch (predicate.kind) {
    case 'const':
      return predicate.value ? 'true' : 'false';
    case 'atom':
      return predicate.text;
    case 'not':
      return `not(${renderPredicate(predicate.of)})`;
    case 'folded':
      return renderPredicate(predicate.exact);
    case 'and':
    case 'or': {
      // A folded operand of the same kind renders as its exact form's operands, as if it had been flattened in.
      const kind = predicate.kind;
      const operands = predicate.of.flatMap((operand) => (operand.kind === 'folded' && operand.exact.kind === kind ? operand.exact.of : [operand]));
      return renderChain(kind, operands.map((operand) => renderOperand(operand)));
    }
  }
}

function renderOperand(operand: Predicate): string {
  const text = renderPredicate(operand);
  return operand.kind === 'and' || operand.kind === 'or' || (operand.kind === 'folded' && (operand.exact.kind === 'and' || operand.exact.kind === 'or')) ? `(${text})` : text;
}

/**
 * The predicate with each folded test in its fast form, widened where its subject holds a case partner
 * (`partnerFlag(subject)`, a boolean column true exactly then): `fast or flag` where the test counts for the rule,
 * `fast and not(flag)` under a negation. On a row whose flags are all false every fast form is exact, so the result
 * equals the predicate; on any row it accepts whatever the predicate accepts (a superset), and Kusto's answer is
 * certain wherever a fast form's may not be (the flag decides it). The subjects whose flag it reads are `subjects`.
 */
export function tagPredicateOf(predicate: Predicate, partnerFlag: (subject: string) => string): { predicate: Predicate; subjects: string[] } {
  const subjects = new Set<string>();
  const widen = (node: Predicate, positive: boolean): Predicate => {
    switch (node.kind) {
      case 'const':
      case 'atom':
        return node;
      case 'not':
        return not(widen(node.of, !positive));
      case 'and':
        return distinctAtoms(and(node.of.map((operand) => widen(operand, positive))));
      case 'or':
        return distinctAtoms(or(node.of.map((operand) => widen(operand, positive))));
      case 'folded': {
        if (!node.widen) return node.fast; // exact on every value
        subjects.add(node.subject);
        const flag = atom(partnerFlag(node.subject));
        return positive ? or([node.fast, flag]) : and([node.fast, not(flag)]);
      }
    }
  };
  return { predicate: widen(predicate, true), subjects: [...subjects] };
}

function renderChain(kind: 'and' | 'or', operands: string[]): string {
  if (operands.length <= GROUP) return operands.join(` ${kind} `);
  const groups: string[] = [];
  for (let start = 0; start < operands.length; start += GROUP) {
    const slice = operands.slice(start, start + GROUP);
    groups.push(slice.length === 1 ? slice[0]! : `(${slice.join(` ${kind} `)})`);
  }
  return renderChain(kind, groups);
}
