// The log source map: which Sigma log sources (product, service, category) an event's origin carries. Data, not
// code: the shipped map is windows-logsource-map.json (sources in README.md); a user's --logsource-map file has
// the same shape and extends or replaces it. Everything here is parsed from untrusted input and validated once.
import { childPath } from '../rule/yaml-path.js';
import { LogsourceMapError } from './errors.js';

/** Windows event log events of one channel with one of these EventIDs. */
export interface EventLogSelector {
  readonly channel: string;
  readonly eventIds: readonly number[];
}

/** Events that carry their Windows event log channel (`Channel`, or a provider name that implies it). */
export interface EventLogMap {
  /** The Sigma product of every event log event. */
  readonly product: string;
  /** Sigma service → the channels it names (pySigma's windows_logsource_mapping). */
  readonly services: ReadonlyMap<string, readonly string[]>;
  /** Sigma category → the channel and EventIDs that carry it. */
  readonly categories: ReadonlyMap<string, readonly EventLogSelector[]>;
  /** Provider name → channel, for flat exports that lost the channel but kept the provider. */
  readonly providers: ReadonlyMap<string, string>;
}

/**
 * A Log Analytics table, named by the `Type` column every exported row carries. Either its rows are event log
 * events (`channel` fixed, or read from `channelColumn` / `providerColumn`), or the table itself says the log
 * source (`product`, `services`, `categories`).
 */
export interface TableEntry {
  readonly channel?: string;
  readonly channelColumn?: string;
  readonly providerColumn?: string;
  readonly product?: string;
  readonly services?: readonly string[];
  readonly categories?: readonly string[];
}

/** An ASIM schema, named by the `EventSchema` column of a normalized row. */
export interface AsimEntry {
  readonly product?: string;
  /** The parser functions that return rows of this schema (checked against src/targets by a test). */
  readonly parsers: readonly string[];
  /** Categories of every row of the schema, unless `eventTypes` names the row's `EventType`. */
  readonly categories: readonly string[];
  readonly eventTypes: ReadonlyMap<string, readonly string[]>;
}

export interface LogsourceMap {
  readonly eventLog: EventLogMap;
  readonly tables: ReadonlyMap<string, TableEntry>;
  readonly asim: ReadonlyMap<string, AsimEntry>;
}

/** Where a map came from, to name it in errors: the file and, for a parsed YAML file, each path's line. */
export interface MapOrigin {
  readonly file: string;
  readonly lines?: ReadonlyMap<string, number>;
}

// ---------------------------------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------------------------------

type Plain = Readonly<Record<string, unknown>>;

/** A map read from plain data. `partial`: sections may be missing (an extension file adds to the shipped map). */
export interface ParsedMap {
  readonly replace: boolean;
  readonly map: LogsourceMap;
}

class Reader {
  constructor(private readonly origin: MapOrigin) {}

  fail(path: string, reason: string): never {
    // A path that has no line of its own (a missing key) takes its parent's.
    let at = path;
    let line = this.origin.lines?.get(at);
    while (line === undefined && at !== '') {
      at = parentPath(at);
      line = this.origin.lines?.get(at);
    }
    throw new LogsourceMapError('schema', { file: this.origin.file, line, path: path || undefined }, reason);
  }

  object(value: unknown, path: string): Plain {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) this.fail(path, `must be a map, not ${describe(value)}`);
    return value as Plain;
  }

  text(value: unknown, path: string): string {
    if (typeof value !== 'string' || value.trim() === '') this.fail(path, `must be a non-empty string, not ${describe(value)}`);
    return value;
  }

  texts(value: unknown, path: string): string[] {
    if (!Array.isArray(value)) this.fail(path, `must be a list of strings, not ${describe(value)}`);
    return value.map((item, i) => this.text(item, childPath(path, i)));
  }

  eventId(value: unknown, path: string): number {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 65535) {
      this.fail(path, `must be an EventID (an integer 0..65535), not ${describe(value)}`);
    }
    return value;
  }

  /** Only `known` keys: a misspelt key would otherwise be silently ignored. */
  keys(value: Plain, path: string, known: readonly string[]): void {
    for (const key of Object.keys(value)) {
      if (!known.includes(key)) this.fail(childPath(path, key), `unknown key '${key}' (expected one of ${known.join(', ')})`);
    }
  }

  entries<T>(value: unknown, path: string, read: (item: unknown, itemPath: string, key: string) => T): Map<string, T> {
    const result = new Map<string, T>();
    for (const [key, item] of Object.entries(this.object(value, path))) result.set(key, read(item, childPath(path, key), key));
    return result;
  }
}

function parentPath(path: string): string {
  const index = Math.max(path.lastIndexOf('.'), path.lastIndexOf('['));
  return index <= 0 ? '' : path.slice(0, index);
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  return `${typeof value} ${JSON.stringify(value)}`;
}

const TOP_KEYS = ['replace', 'eventLog', 'tables', 'asim'];
const EVENT_LOG_KEYS = ['product', 'services', 'categories', 'providers'];
const SELECTOR_KEYS = ['channel', 'eventIds'];
const TABLE_KEYS = ['channel', 'channelColumn', 'providerColumn', 'product', 'services', 'categories'];
const ASIM_KEYS = ['product', 'parsers', 'categories', 'eventTypes'];

const EMPTY_EVENT_LOG: EventLogMap = { product: 'windows', services: new Map(), categories: new Map(), providers: new Map() };

/**
 * Reads a map from plain data (parsed JSON or YAML). Every section is optional, so an extension file says only
 * what it adds; `replace: true` makes it the whole map. Throws LogsourceMapError naming file, line, field, reason.
 */
export function parseLogsourceMap(value: unknown, origin: MapOrigin): ParsedMap {
  const reader = new Reader(origin);
  const top = reader.object(value, '');
  reader.keys(top, '', TOP_KEYS);
  if (top.replace !== undefined && typeof top.replace !== 'boolean') reader.fail('replace', `must be true or false, not ${describe(top.replace)}`);
  const eventLog = top.eventLog === undefined ? EMPTY_EVENT_LOG : readEventLog(reader, top.eventLog);
  const tables = top.tables === undefined ? new Map<string, TableEntry>() : reader.entries(top.tables, 'tables', (item, path) => readTable(reader, item, path));
  const asim = top.asim === undefined ? new Map<string, AsimEntry>() : reader.entries(top.asim, 'asim', (item, path) => readAsim(reader, item, path));
  return { replace: top.replace === true, map: { eventLog, tables, asim } };
}

function readEventLog(reader: Reader, value: unknown): EventLogMap {
  const path = 'eventLog';
  const section = reader.object(value, path);
  reader.keys(section, path, EVENT_LOG_KEYS);
  const product = section.product === undefined ? 'windows' : reader.text(section.product, childPath(path, 'product'));
  const services = section.services === undefined ? new Map() : reader.entries(section.services, childPath(path, 'services'), (item, itemPath) => reader.texts(item, itemPath));
  const categories =
    section.categories === undefined
      ? new Map()
      : reader.entries(section.categories, childPath(path, 'categories'), (item, itemPath) => {
          if (!Array.isArray(item)) reader.fail(itemPath, `must be a list of {channel, eventIds}, not ${describe(item)}`);
          return item.map((selector, i) => readSelector(reader, selector, childPath(itemPath, i)));
        });
  const providers = section.providers === undefined ? new Map() : reader.entries(section.providers, childPath(path, 'providers'), (item, itemPath) => reader.text(item, itemPath));
  return { product, services, categories, providers };
}

function readSelector(reader: Reader, value: unknown, path: string): EventLogSelector {
  const selector = reader.object(value, path);
  reader.keys(selector, path, SELECTOR_KEYS);
  const channel = reader.text(selector.channel, childPath(path, 'channel'));
  const idsPath = childPath(path, 'eventIds');
  if (!Array.isArray(selector.eventIds) || selector.eventIds.length === 0) reader.fail(idsPath, `must be a non-empty list of EventIDs, not ${describe(selector.eventIds)}`);
  return { channel, eventIds: selector.eventIds.map((id, i) => reader.eventId(id, childPath(idsPath, i))) };
}

function readTable(reader: Reader, value: unknown, path: string): TableEntry {
  const table = reader.object(value, path);
  reader.keys(table, path, TABLE_KEYS);
  const entry: { -readonly [K in keyof TableEntry]: TableEntry[K] } = {};
  for (const key of ['channel', 'channelColumn', 'providerColumn', 'product'] as const) {
    if (table[key] !== undefined) entry[key] = reader.text(table[key], childPath(path, key));
  }
  for (const key of ['services', 'categories'] as const) {
    if (table[key] !== undefined) entry[key] = reader.texts(table[key], childPath(path, key));
  }
  const readsEventLog = entry.channel !== undefined || entry.channelColumn !== undefined || entry.providerColumn !== undefined;
  const statesSource = entry.product !== undefined || entry.services !== undefined || entry.categories !== undefined;
  if (readsEventLog === statesSource) {
    reader.fail(path, 'must either read event log rows (channel, channelColumn, providerColumn) or state the source (product, services, categories)');
  }
  return entry;
}

function readAsim(reader: Reader, value: unknown, path: string): AsimEntry {
  const schema = reader.object(value, path);
  reader.keys(schema, path, ASIM_KEYS);
  const product = schema.product === undefined ? undefined : reader.text(schema.product, childPath(path, 'product'));
  const parsers = schema.parsers === undefined ? [] : reader.texts(schema.parsers, childPath(path, 'parsers'));
  const categories = schema.categories === undefined ? [] : reader.texts(schema.categories, childPath(path, 'categories'));
  const eventTypes =
    schema.eventTypes === undefined ? new Map<string, string[]>() : reader.entries(schema.eventTypes, childPath(path, 'eventTypes'), (item, itemPath) => reader.texts(item, itemPath));
  if (categories.length === 0 && eventTypes.size === 0) reader.fail(path, 'must give categories or eventTypes');
  return { product, parsers, categories, eventTypes };
}

// ---------------------------------------------------------------------------------------------------
// Combining
// ---------------------------------------------------------------------------------------------------

/** `base` with `extension` added: channels and selectors appended to the same service or category, a table, an
 *  ASIM schema or a provider of the extension taking the place of the base's entry of that name. */
export function extendLogsourceMap(base: LogsourceMap, extension: LogsourceMap): LogsourceMap {
  const services = new Map(base.eventLog.services);
  for (const [service, channels] of extension.eventLog.services) services.set(service, [...new Set([...(services.get(service) ?? []), ...channels])]);
  const categories = new Map(base.eventLog.categories);
  for (const [category, selectors] of extension.eventLog.categories) categories.set(category, [...(categories.get(category) ?? []), ...selectors]);
  return {
    eventLog: {
      product: extension.eventLog === EMPTY_EVENT_LOG ? base.eventLog.product : extension.eventLog.product,
      services,
      categories,
      providers: new Map([...base.eventLog.providers, ...extension.eventLog.providers]),
    },
    tables: new Map([...base.tables, ...extension.tables]),
    asim: new Map([...base.asim, ...extension.asim]),
  };
}

/** The map a user file gives: the shipped map extended by it, or the file alone with `replace: true`. */
export function applyMapFile(shipped: LogsourceMap, file: ParsedMap): LogsourceMap {
  return file.replace ? file.map : extendLogsourceMap(shipped, file.map);
}
