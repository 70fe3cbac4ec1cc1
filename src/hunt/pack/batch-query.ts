/**
 * One query for several rules that read the same source: the source is read once, the window and the ingestion
 * cursor are applied once (query-plan.ts windowQuery, exactly as for one rule), and each row is tagged with the
 * members whose predicate it satisfies:
 *
 *     | extend SigmaHuntRules = strcat(iff(<predicate 0>, "0,", ""), iff(<predicate 1>, "1,", ""), ...)
 *     | where isnotempty(SigmaHuntRules)
 *     | project <every member's columns>, SigmaHuntRules
 *
 * Each predicate appears once and is the compiler's own batch form (src/kql/compile.ts KqlQueryParts.tag): on a
 * row where no subject a member reads holds a case partner (İ ı ſ ß K ﬁ ..., src/kql/compile/fold.ts), it accepts
 * exactly what the member's own query accepts; where one does, it may accept more, and the matcher decides. The
 * per-subject partner flags are computed once per row (`extend SigmaCase<hash of the subject> = ...`) and projected, so
 * the run knows which tagged rows were widened (a rejected one is not a KQL over-match). This form drops the
 * regexes that spell Unicode case folding out for every literal group, about two thirds of a predicate's text.
 * Rule values reach the text only inside those predicates, as the compiler's string literals; the tag's own
 * literals are member positions. A null predicate (a comparison on an empty number) is false in `iff` as in
 * `where`.
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
  const flags = new Map<string, string>();
  for (const member of members) for (const { alias, expression } of member.tag.partnerFlags) if (!flags.has(alias)) flags.set(alias, expression);
  return {
    ...(first.preamble ? { preamble: first.preamble } : {}),
    source: first.source,
    ...(names.length > 0
      ? { extraction: { column: members.find((member) => member.extraction)!.extraction!.column, names, ...(prefilter !== undefined ? { prefilter } : {}) } }
      : {}),
    optionalColumns: [...new Map(members.flatMap((member) => member.optionalColumns.map((column) => [column.name, column] as const))).values()],
    aliases: [...aliases].map(([alias, expression]) => ({ alias, expression })),
    filters: [
      // their own extend: a flag may read an alias, and an extend cannot read a column it defines itself
      ...(flags.size > 0 ? [`extend ${[...flags].map(([alias, expression]) => `${alias} = ${expression}`).join(', ')}`] : []),
      `extend ${BATCH_TAG_COLUMN} = ${tagExpression(members.map((member) => member.tag.predicate))}`, `where isnotempty(${BATCH_TAG_COLUMN})`,
    ],
    project: [...unionOf(members.map((member) => member.columns)), ...flags.keys(), BATCH_TAG_COLUMN],
  };
}

/** The batch query before a window is applied (the same `starttime`/`endtime` form as one rule's template). */
export function batchTemplate(members: readonly KqlQueryParts[]): string {
  return renderKql(batchLayout(members));
}

/** An alias the member would compute differently from one already in the batch (two fields whose names map to
 *  one alias): such a member goes to another batch. */
export function aliasConflict(aliases: ReadonlyMap<string, string>, member: KqlQueryParts): boolean {
  return namedExpressions(member).some(({ alias, expression }) => aliases.has(alias) && aliases.get(alias) !== expression);
}

/** The names a member computes: its aliases and its partner flags (a flag's name is a hash of its subject, so two
 *  subjects could share one; such members go to different batches like two aliases would). */
function namedExpressions(member: KqlQueryParts): { alias: string; expression: string }[] {
  return [...member.aliases, ...member.tag.partnerFlags];
}

/** Whether a batch row was read through a widened test of the member's (one of its partner flags is true), so a
 *  matcher rejection is the batch form's doing, not an over-match of the member's own query. */
export function widenedFor(row: Readonly<Record<string, unknown>>, parts: Pick<KqlQueryParts, 'tag'>): boolean {
  // A bool cell is a JSON boolean in the query API's answer; its text form is accepted too, should a client give one.
  return parts.tag.partnerFlags.some(({ alias }) => row[alias] === true || row[alias] === 'true' || row[alias] === 'True');
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
 * The members in batches of at most `maxChars` of query text, in order: each batch takes as many of the next
 * members as fit, measured on the rendered text (the rendered length only grows with members, so a binary search
 * finds the cut), and ends early where a member's alias would be computed differently (aliasConflict). A member
 * too long even alone forms its own batch: one rule's query, as without packs.
 */
export function planBatches<M extends { parts: KqlQueryParts }>(members: readonly M[], maxChars = MAX_BATCH_QUERY_CHARS): M[][] {
  const batches: M[][] = [];
  const fits = (from: number, to: number) => batchTemplate(members.slice(from, to).map((member) => member.parts)).length <= maxChars;
  let start = 0;
  while (start < members.length) {
    const aliases = new Map<string, string>();
    let limit = start;
    while (limit < members.length && (limit === start || !aliasConflict(aliases, members[limit]!.parts))) {
      for (const { alias, expression } of namedExpressions(members[limit]!.parts)) aliases.set(alias, expression);
      limit += 1;
    }
    // The largest end in (start, limit] whose batch fits; start + 1 is taken whatever its length.
    let low = start + 1;
    let high = limit;
    while (low < high) {
      const middle = Math.ceil((low + high) / 2);
      if (fits(start, middle)) low = middle;
      else high = middle - 1;
    }
    batches.push(members.slice(start, low));
    start = low;
  }
  return batches;
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
