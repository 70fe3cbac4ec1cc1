// The few constructs the plain syntax tree (syntax-tree.ts) leaves `unsupported` but our compiler emits
// (`between`, `parse-kv`, `let f = (p:type) { ... }`, `declare query_parameters(...)`): read from Kusto.Language's
// own tree, at the span the plain tree reports. Sub-expressions are re-parsed as plain trees (`print <text>`).
import { loadKustoLanguage, type KustoCode, type KustoSyntaxNode } from '../language-service.js';
import { parseKqlSyntax, type KqlExpression } from '../syntax-tree.js';
import { KqlOracleError } from './errors.js';

const parsedTexts = new Map<string, KustoCode>();

function rawCode(text: string): KustoCode {
  let code = parsedTexts.get(text);
  if (!code) {
    code = loadKustoLanguage().parse(text);
    if (parsedTexts.size > 256) parsedTexts.clear();
    parsedTexts.set(text, code);
  }
  return code;
}

/**
 * The Kusto.Language node of `kind` for a construct whose text the plain tree gave us. Only a small snippet
 * around it is parsed (`prefix + text + suffix`), not the whole query: parsing costs ~10 ms per kB. Returns the
 * node and the snippet its offsets refer to.
 */
export function rawNode(text: string, kind: string, prefix: string, suffix = ''): { node: KustoSyntaxNode; source: string } {
  const language = loadKustoLanguage();
  const source = prefix + text + suffix;
  let found: KustoSyntaxNode | undefined;
  rawCode(source).Syntax.WalkNodes((node) => {
    if (!found && node.TextStart === prefix.length && node.Width === text.length && language.kindName(node.Kind) === kind) found = node;
  });
  if (!found) throw new KqlOracleError('unsupported', `cannot read ${kind} ${JSON.stringify(text.slice(0, 80))}`);
  return { node: found, source };
}

export function kindOf(node: KustoSyntaxNode): string {
  return loadKustoLanguage().kindName(node.Kind);
}

export function nodeText(text: string, node: KustoSyntaxNode): string {
  return text.slice(node.TextStart, node.TextStart + node.Width);
}

/** Child nodes that are not tokens, in order. */
export function nodeChildren(node: KustoSyntaxNode): KustoSyntaxNode[] {
  const children: KustoSyntaxNode[] = [];
  for (let index = 0; index < node.ChildCount; index++) {
    const child = node.GetChild(index);
    if (child && !child.IsToken) children.push(child as KustoSyntaxNode);
  }
  return children;
}

/** Every descendant node of `kind` (pre-order). */
export function descendants(node: KustoSyntaxNode, kind: string): KustoSyntaxNode[] {
  const found: KustoSyntaxNode[] = [];
  node.WalkNodes((candidate) => {
    if (candidate !== node && kindOf(candidate) === kind) found.push(candidate);
  });
  return found;
}

/** A scalar expression's text as a plain tree; its spans are relative to the returned `source`. */
export function parseScalarText(expressionText: string): { expression: KqlExpression; source: string } {
  const source = `print ${expressionText}`;
  const tree = parseKqlSyntax(source);
  const statement = tree.statements[0];
  const errors = tree.diagnostics.filter((diagnostic) => diagnostic.severity === 'error');
  if (errors.length > 0 || tree.statements.length !== 1 || statement?.kind !== 'expression' || statement.expression.kind !== 'print') {
    throw new KqlOracleError('syntax', `cannot re-read ${JSON.stringify(expressionText)} as an expression`);
  }
  const column = statement.expression.columns[0];
  if (!column || statement.expression.columns.length !== 1) {
    throw new KqlOracleError('syntax', `cannot re-read ${JSON.stringify(expressionText)} as one expression`);
  }
  return { expression: column, source };
}

/** `name:type` declarations (function parameters, parse-kv row schema, query parameters) under `node`. */
export function nameTypeDeclarations(text: string, node: KustoSyntaxNode): { name: string; type: string }[] {
  return descendants(node, 'NameAndTypeDeclaration').map((declaration) => {
    const [name, type] = nodeChildren(declaration);
    if (!name || !type) throw new KqlOracleError('syntax', `bad declaration ${nodeText(text, declaration)}`);
    return { name: nodeText(text, name).trim(), type: nodeText(text, type).trim() };
  });
}
