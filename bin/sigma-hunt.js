#!/usr/bin/env node
// The CLI is written in TypeScript and compiled to dist/ by `npm ci` (the `prepare` script).
import { main } from '../dist/src/cli/main.js';

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  // main() turns every fault into an exit code; this catches only a failure to start (a missing dist/).
  (err) => { console.error(err instanceof Error ? err.stack ?? err.message : String(err)); process.exitCode = 4; },
);
