// The reviewer's `scan` trial (issue 10): `CommandLine|re: '(a+)+$'` on a match, then 30 `a`s and a `!`. On V8's
// backtracking RegExp the second line never finished and the first line's match never reached stdout. The real
// CLI, in its own process: it must end (the timeout only guards a hang, it measures nothing) with the match.
import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { projectRoot } from '../support/paths.js';
import { TEXTBOOK_REDOS_PATTERN, TEXTBOOK_REDOS_VALUE } from './crafted.js';

const run = promisify(execFile);

it('scan answers the textbook ReDoS line at once and prints the match before it', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sigma-hunt-redos-'));
  const rule = await writeFile(
    path.join(dir, 'redos.yml'),
    ['title: textbook ReDoS', 'id: 5f0c3a52-7a55-4d6e-9a59-2f1d1c0e7b01', 'logsource:', '    category: process_creation', '    product: windows', 'detection:', '    selection:', `        CommandLine|re: '${TEXTBOOK_REDOS_PATTERN}'`, '    condition: selection', ''].join('\n'),
  ).then(() => path.join(dir, 'redos.yml'));
  const events = path.join(dir, 'events.jsonl');
  await writeFile(events, `${JSON.stringify({ CommandLine: 'aaaa' })}\n${JSON.stringify({ CommandLine: TEXTBOOK_REDOS_VALUE })}\n`);
  const { stdout, stderr } = await run(process.execPath, [path.join(projectRoot, 'bin/sigma-hunt.js'), 'scan', '--rule', rule, '--events', events, '--logsource', 'category=process_creation,product=windows'], { timeout: 60_000 });
  const matches = stdout.trim().split('\n').map((line) => JSON.parse(line) as { line: number; matched: { matchedSearches: string[] } });
  expect(matches).toHaveLength(1);
  expect(matches[0]).toMatchObject({ line: 0, matched: { matchedSearches: ['selection'] } });
  expect(stderr).toMatch(/2 events read/);
});
