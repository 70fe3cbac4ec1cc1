import { defineConfig } from 'vitest/config';

// The tests Stryker runs against each mutant (npm run mutation, stryker.config.mjs): the fast ones that decide
// a verdict from a rule and an event. They import src/*.ts, which vitest transpiles with esbuild, so a mutant
// is tested without a type-check or a build (TypeScript 7 has no JS API for Stryker's typescript checker).
// The regression conformance tests (test/conformance/regression*.test.ts, the positive and the negative pairs)
// load 202 rules per run and cover nearly every mutant: they run in npm test, not once per mutant.
export default defineConfig({
  test: {
    include: [
      'test/match/**/*.test.ts',
      'test/rule/modifiers/**/*.test.ts',
      'test/rule/condition/**/*.test.ts',
    ],
    exclude: ['test/rule/modifiers/corpus.test.ts'],
    setupFiles: ['test/support/preload-libraries.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
