// The progress line `sigma-hunt scan` keeps redrawing on a terminal's stderr: how far it got and, when the input's
// size is known (files, not a pipe), the percentage and the time left. Nothing is drawn unless stderr is a TTY:
// a log file or a pipe would collect every redraw.
import type { Writable } from 'node:stream';
import { formatRate } from './scan-summary.js';

/** Redraws at most this often: often enough to look alive, rarely enough to cost nothing. */
export const PROGRESS_INTERVAL_MS = 250;

export interface ProgressSnapshot {
  records: number;
  matches: number;
  /** Bytes read so far and in all, when every input is a regular file; null when either is unknown. */
  bytesRead: number | null;
  totalBytes: number | null;
  /** 1-based position of the file being read, and how many there are. */
  file: number;
  files: number;
}

const UNITS = ['B', 'kB', 'MB', 'GB', 'TB'];

function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${UNITS[unit]}`;
}

export function formatDuration(seconds: number): string {
  const whole = Math.ceil(seconds);
  if (whole < 60) return `${whole} s`;
  if (whole < 3600) return `${Math.floor(whole / 60)} min ${String(whole % 60).padStart(2, '0')} s`;
  return `${Math.floor(whole / 3600)} h ${String(Math.floor((whole % 3600) / 60)).padStart(2, '0')} min`;
}

/** One progress line (without the redraw escapes). The time left assumes the rest reads as fast as what was read:
 *  bytes, not events, since the number of events ahead is unknown until they are read. */
export function progressLine(snapshot: ProgressSnapshot, elapsedSeconds: number): string {
  const parts: string[] = [];
  const { bytesRead, totalBytes } = snapshot;
  const sized = bytesRead !== null && totalBytes !== null && totalBytes > 0;
  if (sized) {
    const done = Math.min(bytesRead, totalBytes);
    parts.push(`${Math.floor((done / totalBytes) * 100)}% of ${formatBytes(totalBytes)}`);
  }
  if (snapshot.files > 1) parts.push(`file ${snapshot.file} of ${snapshot.files}`);
  parts.push(`${snapshot.records} events`, `${snapshot.matches} matches`, formatRate(snapshot.records, elapsedSeconds));
  if (sized && bytesRead > 0 && elapsedSeconds > 0) {
    const left = (elapsedSeconds * Math.max(0, totalBytes - bytesRead)) / bytesRead;
    parts.push(`ETA ${formatDuration(left)}`);
  }
  return parts.join(', ');
}

/** Draws throttled progress on a terminal stream; `clear()` before anything else is written to it. */
export class ScanProgress {
  private shown = false;
  private last: number;
  private readonly started: number;

  constructor(
    private readonly terminal: Writable,
    private readonly now: () => number = () => performance.now(),
    private readonly intervalMs = PROGRESS_INTERVAL_MS,
  ) {
    this.started = now();
    this.last = this.started;
  }

  /** Takes the snapshot lazily: most calls fall inside the interval and need none. */
  update(snapshot: () => ProgressSnapshot): void {
    const now = this.now();
    if (now - this.last < this.intervalMs) return;
    this.last = now;
    this.terminal.write(`\r\x1b[K${progressLine(snapshot(), (now - this.started) / 1000)}`);
    this.shown = true;
  }

  clear(): void {
    if (this.shown) this.terminal.write('\r\x1b[K');
    this.shown = false;
  }
}
