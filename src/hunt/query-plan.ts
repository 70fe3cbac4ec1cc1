/**
 * The query a hunt sends for one rule and one window: the compiler's KQL (or a hand-written override), with the
 * window applied and the ingestion-time cursor inserted.
 *
 * The compiler is asked for its `'parameters'` form (`declare query_parameters(starttime, endtime)`). The query
 * API has no query parameters, so the declaration is replaced by two `let`s holding the window's TimeGenerated
 * bounds as full-precision datetime literals (`kqlDatetime`, which parses and re-prints them: nothing else can
 * reach the query text).
 *
 * The ingestion filter and `IngestionTime = tostring(ingestion_time())` go directly after the pipeline's source
 * (the parser call or table), found on the syntax tree rather than by text, because any later operator may drop
 * the hidden ingestion time. The last `project` gets `IngestionTime` appended. What if ingestion_time() is not
 * available through the parser (a union leg that loses it)? The filter is the null-tolerant one
 * (window.ts `ingestionTimeFilter`, `keep`): such rows pass on the TimeGenerated window alone, arrive with an
 * empty IngestionTime, are counted (`assessIngestionTimes`, reported as `time-only`/`mixed`), and their
 * overlap across runs is absorbed by hit-id deduplication. Nothing is lost silently.
 *
 * Overrides: `<HUNT_KQL_OVERRIDES_PATH>/<ruleId>.kql`, a hand-written query that may use `starttime` and
 * `endtime` (declared or not). It gets the same treatment and is linted (`lintKql`); the findings are logged,
 * never fatal: a hand-written query is the operator's decision. Rows it returns are still adapted and verified
 * by the Sigma matcher, so an override can only lose hits, never add false ones.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { compileQueryParts, renderRuleKql, type KqlQueryParts, type KqlRefusal } from '../kql/compile.js';
import { parseKqlSyntax, type KqlExpression } from '../kql/syntax-tree.js';
import { lintKql, type LintFinding } from '../kql/lint.js';
import { kqlDatetime } from '../loganalytics/datetime.js';
import type { SigmaRule } from '../rule/model.js';
import type { TargetName } from '../targets/types.js';
import { INGESTION_TIME_COLUMN, ingestionTimeFilter, ingestionTimeProjection, type HuntWindow } from './window.js';

export type QueryPlanErrorCode =
  | 'refused' // the compiler cannot translate the rule for this target
  | 'override' // the override file cannot be read or is not a query
  | 'parameters'; // the query declares parameters other than starttime/endtime

export class QueryPlanError extends Error {
  override readonly name = 'QueryPlanError';
  constructor(
    readonly code: QueryPlanErrorCode,
    readonly reason: string,
    readonly refusal?: KqlRefusal,
  ) {
    super(`query plan ${code}: ${reason}`);
  }
}

/** A rule's query before a window is applied. */
export interface RuleQuery {
  source: 'compiled' | 'override';
  /** KQL that may use `starttime` / `endtime` (declared as query parameters or not). */
  template: string;
  /** The override file, for messages. */
  file?: string;
  /** Compiler warnings (compiled) or nothing (override). */
  warnings: string[];
  /** The KQL accepts exactly what the matcher accepts (compiled and exact); false for overrides. */
  exact: boolean;
  /** lintKql findings of an override (empty for compiled queries, which the compiler already checked). */
  lint: LintFinding[];
  /** The compiled query's parts (absent for overrides): what a batch of rules of one source is laid out from
   *  (src/hunt/pack/). */
  parts?: KqlQueryParts;
}

export interface RuleQueryOptions {
  useWorkspaceParser?: boolean;
  /** Folder of `<ruleId>.kql` files. */
  overridesPath?: string;
}

/** The rule's query for the target; throws QueryPlanError('refused') when the compiler refuses the rule. */
export async function ruleQueryOf(rule: SigmaRule, target: TargetName, options: RuleQueryOptions = {}): Promise<RuleQuery> {
  const override = options.overridesPath && rule.id ? await readOverride(options.overridesPath, rule.id) : undefined;
  if (override) {
    if (override.text.trim() === '') throw new QueryPlanError('override', `${override.file} is empty`);
    return { source: 'override', template: override.text, file: override.file, warnings: [], exact: false, lint: lintKql(override.text, target) };
  }
  const parts = compileQueryParts(rule, target, { window: 'parameters', ...(options.useWorkspaceParser ? { useWorkspaceParser: true } : {}) });
  if ('ok' in parts) throw new QueryPlanError('refused', `${rule.id ?? rule.title}: ${parts.reason}`, parts);
  return { source: 'compiled', template: renderRuleKql(parts), warnings: parts.warnings, exact: parts.exact, lint: [], parts };
}

async function readOverride(folder: string, ruleId: string): Promise<{ file: string; text: string } | undefined> {
  if (!/^[A-Za-z0-9._-]+$/.test(ruleId)) return undefined; // an id that is not a plain file name has no override
  const file = path.join(folder, `${ruleId}.kql`);
  try {
    return { file, text: await readFile(file, 'utf8') };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new QueryPlanError('override', `${file}: ${(error as Error).message}`);
  }
}

export interface WindowQueryOptions {
  rowsWithoutIngestionTime?: 'keep' | 'drop';
  /** Return at most this many rows, the earliest by ingestion time (rows without one first): one page of the
   *  window (see pipeline.ts windowPages). Absent: every row, up to the service's limits. */
  pageRows?: number;
}

/** The query text for one window. */
export function windowQuery(template: string, window: HuntWindow, options: WindowQueryOptions = {}): string {
  const lets = `let starttime = ${kqlDatetime(window.timeFrom)};\nlet endtime = ${kqlDatetime(window.timeTo)};\n`;
  return withIngestionCursor(lets, withoutTimeParameters(template), window, options);
}

/** `top N by IngestionTime asc`: the earliest rows by ingestion time, rows without one ('' sorts first). The
 *  7-digit text orders as the instants do. column_ifexists: a hand-written query whose last operator drops the
 *  column still runs (every row is then without an ingestion time, and the window is split by halving). */
export function pageOperator(rows: number): string {
  if (!Number.isSafeInteger(rows) || rows < 1) throw new QueryPlanError('parameters', `page size must be a positive integer, got ${rows}`);
  return `top ${rows} by column_ifexists("${INGESTION_TIME_COLUMN}", "") asc`;
}

const DECLARE = /declare\s+query_parameters\s*\(([^)]*)\)\s*;/gi;

function withoutTimeParameters(template: string): string {
  return template.replace(DECLARE, (_declaration, list: string) => {
    for (const parameter of list.split(',')) {
      const [name, type] = parameter.split(':').map((part) => part.trim());
      if (!name) continue;
      if ((name !== 'starttime' && name !== 'endtime') || type?.toLowerCase() !== 'datetime') {
        throw new QueryPlanError('parameters', `query parameter '${parameter.trim()}': only starttime:datetime and endtime:datetime are supplied`);
      }
    }
    return '';
  });
}

/** Where the cursor goes in a query body (offsets into the body, after the time parameters were removed). */
interface CursorPoints {
  /** End of the pipeline's source: the ingestion filter and projection go here. */
  sourceEnd: number;
  /** End of the final `project`, when it is the last operator: IngestionTime is appended to it. */
  lastProjectEnd?: number;
  /** End of the query expression: the page operator goes here. */
  expressionEnd: number;
}

/**
 * Parsed bodies, by text: a run reads every page of a window with the same body, and a batch body is long
 * (hundreds of KB, batch-query.ts), so it is parsed once per run rather than once per page. Bounded: cleared
 * when full (a run has one body per rule or batch).
 */
const cursorPointsCache = new Map<string, CursorPoints>();
const CURSOR_POINTS_CACHE_SIZE = 4_096;

function cursorPointsOf(body: string, lets: string): CursorPoints {
  const cached = cursorPointsCache.get(body);
  if (cached) return cached;
  // Parsed with the lets in front, as sent, so starttime/endtime are declared; offsets are moved to the body.
  const tree = parseKqlSyntax(lets + body);
  const statement = [...tree.statements].reverse().find((candidate) => candidate.kind === 'expression');
  if (!statement || statement.kind !== 'expression') throw new QueryPlanError('override', 'the KQL has no query expression');
  const expression = statement.expression;
  const source: KqlExpression = expression.kind === 'pipeline' ? expression.source : expression;
  const points: CursorPoints = { sourceEnd: source.span.start + source.span.length - lets.length, expressionEnd: expression.span.start + expression.span.length - lets.length };
  if (expression.kind === 'pipeline') {
    const lastProject = [...expression.operators].reverse().find((operator) => operator.kind === 'project');
    const lastOperator = expression.operators[expression.operators.length - 1];
    // Only the final projection matters; an earlier one followed by more operators is left alone (the column
    // survives extend/where, and an operator we cannot see through makes the rows arrive without it: time-only).
    if (lastProject && lastProject === lastOperator) points.lastProjectEnd = lastProject.span.start + lastProject.span.length - lets.length;
  }
  if (cursorPointsCache.size >= CURSOR_POINTS_CACHE_SIZE) cursorPointsCache.clear();
  cursorPointsCache.set(body, points);
  return points;
}

function withIngestionCursor(lets: string, body: string, window: HuntWindow, options: WindowQueryOptions): string {
  const points = cursorPointsOf(body, lets);
  const insertions: { at: number; text: string }[] = [];
  const filter = ingestionTimeFilter(window, { rowsWithoutIngestionTime: options.rowsWithoutIngestionTime ?? 'keep' });
  insertions.push({ at: points.sourceEnd, text: `\n| ${filter}\n| ${ingestionTimeProjection()}` });
  if (points.lastProjectEnd !== undefined) insertions.push({ at: points.lastProjectEnd, text: `, ${INGESTION_TIME_COLUMN}` });
  // After everything else, so it orders the rows the query returns. The insertions above all lie at or before
  // the expression's end.
  if (options.pageRows !== undefined) insertions.push({ at: points.expressionEnd, text: `\n| ${pageOperator(options.pageRows)}` });
  let text = body;
  // Right to left so earlier offsets stay valid; at one offset the page operator (pushed last) goes last.
  const ordered = insertions.map((insertion, order) => ({ ...insertion, order })).sort((left, right) => right.at - left.at || right.order - left.order);
  for (const { at, text: inserted } of ordered) text = text.slice(0, at) + inserted + text.slice(at);
  return lets + text;
}
