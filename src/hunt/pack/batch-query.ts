/**
 * One query for several rules that read the same source: the source is read once, the window and the ingestion
 * cursor are applied once (query-plan.ts windowQuery, exactly as for one rule), and each row is tagged with the
 * members whose predicate it satisfies:
 *
 *     | extend SigmaHuntRules = strcat(iff(<predicate 0>, "0,", ""), iff(<predicate 1>, "1,", ""), ...)
 *     | where isnotempty(SigmaHuntRules)
 *     | project <every member's columns>, SigmaHuntRules
 *
 * Each predicate appears once and is the compiler's own (src/kql/compile.ts compileQueryParts), so a batch
 * accepts exactly the rows its members' queries accept, and the tag says which member accepted which row. Rule
 * values reach the text only inside those predicates, as the compiler's string literals; the tag's own literals
 * are member positions. A null predicate (a comparison on an empty number) is false in `iff` as in `where`.
 *
 * A batch is split when its text would pass MAX_BATCH_QUERY_CHARS (docs/research/log-analytics-limits.md), so
 * the queries per tick grow with sources × pages × ceil(text / limit), not with rules.
 */
import { renderKql, type KqlLayout, type KqlQueryParts } from '../../kql/compile.js';
import { atom, or, renderPredicate } from '../../kql/compile/predicate.js';

/** The column that names, as `0,3,`, the members whose predicate a row satisfied. */
export const BATCH_TAG_COLUMN = 'SigmaHuntRules';

/**
 * The longest batch query text sent. Microsoft documents no limit on the query text of the Logs query API
 * (docs/research/log-analytics-limits.md); the bound that is documented nearby is 64 KB for all the properties of
 * a log search alert rule, query included. 128 KiB keeps every query an ordinary POST body well under common
 * gateway body limits, keeps the service's (and our language service's) parse of it short, and still holds
 * ~100-300 compiled SigmaHQ predicates, so the 1,183 process_creation rules need a handful of queries, not 1,183.
 */
export const MAX_BATCH_QUERY_CHARS = 256 * 1024;

/** strcat takes 1 to 64 arguments (KQL docs, strcat()); longer tag lists nest. */
const STRCAT_MAX_ARGUMENTS = 64;

/** The source a rule reads, as text: rules with equal keys can share one query (same category mapping, same
 *  parser call or table and row filter, same window form). */
export function sourceKeyOf(parts: KqlQueryParts): string {
  return [parts.target, parts.category, parts.preamble ?? '', ...parts.source, parts.extraction?.column ?? ''].join('\n');
}

/** The layout of one batch query; every member must have the same sourceKeyOf and compatible aliases
 *  (aliasConflict). */
export function batchLayout(members: readonly KqlQueryParts[]): KqlLayout {
  const first = members[0];
  if (!first) throw new RangeError('a batch needs at least one member');
  const names = unionOf(members.map((member) => member.extraction?.names ?? []));
  const prefilters = members.map((member) => member.extraction?.prefilter);
  // The raw-text pre-filter may only drop a row no member accepts: it applies when every member has one.
  const prefilter = prefilters.every((text): text is string => text !== undefined) ? renderPredicate(or(prefilters.map((text) => atom(`(${text})`)))) : undefined;
  const aliases = new Map<string, string>();
  for (const member of members) for (const { alias, expression } of member.aliases) if (!aliases.has(alias)) aliases.set(alias, expression);
  return {
    ...(first.preamble ? { preamble: first.preamble } : {}),
    source: first.source,
    ...(names.length > 0
      ? { extraction: { column: members.find((member) => member.extraction)!.extraction!.column, names, ...(prefilter !== undefined ? { prefilter } : {}) } }
      : {}),
    optionalColumns: [...new Map(members.flatMap((member) => member.optionalColumns.map((column) => [column.name, column] as const))).values()],
    aliases: [...aliases].map(([alias, expression]) => ({ alias, expression })),
    filters: [`extend ${BATCH_TAG_COLUMN} = ${tagExpression(members.map((member) => member.predicate))}`, `where isnotempty(${BATCH_TAG_COLUMN})`],
    project: [...unionOf(members.map((member) => member.columns)), BATCH_TAG_COLUMN],
  };
}

/** The batch query before a window is applied (the same `starttime`/`endtime` form as one rule's template). */
export function batchTemplate(members: readonly KqlQueryParts[]): string {
  return renderKql(batchLayout(members));
}

/** An alias the member would compute differently from one already in the batch (two fields whose names map to
 *  one alias): such a member goes to another batch. */
export function aliasConflict(aliases: ReadonlyMap<string, string>, member: KqlQueryParts): boolean {
  return member.aliases.some(({ alias, expression }) => aliases.has(alias) && aliases.get(alias) !== expression);
}

/** The member positions a row's tag names; anything else in the cell is ignored (a row of another query). */
export function taggedMembers(cell: unknown, size: number): number[] {
  if (typeof cell !== 'string' || cell === '') return [];
  const positions: number[] = [];
  for (const piece of cell.split(',')) {
    if (!/^\d+$/.test(piece)) continue;
    const position = Number(piece);
    if (position < size && !positions.includes(position)) positions.push(position);
  }
  return positions;
}

/**
 * The members in batches of at most `maxChars` of query text (greedy in order, then checked on the rendered
 * text and halved while too long). A member too long even alone forms its own batch: one rule's query, as today.
 */
export function planBatches<M extends { parts: KqlQueryParts }>(members: readonly M[], maxChars = MAX_BATCH_QUERY_CHARS): M[][] {
  const batches: M[][] = [];
  let current: M[] = [];
  let aliases = new Map<string, string>();
  let seen = new Set<string>();
  let estimate = 0;
  const close = () => {
    if (current.length > 0) batches.push(...fitted(current, maxChars));
    current = [];
    aliases = new Map();
    seen = new Set();
    estimate = 0;
  };
  for (const member of members) {
    if (current.length > 0 && aliasConflict(aliases, member.parts)) close();
    const cost = costOf(member.parts, seen);
    if (current.length > 0 && estimate + cost > maxChars) close();
    if (current.length === 0) estimate = baseCostOf(member.parts);
    current.push(member);
    estimate += costOf(member.parts, seen);
    for (const { alias, expression } of member.parts.aliases) aliases.set(alias, expression);
    for (const name of namesOf(member.parts)) seen.add(name);
  }
  close();
  return batches;
}

/** Halves a batch until its rendered text fits (the estimate is close, not exact). */
function fitted<M extends { parts: KqlQueryParts }>(members: M[], maxChars: number): M[][] {
  if (members.length <= 1 || batchTemplate(members.map((member) => member.parts)).length <= maxChars) return [members];
  const half = Math.ceil(members.length / 2);
  return [...fitted(members.slice(0, half), maxChars), ...fitted(members.slice(half), maxChars)];
}

function baseCostOf(parts: KqlQueryParts): number {
  // preamble, XML decoder, source, the tag's extend/where and the projection's keywords
  return (parts.preamble?.length ?? 0) + parts.source.join('\n').length + 600;
}

/** What a member adds to a batch's text: its tag test, its pre-filter, and the names not yet in the batch. */
function costOf(parts: KqlQueryParts, seen: ReadonlySet<string>): number {
  let cost = parts.predicate.length + 24 + (parts.extraction?.prefilter?.length ?? 0) + 8;
  for (const name of namesOf(parts)) if (!seen.has(name)) cost += name.length * 3 + 48;
  return cost;
}

function namesOf(parts: KqlQueryParts): string[] {
  return [
    ...parts.columns.map((name) => `c:${name}`),
    ...(parts.extraction?.names ?? []).map((name) => `x:${name}`),
    ...parts.optionalColumns.map(({ name }) => `o:${name}`),
    ...parts.aliases.map(({ alias, expression }) => `a:${alias}=${expression}`),
  ];
}

function tagExpression(predicates: readonly string[]): string {
  let terms = predicates.map((predicate, position) => `iff(${predicate}, "${position},", "")`);
  while (terms.length > STRCAT_MAX_ARGUMENTS) {
    const grouped: string[] = [];
    for (let start = 0; start < terms.length; start += STRCAT_MAX_ARGUMENTS) grouped.push(`strcat(${terms.slice(start, start + STRCAT_MAX_ARGUMENTS).join(', ')})`);
    terms = grouped;
  }
  return `strcat(${terms.join(', ')})`;
}

function unionOf(lists: readonly (readonly string[])[]): string[] {
  const union: string[] = [];
  const seen = new Set<string>();
  for (const list of lists) {
    for (const name of list) {
      if (seen.has(name)) continue;
      seen.add(name);
      union.push(name);
    }
  }
  return union;
}
