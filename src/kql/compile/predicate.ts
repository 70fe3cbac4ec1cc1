// A small boolean algebra over KQL predicate text: constants fold, and long and/or chains render as balanced
// parenthesised groups, because Kusto.Language (and the service) refuse a predicate nested deeper than ~490
// binary operators (test/kql/language-service/analyze.test.ts) and a flat chain of n terms nests n deep.

export type Predicate =
  | { readonly kind: 'const'; readonly value: boolean }
  | { readonly kind: 'atom'; readonly text: string }
  | { readonly kind: 'and' | 'or'; readonly of: readonly Predicate[] }
  | { readonly kind: 'not'; readonly of: Predicate };

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
    case 'and':
    case 'or':
      return renderChain(predicate.kind, predicate.of.map((operand) => renderOperand(operand)));
  }
}

function renderOperand(operand: Predicate): string {
  const text = renderPredicate(operand);
  return operand.kind === 'and' || operand.kind === 'or' ? `(${text})` : text;
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
