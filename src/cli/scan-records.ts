// What `scan` does with one record, wherever it runs: on the main thread, or in a scan worker
// (src/cli/scan-workers.ts) that evaluates whole batches of JSON texts. One implementation, so the two cannot
// give different verdicts, counts or refusals.
import { EventTextProblem, parseEventText } from '../events/parse.js';
import type { RawTextPrefilter } from '../match/prefilter.js';
import type { CompiledRule, SigmaEvent } from '../match/types.js';
import { buildRulePack, type RulePack } from '../pack/rule-pack.js';
import { logsourcePackOptions } from '../pack/logsource-options.js';
import { createLogsourceResolver, type LogsourceResolver } from '../logsource/index.js';
import { MatchLines } from './match-line.js';

export interface ScanCounts {
  /** Records read: JSON lines that are not blank, array elements, CSV rows (refused ones included). */
  records: number;
  /** Records the pre-filter skipped unparsed. */
  skipped: number;
  /** Records refused (bad JSON, not an object, unreadable CSV row). */
  refused: number;
  /** Records parsed whose log source could not be determined: only rules without a logsource ran on them. */
  unknownSource: number;
  /** Matches per rule, in the order of `rules`. */
  matches: number[];
}

export function emptyCounts(ruleCount: number): ScanCounts {
  return { records: 0, skipped: 0, refused: 0, unknownSource: 0, matches: new Array<number>(ruleCount).fill(0) };
}

/** The scan's rule pack, split by log source, and whether the last event it read was of unknown source. */
export interface ScanPack {
  readonly pack: RulePack;
  lastUnknown(): boolean;
}

/** Built once per scan: a pack caches its index per log source, so several files share one. */
export function buildScanPack(rules: readonly CompiledRule[], resolver: LogsourceResolver = createLogsourceResolver()): ScanPack {
  // The pack classifies each event once (per `matching` call); the flag carries that verdict to the count.
  let unknown = false;
  const pack = buildRulePack(
    rules,
    logsourcePackOptions(resolver, (source) => {
      unknown = source === null;
    }),
  );
  return { pack, lastUnknown: () => unknown };
}

/** A JSON text that is not an event, with where it was: what becomes an EventReadError for the reader. */
export interface TextRefusal {
  readonly code: EventTextProblem['code'];
  /** 1-based physical line where the text starts. */
  readonly physicalLine: number;
  readonly index: number;
  /** As the parser gave it (EventReadError bounds it for printing). */
  readonly reason: string;
}

export class RecordScanner {
  readonly counts: ScanCounts;
  private readonly lines: MatchLines;

  constructor(
    private readonly rules: readonly CompiledRule[],
    private readonly scanPack: ScanPack,
    /** Null to parse every text. */
    private readonly prefilter: RawTextPrefilter | null,
    /** The file named in each match line (several inputs), or undefined. */
    file: string | undefined,
    /** `scan --target`: each record is a row of the target's tables, read into the Sigma event the hunt would
     *  verify (src/targets/row-events.ts); the match line then shows that event. */
    private readonly rowEvent?: (row: SigmaEvent) => SigmaEvent,
  ) {
    this.counts = emptyCounts(rules.length);
    this.lines = new MatchLines(rules, file);
  }

  /** One JSON text (a JSON line, an array element; never blank): its match lines, '' when none, or why it is
   *  not an event. `ascii`: whether the reader found it all ASCII, when it knows. */
  text(text: string, index: number, physicalLine: number, ascii: boolean | undefined): string | TextRefusal {
    this.counts.records++;
    // A text known to hold non-ASCII can never be rejected: go straight to parsing it.
    if (this.prefilter !== null && ascii !== false && this.prefilter.rejects(text, ascii)) {
      this.counts.skipped++;
      return '';
    }
    const parsed = parseEventText(text);
    if (parsed instanceof EventTextProblem) {
      this.counts.refused++;
      return { code: parsed.code, physicalLine, index, reason: parsed.reason };
    }
    return this.matchLines(index, parsed, text);
  }

  /** A record the reader decoded itself (a CSV row): its match lines, '' when none. */
  event(index: number, event: SigmaEvent): string {
    this.counts.records++;
    return this.matchLines(index, event, undefined);
  }

  /** Counts a record the reader could not decode (a CSV row). */
  unreadable(): void {
    this.counts.records++;
    this.counts.refused++;
  }

  private matchLines(index: number, record: SigmaEvent, recordText: string | undefined): string {
    const event = this.rowEvent ? this.rowEvent(record) : record;
    const text = this.rowEvent ? undefined : recordText;
    // Only the rules the pack finds matching, in the order of `rules`: the output order of a match.
    const matched = this.scanPack.pack.matching(event);
    if (this.scanPack.lastUnknown()) this.counts.unknownSource++;
    if (matched.length === 0) return '';
    let out = '';
    for (let m = 0; m < matched.length; m++) {
      const r = matched[m];
      const line = this.lines.line(r, index, event, text);
      if (line === null) continue;
      this.counts.matches[r]++;
      out += line;
    }
    return out;
  }
}

/** What evaluating a batch of JSON texts produced, in a form that crosses a worker boundary. */
export interface TextBatchOutcome {
  /** The batch's match lines, in record order. */
  output: string;
  refusals: TextRefusal[];
  records: number;
  skipped: number;
  refused: number;
  unknownSource: number;
  /** Matches per rule, as [rule index, count] pairs for the rules that matched. */
  matches: Array<[number, number]>;
}

/** The batch of JSON texts a reader produced, as a worker receives it. */
export interface TextBatch {
  firstIndex: number;
  texts: string[];
  startLines?: number[];
  asciiOnly?: Uint8Array;
}

/** Evaluates a whole batch into one outcome, which carries the batch's share of the counts (`scanner`'s counts
 *  go on accumulating). */
export function scanTextBatch(scanner: RecordScanner, batch: TextBatch): TextBatchOutcome {
  const { counts } = scanner;
  const before = { records: counts.records, skipped: counts.skipped, refused: counts.refused, unknownSource: counts.unknownSource };
  const touched = new Map<number, number>();
  const matchesBefore = counts.matches.slice();
  let output = '';
  const refusals: TextRefusal[] = [];
  const { texts, firstIndex, startLines, asciiOnly } = batch;
  for (let k = 0; k < texts.length; k++) {
    const text = texts[k];
    if (text === '') continue;
    const result = scanner.text(text, firstIndex + k, startLines?.[k] ?? firstIndex + k + 1, asciiOnly === undefined ? undefined : asciiOnly[k] === 1);
    if (typeof result === 'string') output += result;
    else refusals.push(result);
  }
  for (let r = 0; r < counts.matches.length; r++) {
    const added = counts.matches[r] - matchesBefore[r];
    if (added > 0) touched.set(r, added);
  }
  return {
    output,
    refusals,
    records: counts.records - before.records,
    skipped: counts.skipped - before.skipped,
    refused: counts.refused - before.refused,
    unknownSource: counts.unknownSource - before.unknownSource,
    matches: [...touched],
  };
}
