// Mutation testing of the verdict engine (npm run mutation; issue 15). Stryker mutates the TypeScript sources
// in a sandbox and runs the vitest tests of vitest.mutation.config.ts against each mutant; vitest transpiles the
// mutated .ts with esbuild, so no type-check step is needed (TypeScript 7 has no JS API for Stryker's
// typescript checker, and a mutant that does not type-check still runs and is killed or survives as JS).
// Equivalent mutants, with the reason for each: stryker.equivalent.md. Run times: docs/mutation.md.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const projectRoot = path.dirname(fileURLToPath(import.meta.url));
// The sandbox lives under .stryker-tmp/, so the tests' ../shared would miss; the runners inherit this.
process.env.SIGMA_HUNT_SHARED ??= path.resolve(projectRoot, '../shared');
// Property tests try a tenth of their cases per mutant (test/support/runs.ts).
process.env.SIGMA_HUNT_MUTATION = '1';

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  // related: false: by default the runner keeps only the test files vitest finds related to the mutated file,
  // which left out compile.test.ts and verdict-edges.test.ts for scalar.ts (108 of ~400 tests ran).
  vitest: { configFile: 'vitest.mutation.config.ts', related: false },
  plugins: ['@stryker-mutator/vitest-runner'],
  mutate: [
    'src/match/**/*.ts',
    '!src/match/types.ts',
    'src/rule/modifiers.ts',
  ],
  // No tsconfig.json in the sandbox: Stryker's step that rewrites it needs the typescript package's JS API, which
  // TypeScript 7 does not have (vitest's esbuild transform needs no tsconfig for these sources).
  ignorePatterns: ['dist', 'bench-data', 'package', '.local', 'reports', '/.stryker-tmp*', '/tsconfig.json'],
  coverageAnalysis: 'perTest',
  // A static mutant (module-level code: a regex constant, a lookup table) is covered by every test, so each one
  // reruns the whole set (~30 s here): a third of the mutants would take two thirds of the time. They are left
  // out by default and run with --static (docs/mutation.md has both figures).
  ignoreStatic: true,
  // The machine is shared: at most two test runners at once.
  concurrency: 2,
  // Added to 1.5 x a mutant's covering tests' time: an infinite loop costs this much, a slow machine needs slack.
  timeoutMS: 5_000,
  reporters: ['clear-text', 'progress-append-only', 'json'],
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  clearTextReporter: { allowColor: false, logTests: false, reportScoreTable: true },
  thresholds: { high: 95, low: 90, break: null },
  cleanTempDir: 'always',
};
