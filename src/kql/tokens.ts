import { loadKustoLanguage } from './language-service.js';

export interface KqlToken {
  /** Kusto.Language's SyntaxKind name: `StringLiteralToken`, `IdentifierToken`, `BarToken`, ... */
  readonly kind: string;
  readonly text: string;
  readonly start: number;
  readonly length: number;
}

/** The query's lexical tokens (comments and whitespace are trivia, not tokens), ending with `EndOfTextToken`. */
export function kqlTokens(query: string): KqlToken[] {
  const language = loadKustoLanguage();
  const tokens: KqlToken[] = [];
  let offset = 0;
  for (const token of language.toArray(language.parse(query).GetLexicalTokens())) {
    offset += (token.Trivia ?? '').length;
    tokens.push({ kind: language.kindName(token.Kind), text: token.Text, start: offset, length: token.Text.length });
    offset += token.Text.length;
  }
  return tokens;
}
