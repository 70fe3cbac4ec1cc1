// Exported rows of a target's tables (a portal CSV or JSON-lines export of DeviceProcessEvents, of an ASIM
// parser's output, of the Event table) read as the hunt reads them: each row is placed in its category, its
// device's OS is read with the category's product test, and the row adapter makes the Sigma event the matcher
// sees. `scan --target` runs rules on these events, so an analyst can check verdicts on their own workspace's rows.
import type { EventSource, LogsourceResolver } from '../logsource/resolver.js';
import type { LogSource } from '../rule/model.js';
import type { SigmaEvent } from '../match/types.js';
import { adaptRow } from './adapter.js';
import { rowInProduct } from './product.js';
import { TARGETS } from './index.js';
import type { CategoryMapping, ResultRow, SigmaCategory, SigmaProduct, TargetName } from './types.js';

/** ASIM: which parser output a row is, by its EventSchema (and, for process events, a creation EventType). */
const ASIM_SCHEMAS: Readonly<Record<SigmaCategory, string>> = { network_connection: 'NetworkSession', process_creation: 'ProcessEvent' };

const text = (value: unknown): string => (value === undefined || value === null ? '' : String(value));

function inCategory(target: TargetName, category: SigmaCategory, mapping: CategoryMapping, row: ResultRow): boolean {
  const source = mapping.source;
  if (source.kind === 'function') {
    if (text(row.EventSchema) !== ASIM_SCHEMAS[category]) return false;
    // _Im_ProcessCreate holds creations only; an export of the whole process schema also has terminations.
    return category !== 'process_creation' || text(row.EventType).startsWith('ProcessCreated');
  }
  // A table's rows say their table in `Type` (every Log Analytics row has it); a CSV export may leave it out,
  // and then the row filter alone decides (Sysmon's Source and EventID), or the target has one table per category.
  const type = text(row.Type);
  if (type !== '' && type !== source.table) return false;
  if (type === '' && !source.rowFilter && target !== 'mde') return false;
  if (type === '' && target === 'mde' && !hasColumnsOf(category, row)) return false;
  return (source.rowFilter ?? []).every(({ column, equals }) => text(row[column]) === String(equals));
}

/** mde rows exported without `Type`: a column only the category's table has. */
function hasColumnsOf(category: SigmaCategory, row: ResultRow): boolean {
  return category === 'process_creation' ? Object.hasOwn(row, 'ProcessCommandLine') : Object.hasOwn(row, 'RemoteIP');
}

const XML_DATA = /<Data Name="(\w+)">([^<]*)<\/Data>/g;
// &amp; last, as the compiler's decoder (src/kql/compile.ts): "&amp;lt;" is the text "&lt;".
const XML_ENTITIES: readonly (readonly [string, string])[] = [['&lt;', '<'], ['&gt;', '>'], ['&quot;', '"'], ['&apos;', "'"], ['&amp;', '&']];

/** Sysmon: the EventData elements the category reads, as columns (what the query's parse-kv makes). */
function withExtraction(mapping: CategoryMapping, row: ResultRow): ResultRow {
  const extraction = mapping.extraction;
  if (!extraction) return row;
  const extracted: Record<string, unknown> = { ...row };
  for (const name of extraction.names) extracted[name] = '';
  for (const [, name, value] of text(row[extraction.column]).matchAll(XML_DATA)) {
    if (!extraction.names.includes(name!)) continue;
    extracted[name!] = XML_ENTITIES.reduce((decoded, [entity, character]) => decoded.split(entity).join(character), value!);
  }
  return extracted;
}

export interface TargetRowReader {
  /** The Sigma event a row means (an empty event for a row of no category the target serves). */
  eventOf(row: ResultRow): SigmaEvent;
  /** Classifies the events `eventOf` made: their category and OS; null for a row of no category or OS known. */
  readonly resolver: LogsourceResolver;
}

export function targetRowReader(target: TargetName): TargetRowReader {
  const sources = new WeakMap<object, EventSource | null>();
  const interned = new Map<string, EventSource>();
  const sourceOf = (category: SigmaCategory, product: SigmaProduct | null): EventSource => {
    const key = `target:${target}:${category}:${product ?? 'unknown-os'}`;
    let source = interned.get(key);
    if (!source) interned.set(key, (source = { key, product, services: [], categories: [category] }));
    return source;
  };
  const categories = Object.entries(TARGETS[target].categories) as [SigmaCategory, CategoryMapping][];
  return {
    eventOf(row) {
      for (const [category, mapping] of categories) {
        if (!inCategory(target, category, mapping, row)) continue;
        const columns = withExtraction(mapping, row);
        const products = Object.entries(mapping.products) as [SigmaProduct, NonNullable<CategoryMapping['products'][SigmaProduct]>][];
        const product = products.find(([, scope]) => rowInProduct(scope, columns))?.[0] ?? null;
        const event = adaptRow(mapping, columns);
        sources.set(event, sourceOf(category, product));
        return event;
      }
      const event: SigmaEvent = {};
      sources.set(event, null);
      return event;
    },
    resolver: {
      classify: (event) => sources.get(event) ?? null,
      applies(logsource: LogSource, source: EventSource) {
        // A row of unknown OS (null product) meets no rule that names a product.
        if (logsource.product !== undefined && logsource.product.toLowerCase() !== source.product) return false;
        if (logsource.category !== undefined && !source.categories.includes(logsource.category.toLowerCase())) return false;
        return logsource.service === undefined;
      },
    },
  };
}
