// Which log source an event comes from, and whether a rule's `logsource` applies to it. An event is classified
// from the fields that say its origin (Channel + EventID, a Log Analytics `Type`, an ASIM `EventSchema`, a
// provider name), never from the fields rules test; classes are interned so a caller can cache per class.
import type { LogSource } from '../rule/model.js';
import type { LogsourceMap, TableEntry } from './map.js';
import { shippedLogsourceMap } from './shipped.js';

export interface EventSource {
  /** Stable and equal for equal classes (same channel and EventID, same table, ...): a cache key. */
  readonly key: string;
  readonly product: string | null;
  readonly services: readonly string[];
  readonly categories: readonly string[];
}

export interface LogsourceResolver {
  /** null: the source cannot be determined (flat export without Channel/EventID/Type) and no default was given. */
  classify(event: Readonly<Record<string, unknown>>): EventSource | null;
  /** Whether a rule with this logsource applies to events of this source. */
  applies(logsource: LogSource, source: EventSource): boolean;
}

/** What `--logsource category=…,product=…,service=…` states about events that cannot be classified. */
export interface DefaultSource {
  readonly product?: string;
  readonly service?: string;
  readonly category?: string;
}

export interface ResolverOptions {
  map?: LogsourceMap;
  defaultSource?: DefaultSource;
}

/** The channel facts of one known channel: its services, and the categories of each EventID. */
interface ChannelFacts {
  readonly name: string;
  readonly services: readonly string[];
  readonly categoriesById: ReadonlyMap<number, readonly string[]>;
}

// Classes are bounded by the map, not by the input: an unknown channel, an unmapped EventID and an unknown
// ASIM EventType share their class, so attacker-chosen values cannot grow the caches keyed by class.
const UNKNOWN_CHANNEL = 'eventlog:?';
const OTHER_EVENT_ID = '*';

function lower(values: Iterable<string>): string[] {
  return [...new Set([...values].map((value) => value.toLowerCase()))].sort();
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** EventID as exported: a JSON number, a decimal string (CSV cells), or `{"#text": ...}` (EVTX-to-JSON tools). */
function eventIdOf(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) ? value : undefined;
  if (typeof value === 'string' && /^\d{1,5}$/.test(value)) return Number(value);
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && Object.hasOwn(value, '#text')) {
    return eventIdOf((value as Record<string, unknown>)['#text']);
  }
  return undefined;
}

/** A field at the top level, else under `System` (EVTX renderings that keep the System element). */
function systemField(event: Readonly<Record<string, unknown>>, name: string): unknown {
  if (Object.hasOwn(event, name)) return event[name];
  const system = Object.hasOwn(event, 'System') ? event.System : undefined;
  if (system !== null && typeof system === 'object' && !Array.isArray(system) && Object.hasOwn(system, name)) return (system as Record<string, unknown>)[name];
  return undefined;
}

export function createLogsourceResolver(options: ResolverOptions = {}): LogsourceResolver {
  const map = options.map ?? shippedLogsourceMap();
  const product = map.eventLog.product.toLowerCase();
  const interned = new Map<string, EventSource>();
  const intern = (key: string, sourceProduct: string | null, services: Iterable<string>, categories: Iterable<string>): EventSource => {
    let source = interned.get(key);
    if (source === undefined) {
      source = Object.freeze({ key, product: sourceProduct?.toLowerCase() ?? null, services: Object.freeze(lower(services)), categories: Object.freeze(lower(categories)) });
      interned.set(key, source);
    }
    return source;
  };

  // Channel names compare case-insensitively (Windows does); the exact spelling is tried first to skip lower-casing.
  const channels = new Map<string, { services: Set<string>; categoriesById: Map<number, Set<string>>; name: string }>();
  const channelEntry = (channel: string) => {
    const lowered = channel.toLowerCase();
    let entry = channels.get(lowered);
    if (entry === undefined) {
      entry = { services: new Set(), categoriesById: new Map(), name: lowered };
      channels.set(lowered, entry);
    }
    return entry;
  };
  for (const [service, serviceChannels] of map.eventLog.services) for (const channel of serviceChannels) channelEntry(channel).services.add(service);
  for (const [category, selectors] of map.eventLog.categories) {
    for (const selector of selectors) {
      const entry = channelEntry(selector.channel);
      for (const id of selector.eventIds) {
        const categories = entry.categoriesById.get(id) ?? new Set<string>();
        categories.add(category);
        entry.categoriesById.set(id, categories);
      }
    }
  }
  const channelFacts = new Map<string, ChannelFacts>();
  for (const [lowered, entry] of channels) {
    const categoriesById = new Map<number, readonly string[]>([...entry.categoriesById].map(([id, categories]) => [id, [...categories]]));
    channelFacts.set(lowered, { name: entry.name, services: [...entry.services], categoriesById });
  }
  const exactChannels = new Map<string, ChannelFacts>();
  for (const selectorChannel of [...[...map.eventLog.services.values()].flat(), ...[...map.eventLog.categories.values()].flat().map((s) => s.channel)]) {
    exactChannels.set(selectorChannel, channelFacts.get(selectorChannel.toLowerCase())!);
  }
  const providers = new Map<string, string>();
  for (const [provider, channel] of map.eventLog.providers) providers.set(provider.toLowerCase(), channel);

  // Per channel, its classes by mapped EventID (-1: any other), so the hot path builds no key text. Bounded
  // by the map: an EventID the map does not name shares the -1 slot.
  const classesOf = new Map<ChannelFacts, Map<number, EventSource>>();
  const fromChannel = (channel: string, eventId: number | undefined): EventSource => {
    const facts = exactChannels.get(channel) ?? channelFacts.get(channel.toLowerCase());
    if (facts === undefined) return intern(UNKNOWN_CHANNEL, product, [], []);
    const categories = eventId === undefined ? undefined : facts.categoriesById.get(eventId);
    const slot = categories === undefined ? -1 : eventId!;
    let classes = classesOf.get(facts);
    if (classes === undefined) classesOf.set(facts, (classes = new Map()));
    let source = classes.get(slot);
    if (source === undefined) {
      source = intern(`eventlog:${facts.name}:${slot === -1 ? OTHER_EVENT_ID : slot}`, product, facts.services, categories ?? []);
      classes.set(slot, source);
    }
    return source;
  };

  const fromTable = (type: string, entry: TableEntry, event: Readonly<Record<string, unknown>>, eventId: number | undefined): EventSource | null => {
    if (entry.product !== undefined || entry.services !== undefined || entry.categories !== undefined) {
      return intern(`table:${type}`, entry.product ?? null, entry.services ?? [], entry.categories ?? []);
    }
    const channel =
      entry.channel ??
      (entry.channelColumn === undefined ? undefined : text(event[entry.channelColumn])) ??
      (entry.providerColumn === undefined ? undefined : providerChannel(event[entry.providerColumn]));
    return channel === undefined ? null : fromChannel(channel, eventId);
  };

  const providerChannel = (provider: unknown): string | undefined => {
    const name = text(provider);
    return name === undefined ? undefined : providers.get(name.toLowerCase());
  };

  const fromAsim = (schema: string, eventType: string | undefined): EventSource | null => {
    const entry = map.asim.get(schema);
    if (entry === undefined) return null;
    const typed = eventType === undefined ? undefined : entry.eventTypes.get(eventType);
    return intern(`asim:${schema}:${typed === undefined ? OTHER_EVENT_ID : eventType}`, entry.product ?? null, [], typed ?? entry.categories);
  };

  const defaultSource =
    options.defaultSource === undefined
      ? null
      : intern(
          `given:product=${options.defaultSource.product ?? ''},service=${options.defaultSource.service ?? ''},category=${options.defaultSource.category ?? ''}`,
          options.defaultSource.product ?? null,
          options.defaultSource.service === undefined ? [] : [options.defaultSource.service],
          options.defaultSource.category === undefined ? [] : [options.defaultSource.category],
        );

  const classifyKnown = (event: Readonly<Record<string, unknown>>): EventSource | null => {
    const eventId = eventIdOf(systemField(event, 'EventID'));
    const channel = text(systemField(event, 'Channel'));
    if (channel !== undefined) return fromChannel(channel, eventId);
    const schema = text(event.EventSchema);
    if (schema !== undefined) {
      const asim = fromAsim(schema, text(event.EventType));
      if (asim !== null) return asim;
    }
    const type = text(event.Type);
    const table = type === undefined ? undefined : map.tables.get(type);
    if (type !== undefined && table !== undefined) {
      const source = fromTable(type, table, event, eventId);
      if (source !== null) return source;
    }
    const provider = providerChannel(systemField(event, 'Provider_Name'));
    return provider === undefined ? null : fromChannel(provider, eventId);
  };

  return {
    classify(event) {
      return classifyKnown(event) ?? defaultSource;
    },
    applies(logsource, source) {
      if (logsource.product !== undefined && logsource.product.toLowerCase() !== source.product) return false;
      if (logsource.category !== undefined && !source.categories.includes(logsource.category.toLowerCase())) return false;
      if (logsource.service !== undefined && !source.services.includes(logsource.service.toLowerCase())) return false;
      return true;
    },
  };
}

/** Whether a rule says anything about where its events come from (`definition` is free text and says nothing). */
export function needsLogsource(logsource: LogSource): boolean {
  return logsource.product !== undefined || logsource.category !== undefined || logsource.service !== undefined;
}
