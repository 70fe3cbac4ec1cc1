// A fast path for the YAML edge. The `yaml` package builds a full CST and AST and spends ~70% of a corpus load
// doing it; js-yaml reads the same rules ~7x faster. The fast path builds the exact tree `parseYamlDocuments`
// would build (same values, lines and paths) from js-yaml's node events, and declines (returns undefined)
// whenever it cannot vouch for that: then the `yaml` path runs unchanged, so its error messages and its
// alias/size/depth limits stay the only ones there are.
//
// Why it is equivalent, in short:
// - js-yaml reads with the FAILSAFE schema (every scalar a string); plain scalars are then typed here with the
//   YAML 1.2 core rules exactly as the `yaml` package resolves them (`resolvePlainScalar`).
// - Anything with properties (tags, anchors, hence aliases and merge keys), directives, tabs, CRs or a BOM is
//   declined up front or from the parser's state, as are complex or null keys, keys that the `yaml` package
//   would call duplicates, `-` items with no events, and trees deeper than MAX_DEPTH.
// - Any js-yaml error declines, so documents the `yaml` package refuses keep its message.
// - Conformance tests compare both paths over every file of the SigmaHQ corpus and the spec's tests, and a
//   property test over generated YAML (test/rule/load/fast-yaml.test.ts).

import { FAILSAFE_SCHEMA, loadAll } from 'js-yaml';
import type { LoadOptions, State } from 'js-yaml';
import type { YamlEntry, YamlNode, YamlScalarValue } from './yaml.js';
import { childPath, MAX_DEPTH } from './yaml-path.js';

/** One non-empty document: its position in the file and its tree. */
export interface FastYamlDocument {
  index: number;
  root: YamlNode;
}

/** The parser state fields js-yaml sets but its type declarations leave out. */
interface LoaderState {
  position: number;
  kind: 'scalar' | 'sequence' | 'mapping' | null;
  result: unknown;
  /** '?' marks a plain scalar; null no tag; anything else an explicit tag. */
  tag: string | null | undefined;
  anchor: string | null | undefined;
  anchorMap: Record<string, unknown>;
}

/** A node as js-yaml reported it: where its composition started, what it produced, and its direct children. */
interface EventNode {
  openPosition: number;
  /** Where js-yaml stood when the node closed: just past a scalar or a flow collection. */
  closePosition: number;
  kind: 'scalar' | 'sequence' | 'mapping' | null;
  result: unknown;
  plain: boolean;
  children: EventNode[];
}

/** Thrown from inside the listener to stop js-yaml as soon as the fast path knows it will decline. */
class Decline {}
const DECLINE = new Decline();

/** Characters whose mere presence sends a file to the `yaml` path: tabs and CRs (indentation and line-break
 *  rules where the two parsers are known to differ), a BOM (js-yaml strips it and shifts every offset). */
const UNSAFE_CHARACTERS = /[\t\r\uFEFF]/;
/** A `%YAML`/`%TAG` directive (only possible at the start of a line), or a line that starts like a document
 *  marker but is not one (`---#`, `...x`), or a marker with content after it (`--- a: b`, `... x`): the two
 *  parsers disagree on where such documents start and what may follow a marker. */
const DIRECTIVE_OR_MARKER_LOOKALIKE = /^%|^(?:---|\.\.\.)[^ \n]|^(?:---|\.\.\.)[ ]+[^ #\n]/m;
/** An explicit key indicator (`? key`, `- ? key`, `{? key}`): the two parsers place its parts differently. Also
 *  matches the rare plain continuation line that starts with `? `, which then just takes the `yaml` path. */
const EXPLICIT_KEY = /(?:^[ ]*(?:-[ ]+)*|[,[{:][ ]*)\?(?=[ \n]|$)/m;

/** js-yaml nests two composeNode calls per YAML level (an item and its key attempt); anything deeper than the
 *  tree limit allows is declined by the depth check below anyway, this only bounds js-yaml's recursion. */
function loaderMaxDepth(): number {
  return 4 * MAX_DEPTH + 16;
}

export function parseYamlFast(text: string): FastYamlDocument[] | undefined {
  if (UNSAFE_CHARACTERS.test(text) || DIRECTIVE_OR_MARKER_LOOKALIKE.test(text) || EXPLICIT_KEY.test(text)) return undefined;
  const roots: EventNode[] = [];
  const loadedDocuments: unknown[] = [];
  const stack: EventNode[] = [];
  const listener = (eventType: 'open' | 'close', state: State): void => {
    const loader = state as unknown as LoaderState;
    // Properties (tags, anchors) are declined wherever they show: an enclosing node's are visible when its
    // inner nodes open, and js-yaml may reset them before the enclosing node closes (`!A\n---`).
    // Before the first node both are still undefined.
    if ((typeof loader.tag === 'string' && loader.tag !== '?') || typeof loader.anchor === 'string') throw DECLINE;
    if (eventType === 'open') {
      stack.push({ openPosition: loader.position, closePosition: loader.position, kind: null, result: null, plain: false, children: [] });
      return;
    }
    for (const _anchor in loader.anchorMap) throw DECLINE;
    const frame = stack.pop();
    if (frame === undefined) throw DECLINE;
    frame.closePosition = loader.position;
    frame.kind = loader.kind;
    frame.result = loader.result;
    frame.plain = loader.tag === '?';
    // js-yaml composes a block item's content inside a nested attempt to read a mapping key; when that attempt
    // turns out to be the whole node, the outer event only wraps the inner one.
    const only = frame.children.length === 1 ? frame.children[0] : undefined;
    const node = only !== undefined && only.kind === frame.kind && only.result === frame.result ? only : frame;
    // The outer event opened first: the separation before the token belongs to the node either way.
    node.openPosition = frame.openPosition;
    const parent = stack[stack.length - 1];
    if (parent === undefined) roots.push(node);
    else parent.children.push(node);
  };
  const options: LoadOptions & { maxDepth: number } = { schema: FAILSAFE_SCHEMA, listener, maxDepth: loaderMaxDepth() };
  try {
    loadAll(text, (document) => loadedDocuments.push(document), options);
  } catch {
    // A js-yaml error or a Decline: either way the `yaml` path decides.
    return undefined;
  }
  if (stack.length !== 0 || roots.length !== loadedDocuments.length) return undefined;
  const lines = new LineIndex(text);
  const out: FastYamlDocument[] = [];
  for (let index = 0; index < roots.length; index += 1) {
    const root = roots[index];
    if (root.result !== loadedDocuments[index]) return undefined;
    // The `yaml` path drops empty documents (a trailing `---`, a document that is only `null`).
    if (root.kind === null || (root.kind === 'scalar' && root.plain && resolvePlainScalar(root.result as string) === null)) {
      if (root.result !== null && root.kind === null) return undefined;
      continue;
    }
    const tree = buildNode(root, '', 0, -1, text, lines);
    if (tree === undefined) return undefined;
    out.push({ index, root: tree });
  }
  return out;
}

/** `blockIndent` is the column of the innermost block collection around the node (-1 at the top). */
function buildNode(node: EventNode, path: string, depth: number, blockIndent: number, text: string, lines: LineIndex): YamlNode | undefined {
  if (depth > MAX_DEPTH) return undefined;
  if (node.kind === null) {
    // An empty value: the `yaml` package places it where its indicator (`:`) ends, before any comment.
    if (node.result !== null || node.children.length !== 0) return undefined;
    return { kind: 'scalar', value: null, line: lines.lineOf(node.openPosition), path };
  }
  const start = tokenStart(text, node.openPosition);
  const line = lines.lineOf(start);
  const opener = text.charCodeAt(start);
  const isBlockScalar = opener === 0x7c /* | */ || opener === 0x3e; /* > */
  const isFlowCollection = opener === 0x5b /* [ */ || opener === 0x7b; /* { */
  // `a: # note\n# at column 0\n  value`: a comment line outdented to the enclosing block collection ends a
  // scalar or flow value for the `yaml` package, not for js-yaml.
  if ((node.kind === 'scalar' || isFlowCollection) && !outdentedCommentFree(text, node.openPosition, start, blockIndent)) {
    return undefined;
  }
  if (!isBlockScalar && (node.kind === 'scalar' || isFlowCollection) && !continuationIndented(text, start, node.closePosition, blockIndent)) {
    return undefined;
  }
  // An escaped line break followed by blank lines folds differently in the two parsers.
  if (opener === 0x22 /* " */ && ESCAPED_LINE_BREAK.test(text.slice(start, node.closePosition))) return undefined;
  // `'a'#x`, `[a]#x`: the `yaml` package wants white space before a comment; js-yaml takes it as one.
  // A comment inside a multi-line flow collection needs white space before it in the `yaml` package (`[#c`).
  if (isFlowCollection && hasCommentLikeLine(text, start, node.closePosition)) return undefined;
  const isQuoted = opener === 0x22 /* " */ || opener === 0x27; /* ' */
  if ((isQuoted || isFlowCollection) && text.charCodeAt(node.closePosition) === 0x23 /* # */) return undefined;
  const childBlockIndent = isFlowCollection || node.kind === 'scalar' ? blockIndent : start - lines.lineStart(start);
  if (node.kind === 'scalar') {
    if (typeof node.result !== 'string' || node.children.length !== 0) return undefined;
    return { kind: 'scalar', value: node.plain ? resolvePlainScalar(node.result) : node.result, line, path };
  }
  if (node.kind === 'sequence') {
    const array = node.result;
    // `-` items with nothing after them produce no events; such lists go to the `yaml` path.
    if (!Array.isArray(array) || array.length !== node.children.length) return undefined;
    const items: YamlNode[] = [];
    for (let i = 0; i < node.children.length; i += 1) {
      const child = node.children[i];
      if (child.result !== array[i]) return undefined;
      const item = buildNode(child, childPath(path, i), depth + 1, childBlockIndent, text, lines);
      if (item === undefined) return undefined;
      items.push(item);
    }
    return { kind: 'seq', items, line, path };
  }
  return buildMap(node, path, depth, line, childBlockIndent, text, lines);
}

function buildMap(
  node: EventNode,
  path: string,
  depth: number,
  line: number,
  blockIndent: number,
  text: string,
  lines: LineIndex,
): YamlNode | undefined {
  const object = node.result;
  if (object === null || typeof object !== 'object' || Array.isArray(object)) return undefined;
  let children = node.children;
  // js-yaml tries to read one more key where a block mapping ends at a document marker (`---`, `...`); that
  // attempt reads nothing.
  const last = children[children.length - 1];
  if (children.length % 2 !== 0 && last.kind === null && last.result === null && last.children.length === 0) {
    children = children.slice(0, -1);
  }
  // Keys without a value event (`{a, b: c}`, explicit `? a`) leave the children unpaired.
  if (children.length % 2 !== 0 || children.length / 2 !== Object.keys(object).length) return undefined;
  const entries: YamlEntry[] = [];
  const typedKeys = new Set<YamlScalarValue>();
  for (let i = 0; i < children.length; i += 2) {
    const keyNode = children[i];
    const valueNode = children[i + 1];
    if (keyNode.kind !== 'scalar' || typeof keyNode.result !== 'string') return undefined;
    const key = keyNode.result;
    // A null key is refused by the `yaml` path; `<<` is a merge key in YAML 1.1 readers: both decline.
    const typedKey = keyNode.plain ? coreValue(key) : key;
    if (typedKey === null || (keyNode.plain && key === '<<')) return undefined;
    // The `yaml` package compares keys by their typed value (`1` and `1.0` are one key); js-yaml by their text.
    if (typedKeys.has(typedKey)) return undefined;
    typedKeys.add(typedKey);
    if (!Object.prototype.hasOwnProperty.call(object, key) || (object as Record<string, unknown>)[key] !== valueNode.result) {
      return undefined;
    }
    const keyStart = tokenStart(text, keyNode.openPosition);
    // The `yaml` package wants implicit keys on one line and at most 1024 characters long.
    if (keyNode.closePosition - keyStart > MAX_KEY_SOURCE || text.lastIndexOf('\n', keyNode.closePosition - 1) >= keyStart) return undefined;
    const keyLine = lines.lineOf(keyStart);
    const value = buildNode(valueNode, childPath(path, key), depth + 1, blockIndent, text, lines);
    if (value === undefined) return undefined;
    entries.push({ key, keyLine, value });
  }
  return { kind: 'map', entries, line, path };
}

const MAX_KEY_SOURCE = 1000;
const ESCAPED_LINE_BREAK = /\\[ ]*\n/;

/** A flow scalar or collection may run over several lines, but the `yaml` package (as the spec says) wants every
 *  continuation line indented deeper than the block collection around it; js-yaml does not check. Blank lines
 *  carry no indentation. Conservative: a closing bracket at the collection's own indentation also declines. */
function continuationIndented(text: string, start: number, end: number, blockIndent: number): boolean {
  for (let newline = text.indexOf('\n', start); newline !== -1 && newline < end; newline = text.indexOf('\n', newline + 1)) {
    let at = newline + 1;
    while (text.charCodeAt(at) === 0x20) at += 1;
    const blank = at >= text.length || text.charCodeAt(at) === 0x0a;
    if (!blank && at - (newline + 1) <= blockIndent) return false;
  }
  return true;
}

function outdentedCommentFree(text: string, from: number, to: number, blockIndent: number): boolean {
  for (let newline = text.indexOf('\n', from); newline !== -1 && newline < to; newline = text.indexOf('\n', newline + 1)) {
    let at = newline + 1;
    while (text.charCodeAt(at) === 0x20) at += 1;
    if (text.charCodeAt(at) === 0x23 /* # */ && at - (newline + 1) <= blockIndent) return false;
  }
  return true;
}

function hasCommentLikeLine(text: string, start: number, end: number): boolean {
  const newline = text.indexOf('\n', start);
  if (newline === -1 || newline >= end) return false;
  const hash = text.indexOf('#', start);
  return hash !== -1 && hash < end;
}

/** Where a node's first token starts: js-yaml opens a node before skipping the separating spaces, line breaks
 *  and comments. */
function tokenStart(text: string, position: number): number {
  let at = position;
  while (at < text.length) {
    const ch = text.charCodeAt(at);
    if (ch === 0x20 || ch === 0x0a) at += 1;
    else if (ch === 0x23 /* # */) {
      const end = text.indexOf('\n', at);
      at = end === -1 ? text.length : end + 1;
    } else break;
  }
  return at;
}

// The YAML 1.2 core schema's tests, in the order the `yaml` package tries them (yaml/dist/schema/core).
const NULL_PLAIN = /^(?:~|[Nn]ull|NULL)?$/;
const BOOL_PLAIN = /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/;
const OCT_PLAIN = /^0o[0-7]+$/;
const INT_PLAIN = /^[-+]?[0-9]+$/;
const HEX_PLAIN = /^0x[0-9a-fA-F]+$/;
const NAN_INF_PLAIN = /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;
const FLOAT_PLAIN = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$|^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/;

/** A plain scalar's value under the core schema, numbers as numbers whatever their text. */
function coreValue(text: string): YamlScalarValue {
  if (NULL_PLAIN.test(text)) return null;
  if (BOOL_PLAIN.test(text)) return text[0] === 't' || text[0] === 'T';
  if (OCT_PLAIN.test(text)) return parseInt(text.substring(2), 8);
  if (INT_PLAIN.test(text)) return parseInt(text, 10);
  if (HEX_PLAIN.test(text)) return parseInt(text.substring(2), 16);
  if (NAN_INF_PLAIN.test(text)) {
    if (text.slice(-3).toLowerCase() === 'nan') return NaN;
    return text[0] === '-' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  }
  if (FLOAT_PLAIN.test(text)) return parseFloat(text);
  return text;
}

/** The core schema's value followed by yaml.ts's rule that a number whose text does not round-trip keeps its
 *  text, so octal (`0o17`), hex (`0x1F`) and `.inf`/`.nan` stay strings. */
export function resolvePlainScalar(text: string): YamlScalarValue {
  const value = coreValue(text);
  if (typeof value === 'number' && String(value) !== text) return text;
  return value;
}

/** Offsets of line starts, counted on `\n` like the `yaml` package's LineCounter; 1-based lines out. */
class LineIndex {
  private readonly starts: number[] = [0];

  constructor(text: string) {
    for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) this.starts.push(at + 1);
  }

  lineStart(offset: number): number {
    return this.starts[this.lineOf(offset) - 1];
  }

  lineOf(offset: number): number {
    let low = 0;
    let high = this.starts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (this.starts[middle] <= offset) low = middle;
      else high = middle - 1;
    }
    return low + 1;
  }
}
