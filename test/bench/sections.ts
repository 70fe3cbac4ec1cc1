// The benchmark is a list of sections; each measures something against a baseline timed in the same run
// and returns table rows. Later work adds sections to `run.ts`'s list.

export interface BenchContext {
  projectRoot: string;
  /** Events per measured pass (`--events N`). */
  events: number;
  seed: number;
  /** The generated Sysmon EventID 3 JSON lines (bench-data/, reused across runs). */
  dataFile: string;
  /** Progress notes, printed as they happen (the table comes at the end). */
  log(message: string): void;
}

export interface BenchRow {
  label: string;
  eventsPerSecond: number;
  /** Speed relative to the section's baseline row (the baseline itself has none). */
  ratio?: number;
  /** The ratio this row should reach. */
  target?: number;
  note?: string;
}

export interface BenchSection {
  name: string;
  run(context: BenchContext): Promise<BenchRow[]>;
}

export interface SectionResult {
  name: string;
  rows: BenchRow[];
}

export function eventsPerSecond(events: number, milliseconds: number): number {
  return milliseconds > 0 ? (events * 1000) / milliseconds : 0;
}

/** Runs each named pass once per round, round-robin, and returns each one's fastest time in ms: the
 *  fastest is the least disturbed by GC and the machine, and round-robin makes a slow patch of the machine
 *  hit every pass alike. */
export async function interleave(rounds: number, passes: Record<string, () => Promise<void> | void>): Promise<Record<string, number>> {
  const best: Record<string, number> = {};
  for (let round = 0; round < rounds; round++) {
    for (const [name, pass] of Object.entries(passes)) {
      const started = performance.now();
      await pass();
      const elapsed = performance.now() - started;
      if (!(name in best) || elapsed < best[name]) best[name] = elapsed;
    }
  }
  return best;
}

function formatRate(rate: number): string {
  return Math.round(rate).toLocaleString('en-US');
}

/** A plain-text table: section headings, one row per measurement, ratios against the section baseline and
 *  whether the target is met. */
export function formatTable(results: readonly SectionResult[]): string {
  const header = ['', 'events/s', 'ratio', 'target', ''];
  const rows: string[][] = [];
  const headings = new Map<number, string>();
  for (const result of results) {
    headings.set(rows.length, result.name);
    for (const row of result.rows) {
      const verdict = row.target === undefined || row.ratio === undefined ? '' : row.ratio >= row.target ? 'ok' : 'BELOW TARGET';
      rows.push([
        `  ${row.label}`,
        formatRate(row.eventsPerSecond),
        row.ratio === undefined ? 'baseline' : `${row.ratio.toFixed(2)}x`,
        row.target === undefined ? '' : `>= ${row.target.toFixed(1)}x`,
        [verdict, row.note ?? ''].filter(Boolean).join('  '),
      ]);
    }
  }
  const widths = header.map((_, c) => Math.max(header[c].length, ...rows.map((row) => row[c].length)));
  const render = (cells: string[]): string =>
    cells
      .map((cell, c) => (c === 0 || c === cells.length - 1 ? cell.padEnd(widths[c]) : cell.padStart(widths[c])))
      .join('  ')
      .trimEnd();
  const lines = [render(header)];
  rows.forEach((row, index) => {
    const heading = headings.get(index);
    if (heading !== undefined) lines.push(heading);
    lines.push(render(row));
  });
  return lines.join('\n');
}
