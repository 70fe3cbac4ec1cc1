// The stderr summary of `sigma-hunt scan`: what was read, what ran, and which rules matched, short enough to
// read after a scan of the whole SigmaHQ corpus (2,407 rules): the most-matching rules, counts by level, and how
// many rules matched nothing, rather than one line per rule.
import type { EventFormat } from '../events/types.js';
import { LEVELS } from '../rule/metadata.js';
import type { SigmaLevel, SigmaRule } from '../rule/model.js';

/** How many matching rules the summary lists unless `--top` says otherwise. */
export const DEFAULT_TOP_RULES = 20;

export interface ScannedInput {
  /** As messages name it: the path as given, or `<stdin>`. */
  name: string;
  format: EventFormat;
  /** Reading stopped on an error (printed where it happened). */
  stoppedEarly: boolean;
}

export interface ScanTotals {
  records: number;
  skipped: number;
  /** Parsed events whose log source could not be determined (rules with a logsource did not run on them). */
  unknownSource: number;
  refused: number;
  /** Matches per rule, in the order of the rules the summary is given. */
  matches: readonly number[];
  seconds: number;
  inputs: readonly ScannedInput[];
  /** Why the output failed, which stopped the scan. */
  outputError: Error | null;
}

export interface SummaryOptions {
  /** How many matching rules to list, most matches first. */
  top: number;
  /** Rules that failed to load or compile. */
  refusedRules: number;
  /** `--min-level`, and how many loaded rules it kept from running. */
  minLevel?: SigmaLevel;
  belowMinLevel: number;
}

export function formatRate(records: number, seconds: number): string {
  return seconds > 0 ? `${Math.round(records / seconds)} events/s` : '-';
}

function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

function describeInputs(inputs: readonly ScannedInput[]): string {
  if (inputs.length === 1) return `${inputs[0].name} (${inputs[0].format})`;
  const byFormat = new Map<EventFormat, number>();
  for (const input of inputs) byFormat.set(input.format, (byFormat.get(input.format) ?? 0) + 1);
  return `${plural(inputs.length, 'file')} (${[...byFormat].map(([format, count]) => `${format} ${count}`).join(', ')})`;
}

export function isClosedPipe(error: Error): boolean {
  return (error as NodeJS.ErrnoException).code === 'EPIPE';
}

/** Most-matching rules first; equal counts keep the load order, so the list is the same run to run. */
function ranked(rules: readonly SigmaRule[], matches: readonly number[]): number[] {
  return rules.map((_, r) => r).filter((r) => matches[r] > 0).sort((a, b) => matches[b] - matches[a] || a - b);
}

export function formatScanSummary(totals: ScanTotals, rules: readonly SigmaRule[], options: SummaryOptions): string {
  const totalMatches = totals.matches.reduce((sum, n) => sum + n, 0);
  const matching = ranked(rules, totals.matches);
  const filtered = options.minLevel !== undefined ? `, ${options.belowMinLevel} below --min-level ${options.minLevel} not run` : '';
  const lines = [
    `sigma-hunt scan: ${totals.records} events read from ${describeInputs(totals.inputs)} in ${totals.seconds.toFixed(2)} s, ${formatRate(totals.records, totals.seconds)}`,
    `  parsed ${totals.records - totals.skipped - totals.refused}, skipped by the pre-filter ${totals.skipped}, refused ${totals.refused}`,
    `  rules: ${rules.length} run, ${options.refusedRules} refused${filtered}`,
    ...(totals.unknownSource > 0
      ? [`  source unknown: ${totals.unknownSource} parsed events carry no Channel, EventID, Type or EventSchema the log source map knows; rules with a logsource skipped them (say where they come from with --logsource category=…,product=…)`]
      : []),
    `  matches: ${totalMatches} from ${plural(matching.length, 'rule')}; ${plural(rules.length - matching.length, 'rule')} matched nothing`,
  ];
  if (totalMatches > 0) {
    lines.push(`  by level: ${levelCounts(rules, totals.matches)}`);
    const shown = matching.slice(0, Math.max(0, options.top));
    const more = matching.length - shown.length;
    if (shown.length > 0) {
      lines.push(more > 0 ? `  top ${shown.length} of ${matching.length} matching rules (${more} more not shown; --top <n> lists more):` : '  matching rules, most matches first:');
      for (const r of shown) {
        const rule = rules[r];
        lines.push(`    ${String(totals.matches[r]).padStart(8)}  ${(rule.level ?? '-').padEnd(13)}  ${rule.id ?? rule.name ?? '-'}  ${rule.title}`);
      }
    } else {
      lines.push(`  ${plural(more, 'matching rule')} not listed (--top 0)`);
    }
  }
  const stopped = totals.inputs.filter((input) => input.stoppedEarly).length;
  if (stopped > 0) {
    lines.push(
      totals.inputs.length === 1
        ? '  stopped early: the input could not be read further (the error above)'
        : `  stopped early: ${plural(stopped, 'file')} could not be read to the end (the errors above)`,
    );
  }
  if (totals.outputError !== null) {
    lines.push(`  stopped early: ${isClosedPipe(totals.outputError) ? 'the output was closed' : `cannot write the output: ${totals.outputError.message}`}`);
  }
  return lines.join('\n') + '\n';
}

/** `critical 0, high 40 (3 rules), ...`: matches per level, most severe first, and how many rules made them. */
function levelCounts(rules: readonly SigmaRule[], matches: readonly number[]): string {
  const byLevel = new Map<SigmaLevel | undefined, { matches: number; rules: number }>();
  rules.forEach((rule, r) => {
    if (matches[r] === 0) return;
    const counts = byLevel.get(rule.level) ?? { matches: 0, rules: 0 };
    counts.matches += matches[r];
    counts.rules += 1;
    byLevel.set(rule.level, counts);
  });
  const describe = (label: string, counts: { matches: number; rules: number } | undefined): string =>
    counts === undefined ? `${label} 0` : `${label} ${counts.matches} (${plural(counts.rules, 'rule')})`;
  const parts = [...LEVELS].reverse().map((level) => describe(level, byLevel.get(level)));
  if (byLevel.has(undefined)) parts.push(describe('no level', byLevel.get(undefined)));
  return parts.join(', ');
}
