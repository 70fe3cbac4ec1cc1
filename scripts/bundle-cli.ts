// Second step of `npm run build` (after tsc): bundles the CLI's start-up path into dist/cli/, which
// bin/sigma-hunt.js loads.
//
//   node dist/scripts/bundle-cli.js
//
// Why: a command's first milliseconds go to Node's ESM loader, which resolves, reads and compiles each module
// on its own; a one-rule `validate` from dist/src reads 25 of them and started at 2.6-2.9x a bare `node -e ""`
// (issue 9 asks for 2.5x). The bundle holds what runs before a command's module loads (the dispatcher, the help
// texts) and `validate` with the rule layer, in three files: `--help` loads one chunk, `validate` two more.
//
// Every other command stays in dist/src and is imported from there on first use, exactly the modules its tests
// run. Those commands spend their time on their work (thousands of rules, Azure calls), and several find their
// data through import.meta.url (ATT&CK data, the review page, the scan worker), which a bundle would move.
// The modules the two sides share at run time stay external too, so there is one copy of each: command.ts
// (main() tells a usage mistake by `instanceof UsageError`) and exit-codes.ts.

import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

/** The modules of dist/src/cli/ that go into the bundle; any other one it imports is left to dist/src. */
export const BUNDLED_CLI_MODULES: readonly string[] = ['main.js', 'commands/index.js', 'commands/help.js', 'commands/validate.js', 'placeholders.js'];
/** Where the bundle goes, relative to dist/. */
export const CLI_BUNDLE_DIRECTORY = 'cli';
export const CLI_BUNDLE_ENTRY = 'sigma-hunt.js';

/** Leaves the CLI modules outside BUNDLED_CLI_MODULES in dist/src, imported by a path relative to the bundle. */
function keepOtherCommandsInDist(cliDirectory: string, outDirectory: string): esbuild.Plugin {
  const bundled = new Set(BUNDLED_CLI_MODULES.map((module) => path.join(cliDirectory, module)));
  return {
    name: 'keep-other-commands-in-dist',
    setup(build) {
      build.onResolve({ filter: /^\.\.?\// }, (args) => {
        const target = path.resolve(args.resolveDir, args.path);
        if (!target.startsWith(cliDirectory + path.sep) || bundled.has(target)) return undefined;
        const relative = path.relative(outDirectory, target).split(path.sep).join('/');
        return { path: relative.startsWith('.') ? relative : `./${relative}`, external: true };
      });
    },
  };
}

export async function bundleCli(distDirectory: string): Promise<void> {
  const cliDirectory = path.join(distDirectory, 'src', 'cli');
  const outDirectory = path.join(distDirectory, CLI_BUNDLE_DIRECTORY);
  rmSync(outDirectory, { recursive: true, force: true });
  mkdirSync(outDirectory, { recursive: true });
  await esbuild.build({
    entryPoints: { [path.basename(CLI_BUNDLE_ENTRY, '.js')]: path.join(cliDirectory, 'main.js') },
    outdir: outDirectory,
    bundle: true,
    // Each command's `await import()` stays lazy: `--help` does not load the rule layer.
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    // js-yaml (the rule files' fast path, pure JavaScript) goes in; `yaml` and `re2js` stay lazy imports of the
    // installed packages (src/rule/libraries.ts), as do the packages of the commands left in dist/src.
    external: ['yaml', 're2js'],
    plugins: [keepOtherCommandsInDist(cliDirectory, outDirectory)],
    logLevel: 'warning',
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  // This file runs as dist/scripts/bundle-cli.js: dist/ is one folder up.
  await bundleCli(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..'));
}
