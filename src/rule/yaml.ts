// The YAML edge: text in, a small located tree out. Everything after this layer works on `YamlNode`s that
// know their 1-based line and their YAML path, so every later refusal can say where it happened.

import type { CST, Document, Node as YamlAstNode } from 'yaml';
import { SigmaError } from './errors.js';
import { yamlLibraryNow, type YamlLibrary } from './libraries.js';
import { parseYamlFast } from './yaml-fast.js';
import { childPath, MAX_DEPTH } from './yaml-path.js';

export { MAX_DEPTH };

/** SigmaHQ's largest rule is ~290 kB; 1 MiB leaves room while keeping a hostile file from tying up the parser. */
export const MAX_FILE_BYTES = 1024 * 1024;
/** Sigma rules use no anchors at all; a few are harmless, hundreds of expansions are an alias bomb. */
export const MAX_ALIAS_COUNT = 100;

export type YamlScalarValue = string | number | boolean | null;

interface Located {
  /** 1-based line of the node (for a map entry's value that is missing, the key's line). */
  line: number;
  /** YAML path from the document root: `detection.selection.Image|contains[3]`. */
  path: string;
}

export interface YamlMap extends Located {
  kind: 'map';
  entries: YamlEntry[];
}

export interface YamlEntry {
  key: string;
  /** 1-based line of the key (a block list value starts on the next line). */
  keyLine: number;
  value: YamlNode;
}

export interface YamlSeq extends Located {
  kind: 'seq';
  items: YamlNode[];
}

export interface YamlScalar extends Located {
  kind: 'scalar';
  value: YamlScalarValue;
}

export type YamlNode = YamlMap | YamlSeq | YamlScalar;

/** One document of a (possibly multi-document) file: its tree, or why it could not be read. Empty documents
 *  (a trailing `---`) are dropped, so `index` is the position in the file, not in this list. */
export type YamlDocument =
  | { index: number; root: YamlNode; error?: undefined }
  | { index: number; root?: undefined; error: SigmaError };

export function parseYamlDocuments(text: string, file: string): YamlDocument[] {
  const byteLength = Buffer.byteLength(text, 'utf8');
  if (byteLength > MAX_FILE_BYTES) {
    return [{ index: 0, error: sizeError(file, byteLength) }];
  }
  // js-yaml reads rules ~7x faster; whenever it cannot vouch for the exact tree below, the `yaml` path decides.
  const fast = parseYamlFast(text);
  if (fast !== undefined) return fast;
  return parseYamlDocumentsSlow(text, file);
}

/** The reference path: the `yaml` package, with its error messages and the alias and depth limits. Exported
 *  so tests can compare the fast path with it. Throws LibraryNotLoaded until the `yaml` package is loaded. */
export function parseYamlDocumentsSlow(text: string, file: string): YamlDocument[] {
  const yaml = yamlLibraryNow();
  const { LineCounter, parseAllDocuments, isScalar } = yaml;
  const lineCounter = new LineCounter();
  const documents = parseAllDocuments(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  // A stream with no documents at all parses to an empty EmptyStream, which is array-like.
  const list = Array.isArray(documents) ? documents : [];
  const out: YamlDocument[] = [];
  list.forEach((document, index) => {
    const lineOf = (offset: number | undefined): number => (offset === undefined ? 1 : lineCounter.linePos(offset).line);
    const firstError = document.errors[0];
    if (firstError) {
      const line = firstError.linePos?.[0].line ?? lineOf(firstError.pos[0]);
      const opener = unclosedOpenerBefore(yaml, text, firstError.pos[0]);
      if (opener) {
        const at = lineCounter.linePos(opener.offset);
        const reason = `${opener.what} opened at line ${at.line}, column ${at.col} is never closed (${firstLine(firstError.message)})`;
        out.push({ index, error: new SigmaError('yaml', { file, document: index, line: at.line }, reason) });
        return;
      }
      out.push({ index, error: new SigmaError('yaml', { file, document: index, line }, firstLine(firstError.message)) });
      return;
    }
    // `---` followed by nothing parses to a null scalar: an empty document, not a refusal.
    if (document.contents === null || (isScalar(document.contents) && document.contents.value === null)) return;
    try {
      const walker = new TreeBuilder(yaml, document, file, index, lineOf);
      out.push({ index, root: walker.build(document.contents, '', 0) });
    } catch (err) {
      if (err instanceof SigmaError) out.push({ index, error: err });
      else throw err;
    }
  });
  return out;
}

export function sizeError(file: string, byteLength: number): SigmaError {
  return new SigmaError(
    'yaml',
    { file },
    `file is ${byteLength} bytes, over the ${MAX_FILE_BYTES}-byte limit for a Sigma document`,
  );
}

const OPENER_NAMES: Readonly<Record<string, string>> = { '"': 'a double quote', "'": 'a single quote', '[': "a '['", '{': "a '{'" };

/**
 * The innermost quote or flow bracket opened before `offset` and never closed. The parser reports an
 * unclosed quote where the text runs out (the end of the file) and an unclosed bracket where the block
 * structure resumes; the user needs the place they forgot to close. Found on the CST, which keeps each
 * token's source: run only for a document that failed, so its cost does not matter.
 */
function unclosedOpenerBefore({ Parser, CST }: typeof YamlLibrary, text: string, offset: number): { offset: number; what: string } | undefined {
  let found: { offset: number; what: string } | undefined;
  const consider = (start: number, opener: string): void => {
    if (start < offset && (found === undefined || start > found.offset)) found = { offset: start, what: OPENER_NAMES[opener] ?? opener };
  };
  for (const token of new Parser().parse(text)) {
    if (token.type !== 'document') continue;
    const check = (node: CST.Token | undefined): void => {
      if (node === undefined) return;
      if ((node.type === 'double-quoted-scalar' || node.type === 'single-quoted-scalar') && !isClosedQuote(node.source)) consider(node.offset, node.source[0]);
      if (node.type === 'flow-collection') {
        const closer = node.start.source === '[' ? ']' : '}';
        if (!node.end.some((end) => end.source === closer)) consider(node.start.offset, node.start.source);
      }
    };
    check(token.value);
    CST.visit(token, (item) => {
      check(item.key ?? undefined);
      check(item.value);
    });
  }
  return found;
}

/** Whether a quoted scalar's source ends with the quote that closes it: `\"` escapes in double quotes,
 *  `''` in single quotes. */
function isClosedQuote(source: string): boolean {
  const quote = source[0];
  for (let i = 1; i < source.length; i++) {
    const char = source[i];
    if (quote === '"' && char === '\\') i++;
    else if (char === quote) {
      if (quote === "'" && source[i + 1] === "'") i++;
      else return i === source.length - 1;
    }
  }
  return false;
}

function firstLine(message: string): string {
  return message.split('\n')[0].replace(/:$/, '');
}

/** Appends a map key or a sequence index to a YAML path. */
class TreeBuilder {
  private aliasCount = 0;

  constructor(
    private readonly yaml: typeof YamlLibrary,
    private readonly document: Document.Parsed,
    private readonly file: string,
    private readonly index: number,
    private readonly lineOf: (offset: number | undefined) => number,
  ) {}

  build(node: unknown, path: string, depth: number, fallbackLine = 1): YamlNode {
    const { isAlias, isMap, isPair, isScalar, isSeq } = this.yaml;
    if (depth > MAX_DEPTH) throw this.error(fallbackLine, path, `nesting deeper than ${MAX_DEPTH} levels`);
    if (node === null || node === undefined) return { kind: 'scalar', value: null, line: fallbackLine, path };
    if (isAlias(node)) {
      this.aliasCount += 1;
      if (this.aliasCount > MAX_ALIAS_COUNT) {
        throw this.error(this.line(node, fallbackLine), path, `more than ${MAX_ALIAS_COUNT} alias expansions (possible alias bomb)`);
      }
      const target = node.resolve(this.document);
      if (target === undefined) throw this.error(this.line(node, fallbackLine), path, `unknown alias *${node.source}`);
      return this.build(target, path, depth + 1, this.line(node, fallbackLine));
    }
    const line = this.line(node as YamlAstNode, fallbackLine);
    if (isScalar(node)) return { kind: 'scalar', value: scalarValue(node.value, node.source, node.type), line, path };
    if (isSeq(node)) {
      return {
        kind: 'seq',
        line,
        path,
        items: node.items.map((item, i) => this.build(item, childPath(path, i), depth + 1, line)),
      };
    }
    if (isMap(node)) {
      const entries: YamlEntry[] = [];
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const keyNode = pair.key;
        const keyLine = isScalar(keyNode) || isMap(keyNode) || isSeq(keyNode) ? this.line(keyNode, line) : line;
        if (!isScalar(keyNode) || keyNode.value === null || typeof keyNode.value === 'object') {
          throw this.error(keyLine, path, 'map keys must be plain strings');
        }
        const key = typeof keyNode.value === 'string' ? keyNode.value : String(keyNode.source ?? keyNode.value);
        const valuePath = childPath(path, key);
        entries.push({ key, keyLine, value: this.build(pair.value, valuePath, depth + 1, keyLine) });
      }
      return { kind: 'map', entries, line, path };
    }
    throw this.error(line, path, 'unsupported YAML node');
  }

  private line(node: { range?: [number, number, number] | null }, fallback: number): number {
    return node.range ? this.lineOf(node.range[0]) : fallback;
  }

  private error(line: number, path: string, reason: string): SigmaError {
    return new SigmaError('yaml', { file: this.file, document: this.index, line, path }, reason);
  }
}

/** YAML 1.2 reads `00000429` as the number 429, but Sigma treats values as strings and SigmaHQ writes
 *  registry hex codes unquoted (registry_set_susp_keyboard_layout_load.yml). A plain number whose source text
 *  does not round-trip keeps its text; `4688` stays the number 4688. */
function scalarValue(value: unknown, source: string | undefined, type: string | undefined): YamlScalarValue {
  if (typeof value === 'number') {
    if (type === 'PLAIN' && source !== undefined && String(value) !== source) return source;
    return value;
  }
  if (typeof value === 'string' || typeof value === 'boolean' || value === null) return value;
  if (value === undefined) return null;
  return String(value);
}

// ---------------------------------------------------------------------------------------------------
// Reading helpers for the layers above
// ---------------------------------------------------------------------------------------------------

export function entryOf(map: YamlMap, key: string): YamlEntry | undefined {
  return map.entries.find((entry) => entry.key === key);
}

/** The plain JS value of a node, for places that only need the data (placeholder files). */
export function toPlain(node: YamlNode): unknown {
  switch (node.kind) {
    case 'scalar':
      return node.value;
    case 'seq':
      return node.items.map(toPlain);
    case 'map':
      return Object.fromEntries(node.entries.map((entry) => [entry.key, toPlain(entry.value)]));
  }
}
