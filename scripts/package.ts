// `npm run package`: stages the deployable function app in package/app and zips it to package/sigma-hunt.zip.
//
//   node dist/scripts/package.js [--out-dir DIR]
//
// The app is one esbuild bundle of every function entry point in functions/ (the hunt timer, the review HTTP
// functions) with src/ and the npm dependencies inside it, plus what the bundle reads at run time: host.json,
// rules/, the ATT&CK data, the review page's static files and the two scripts of the one dependency
// that is loaded outside the bundle (@kusto/language-service-next, see RUNTIME_PACKAGES), shipped beside the bundle
// and not in node_modules: azd before 1.23.12 leaves node_modules out of what it uploads. The app has no
// node_modules at all. No dev dependency, test or source map.
//
// The ZIP is written by fflate (a maintained, dependency-free ZIP library): entries sorted, fixed timestamps and
// modes, so packaging the same tree twice gives the same bytes.
//
// Why the bundle *includes* @azure/functions rather than shipping it in node_modules: it is plain JavaScript whose
// one link to the host is resolved at run time either way, and the app's copy is the one that registers the
// functions in both layouts (it calls `setProgrammingModel` over the worker's built-in copy). That one link is
// `require('@azure/functions-core')`, a module that exists nowhere on disk. The Node.js worker serves it by
// wrapping `Module.prototype.require` (azure-functions-nodejs-worker src/setupCoreModule.ts), and the library
// catches a failed require and silently switches to "test mode", where `app.timer` registers nothing. So
// `@azure/functions-core` stays external (the maintainers' advice for bundlers, azure-functions-nodejs-library
// issue #201), and the ESM bundle starts with a `createRequire` banner giving it a real CommonJS `require`, whose
// calls go through `Module.prototype.require` and so meet the worker's hook. (Without the banner esbuild's require
// shim throws: at load for the built-ins that bundled CommonJS packages require, and inside the library's
// try/catch for functions-core, which would leave the deployed app running with no function at all.)
// test/package/package.test.ts checks exactly that by hooking `Module.prototype.require` the same way.

import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import * as esbuild from 'esbuild';
import { deflateSync, zipSync, type Zippable } from 'fflate';
import { KUSTO_PACKAGE, KUSTO_SCRIPTS, SHIPPED_KUSTO_DIRECTORY } from '../src/kql/kusto-scripts.js';
import { SHIPPED_STATIC_DIRECTORY, STATIC_SOURCE_DIRECTORY } from '../src/review/static-assets.js';

// ---------------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------------

export type PackageErrorCode =
  | 'usage' // bad command-line arguments
  | 'io' // a file cannot be read or written
  | 'bundle' // esbuild refused the code
  | 'dependency' // a runtime package is missing from node_modules or is not the locked version
  | 'zip'; // the app is too large for a ZIP without ZIP64

export class PackageError extends Error {
  override readonly name = 'PackageError';
  constructor(
    readonly code: PackageErrorCode,
    readonly subject: string,
    readonly reason: string,
  ) {
    super(`${subject}: ${reason}`);
  }
}

// ---------------------------------------------------------------------------------------------------
// What goes into the app
// ---------------------------------------------------------------------------------------------------

/** Where the function entry points are: every `*.ts` directly in it registers functions with the host. */
export const FUNCTIONS_DIRECTORY = 'functions';
/** The one bundle of all function entry points (inside the app), the app's package.json `main`. One bundle rather
 *  than one per entry: a single copy of @azure/functions and of src/ (2.3 MB each), one module graph to load. */
export const BUNDLE_PATH = 'dist/functions/app.js';
export const ZIP_FILE_NAME = 'sigma-hunt.zip';
export const APP_DIRECTORY_NAME = 'app';

/** The ATT&CK data lives beside the bundle: src/enrich/attack/index.ts looks for it next to its own module, and
 *  in the bundle that module's `import.meta.url` is the bundle's. */
const ATTACK_FILES = ['enterprise-attack.json', 'ATTRIBUTION.md'] as const;
const ATTACK_SOURCE_DIRECTORY = 'src/enrich/attack';

/** Node.js version of the Flex Consumption runtime (infra/app/function-app.bicep `runtime.version`). */
const RUNTIME_NODE_MAJOR = 22;

interface RuntimePackage {
  name: string;
  /** Files the code loads: package file → path inside the app. License files go beside them when present. */
  files: readonly { from: string; to: string }[];
}

/** Where the review page's files go: beside the bundle, where src/review/static-assets.ts looks first. */
export const SHIPPED_STATIC_PATH = path.posix.join(path.posix.dirname(BUNDLE_PATH), SHIPPED_STATIC_DIRECTORY);

/** Where the shipped Kusto scripts go: beside the bundle, where src/kql/kusto-scripts.ts looks for them. */
export const SHIPPED_KUSTO_PATH = path.posix.join(path.posix.dirname(BUNDLE_PATH), SHIPPED_KUSTO_DIRECTORY);

/**
 * Packages loaded outside the bundle. src/kql/language-service.ts loads the Kusto library with
 * `createRequire(import.meta.url)` because the Bridge.NET runtime must run as a CommonJS script that installs
 * globals; esbuild cannot see that require, and every hunt window parses its KQL with it. Only the two scripts it
 * requires are shipped (the package also holds minified twins, typings and a browser demo, 31 MB in all), as
 * `.cjs` beside the bundle (src/kql/kusto-scripts.ts), never in node_modules, which azd before 1.23.12 drops.
 */
export const RUNTIME_PACKAGES: readonly RuntimePackage[] = [
  { name: KUSTO_PACKAGE, files: KUSTO_SCRIPTS.map((script) => ({ from: script.packageFile, to: path.posix.join(SHIPPED_KUSTO_PATH, script.shippedFile) })) },
];

/** Bundle imports left to the runtime. */
const BUNDLE_EXTERNALS = ['@azure/functions-core', ...RUNTIME_PACKAGES.map((runtimePackage) => runtimePackage.name)];

/** Gives the ESM bundle a CommonJS `require` (see the header: the worker's functions-core hook needs one). */
const REQUIRE_BANNER = "import { createRequire as __sigmaHuntCreateRequire } from 'node:module';\nconst require = __sigmaHuntCreateRequire(import.meta.url);";

const LICENSE_FILE = /^(licen[cs]e|copying|notice)(\.|-|$)/i;

export interface PackageOptions {
  /** The checkout: package.json, functions/, src/, rules/, host.json, node_modules/. */
  projectRoot: string;
  /** Receives app/ and sigma-hunt.zip; default <projectRoot>/package. */
  outDir?: string;
  log?: (line: string) => void;
}

export interface PackagedFile {
  /** Path inside the app, `/`-separated. */
  path: string;
  bytes: number;
}

export interface PackageResult {
  appDir: string;
  zipFile: string;
  zipBytes: number;
  unpackedBytes: number;
  bundleBytes: number;
  /** Every file in the app (and the zip), sorted by path. */
  files: PackagedFile[];
  /** npm packages inside the bundle, sorted; `directory` is relative to the checkout (a package-lock.json key). */
  bundledPackages: { name: string; version: string; directory: string }[];
  /** The function entry points in the bundle (`functions/*.ts`), sorted. */
  entryPoints: string[];
  /** Development-only packages a bundled package imports optionally (debug → supports-color), left out. */
  omittedDevPackages: string[];
  /** sha256 of the zip, hex. */
  zipSha256: string;
}

/** Stages the app in `<outDir>/app` (replacing what was there) and writes `<outDir>/sigma-hunt.zip`. */
export async function buildPackage(options: PackageOptions): Promise<PackageResult> {
  const projectRoot = path.resolve(options.projectRoot);
  const outDir = path.resolve(options.outDir ?? path.join(projectRoot, 'package'));
  const appDir = path.join(outDir, APP_DIRECTORY_NAME);
  const zipFile = path.join(outDir, ZIP_FILE_NAME);
  const log = options.log ?? (() => {});
  const project = readJson(path.join(projectRoot, 'package.json')) as ProjectManifest;

  io(appDir, () => rmSync(appDir, { recursive: true, force: true }));
  io(appDir, () => mkdirSync(appDir, { recursive: true }));

  const bundle = await bundleEntry(projectRoot, path.join(appDir, BUNDLE_PATH));
  if (bundle.omittedDevPackages.length > 0) log(`left out of the bundle (development-only, absent from a production install): ${bundle.omittedDevPackages.join(', ')}`);
  const bundledPackages = packagesOf(projectRoot, bundle.inputs);
  const runtimePackages = RUNTIME_PACKAGES.map((runtimePackage) => copyRuntimePackage(projectRoot, appDir, runtimePackage, project));

  copyInto(projectRoot, appDir, 'host.json');
  for (const file of listFiles(path.join(projectRoot, 'rules'))) copyInto(projectRoot, appDir, path.posix.join('rules', file));
  for (const file of ATTACK_FILES) {
    copyFile(path.join(projectRoot, ATTACK_SOURCE_DIRECTORY, file), path.join(appDir, path.posix.dirname(BUNDLE_PATH), file));
  }
  for (const file of listFiles(path.join(projectRoot, STATIC_SOURCE_DIRECTORY))) {
    copyFile(path.join(projectRoot, STATIC_SOURCE_DIRECTORY, file), path.join(appDir, SHIPPED_STATIC_PATH, file));
  }
  writeText(path.join(appDir, 'package.json'), `${JSON.stringify(appManifest(project), null, 2)}\n`);
  writeText(path.join(appDir, 'THIRD-PARTY-NOTICES.md'), thirdPartyNotices([...bundledPackages, ...runtimePackages]));

  const files = listFiles(appDir).map((file) => ({ path: file, bytes: statSync(path.join(appDir, file)).size }));
  const zip = zipFiles(files.map((file) => ({ path: file.path, data: io(file.path, () => readFileSync(path.join(appDir, file.path))) })));
  writeBytes(zipFile, zip);

  const result: PackageResult = {
    appDir,
    zipFile,
    zipBytes: zip.length,
    unpackedBytes: files.reduce((total, file) => total + file.bytes, 0),
    bundleBytes: bundle.bytes,
    files,
    entryPoints: bundle.entryPoints,
    bundledPackages: bundledPackages.map((found) => ({ name: found.name, version: found.version, directory: path.relative(projectRoot, found.directory).split(path.sep).join('/') })),
    omittedDevPackages: bundle.omittedDevPackages,
    zipSha256: createHash('sha256').update(zip).digest('hex'),
  };
  log(
    `${path.relative(projectRoot, zipFile) || zipFile}: ${formatBytes(result.zipBytes)} (${files.length} files, ${formatBytes(result.unpackedBytes)} unpacked; ` +
      `bundle ${formatBytes(result.bundleBytes)} with ${result.bundledPackages.length} npm packages; beside it: ${runtimePackages.map((found) => found.name).join(', ')})`,
  );
  log(`sha256 ${result.zipSha256}`);
  return result;
}

// ---------------------------------------------------------------------------------------------------
// Bundle
// ---------------------------------------------------------------------------------------------------

/** The esbuild options of the app bundle; tests bundle a probe with the same options. */
export function bundleOptions(projectRoot: string, entryPoint: string, outfile: string, omittedDevPackages: Set<string> = new Set()): esbuild.BuildOptions {
  return {
    // Relative to the checkout, so the `// src/...` path comments in the output do not depend on where it is.
    absWorkingDir: projectRoot,
    entryPoints: [entryPoint],
    outfile,
    bundle: true,
    platform: 'node',
    // ESM: src/ finds its data files through import.meta.url, which a CommonJS bundle would leave empty.
    format: 'esm',
    target: `node${RUNTIME_NODE_MAJOR - 2}`, // runs on the Node 20 of the tests and the local run too
    external: BUNDLE_EXTERNALS,
    banner: { js: REQUIRE_BANNER },
    // Not minified: stack traces in Application Insights stay readable. Minifying halves the bundle (2.3 → 1.0 MB)
    // but did not make the cold import measurably faster (21 fresh processes each, medians within noise).
    minify: false,
    sourcemap: false,
    legalComments: 'eof',
    plugins: [leaveOutDevPackages(projectRoot, omittedDevPackages)],
    metafile: true,
    logLevel: 'silent',
  };
}

/**
 * Keeps development-only packages out of the bundle. A bundled package may import one optionally, inside a
 * try/catch (`debug` tries `supports-color`); esbuild would bundle it whenever a dev tool happens to have
 * installed it, though a production install (`npm ci --omit=dev`) lacks it. Left external, the import fails at
 * run time exactly as it would in a production install, and the package's fallback applies.
 */
function leaveOutDevPackages(projectRoot: string, omitted: Set<string>): esbuild.Plugin {
  const devOnly = devOnlyPackageDirectories(projectRoot);
  return {
    name: 'leave-out-dev-packages',
    setup(build) {
      build.onResolve({ filter: /^[^./]/ }, async (args) => {
        if (devOnly.size === 0 || (args.pluginData as { resolving?: boolean } | undefined)?.resolving) return undefined;
        const resolved = await build.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, importer: args.importer, pluginData: { resolving: true } });
        if (resolved.errors.length > 0 || resolved.external || !resolved.path) return undefined;
        const directory = packageDirectoryOf(path.relative(projectRoot, resolved.path).split(path.sep).join('/'));
        if (directory === undefined || !devOnly.has(directory)) return undefined;
        omitted.add(directory);
        return { path: args.path, external: true };
      });
    },
  };
}

/** package-lock.json keys (`node_modules/x`, `node_modules/a/node_modules/x`) of packages only dev dependencies need. */
function devOnlyPackageDirectories(projectRoot: string): Set<string> {
  const lockFile = path.join(projectRoot, 'package-lock.json');
  if (!existsSync(lockFile)) return new Set();
  const lock = readJson(lockFile) as { packages?: Record<string, { dev?: boolean }> };
  return new Set(Object.entries(lock.packages ?? {}).filter(([, locked]) => locked.dev === true).map(([key]) => key));
}

/** `node_modules/@scope/name` of a path inside a package (the innermost one), relative to the checkout. */
function packageDirectoryOf(relativePath: string): string | undefined {
  return /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(relativePath)?.[1];
}

async function bundleEntry(projectRoot: string, outfile: string): Promise<{ bytes: number; inputs: string[]; entryPoints: string[]; omittedDevPackages: string[] }> {
  let built: esbuild.BuildResult;
  const omitted = new Set<string>();
  const entryPoints = functionEntryPoints(projectRoot);
  try {
    const options = bundleOptions(projectRoot, FUNCTIONS_DIRECTORY, outfile, omitted);
    delete options.entryPoints; // the entry is the generated module below, not a file
    // Virtual file name: it only appears in the bundle's `// functions/app.ts` comment.
    built = await esbuild.build({ ...options, stdin: { contents: appEntryModule(entryPoints), resolveDir: projectRoot, sourcefile: `${FUNCTIONS_DIRECTORY}/app.ts`, loader: 'ts' } });
  } catch (cause) {
    const errors = (cause as { errors?: esbuild.Message[] }).errors;
    const detail = errors?.length ? errors.map((error) => `${error.location ? `${error.location.file}:${error.location.line} ` : ''}${error.text}`).join('; ') : String(cause);
    throw new PackageError('bundle', entryPoints.join(', '), detail);
  }
  const output = Object.values(built.metafile!.outputs)[0]!;
  return { bytes: output.bytes, inputs: Object.keys(output.inputs), entryPoints, omittedDevPackages: [...omitted].sort() };
}

/** Every function entry point, `functions/<name>.ts`, sorted (the order the bundle registers them in). */
export function functionEntryPoints(projectRoot: string): string[] {
  const entries = io(FUNCTIONS_DIRECTORY, () => readdirSync(path.join(projectRoot, FUNCTIONS_DIRECTORY), { withFileTypes: true }))
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts'))
    .map((entry) => `${FUNCTIONS_DIRECTORY}/${entry.name}`)
    .sort();
  if (entries.length === 0) throw new PackageError('bundle', FUNCTIONS_DIRECTORY, 'holds no function entry point (*.ts)');
  return entries;
}

/** The bundle's entry: a module importing every function entry point, each of which registers its functions. */
function appEntryModule(entryPoints: readonly string[]): string {
  return entryPoints.map((entry) => `import './${entry}';`).join('\n') + '\n';
}

// ---------------------------------------------------------------------------------------------------
// npm packages: the bundled ones (for the notices) and the shipped ones
// ---------------------------------------------------------------------------------------------------

interface ProjectManifest {
  name: string;
  version: string;
  description?: string;
  license?: string;
  dependencies?: Record<string, string>;
}

interface FoundPackage {
  name: string;
  version: string;
  license: string;
  directory: string;
  /** License texts found in the package folder, by file name, sorted. */
  licenseFiles: string[];
}

function packagesOf(projectRoot: string, inputs: readonly string[]): FoundPackage[] {
  const directories = new Set<string>();
  for (const input of inputs) {
    const directory = packageDirectoryOf(input);
    if (directory !== undefined) directories.add(directory);
  }
  return [...directories].map((directory) => describePackage(path.join(projectRoot, directory))).sort(byNameAndVersion);
}

function describePackage(directory: string): FoundPackage {
  const manifest = readJson(path.join(directory, 'package.json')) as { name?: string; version?: string; license?: unknown };
  return {
    name: manifest.name ?? path.basename(directory),
    version: manifest.version ?? '0.0.0',
    license: typeof manifest.license === 'string' ? manifest.license : 'see the package',
    directory,
    licenseFiles: io(directory, () => readdirSync(directory))
      .filter((file) => LICENSE_FILE.test(file))
      .sort(),
  };
}

function copyRuntimePackage(projectRoot: string, appDir: string, runtimePackage: RuntimePackage, project: ProjectManifest): FoundPackage {
  const source = path.join(projectRoot, 'node_modules', runtimePackage.name);
  if (!existsSync(path.join(source, 'package.json'))) {
    throw new PackageError('dependency', runtimePackage.name, `not in ${path.join(projectRoot, 'node_modules')}; run \`npm ci\``);
  }
  const found = describePackage(source);
  const locked = lockedVersion(projectRoot, runtimePackage.name);
  if (locked !== undefined && locked !== found.version) {
    throw new PackageError('dependency', runtimePackage.name, `node_modules holds ${found.version}, package-lock.json ${locked}; run \`npm ci\``);
  }
  if (!project.dependencies?.[runtimePackage.name]) {
    throw new PackageError('dependency', runtimePackage.name, 'is not a dependency in package.json');
  }
  const targetDirectory = path.posix.dirname(runtimePackage.files[0]!.to);
  for (const file of [...runtimePackage.files, ...found.licenseFiles.map((license) => ({ from: license, to: path.posix.join(targetDirectory, license) }))]) {
    copyFile(path.join(source, file.from), path.join(appDir, file.to));
  }
  return found;
}

function lockedVersion(projectRoot: string, name: string): string | undefined {
  const lockFile = path.join(projectRoot, 'package-lock.json');
  if (!existsSync(lockFile)) return undefined;
  const lock = readJson(lockFile) as { packages?: Record<string, { version?: string }> };
  return lock.packages?.[`node_modules/${name}`]?.version;
}

function appManifest(project: ProjectManifest): Record<string, unknown> {
  return {
    name: project.name,
    version: project.version,
    ...(project.description ? { description: project.description } : {}),
    private: true,
    license: project.license ?? 'UNLICENSED',
    type: 'module',
    main: BUNDLE_PATH,
    engines: { node: `>=${RUNTIME_NODE_MAJOR} <${RUNTIME_NODE_MAJOR + 1}` },
    // No dependencies: everything is in the bundle or beside it (RUNTIME_PACKAGES, named with their versions in
    // THIRD-PARTY-NOTICES.md); the app is deployed as is (azure.yaml remoteBuild: false), never `npm install`ed.
  };
}

function thirdPartyNotices(packages: readonly FoundPackage[]): string {
  const sections = [...packages].sort(byNameAndVersion).map((found) => {
    const texts = found.licenseFiles.map((file) => io(file, () => readFileSync(path.join(found.directory, file), 'utf8')).trimEnd());
    const body = texts.length > 0 ? texts.map((text) => `\`\`\`\n${text.replace(/```/g, "'''")}\n\`\`\``).join('\n\n') : `(The package ships no license file; its package.json says ${found.license}.)`;
    return `## ${found.name} ${found.version} (${found.license})\n\n${body}\n`;
  });
  return (
    '# Third-party notices\n\n' +
    `${BUNDLE_PATH} contains the npm packages below (bundled by \`npm run package\`); ${SHIPPED_KUSTO_PATH}/ holds the scripts of the one loaded outside it. ` +
    'The ATT&CK data beside the bundle is attributed in dist/functions/ATTRIBUTION.md, the Sigma rules are licensed in rules/.\n\n' +
    sections.join('\n')
  );
}

function byNameAndVersion(a: FoundPackage, b: FoundPackage): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : a.version < b.version ? -1 : a.version > b.version ? 1 : 0;
}

// ---------------------------------------------------------------------------------------------------
// ZIP (fflate)
// ---------------------------------------------------------------------------------------------------

export interface ZipInput {
  /** `/`-separated path inside the archive. */
  path: string;
  data: Uint8Array;
}

/** 1980-01-01 00:00:00, the earliest MS-DOS timestamp: a fixed time keeps the archive byte-identical. fflate
 *  writes the DOS time from the Date's *local* fields, so the Date is built from local fields too (any TZ). */
const FIXED_MTIME = new Date(1980, 0, 1, 0, 0, 0);
/** Regular file, rw-r--r--, in the high 16 bits of the external attributes, made by "Unix" (os 3). */
const UNIX_FILE_ATTRIBUTES = (0o100644 << 16) >>> 0;
const OS_UNIX = 3;
const DEFLATE_LEVEL = 9;
/** ZIP without ZIP64 (fflate writes none): 65,535 entries, 4 GiB. */
const MAX_ENTRIES = 0xffff;
const MAX_BYTES = 0xffffffff;

/** A ZIP of the files in path order; a file is stored when deflating does not make it smaller. */
export function zipFiles(inputs: readonly ZipInput[]): Buffer {
  const entries = [...inputs].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  if (entries.length > MAX_ENTRIES) throw new PackageError('zip', `${entries.length} files`, `more than ${MAX_ENTRIES} entries needs ZIP64`);
  const total = entries.reduce((sum, entry) => sum + entry.data.length, 0);
  if (total > MAX_BYTES) throw new PackageError('zip', `${total} bytes`, 'the archive passes 4 GiB, which needs ZIP64');
  // fflate keeps insertion order, except that an integer-like key would move first: none of our paths is one,
  // and the test reads the order back.
  const zippable: Zippable = {};
  for (const entry of entries) {
    const deflates = deflateSync(entry.data, { level: DEFLATE_LEVEL }).length < entry.data.length;
    zippable[entry.path] = [entry.data, { level: deflates ? DEFLATE_LEVEL : 0, mtime: FIXED_MTIME, os: OS_UNIX, attrs: UNIX_FILE_ATTRIBUTES }];
  }
  try {
    return Buffer.from(zipSync(zippable));
  } catch (cause) {
    throw new PackageError('zip', 'archive', (cause as Error).message);
  }
}

// ---------------------------------------------------------------------------------------------------
// Files
// ---------------------------------------------------------------------------------------------------

/** Every file under `root`, relative and `/`-separated, sorted. */
function listFiles(root: string): string[] {
  const files: string[] = [];
  const walk = (relative: string): void => {
    for (const entry of io(root, () => readdirSync(path.join(root, relative), { withFileTypes: true }))) {
      const child = relative === '' ? entry.name : `${relative}/${entry.name}`;
      if (entry.isDirectory()) walk(child);
      else if (entry.isFile()) files.push(child);
    }
  };
  walk('');
  return files.sort();
}

function copyInto(projectRoot: string, appDir: string, relative: string): void {
  copyFile(path.join(projectRoot, relative), path.join(appDir, relative));
}

function copyFile(from: string, to: string): void {
  io(to, () => mkdirSync(path.dirname(to), { recursive: true }));
  io(from, () => copyFileSync(from, to));
}

function writeText(file: string, text: string): void {
  writeBytes(file, Buffer.from(text, 'utf8'));
}

function writeBytes(file: string, bytes: Uint8Array): void {
  io(file, () => mkdirSync(path.dirname(file), { recursive: true }));
  io(file, () => writeFileSync(file, bytes));
}

function readJson(file: string): unknown {
  const text = io(file, () => readFileSync(file, 'utf8'));
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new PackageError('io', file, `not JSON: ${(cause as Error).message}`);
  }
}

function io<T>(subject: string, action: () => T): T {
  try {
    return action();
  } catch (cause) {
    if (cause instanceof PackageError) throw cause;
    throw new PackageError('io', subject, (cause as NodeJS.ErrnoException).code ?? (cause as Error).message);
  }
}

function formatBytes(bytes: number): string {
  return bytes >= 1e6 ? `${(bytes / 1e6).toFixed(2)} MB` : `${(bytes / 1e3).toFixed(1)} kB`;
}

// ---------------------------------------------------------------------------------------------------
// Command line
// ---------------------------------------------------------------------------------------------------

/** The folder holding package.json, above the compiled script (dist/scripts) or the source (scripts). */
function findProjectRoot(start: string): string {
  let directory = start;
  while (!existsSync(path.join(directory, 'package.json'))) {
    const parent = path.dirname(directory);
    if (parent === directory) throw new PackageError('io', start, 'no package.json above the packaging script');
    directory = parent;
  }
  return directory;
}

export async function runPackage(argv: readonly string[], log: (line: string) => void): Promise<PackageResult> {
  let outDir: string | undefined;
  try {
    const parsed = parseArgs({ args: [...argv], options: { 'out-dir': { type: 'string' } } });
    outDir = parsed.values['out-dir'];
  } catch (cause) {
    throw new PackageError('usage', 'arguments', `${(cause as Error).message}\nUsage: node dist/scripts/package.js [--out-dir DIR]`);
  }
  const projectRoot = findProjectRoot(path.dirname(fileURLToPath(import.meta.url)));
  return buildPackage({ projectRoot, ...(outDir !== undefined ? { outDir: path.resolve(outDir) } : {}), log });
}

const invokedAs = process.argv[1] ? pathToFileURL(path.resolve(process.argv[1])).href : '';
if (import.meta.url === invokedAs) {
  runPackage(process.argv.slice(2), (line) => console.log(`package: ${line}`)).catch((error: unknown) => {
    if (!(error instanceof PackageError)) throw error;
    console.error(`package: ${error.message}`);
    process.exitCode = error.code === 'usage' ? 2 : 1;
  });
}
