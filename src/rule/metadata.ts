// Rule metadata and logsource: typed reads of the JSON-schema fields (json-schema/sigma-detection-rule-schema.json).
//
// Refused (the engine relies on them, or pySigma refuses them too): a missing/non-string/over-long title, a
// non-UUID id, a status or level outside the enums, a date/modified that is not a date, a tag outside
// `namespace.name`, a logsource that is not a map of strings, list fields that are not lists of strings.
// Ignored: unknown custom fields, `related`, `scope`, `taxonomy`, uniqueItems and minLength of
// falsepositives, which the engine never reads.

import type { LogSource, RuleMetadata, SigmaLevel, SigmaStatus, SourceLocation } from './model.js';
import { SigmaError } from './errors.js';
import type { YamlMap, YamlNode } from './yaml.js';
import { entryOf } from './yaml.js';

export interface DocumentContext {
  file: string;
  document: number;
}

export const LEVELS: readonly SigmaLevel[] = ['informational', 'low', 'medium', 'high', 'critical'];
export const STATUSES: readonly SigmaStatus[] = ['stable', 'test', 'experimental', 'deprecated', 'unsupported'];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DATE = /^\d{4}-(0[1-9]|1[012])-(0[1-9]|[12][0-9]|3[01])$/;
const SLASH_DATE = /^\d{4}\/\d{2}\/\d{2}$/;
const TAG = /^[a-z0-9_-]+\.[a-z0-9._-]+$/;
const MAX_TITLE = 256;
const MAX_DESCRIPTION = 65535;

export function locate(context: DocumentContext, node: { line: number; path: string }): SourceLocation {
  return { file: context.file, document: context.document, line: node.line, path: node.path };
}

export function schemaError(context: DocumentContext, node: { line: number; path: string }, reason: string): SigmaError {
  return new SigmaError('schema', locate(context, node), reason);
}

export function describeNode(node: YamlNode): string {
  if (node.kind === 'map') return 'a map';
  if (node.kind === 'seq') return 'a list';
  return node.value === null ? 'empty' : `the ${typeof node.value} ${JSON.stringify(node.value)}`;
}

/** A string field; `required` refuses a missing one. Numbers are not accepted: a title of `2019` is a typo. */
export function readString(context: DocumentContext, map: YamlMap, key: string, required: true): string;
export function readString(context: DocumentContext, map: YamlMap, key: string, required?: false): string | undefined;
export function readString(context: DocumentContext, map: YamlMap, key: string, required = false): string | undefined {
  const entry = entryOf(map, key);
  if (!entry || (entry.value.kind === 'scalar' && entry.value.value === null)) {
    if (required) throw schemaError(context, entry?.value ?? map, `missing required field '${key}'`);
    return undefined;
  }
  if (entry.value.kind !== 'scalar' || typeof entry.value.value !== 'string') {
    throw schemaError(context, entry.value, `'${key}' must be a string, not ${describeNode(entry.value)}`);
  }
  return entry.value.value;
}

/** A list of strings; a single string is accepted as a one-item list (SigmaHQ writes `author` lists both ways
 *  and tools accept it). */
export function readStringList(context: DocumentContext, map: YamlMap, key: string): string[] {
  const entry = entryOf(map, key);
  if (!entry || (entry.value.kind === 'scalar' && entry.value.value === null)) return [];
  const node = entry.value;
  if (node.kind === 'scalar' && typeof node.value === 'string') return [node.value];
  if (node.kind !== 'seq') throw schemaError(context, node, `'${key}' must be a list of strings, not ${describeNode(node)}`);
  return node.items.map((item) => {
    if (item.kind !== 'scalar' || item.value === null || typeof item.value === 'boolean' || typeof item.value === 'object') {
      throw schemaError(context, item, `'${key}' must be a list of strings, not a list holding ${describeNode(item)}`);
    }
    return String(item.value);
  });
}

export function requireMap(context: DocumentContext, map: YamlMap, key: string, what = `'${key}'`): YamlMap {
  const entry = entryOf(map, key);
  if (!entry || (entry.value.kind === 'scalar' && entry.value.value === null)) {
    throw schemaError(context, entry?.value ?? map, `missing required field '${key}'`);
  }
  if (entry.value.kind !== 'map') throw schemaError(context, entry.value, `${what} must be a map, not ${describeNode(entry.value)}`);
  return entry.value;
}

/** title/id/name/status/... shared by rules, filters and correlations. */
export function readMetadata(context: DocumentContext, root: YamlMap): RuleMetadata {
  const title = readString(context, root, 'title', true);
  const titleNode = entryOf(root, 'title')!.value;
  if (title.trim() === '') throw schemaError(context, titleNode, "'title' is empty");
  if (title.length > MAX_TITLE) throw schemaError(context, titleNode, `'title' is ${title.length} characters, over the ${MAX_TITLE} the schema allows`);

  const id = readString(context, root, 'id');
  if (id !== undefined && !UUID.test(id)) throw schemaError(context, entryOf(root, 'id')!.value, `'id' must be a UUID, not '${id}'`);

  const status = readEnum(context, root, 'status', STATUSES);
  const level = readEnum(context, root, 'level', LEVELS);

  const description = readString(context, root, 'description');
  if (description !== undefined && description.length > MAX_DESCRIPTION) {
    throw schemaError(context, entryOf(root, 'description')!.value, `'description' is over ${MAX_DESCRIPTION} characters`);
  }
  const date = readDate(context, root, 'date');
  const modified = readDate(context, root, 'modified');

  const tags = readStringList(context, root, 'tags');
  tags.forEach((tag, i) => {
    if (!TAG.test(tag)) {
      const tagsNode = entryOf(root, 'tags')!.value;
      const node = tagsNode.kind === 'seq' ? tagsNode.items[i] : tagsNode;
      throw schemaError(context, node, `tag '${tag}' does not match namespace.name (lower case, e.g. attack.t1059.001)`);
    }
  });

  return {
    id,
    name: readString(context, root, 'name'),
    title,
    status,
    description,
    license: readString(context, root, 'license'),
    author: readAuthor(context, root),
    date,
    modified,
    references: readStringList(context, root, 'references'),
    tags,
    falsepositives: readStringList(context, root, 'falsepositives'),
    level,
    fields: readStringList(context, root, 'fields'),
  };
}

function readAuthor(context: DocumentContext, root: YamlMap): string | undefined {
  const entry = entryOf(root, 'author');
  if (entry?.value.kind === 'seq') return readStringList(context, root, 'author').join(', ');
  return readString(context, root, 'author');
}

function readEnum<T extends string>(context: DocumentContext, root: YamlMap, key: string, allowed: readonly T[]): T | undefined {
  const value = readString(context, root, key);
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) {
    throw schemaError(context, entryOf(root, key)!.value, `'${key}' must be one of ${allowed.join(', ')}, not '${value}'`);
  }
  return value as T;
}

/** Sigma 2.0 dropped YYYY/MM/DD, but the engine never reads dates and refusing on one would hide the real
 *  reason an old rule fails; a slash date is normalised to YYYY-MM-DD, anything else is refused. */
function readDate(context: DocumentContext, root: YamlMap, key: string): string | undefined {
  const value = readString(context, root, key);
  if (value === undefined) return undefined;
  const normalised = SLASH_DATE.test(value) ? value.replaceAll('/', '-') : value;
  if (!DATE.test(normalised)) {
    throw schemaError(context, entryOf(root, key)!.value, `'${key}' must be a YYYY-MM-DD date, not '${value}'`);
  }
  return normalised;
}

export function readLogSource(context: DocumentContext, root: YamlMap): LogSource {
  const map = requireMap(context, root, 'logsource');
  const logsource: LogSource = {};
  for (const key of ['category', 'product', 'service', 'definition'] as const) {
    const value = readString(context, map, key);
    if (value !== undefined) logsource[key] = value;
  }
  return logsource;
}
