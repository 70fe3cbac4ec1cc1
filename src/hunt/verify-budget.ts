/**
 * Bounded work in the verify step, per run and per row.
 *
 * Per run (`VerifyPacer`): verifying a page is CPU work between two awaits, so without care one page holds the
 * event loop (and every later rule) for as long as it takes. The pacer is asked after every row; every
 * CHECK_EVERY_ROWS rows, or right after a row whose evaluation took CHECK_AFTER_ROW_MS or more, it reads the
 * run's clock: past the deadline the page's verification stops (the caller stores nothing of it and does not
 * checkpoint: the next run reads the page again, and storing is idempotent), and after SLICE_MS of work it
 * yields to the event loop (setImmediate) so timers and I/O run.
 *
 * Per row (`SlowRows`): the matcher's evaluation of a row is timed (only real evaluations: a verdict-cache hit
 * costs nothing to time). Every `re` verdict is linear in its input, so a row's cost is bounded by its size; a
 * row over HUNT_ROW_LIMIT_MS is not dropped (its verdict stands) but recorded, with its rule, hit id, the longest
 * field the rule tests and that field's length, never its value: the run summary counts them and keeps a
 * sample, and the run logs them. That is the honest report for a huge row.
 */
import type { SigmaEvent } from '../match/types.js';

/** Default of HUNT_ROW_LIMIT_MS. */
export const DEFAULT_ROW_LIMIT_MS = 100;
export const MIN_ROW_LIMIT_MS = 1;
export const MAX_ROW_LIMIT_MS = 60_000;
/** Slow rows kept as a sample per rule and run (the count is exact). */
export const SLOW_ROW_SAMPLE_SIZE = 5;

/** Rows between two readings of the run's clock (cached rows cost ~0.3 µs: 1024 of them well under 1 ms). */
const CHECK_EVERY_ROWS = 1024;
/** A row that took this long is followed by a reading of the clock at once. */
const CHECK_AFTER_ROW_MS = 1;
/** Work between two yields to the event loop. */
const SLICE_MS = 20;

export interface VerifyPacerOptions {
  /** Epoch ms past which the page's verification stops. */
  deadline: number;
  /** The run's clock (epoch ms). */
  clock: () => number;
  /** Lets the event loop run; default setImmediate. */
  yieldToLoop?: () => Promise<void>;
}

export class VerifyPacer {
  private rowsUntilCheck = CHECK_EVERY_ROWS;
  private sliceStart: number;
  private readonly yieldToLoop: () => Promise<void>;

  constructor(private readonly options: VerifyPacerOptions) {
    this.sliceStart = options.clock();
    this.yieldToLoop = options.yieldToLoop ?? (() => new Promise((resolve) => setImmediate(resolve)));
  }

  /** Called after every row with its evaluation's cost (0 for a cache hit): true when `pace()` is due. */
  rowDone(evaluationMs: number): boolean {
    return --this.rowsUntilCheck <= 0 || evaluationMs >= CHECK_AFTER_ROW_MS;
  }

  /** Reads the clock, yields when a slice is used up; false when the deadline has passed. */
  async pace(): Promise<boolean> {
    this.rowsUntilCheck = CHECK_EVERY_ROWS;
    const now = this.options.clock();
    if (now >= this.options.deadline) return false;
    if (now - this.sliceStart >= SLICE_MS) {
      await this.yieldToLoop();
      this.sliceStart = this.options.clock();
      if (this.sliceStart >= this.options.deadline) return false;
    }
    return true;
  }
}

/** A row whose evaluation took longer than the per-row limit. */
export interface SlowRow {
  ruleId: string;
  hitId: string;
  /** The longest field the rule tests in that row (every field for a keyword rule). */
  field: string;
  /** That field's length in UTF-16 code units. */
  chars: number;
  /** The evaluation's time, whole ms. */
  ms: number;
}

export class SlowRows {
  count = 0;
  readonly sample: SlowRow[] = [];

  constructor(readonly limitMs: number) {}

  /** Records the row when `evaluationMs` is over the limit; `tested` undefined means every field. */
  note(evaluationMs: number, ruleId: string, hitId: () => string, event: SigmaEvent, tested: readonly string[] | undefined): void {
    if (evaluationMs <= this.limitMs) return;
    this.count += 1;
    if (this.sample.length >= SLOW_ROW_SAMPLE_SIZE) return;
    const { field, chars } = longestField(event, tested);
    this.sample.push({ ruleId, hitId: hitId(), field, chars, ms: Math.round(evaluationMs) });
  }
}

/** The longest of `fields` in `event` (as text: a number or an object is measured as it prints). */
export function longestField(event: SigmaEvent, fields: readonly string[] | undefined): { field: string; chars: number } {
  let field = '';
  let chars = -1;
  for (const name of fields ?? Object.keys(event)) {
    const value = event[name];
    if (value === undefined || value === null) continue;
    const length = typeof value === 'string' ? value.length : typeof value === 'object' ? jsonLength(value) : String(value).length;
    if (length > chars) {
      field = name;
      chars = length;
    }
  }
  return { field, chars: Math.max(chars, 0) };
}

function jsonLength(value: object): number {
  try {
    return JSON.stringify(value)?.length ?? 0;
  } catch {
    return 0;
  }
}
