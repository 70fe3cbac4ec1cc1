import { describe, expect, it } from 'vitest';
import { createLogsourceResolver, shippedLogsourceMap } from '../../src/logsource/index.js';
import { TARGET_NAMES, TARGETS, type CategoryMapping } from '../../src/targets/index.js';

// The KQL targets (src/targets) say which table or parser holds each category's rows; the log source map says
// which category a row of that table carries. The two must agree, or a scan of an exported hunt result would
// skip the rows the hunt found.
const cases = TARGET_NAMES.flatMap((target) =>
  Object.entries(TARGETS[target].categories).map(([category, mapping]) => [target, category, mapping as CategoryMapping] as const),
);

describe('the shipped log source map agrees with the targets', () => {
  const resolver = createLogsourceResolver();

  it('covers every category of every target', () => {
    expect(cases.length).toBeGreaterThanOrEqual(6);
  });

  it.each(cases)('%s %s: a row of the category source classifies as the category', (_target, category, mapping) => {
    const { source } = mapping;
    if (source.kind === 'table') {
      const row: Record<string, unknown> = { Type: source.table };
      for (const filter of source.rowFilter ?? []) row[filter.column] = filter.equals;
      expect(resolver.classify(row)?.categories).toContain(category);
    } else {
      const schemas = [...shippedLogsourceMap().asim].filter(([, entry]) => entry.parsers.includes(source.name) && entry.parsers.includes(source.workspaceName));
      expect(schemas.map(([schema]) => schema)).toHaveLength(1);
      const [schema, entry] = schemas[0];
      const categories = [...entry.categories, ...[...entry.eventTypes.values()].flat()];
      expect(categories).toContain(category);
      const eventType = [...entry.eventTypes].find(([, typed]) => typed.includes(category))?.[0];
      expect(resolver.classify({ EventSchema: schema, ...(eventType ? { EventType: eventType } : {}) })?.categories).toContain(category);
    }
  });
});
