// The Sigma condition language (rules spec "Condition"): `or` < `and` < `not` < `x of` < `( )`, lower-case
// keywords, `1 of`/`any of`/`all of` over `them` or a `*` pattern. The v1 aggregation syntax (`| count() > 5`,
// `near`) is refused: Sigma 2 moved it to correlation rules.

import type { ConditionNode, Search, SourceLocation } from './model.js';
import { SigmaError } from './errors.js';

type Token =
  | { kind: 'word'; text: string; column: number }
  | { kind: 'open' | 'close'; text: string; column: number }
  | { kind: 'end'; text: ''; column: number };

const KEYWORDS = new Set(['and', 'or', 'not', 'of', 'them', 'any', 'all', 'near']);
/** pySigma's identifier alphabet; `*` only inside an `x of` pattern. */
const IDENTIFIER = /^[A-Za-z0-9_-]+$/;
const PATTERN = /^[A-Za-z0-9_*-]+$/;

/** Parses one condition string against the rule's search identifiers (declaration order), resolving every
 *  `x of` to the identifiers it selects. Throws SigmaError('condition') naming the column. */
export function parseCondition(text: string, identifiers: readonly string[], location: SourceLocation): ConditionNode {
  return new ConditionParser(text, identifiers, location).parse();
}

/** A condition list is an OR of its entries (rules spec "Condition", last paragraph). */
export function parseConditions(
  texts: readonly { text: string; location: SourceLocation }[],
  identifiers: readonly string[],
): ConditionNode {
  const nodes = texts.map(({ text, location }) => parseCondition(text, identifiers, location));
  return nodes.length === 1 ? nodes[0] : { kind: 'or', operands: nodes };
}

/** The identifiers an `x of` pattern selects. `them` and patterns skip `_`-prefixed identifiers unless the
 *  pattern itself starts with `_` (spec: excluded "by convention"); a pattern without `*` names one
 *  identifier exactly (pySigma test_selector_no_wildcard_exact_match_no_prefix_collision). */
export function selectIdentifiers(pattern: string, identifiers: readonly string[]): string[] {
  if (pattern === 'them') return identifiers.filter((name) => !name.startsWith('_'));
  if (!pattern.includes('*')) return identifiers.filter((name) => name === pattern);
  const source = pattern
    .split('*')
    .map((piece) => piece.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  const regex = new RegExp(`^${source}$`, 's');
  const includeUnderscored = pattern.startsWith('_');
  return identifiers.filter((name) => regex.test(name) && (includeUnderscored || !name.startsWith('_')));
}

/** Prints a condition in Sigma syntax, parenthesising only where precedence needs it. */
export function formatCondition(node: ConditionNode): string {
  return format(node, 0);
}

const PRECEDENCE: Record<ConditionNode['kind'], number> = { or: 1, and: 2, not: 3, of: 4, search: 5 };

function format(node: ConditionNode, parentPrecedence: number): string {
  const own = PRECEDENCE[node.kind];
  let text: string;
  switch (node.kind) {
    case 'search':
      return node.identifier;
    case 'of':
      return `${node.quantifier === 'one' ? '1' : 'all'} of ${node.pattern}`;
    case 'not':
      text = `not ${format(node.operand, own)}`;
      break;
    case 'and':
    case 'or':
      text = node.operands.map((operand) => format(operand, own)).join(` ${node.kind} `);
      break;
  }
  return own < parentPrecedence || (node.kind !== 'not' && own === parentPrecedence) ? `(${text})` : text;
}

/** Renames search identifiers in a condition (filters move their searches into the rule under new names). */
export function renameIdentifiers(node: ConditionNode, rename: (identifier: string) => string, renamePattern: (pattern: string) => string): ConditionNode {
  switch (node.kind) {
    case 'search':
      return { kind: 'search', identifier: rename(node.identifier) };
    case 'of':
      return { ...node, pattern: renamePattern(node.pattern), identifiers: node.identifiers.map(rename) };
    case 'not':
      return { kind: 'not', operand: renameIdentifiers(node.operand, rename, renamePattern) };
    case 'and':
    case 'or':
      return { kind: node.kind, operands: node.operands.map((operand) => renameIdentifiers(operand, rename, renamePattern)) };
  }
}

class ConditionParser {
  private readonly tokens: Token[];
  private position = 0;

  constructor(
    private readonly text: string,
    private readonly identifiers: readonly string[],
    private readonly location: SourceLocation,
  ) {
    this.tokens = this.tokenize();
  }

  parse(): ConditionNode {
    if (this.peek().kind === 'end') throw this.error('the condition is empty');
    const node = this.parseOr();
    const rest = this.peek();
    if (rest.kind !== 'end') throw this.unexpected(rest, 'expected \'and\', \'or\' or the end of the condition');
    return node;
  }

  private tokenize(): Token[] {
    const tokens: Token[] = [];
    const text = this.text;
    let i = 0;
    while (i < text.length) {
      const char = text[i];
      if (/\s/.test(char)) {
        i += 1;
      } else if (char === '(' || char === ')') {
        tokens.push({ kind: char === '(' ? 'open' : 'close', text: char, column: i + 1 });
        i += 1;
      } else if (char === '|') {
        throw this.error(
          `deprecated aggregation at column ${i + 1} ('${text.slice(i).trim()}'): the pipe syntax was removed in Sigma 2.0; express it as a correlation rule`,
        );
      } else {
        const start = i;
        while (i < text.length && !/[\s()|]/.test(text[i])) i += 1;
        tokens.push({ kind: 'word', text: text.slice(start, i), column: start + 1 });
      }
    }
    tokens.push({ kind: 'end', text: '', column: text.length + 1 });
    return tokens;
  }

  private parseOr(): ConditionNode {
    const operands = [this.parseAnd()];
    while (this.isKeyword('or')) {
      this.position += 1;
      operands.push(this.parseAnd());
    }
    return operands.length === 1 ? operands[0] : { kind: 'or', operands };
  }

  private parseAnd(): ConditionNode {
    const operands = [this.parseNot()];
    while (this.isKeyword('and')) {
      this.position += 1;
      operands.push(this.parseNot());
    }
    return operands.length === 1 ? operands[0] : { kind: 'and', operands };
  }

  private parseNot(): ConditionNode {
    if (this.isKeyword('not')) {
      this.position += 1;
      return { kind: 'not', operand: this.parseNot() };
    }
    return this.parseOf();
  }

  private parseOf(): ConditionNode {
    const token = this.peek();
    const next = this.tokens[this.position + 1];
    if (token.kind === 'word' && next?.kind === 'word' && next.text !== 'of' && next.text.toLowerCase() === 'of') {
      throw this.unexpected(next, "expected 'of'");
    }
    if (token.kind === 'word' && next?.kind === 'word' && next.text === 'of') {
      const quantifier = token.text === '1' || token.text === 'any' ? 'one' : token.text === 'all' ? 'all' : undefined;
      if (quantifier === undefined) {
        throw this.unexpected(token, "only '1 of', 'any of' and 'all of' are Sigma quantifiers");
      }
      this.position += 2;
      const target = this.peek();
      if (target.kind !== 'word') throw this.unexpected(target, "expected 'them' or a search identifier pattern after 'of'");
      this.position += 1;
      return this.resolveOf(quantifier, target);
    }
    return this.parsePrimary();
  }

  private resolveOf(quantifier: 'one' | 'all', target: Token & { kind: 'word' }): ConditionNode {
    const pattern = target.text;
    if (pattern !== 'them') {
      this.checkWord(target, PATTERN, 'a search identifier pattern');
    }
    const selected = selectIdentifiers(pattern, this.identifiers);
    if (selected.length === 0) {
      if (pattern === 'them') throw this.error(`'${quantifier === 'one' ? '1' : 'all'} of them' selects no search identifier`);
      if (!pattern.includes('*')) throw this.error(`unknown search identifier '${pattern}' at column ${target.column}`);
      throw this.error(`pattern '${pattern}' at column ${target.column} selects no search identifier`);
    }
    return { kind: 'of', quantifier, pattern, identifiers: selected };
  }

  private parsePrimary(): ConditionNode {
    const token = this.peek();
    if (token.kind === 'open') {
      this.position += 1;
      const inner = this.parseOr();
      const close = this.peek();
      if (close.kind !== 'close') throw this.unexpected(close, "expected ')'");
      this.position += 1;
      return inner;
    }
    if (token.kind === 'word') {
      this.checkWord(token, IDENTIFIER, 'a search identifier');
      this.position += 1;
      if (!this.identifiers.includes(token.text)) {
        throw this.error(`unknown search identifier '${token.text}' at column ${token.column}`);
      }
      return { kind: 'search', identifier: token.text };
    }
    throw this.unexpected(token, 'expected a search identifier, \'not\', \'1 of\', \'all of\' or \'(\'');
  }

  private checkWord(token: Token & { kind: 'word' }, alphabet: RegExp, what: string): void {
    const lower = token.text.toLowerCase();
    if (lower === 'near') {
      throw this.error(`deprecated 'near' at column ${token.column}: temporal conditions were removed in Sigma 2.0; express it as a correlation rule`);
    }
    if (KEYWORDS.has(token.text)) throw this.unexpected(token, `expected ${what}`);
    if (KEYWORDS.has(lower)) {
      throw this.error(`'${token.text}' at column ${token.column}: Sigma operators are lower case ('${lower}')`);
    }
    if (!alphabet.test(token.text)) {
      const hint = token.text.includes('*') ? " ('*' is only allowed in a pattern after '1 of' or 'all of')" : '';
      throw this.error(`'${token.text}' at column ${token.column} is not ${what}${hint}`);
    }
  }

  private isKeyword(keyword: string): boolean {
    const token = this.peek();
    return token.kind === 'word' && token.text === keyword;
  }

  private peek(): Token {
    return this.tokens[this.position];
  }

  private unexpected(token: Token, expectation: string): SigmaError {
    if (token.kind === 'end') return this.error(`unexpected end of condition: ${expectation}`);
    if (token.kind === 'word') {
      const lower = token.text.toLowerCase();
      if (lower === 'near') this.checkWord(token, IDENTIFIER, 'a search identifier');
      if (KEYWORDS.has(lower) && lower !== token.text) {
        return this.error(`'${token.text}' at column ${token.column}: Sigma operators are lower case ('${lower}')`);
      }
    }
    return this.error(`unexpected '${token.text}' at column ${token.column}: ${expectation}`);
  }

  private error(reason: string): SigmaError {
    return new SigmaError('condition', this.location, `${reason} (condition: ${this.text})`);
  }
}

/** How a derivation over a condition combines its parts (the pre-filter's needles, the pack's clauses). */
export interface ConditionAlgebra<T> {
  search(search: Search): T;
  /** What an identifier that names no search gives (the loader refuses such rules; hand-built ones may not). */
  readonly missing: T;
  /** A negation: what can be derived about the events `not x` matches. */
  readonly not: T;
  and(parts: T[]): T;
  or(parts: T[]): T;
}

/** Folds a condition bottom-up: `all of` is an AND of its searches, `1 of` an OR. */
export function foldCondition<T>(node: ConditionNode, searches: ReadonlyMap<string, Search>, algebra: ConditionAlgebra<T>): T {
  const searchOf = (identifier: string): T => {
    const search = searches.get(identifier);
    return search === undefined ? algebra.missing : algebra.search(search);
  };
  switch (node.kind) {
    case 'search':
      return searchOf(node.identifier);
    case 'and':
      return algebra.and(node.operands.map((operand) => foldCondition(operand, searches, algebra)));
    case 'or':
      return algebra.or(node.operands.map((operand) => foldCondition(operand, searches, algebra)));
    case 'not':
      return algebra.not;
    case 'of': {
      const sets = node.identifiers.map(searchOf);
      return node.quantifier === 'all' ? algebra.and(sets) : algebra.or(sets);
    }
  }
}
