#!/usr/bin/env node
// The CLI is written in TypeScript and built into dist/ by `npm ci` (the `prepare` script): tsc, then the bundle of
// its start-up path in dist/cli/ that this file loads (scripts/bundle-cli.ts says why).
import { main } from '../dist/cli/sigma-hunt.js';

/** Exits once stdout and stderr have flushed what the command wrote, rather than when the event loop runs dry: a
 *  finished command has nothing left to do, and the loop's wind-down (V8's idle-time GC task, keep-alive sockets
 *  of the Azure SDKs) took 3-8 ms after the output of a one-rule `validate` (issue 9, item 4). */
function exitWhenFlushed(code) {
  process.exitCode = code;
  let pending = 2;
  const flushed = () => {
    if (--pending === 0) process.exit();
  };
  for (const stream of [process.stdout, process.stderr]) {
    if (stream.destroyed || !stream.writable) flushed();
    else stream.write('', flushed);
  }
}

main(process.argv.slice(2)).then(
  exitWhenFlushed,
  // main() turns every fault into an exit code; this catches only a failure to start (a missing dist/).
  (err) => { console.error(err instanceof Error ? err.stack ?? err.message : String(err)); process.exitCode = 4; },
);
