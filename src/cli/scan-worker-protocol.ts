// The messages between `scan` and its worker threads (src/cli/scan-workers.ts, src/cli/scan-worker.ts).
import type { DefaultSource } from '../logsource/index.js';
import type { LogsourceMap } from '../logsource/map.js';
import type { PlaceholderValues, SigmaRule } from '../rule/model.js';
import type { TextBatch, TextBatchOutcome } from './scan-records.js';

/** What a worker needs to build the same rules, log sources and pre-filter as the main thread. */
export interface ScanWorkerSpec {
  /** The rule files and folders, resolved. */
  rulePaths: string[];
  placeholders?: PlaceholderValues;
  /** ruleKey of each rule the main thread scans with, in its order. */
  ruleKeys: string[];
  logsourceMap?: LogsourceMap;
  defaultSource?: DefaultSource;
  prefilter: boolean;
}

/** Names a rule by where it was read: the same file and document load to the same rule. */
export function ruleKey(rule: SigmaRule): string {
  return `${rule.source.file}#${rule.source.document}`;
}

export interface WorkerRequest {
  id: number;
  file: string | undefined;
  batch: TextBatch;
}

export type WorkerReply =
  | { kind: 'ready' }
  | { kind: 'failed'; reason: string }
  | { kind: 'outcome'; id: number; outcome: TextBatchOutcome };
