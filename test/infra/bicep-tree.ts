/**
 * A small reader over tree-sitter-bicep syntax trees, for the structural tests of infra/. The Bicep CLI cannot be
 * installed here, so these tests stand in for the part of `bicep build` that catches wiring mistakes (a module
 * parameter that does not exist, an output that is not declared) and for a policy review of the templates.
 * Syntax only: it knows nothing of resource schemas.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type TreeSitter from 'tree-sitter';

// Both packages are CommonJS native addons.
const require = createRequire(import.meta.url);
const Parser = require('tree-sitter') as typeof TreeSitter;
const bicepLanguage = require('tree-sitter-bicep') as TreeSitter.Language;

export type SyntaxNode = TreeSitter.SyntaxNode;

export interface BicepFile {
  /** Absolute path. */
  path: string;
  source: string;
  root: SyntaxNode;
}

export interface SyntaxProblem {
  kind: 'ERROR' | 'MISSING';
  line: number;
  column: number;
  text: string;
}

export interface ParamDeclaration {
  name: string;
  type: string;
  defaultValue?: SyntaxNode;
  /** Decorator name → its argument nodes (`@allowed([...])` → [array node]). */
  decorators: Map<string, SyntaxNode[]>;
}

export interface ResourceDeclaration {
  symbol: string;
  /** `Microsoft.Storage/storageAccounts` (no API version). */
  type: string;
  apiVersion: string;
  existing: boolean;
  /** The `{ ... }` body, also of a conditional (`= if (c) {...}`) or loop (`= [for ...: {...}]`) declaration. */
  body?: SyntaxNode;
  /** The condition of `= if (condition) {...}`, without its parentheses. */
  condition?: SyntaxNode;
  loop: boolean;
  file: BicepFile;
}

export interface ModuleDeclaration {
  symbol: string;
  /** Path as written, relative to the declaring file. */
  modulePath: string;
  /** Absolute path of the referenced file. */
  resolvedPath: string;
  body?: SyntaxNode;
  /** The condition of `= if (condition) {...}`, without its parentheses. */
  condition?: SyntaxNode;
  /** A module loop: the item's name and the array it runs over, as written. */
  loop?: { item: string; over: string };
  file: BicepFile;
}

/** Body, condition and loop flag of a declaration's value: `{...}`, `if (c) {...}` or `[for ...: {...}]`. */
function declarationValue(last: SyntaxNode): { body?: SyntaxNode; condition?: SyntaxNode; loop: boolean } {
  if (last.type === 'object') return { body: last, loop: false };
  if (last.type === 'if_statement') {
    const condition = last.namedChildren.find((child) => child.type === 'parenthesized_expression')?.namedChildren[0];
    const body = last.namedChildren.find((child) => child.type === 'object');
    return { ...(body ? { body } : {}), ...(condition ? { condition } : {}), loop: false };
  }
  if (last.type === 'for_statement') {
    const body = last.namedChildren.find((child) => child.type === 'object');
    return { ...(body ? { body } : {}), loop: true };
  }
  return { loop: false };
}

export function parseBicepSource(source: string, filePath = '<inline>.bicep'): BicepFile {
  const parser = new Parser();
  parser.setLanguage(bicepLanguage);
  return { path: filePath, source, root: parser.parse(source).rootNode };
}

export function parseBicepFile(filePath: string): BicepFile {
  return parseBicepSource(fs.readFileSync(filePath, 'utf8'), filePath);
}

/** Every .bicep file under `directory`, sorted. */
export function listBicepFiles(directory: string): string[] {
  const found: string[] = [];
  for (const entry of fs.readdirSync(directory, { withFileTypes: true })) {
    const entryPath = path.join(directory, entry.name);
    if (entry.isDirectory()) found.push(...listBicepFiles(entryPath));
    else if (entry.name.endsWith('.bicep')) found.push(entryPath);
  }
  return found.sort();
}

/** ERROR and MISSING nodes: where the grammar could not read the text, or had to invent a token. */
export function syntaxProblems(file: BicepFile): SyntaxProblem[] {
  const problems: SyntaxProblem[] = [];
  const visit = (node: SyntaxNode): void => {
    if (node.type === 'ERROR' || node.isMissing) {
      problems.push({
        kind: node.isMissing ? 'MISSING' : 'ERROR',
        line: node.startPosition.row + 1,
        column: node.startPosition.column + 1,
        text: node.text.slice(0, 80),
      });
    }
    for (const child of node.children) visit(child);
  };
  visit(file.root);
  if (file.root.hasError && problems.length === 0) problems.push({ kind: 'ERROR', line: 0, column: 0, text: '(tree reports an error)' });
  return problems;
}

function namedChildrenOfType(node: SyntaxNode, type: string): SyntaxNode[] {
  return node.namedChildren.filter((child) => child.type === type);
}

function decoratorsBefore(node: SyntaxNode): Map<string, SyntaxNode[]> {
  const decorators = new Map<string, SyntaxNode[]>();
  let previous = node.previousNamedSibling;
  while (previous && previous.type === 'comment') previous = previous.previousNamedSibling;
  if (!previous || previous.type !== 'decorators') return decorators;
  for (const decorator of namedChildrenOfType(previous, 'decorator')) {
    const call = decorator.namedChildren[0];
    if (!call || call.type !== 'call_expression') continue;
    const name = call.childForFieldName('function')?.text ?? '';
    const argumentsNode = call.childForFieldName('arguments');
    decorators.set(name, argumentsNode ? argumentsNode.namedChildren.filter((child) => child.type !== 'comment') : []);
  }
  return decorators;
}

export function targetScope(file: BicepFile): string | undefined {
  const assignment = namedChildrenOfType(file.root, 'target_scope_assignment')[0];
  const value = assignment?.namedChildren[0];
  return value ? stringLiteral(value) : undefined;
}

export function params(file: BicepFile): Map<string, ParamDeclaration> {
  const declarations = new Map<string, ParamDeclaration>();
  for (const node of namedChildrenOfType(file.root, 'parameter_declaration')) {
    const [nameNode, typeNode, defaultValue] = node.namedChildren;
    declarations.set(nameNode!.text, {
      name: nameNode!.text,
      type: typeNode!.text,
      ...(defaultValue ? { defaultValue } : {}),
      decorators: decoratorsBefore(node),
    });
  }
  return declarations;
}

export function variables(file: BicepFile): Map<string, SyntaxNode> {
  const declarations = new Map<string, SyntaxNode>();
  for (const node of namedChildrenOfType(file.root, 'variable_declaration')) {
    const [nameNode, value] = node.namedChildren;
    declarations.set(nameNode!.text, value!);
  }
  return declarations;
}

export function outputs(file: BicepFile): Map<string, SyntaxNode> {
  const declarations = new Map<string, SyntaxNode>();
  for (const node of namedChildrenOfType(file.root, 'output_declaration')) {
    const named = node.namedChildren;
    declarations.set(named[0]!.text, named[named.length - 1]!);
  }
  return declarations;
}

/** Every resource declaration in the file, nested ones included. */
export function resources(file: BicepFile): ResourceDeclaration[] {
  return file.root.descendantsOfType('resource_declaration').map((node) => {
    const [symbolNode, typeNode] = node.namedChildren;
    const [type, apiVersion] = (stringLiteral(typeNode!) ?? '').split('@');
    const last = node.namedChildren[node.namedChildren.length - 1]!;
    return {
      symbol: symbolNode!.text,
      type: type ?? '',
      apiVersion: apiVersion ?? '',
      existing: node.children.some((child) => !child.isNamed && child.type === 'existing'),
      ...declarationValue(last),
      file,
    };
  });
}

export function modules(file: BicepFile): ModuleDeclaration[] {
  return namedChildrenOfType(file.root, 'module_declaration').map((node) => {
    const [symbolNode, pathNode] = node.namedChildren;
    const modulePath = stringLiteral(pathNode!) ?? '';
    const last = node.namedChildren[node.namedChildren.length - 1]!;
    // `module m 'x.bicep' = [for item in items: {...}]`: the body is the loop's object, once per item.
    const loopBody = last.type === 'for_statement' ? last.namedChildren[last.namedChildren.length - 1] : undefined;
    const body = last.type === 'object' ? last : loopBody?.type === 'object' ? loopBody : undefined;
    return {
      symbol: symbolNode!.text,
      modulePath,
      resolvedPath: path.resolve(path.dirname(file.path), modulePath),
      ...(({ loop: _loop, ...value }) => value)(declarationValue(last)),
      ...(last.type === 'for_statement' ? { loop: { item: last.namedChildren[0]!.text, over: last.namedChildren[1]!.text } } : {}),
      file,
    };
  });
}

function propertyKey(node: SyntaxNode): string | undefined {
  const key = node.namedChildren[0];
  if (!key) return undefined;
  return key.type === 'string' ? stringLiteral(key) : key.text;
}

/** The keys of an object literal, in order. */
export function objectKeys(object: SyntaxNode): string[] {
  return namedChildrenOfType(object, 'object_property').map((property) => propertyKey(property) ?? '');
}

/** The value of `key` in an object literal; a dotted path (`siteConfig.ftpsState`) walks nested objects. */
export function property(object: SyntaxNode | undefined, keyPath: string): SyntaxNode | undefined {
  let current = object;
  for (const key of keyPath.split('.')) {
    if (!current || current.type !== 'object') return undefined;
    const match = namedChildrenOfType(current, 'object_property').find((candidate) => propertyKey(candidate) === key);
    current = match?.namedChildren[match.namedChildren.length - 1];
  }
  return current;
}

/** The text of a string literal without interpolation, escapes resolved; undefined for anything else. */
export function stringLiteral(node: SyntaxNode): string | undefined {
  if (node.type !== 'string') return undefined;
  let text = '';
  for (const part of node.namedChildren) {
    if (part.type === 'string_content') text += part.text;
    else if (part.type === 'escape_sequence') text += unescape(part.text);
    else return undefined; // interpolation
  }
  return text;
}

function unescape(sequence: string): string {
  const simple: Record<string, string> = { "\\'": "'", '\\\\': '\\', '\\n': '\n', '\\r': '\r', '\\t': '\t', '\\$': '$' };
  if (sequence in simple) return simple[sequence]!;
  const unicode = /^\\u\{([0-9a-fA-F]+)\}$/.exec(sequence);
  return unicode ? String.fromCodePoint(parseInt(unicode[1]!, 16)) : sequence;
}

/** A literal's value: string, boolean or number; undefined for an expression. */
export function literal(node: SyntaxNode | undefined): string | boolean | number | undefined {
  if (!node) return undefined;
  if (node.type === 'string') return stringLiteral(node);
  if (node.type === 'boolean') return node.text === 'true';
  if (node.type === 'number') return Number(node.text);
  return undefined;
}

/** The string literals of an array literal (`@allowed([...])`). */
export function arrayLiterals(node: SyntaxNode | undefined): (string | boolean | number | undefined)[] {
  if (!node || node.type !== 'array') return [];
  return node.namedChildren.filter((child) => child.type !== 'comment').map((child) => literal(child));
}

/** `callee(args...)` → { callee, args }; undefined when `node` is not a call. */
export function call(node: SyntaxNode | undefined): { callee: string; args: SyntaxNode[] } | undefined {
  if (!node || node.type !== 'call_expression') return undefined;
  const argumentsNode = node.childForFieldName('arguments');
  return {
    callee: node.childForFieldName('function')?.text ?? '',
    args: argumentsNode ? argumentsNode.namedChildren.filter((child) => child.type !== 'comment') : [],
  };
}

/** Every string node in the file (literals and interpolated ones), with its raw text. */
export function allStrings(file: BicepFile): SyntaxNode[] {
  return file.root.descendantsOfType('string');
}

/** Every call in the file. */
export function allCalls(file: BicepFile): { callee: string; node: SyntaxNode }[] {
  return file.root.descendantsOfType('call_expression').map((node) => ({ callee: node.childForFieldName('function')?.text ?? '', node }));
}

/** Every `x.y` whose object is the identifier `symbol`: `storage.outputs.name` → ['outputs', 'name'] pairs. */
export function moduleOutputReferences(file: BicepFile, symbol: string): string[] {
  const names: string[] = [];
  for (const node of file.root.descendantsOfType('member_expression')) {
    const object = node.childForFieldName('object');
    if (object?.type !== 'member_expression') continue;
    const inner = object.childForFieldName('object');
    if (inner?.type === 'identifier' && inner.text === symbol && object.childForFieldName('property')?.text === 'outputs') {
      names.push(node.childForFieldName('property')?.text ?? '');
    }
  }
  return names;
}

/**
 * Evaluates the small subset of Bicep the name/scope plumbing uses: string literals, identifiers bound to
 * variables or to given parameter values, `split`, `last`, `first`, `toLower` and `[index]`.
 */
export function evaluate(file: BicepFile, node: SyntaxNode, paramValues: Readonly<Record<string, unknown>>): unknown {
  const vars = variables(file);
  const run = (expression: SyntaxNode): unknown => {
    switch (expression.type) {
      case 'string': {
        const value = stringLiteral(expression);
        if (value === undefined) throw new Error(`cannot evaluate interpolated string ${expression.text}`);
        return value;
      }
      case 'number':
        return Number(expression.text);
      case 'boolean':
        return expression.text === 'true';
      case 'parenthesized_expression':
        return run(expression.namedChildren[0]!);
      case 'identifier': {
        if (expression.text in paramValues) return paramValues[expression.text];
        const bound = vars.get(expression.text);
        if (!bound) throw new Error(`unbound identifier ${expression.text}`);
        return run(bound);
      }
      case 'subscript_expression': {
        const object = run(expression.childForFieldName('object')!) as unknown[];
        const index = run(expression.childForFieldName('index')!) as number;
        return object[index];
      }
      case 'call_expression': {
        const { callee, args } = call(expression)!;
        const values = args.map(run);
        if (callee === 'split') return String(values[0]).split(String(values[1]));
        if (callee === 'last') return (values[0] as unknown[]).at(-1);
        if (callee === 'first') return (values[0] as unknown[])[0];
        if (callee === 'toLower') return String(values[0]).toLowerCase();
        throw new Error(`cannot evaluate ${callee}()`);
      }
      default:
        throw new Error(`cannot evaluate ${expression.type}: ${expression.text}`);
    }
  };
  return run(node);
}
