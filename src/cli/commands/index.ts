import type { CliCommandEntry } from '../command.js';
import {
  VALIDATE_SUMMARY,
  VALIDATE_USAGE,
  SCAN_SUMMARY,
  SCAN_USAGE,
  CONVERT_SUMMARY,
  CONVERT_USAGE,
  LINT_KQL_SUMMARY,
  LINT_KQL_USAGE,
  HUNT_SUMMARY,
  HUNT_USAGE,
  INCIDENTS_SUMMARY,
  INCIDENTS_USAGE,
  REVIEW_SUMMARY,
  REVIEW_USAGE,
} from './help.js';

/** Every CLI command, in the order `--help` lists them. A command's module (and the engine behind it) is imported
 *  only when that command runs: `--help` and a one-rule `validate` do not pay for the hunt's Azure SDKs. */
export const commands: CliCommandEntry[] = [
  { name: 'validate', summary: VALIDATE_SUMMARY, usage: VALIDATE_USAGE, load: async () => (await import('./validate.js')).validateCommand },
  { name: 'scan', summary: SCAN_SUMMARY, usage: SCAN_USAGE, load: async () => (await import('./scan.js')).scanCommand },
  { name: 'convert', summary: CONVERT_SUMMARY, usage: CONVERT_USAGE, load: async () => (await import('./convert.js')).convertCommand },
  { name: 'lint-kql', summary: LINT_KQL_SUMMARY, usage: LINT_KQL_USAGE, load: async () => (await import('./lint-kql.js')).lintKqlCommand },
  { name: 'hunt', summary: HUNT_SUMMARY, usage: HUNT_USAGE, load: async () => (await import('./hunt.js')).huntCommand },
  { name: 'incidents', summary: INCIDENTS_SUMMARY, usage: INCIDENTS_USAGE, load: async () => (await import('./incidents.js')).incidentsCommand },
  { name: 'review', summary: REVIEW_SUMMARY, usage: REVIEW_USAGE, load: async () => (await import('./review.js')).reviewCommand },
];
