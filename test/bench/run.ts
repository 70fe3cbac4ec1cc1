// `npm run bench [-- --events N] [--seed S] [--section <text>]`: generates (or reuses) the Sysmon events under
// bench-data/, runs each section and prints a table of events/s and ratios to baselines measured in the
// same run. Add a section by appending it to SECTIONS.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureBenchData } from './generate.js';
import { preloadRuleLibraries } from '../../src/rule/libraries.js';
import { formatTable, type BenchSection, type SectionResult } from './sections.js';
import { endToEndSection, inMemorySection } from './seed-rule.js';
import { huntSection } from './hunt.js';
import { packageSection } from './package.js';
import { convertSection } from './convert.js';
import { regexSection } from './regex.js';
import { cliStartupSection } from './cli-startup.js';
import { logsourceSection } from './logsource.js';
import { packMixedSection, packNetworkSection } from './rule-pack.js';

export const SECTIONS: BenchSection[] = [inMemorySection, endToEndSection, convertSection, regexSection, huntSection, packageSection, cliStartupSection, logsourceSection, packNetworkSection, packMixedSection];

const DEFAULT_EVENTS = 1_000_000;
const DEFAULT_SEED = 20251103;

interface RunOptions {
  events: number;
  seed: number;
  only?: string;
}

function parseOptions(argv: string[]): RunOptions {
  const options: RunOptions = { events: DEFAULT_EVENTS, seed: DEFAULT_SEED };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = (): string => {
      const given = argv[++i];
      if (given === undefined) usage(`${arg} needs a value`);
      return given;
    };
    if (arg === '--events') options.events = positiveInteger(arg, value());
    else if (arg === '--seed') options.seed = positiveInteger(arg, value());
    else if (arg === '--section') options.only = value();
    else usage(`unknown argument '${arg}'`);
  }
  return options;
}

function positiveInteger(flag: string, text: string): number {
  const value = Number(text.replace(/_/g, ''));
  if (!Number.isSafeInteger(value) || value <= 0) usage(`${flag} needs a positive integer, not '${text}'`);
  return value;
}

function usage(problem: string): never {
  process.stderr.write(`bench: ${problem}\nUsage: npm run bench -- [--events N] [--seed S] [--section <name substring>]\n`);
  process.exit(2);
}

/** The folder holding package.json, above the compiled script (dist/test/bench) or the source. */
function findProjectRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('cannot find the project root (package.json) above the benchmark');
    dir = parent;
  }
  return dir;
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  // Sections call the synchronous parser and matcher directly, and measure steady state, not first use.
  await preloadRuleLibraries();
  const projectRoot = findProjectRoot();
  const log = (message: string): void => void process.stderr.write(`bench: ${message}\n`);
  const started = performance.now();
  const data = await ensureBenchData(path.join(projectRoot, 'bench-data'), options.events, options.seed);
  log(
    `${data.generated ? 'generated' : 'reusing'} ${path.relative(projectRoot, data.file)} (${data.count} events, ${(data.bytes / 1e6).toFixed(0)} MB)` +
      (data.generated ? ` in ${((performance.now() - started) / 1000).toFixed(1)} s` : ''),
  );
  const context = { projectRoot, events: options.events, seed: options.seed, dataFile: data.file, log };
  const results: SectionResult[] = [];
  for (const section of SECTIONS) {
    if (options.only !== undefined && !section.name.toLowerCase().includes(options.only.toLowerCase())) continue;
    log(`running: ${section.name}`);
    results.push({ name: section.name, rows: await section.run(context) });
  }
  process.stdout.write(`\nsigma-hunt benchmark: ${options.events} events, seed ${options.seed}, Node ${process.version}\n\n${formatTable(results)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
