// npm run mutation [-- --mutate GLOB[,GLOB...]] [--concurrency N] [--static]: Stryker with stryker.config.mjs
// [--report FILE] [--temp-dir DIR] [--coverage-analysis off|all|perTest] (--static also runs the static mutants, which the config leaves out).
// Stryker 10's command line refuses Node < 22 at import, while this project runs on Node 20 (package.json
// engines); its API class runs the same mutation test and works on Node 20, so this starts that instead.
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const args = process.argv.slice(2);
const options = { configFile: 'stryker.config.mjs' };
for (let i = 0; i < args.length; i++) {
  const [flag, inline] = args[i].split('=', 2);
  const value = inline ?? args[++i];
  if (flag === '--mutate') options.mutate = value.split(',');
  else if (flag === '--concurrency') options.concurrency = Number(value);
  else if (flag === '--incremental') (options.incremental = true), inline === undefined && i--;
  else if (flag === '--static') (options.ignoreStatic = false), inline === undefined && i--;
  // Two runs at once (each --concurrency 1) need their own report and sandbox folder.
  else if (flag === '--report') options.jsonReporter = { fileName: value };
  else if (flag === '--temp-dir') options.tempDirName = value;
  else if (flag === '--coverage-analysis') options.coverageAnalysis = value;
  else {
    console.error(`unknown option '${args[i]}' (known: --mutate GLOB[,GLOB...], --concurrency N, --incremental, --static, --report FILE, --temp-dir DIR, --coverage-analysis off|all|perTest)`);
    process.exit(2);
  }
}
const core = path.resolve('node_modules/@stryker-mutator/core/dist/src/stryker.js');
const { Stryker } = await import(pathToFileURL(core).href);
const results = await new Stryker(options).runMutationTest();
console.log(`${results.length} mutants`);
