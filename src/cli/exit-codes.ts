// One table of exit codes for every command, so a script can tell "fix your input" from "fix your command line"
// from "try again later" without knowing which command it ran. `--help` prints `EXIT_CODE_TABLE`; the README
// carries the same lines (a test keeps the two equal).

export const EXIT = {
  /** The command did its job: every rule loaded or converted, the scan ran (with or without matches), the
   *  query has no error-severity finding, the hunt completed, the incidents were listed. */
  ok: 0,
  /** Something the command was given was refused or could not be read: a rule, an event record, a query
   *  with an error-severity finding, or a file that is missing, a directory, unreadable or in no format read
   *  (also: scan's output could not be written). */
  input: 1,
  /** The command line or the settings are wrong: unknown command or option, a missing or malformed argument,
   *  an invalid setting. Nothing was read. */
  usage: 2,
  /** A service failed: Log Analytics or Table Storage could not be reached, refused the credentials or the
   *  query, or ran out of budget. What was done is kept; running again resumes. */
  service: 3,
  /** A fault in sigma-hunt itself (an unexpected exception); the stack trace is printed. */
  internal: 4,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

const MEANINGS: Readonly<Record<ExitCode, string>> = {
  [EXIT.ok]: 'done (scan: with or without matches; lint-kql: no error-severity finding; hunt: complete)',
  [EXIT.input]: 'input refused: a rule, record or query finding, or a file missing, a directory, unreadable, binary',
  [EXIT.usage]: 'usage: unknown command or option, a missing or malformed argument or setting; nothing was read',
  [EXIT.service]: 'service failure: Log Analytics or Table Storage could not be queried or written; run again to resume',
  [EXIT.internal]: 'internal error: a fault in sigma-hunt itself (stack trace printed); please report it',
};

/** The table as printed by `--help` and copied into the README. */
export const EXIT_CODE_TABLE = ['Exit codes (every command):', ...Object.entries(MEANINGS).map(([code, meaning]) => `  ${code}  ${meaning}`)].join('\n');
