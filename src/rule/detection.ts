// `detection:` (and a filter's `filter:`) into searches plus a resolved condition (rules spec "Detection").

import type { ConditionNode, Detection, DetectionItem, FieldConjunction, PlaceholderValues, Search } from './model.js';
import { parseConditions } from './condition.js';
import { SigmaError } from './errors.js';
import type { DocumentContext } from './metadata.js';
import { describeNode, locate, schemaError } from './metadata.js';
import { parseDetectionItem } from './modifiers.js';
import type { RawValue } from './modifiers.js';
import type { YamlEntry, YamlMap, YamlNode } from './yaml.js';

export interface DetectionContext extends DocumentContext {
  placeholders?: PlaceholderValues;
}


/** Parses a detection map. `skipKeys` are keys that belong to the container (a filter's `rules`). */
export function parseDetection(context: DetectionContext, map: YamlMap, skipKeys: readonly string[] = []): Detection {
  const searches = new Map<string, Search>();
  let conditionEntry: YamlEntry | undefined;
  let timeframeEntry: YamlEntry | undefined;
  for (const entry of map.entries) {
    if (entry.key === 'condition') {
      conditionEntry = entry;
      continue;
    }
    if (skipKeys.includes(entry.key)) continue;
    if (entry.key === 'timeframe') {
      timeframeEntry = entry;
      continue;
    }
    searches.set(entry.key, parseSearch(context, entry));
  }
  if (!conditionEntry || (conditionEntry.value.kind === 'scalar' && conditionEntry.value.value === null)) {
    throw schemaError(context, conditionEntry?.value ?? map, "missing required field 'condition'");
  }
  const texts = conditionTexts(context, conditionEntry.value);
  // The condition goes first: a v1 aggregation (`| count() > 5`, `near`) says more than the window does.
  const condition: ConditionNode = parseConditions(texts, [...searches.keys()]);
  if (timeframeEntry) {
    throw new SigmaError(
      'condition',
      locate(context, timeframeEntry.value),
      "deprecated 'timeframe' (Sigma v1 aggregation window): Sigma 2.0 moved aggregations to correlation rules",
    );
  }
  return { searches, condition, conditionText: texts.map((t) => t.text) };
}

function conditionTexts(context: DetectionContext, node: YamlNode): { text: string; location: ReturnType<typeof locate> }[] {
  if (node.kind === 'scalar' && typeof node.value === 'string') return [{ text: node.value, location: locate(context, node) }];
  if (node.kind === 'seq' && node.items.length > 0) {
    return node.items.map((item) => {
      if (item.kind !== 'scalar' || typeof item.value !== 'string') {
        throw new SigmaError('condition', locate(context, item), `a condition must be a string, not ${describeNode(item)}`);
      }
      return { text: item.value, location: locate(context, item) };
    });
  }
  throw new SigmaError('condition', locate(context, node), `'condition' must be a string or a list of strings, not ${describeNode(node)}`);
}

/** A search identifier's body: a map (AND of items), a list of maps (OR of maps), or keywords (a list of plain
 *  values or one scalar). */
export function parseSearch(context: DetectionContext, entry: YamlEntry): Search {
  const identifier = entry.key;
  const node = entry.value;
  const location = { ...locate(context, node), line: entry.keyLine };
  if (node.kind === 'map') {
    const conjunction = parseConjunction(context, node);
    const only = conjunction.items.length === 1 ? conjunction.items[0] : undefined;
    // `'|all': [...]` alone is a keyword search whose values are ANDed (spec "Keywords search").
    if (only && only.field === null) return { kind: 'keywords', identifier, location, item: only };
    return { kind: 'fields', identifier, location, alternatives: [conjunction] };
  }
  if (node.kind === 'seq') {
    if (node.items.length === 0) throw schemaError(context, node, `search identifier '${identifier}' is an empty list`);
    const maps = node.items.filter((item) => item.kind === 'map');
    if (maps.length === node.items.length) {
      return { kind: 'fields', identifier, location, alternatives: node.items.map((item) => parseConjunction(context, item as YamlMap)) };
    }
    if (maps.length > 0) {
      throw schemaError(context, maps[0], `search identifier '${identifier}' mixes maps and plain values in one list`);
    }
    const values = node.items.map((item) => rawValue(context, item));
    return { kind: 'keywords', identifier, location, item: parseDetectionItem(null, values, true, location, context.placeholders) };
  }
  if (node.value === null) throw schemaError(context, node, `search identifier '${identifier}' is empty`);
  return {
    kind: 'keywords',
    identifier,
    location,
    item: parseDetectionItem(null, [rawValue(context, node)], false, location, context.placeholders),
  };
}

function parseConjunction(context: DetectionContext, map: YamlMap): FieldConjunction {
  if (map.entries.length === 0) throw schemaError(context, map, 'a search map must hold at least one field');
  const items: DetectionItem[] = map.entries.map((entry) => {
    const itemLocation = { ...locate(context, entry.value), line: entry.keyLine };
    const value = entry.value;
    if (value.kind === 'map') {
      throw new SigmaError('value', itemLocation, `the value of '${entry.key}' must be a value or a list of values, not a map`);
    }
    if (value.kind === 'seq') {
      return parseDetectionItem(entry.key, value.items.map((item) => rawValue(context, item)), true, itemLocation, context.placeholders);
    }
    return parseDetectionItem(entry.key, [rawValue(context, value)], false, itemLocation, context.placeholders);
  });
  return { location: locate(context, map), items };
}

function rawValue(context: DetectionContext, node: YamlNode): RawValue {
  if (node.kind !== 'scalar') {
    throw new SigmaError('value', locate(context, node), `a value list may only hold plain values, not ${describeNode(node)}`);
  }
  return { value: node.value, location: locate(context, node) };
}
