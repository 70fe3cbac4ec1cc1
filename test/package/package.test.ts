// `npm run package`: the zip's contents, its determinism, and the unpacked app run by fresh `node` processes with
// no node_modules at all (azd before 1.23.12 drops it), the way the Functions worker loads it.
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as zlib from 'node:zlib';
import * as esbuild from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLE_PATH, buildPackage, bundleOptions, functionEntryPoints, RUNTIME_PACKAGES, SHIPPED_KUSTO_PATH, SHIPPED_STATIC_PATH, zipFiles, type PackageResult } from '../../scripts/package.js';
import { projectRoot } from '../support/paths.js';

/** The stated size bounds: the zip is what is uploaded on every deployment. */
const MAX_ZIP_BYTES = 4_000_000;
const MAX_UNPACKED_BYTES = 30_000_000;

const SEED_RULE_ID = '7b434893-c57d-4f41-908d-6a17bf1ae98f';
const PROBE_PATH = 'dist/functions/package-probe.js';
const REVIEW_PROBE_PATH = 'dist/functions/package-review-probe.js';
const STATIC_FILES = ['app.css', 'app.js', 'index.html'];
/** The review settings the page route needs to answer (no storage request is made for the page). */
const REVIEW_ENV = { REVIEW_AUTH: 'entra', REVIEW_TENANT_ID: '11111111-2222-3333-4444-555555555555', REVIEW_AUDIENCE: 'api://sigma-hunt-review', HUNT_STORAGE_TABLE_ENDPOINT: 'https://sigmahunttest.table.core.windows.net' };

interface ZipEntry {
  path: string;
  method: number;
  crc: number;
  dosTime: number;
  dosDate: number;
  unixMode: number;
  data: Buffer;
}

/** Reads a ZIP by its central directory, as an unzip tool does; independent of the writer under test. */
function readZip(zip: Buffer): ZipEntry[] {
  const end = zip.length - 22;
  expect(zip.readUInt32LE(end)).toBe(0x06054b50);
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  const entries: ZipEntry[] = [];
  for (let index = 0; index < count; index++) {
    expect(zip.readUInt32LE(at)).toBe(0x02014b50);
    const method = zip.readUInt16LE(at + 10);
    const compressedSize = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const localOffset = zip.readUInt32LE(at + 42);
    const name = zip.toString('utf8', at + 46, at + 46 + nameLength);
    expect(zip.readUInt32LE(localOffset)).toBe(0x04034b50);
    const dataStart = localOffset + 30 + zip.readUInt16LE(localOffset + 26) + zip.readUInt16LE(localOffset + 28);
    const raw = zip.subarray(dataStart, dataStart + compressedSize);
    const data = method === 8 ? zlib.inflateRawSync(raw) : Buffer.from(raw);
    expect(data.length, name).toBe(zip.readUInt32LE(at + 24));
    entries.push({
      path: name,
      method,
      crc: zip.readUInt32LE(at + 16),
      dosTime: zip.readUInt16LE(at + 12),
      dosDate: zip.readUInt16LE(at + 14),
      unixMode: zip.readUInt32LE(at + 38) >>> 16,
      data,
    });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/** Environment of the child processes: nothing from this one (no HUNT_* of the developer, no NODE_OPTIONS). */
function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? '', ...extra };
}

function runNode(args: string[], cwd: string, env: NodeJS.ProcessEnv): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, args, { cwd, env, encoding: 'utf8', timeout: 60_000 });
}

/** Stands in for the worker's setupCoreModule: serves `@azure/functions-core` by wrapping
 *  Module.prototype.require, records what the app registers, and with `tick` runs the sigmaHunt timer's handler once. */
const WORKER_HOOK = `
import Module from 'node:module';
import { pathToFileURL } from 'node:url';
const registered = [];
const programmingModels = [];
const handlers = [];
const coreApi = {
  version: 'test', hostVersion: 'test', log() {}, getProgrammingModel: () => undefined,
  registerHook: () => ({ dispose() {} }),
  setProgrammingModel: (model) => void programmingModels.push(model.name),
  registerFunction: (metadata, handler) => { registered.push(metadata); handlers.push(handler); return { dispose() {} }; },
  Disposable: class { dispose() {} },
};
Module.prototype.require = new Proxy(Module.prototype.require, {
  apply: (target, self, args) => (args[0] === '@azure/functions-core' ? coreApi : Reflect.apply(target, self, args)),
});
const main = JSON.parse((await import('node:fs')).readFileSync('package.json', 'utf8')).main;
await import(pathToFileURL(main).href);
const result = { programmingModels, registered };
if (process.argv[2] === 'tick') {
  const logged = [];
  const context = { log: (m) => logged.push(['info', String(m)]), warn: (m) => logged.push(['warn', String(m)]), error: (m) => logged.push(['error', String(m)]) };
  try { await handlers[registered.findIndex((metadata) => metadata.name === 'sigmaHunt')]({ isPastDue: false, scheduleStatus: {} }, context); result.tick = { ok: true, logged }; }
  catch (error) { result.tick = { ok: false, name: error.name, code: error.code, logged }; }
}
process.stdout.write(JSON.stringify(result) + '\\n');
`;

describe('npm run package', () => {
  let work: string;
  let result: PackageResult;
  let zip: Buffer;
  let entries: ZipEntry[];
  let unpacked: string;
  let hookScript: string;

  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'sigma-hunt-package-'));
    result = await buildPackage({ projectRoot, outDir: path.join(work, 'out') });
    zip = readFileSync(result.zipFile);
    entries = readZip(zip);
    unpacked = path.join(work, 'unpacked');
    for (const entry of entries) {
      mkdirSync(path.dirname(path.join(unpacked, entry.path)), { recursive: true });
      writeFileSync(path.join(unpacked, entry.path), entry.data);
    }
    // The probe is bundled like the app and sits beside its bundle: same import.meta.url, same node_modules.
    await esbuild.build(bundleOptions(projectRoot, 'test/package/probe.ts', path.join(unpacked, PROBE_PATH)));
    await esbuild.build(bundleOptions(projectRoot, 'test/package/review-probe.ts', path.join(unpacked, REVIEW_PROBE_PATH)));
    hookScript = path.join(work, 'worker-hook.mjs');
    writeFileSync(hookScript, WORKER_HOOK);
  });

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const names = (): string[] => entries.map((entry) => entry.path);
  const manifest = (): { main: string; type: string; engines: { node: string }; dependencies: Record<string, string> } =>
    JSON.parse(entries.find((entry) => entry.path === 'package.json')!.data.toString('utf8'));

  it('holds host.json, package.json, the bundle, the rules with their README and DRL license, the ATT&CK data with its attribution', () => {
    expect(names()).toEqual(
      expect.arrayContaining([
        'host.json',
        'package.json',
        BUNDLE_PATH,
        'rules/README.md',
        'rules/LICENSE.Detection.Rules.md',
        'rules/windows/network_connection/net_connection_win_susp_initiated_uncommon_or_suspicious_locations.yml',
        'dist/functions/enterprise-attack.json',
        'dist/functions/ATTRIBUTION.md',
        `${SHIPPED_STATIC_PATH}/index.html`,
        'THIRD-PARTY-NOTICES.md',
      ]),
    );
    const entry = (name: string): Buffer => entries.find((candidate) => candidate.path === name)!.data;
    expect(entry('host.json').equals(readFileSync(path.join(projectRoot, 'host.json')))).toBe(true);
    expect(entry('dist/functions/enterprise-attack.json').equals(readFileSync(path.join(projectRoot, 'src/enrich/attack/enterprise-attack.json')))).toBe(true);
  });

  it('has a package.json whose main is the bundle inside the package, an ESM app for Node 22 with no dependency to install', () => {
    const app = manifest();
    expect(app.main).toBe(BUNDLE_PATH);
    expect(names()).toContain(path.posix.normalize(app.main));
    expect(app.type).toBe('module');
    expect(app.engines.node).toBe('>=22 <23');
    expect(app.dependencies).toBeUndefined();
  });

  it('ships nothing in node_modules (azd before 1.23.12 drops it): the Kusto scripts sit beside the bundle as .cjs', () => {
    expect(names().filter((name) => name.split('/').includes('node_modules'))).toEqual([]);
    const shipped = RUNTIME_PACKAGES.flatMap((runtimePackage) => runtimePackage.files.map((file) => file.to));
    expect(shipped).toEqual([`${SHIPPED_KUSTO_PATH}/bridge.cjs`, `${SHIPPED_KUSTO_PATH}/Kusto.Language.Bridge.cjs`]);
    for (const file of RUNTIME_PACKAGES[0]!.files) {
      const entry = entries.find((candidate) => candidate.path === file.to);
      expect(entry, file.to).toBeDefined();
      expect(entry!.data.equals(readFileSync(path.join(projectRoot, 'node_modules/@kusto/language-service-next', file.from))), file.to).toBe(true);
    }
  });

  it('contains no development dependency, test, TypeScript source or source map', () => {
    const project = JSON.parse(readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
    const lock = JSON.parse(readFileSync(path.join(projectRoot, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
    const devOnly = new Set(Object.entries(lock.packages).filter(([, locked]) => locked.dev).map(([key]) => key));
    for (const name of ['vitest', 'typescript', 'azurite', 'fast-check', 'tree-sitter', 'esbuild', ...Object.keys(project.devDependencies)]) {
      expect(devOnly.has(`node_modules/${name}`), name).toBe(true);
    }
    const bundled = result.bundledPackages.map((found) => found.directory);
    expect(bundled).toContain('node_modules/@azure/functions');
    for (const directory of bundled) expect(lock.packages[directory], directory).toBeDefined();
    expect(bundled.filter((directory) => devOnly.has(directory))).toEqual([]);
    expect(names().filter((name) => /\.(ts|map)$|(^|\/)test\//.test(name))).toEqual([]);
    const bundle = entries.find((entry) => entry.path === BUNDLE_PATH)!.data.toString('utf8');
    expect(bundle).not.toMatch(/node_modules\/(vitest|typescript|azurite|fast-check|tree-sitter|esbuild)\//);
  });

  it(`is under ${MAX_ZIP_BYTES / 1e6} MB zipped and ${MAX_UNPACKED_BYTES / 1e6} MB unpacked`, () => {
    expect(result.zipBytes).toBe(zip.length);
    expect(result.zipBytes).toBeLessThan(MAX_ZIP_BYTES);
    expect(result.unpackedBytes).toBe(entries.reduce((total, entry) => total + entry.data.length, 0));
    expect(result.unpackedBytes).toBeLessThan(MAX_UNPACKED_BYTES);
  });

  it('unpacks to exactly the staged app folder', () => {
    expect(names()).toEqual(result.files.map((file) => file.path));
    for (const entry of entries) expect(entry.data.equals(readFileSync(path.join(result.appDir, entry.path))), entry.path).toBe(true);
  });

  it('is byte-identical when packaged again: sorted entries, fixed 1980-01-01 timestamps, mode 0644', async () => {
    expect(names()).toEqual([...names()].sort());
    for (const entry of entries) {
      expect([entry.dosDate, entry.dosTime, entry.unixMode], entry.path).toEqual([0x21, 0, 0o100644]);
    }
    const again = await buildPackage({ projectRoot, outDir: path.join(work, 'again') });
    expect(again.zipSha256).toBe(result.zipSha256);
    expect(readFileSync(again.zipFile).equals(zip)).toBe(true);
  });

  it('records CRC-32s that zlib computes alike for every entry', () => {
    // zlib.crc32 exists on every Node this project runs its tests on (20.15+, 22.2+).
    for (const entry of entries) expect(entry.crc, entry.path).toBe(zlib.crc32(entry.data));
  });

  it('stores an entry that deflate would enlarge and deflates the others', () => {
    const noise = Uint8Array.from({ length: 256 }, (_, index) => (index * 167 + 13) % 256);
    const small = readZip(zipFiles([{ path: 'b.txt', data: Buffer.from('a'.repeat(1000)) }, { path: 'a.bin', data: noise }]));
    expect(small.map((entry) => [entry.path, entry.method])).toEqual([
      ['a.bin', 0],
      ['b.txt', 8],
    ]);
    expect(Buffer.from(small[0]!.data).equals(Buffer.from(noise))).toBe(true);
  });

  it('runs from an unpacked copy with no node_modules above it', () => {
    for (let directory = path.dirname(unpacked); ; directory = path.dirname(directory)) {
      expect(existsSync(path.join(directory, 'node_modules')), directory).toBe(false);
      if (path.dirname(directory) === directory) break;
    }
  });

  it('bundles every function entry point in functions/', () => {
    const onDisk = readdirSync(path.join(projectRoot, 'functions')).filter((name) => name.endsWith('.ts')).map((name) => `functions/${name}`).sort();
    expect(result.entryPoints).toEqual(onDisk);
    expect(functionEntryPoints(projectRoot)).toEqual(onDisk);
    expect(onDisk).toEqual(expect.arrayContaining(['functions/hunt-timer.ts', 'functions/review-http.ts']));
  });

  it('registers the sigmaHunt timer on %HUNT_SCHEDULE% and the review HTTP routes with the host through a require-hooked @azure/functions-core', () => {
    const child = runNode([hookScript], unpacked, childEnv());
    expect(child.status, child.stderr).toBe(0);
    type Binding = { type: string; direction: string; schedule?: string; runOnStartup?: boolean; route?: string; methods?: string[]; authLevel?: string };
    const output = JSON.parse(child.stdout) as { programmingModels: string[]; registered: { name: string; bindings: Record<string, Binding> }[] };
    expect(output.programmingModels).toEqual(['@azure/functions']);
    // Every entry point of functions/ (the generated entry imports them in path order).
    expect(output.registered.map((metadata) => metadata.name).sort()).toEqual(['reviewExceptions', 'reviewIncidents', 'reviewPage', 'sigmaHunt', 'sigmaHuntHunter', 'sigmaHuntPlanner']);
    const triggers = Object.fromEntries(
      output.registered.map((metadata) => [metadata.name, Object.values(metadata.bindings).filter((binding) => binding.direction === 'in')]),
    );
    expect(triggers.sigmaHunt).toEqual([expect.objectContaining({ type: 'timerTrigger', schedule: '%HUNT_SCHEDULE%', runOnStartup: false })]);
    expect(triggers.sigmaHuntPlanner).toEqual([expect.objectContaining({ type: 'timerTrigger', schedule: '%HUNT_SCHEDULE%', runOnStartup: false })]);
    expect(triggers.sigmaHuntHunter).toEqual([expect.objectContaining({ type: 'queueTrigger', queueName: '%HUNT_QUEUE_NAME%', connection: 'AzureWebJobsStorage' })]);
    const http = (route: string, methods: string[]) => [expect.objectContaining({ type: 'httpTrigger', route, authLevel: 'anonymous', methods })];
    expect(triggers.reviewIncidents).toEqual(http('incidents/{id?}', ['GET', 'PATCH']));
    expect(triggers.reviewExceptions).toEqual(http('exceptions/{id?}', ['GET', 'POST', 'DELETE']));
    expect(triggers.reviewPage).toEqual(http('review/{*asset}', ['GET', 'HEAD']));
    expect(child.stderr).not.toContain('test mode');
  });

  it('ships the review page\'s files beside the bundle, byte for byte', () => {
    for (const file of STATIC_FILES) {
      const entry = entries.find((candidate) => candidate.path === `${SHIPPED_STATIC_PATH}/${file}`);
      expect(entry, file).toBeDefined();
      expect(entry!.data.equals(readFileSync(path.join(projectRoot, 'src/review/static', file))), file).toBe(true);
    }
    expect(names().filter((name) => name.startsWith(`${SHIPPED_STATIC_PATH}/`))).toEqual(readdirSync(path.join(projectRoot, 'src/review/static')).sort().map((file) => `${SHIPPED_STATIC_PATH}/${file}`));
  });

  it('serves the review page\'s files from the unpacked app through the review HTTP function, with no checkout in reach', () => {
    const child = runNode([REVIEW_PROBE_PATH], unpacked, childEnv(REVIEW_ENV));
    expect(child.status, child.stderr).toBe(0);
    const served = JSON.parse(child.stdout) as Record<string, { status: number; contentType: string; body: string }>;
    const source = (file: string): string => readFileSync(path.join(projectRoot, 'src/review/static', file), 'utf8');
    expect(served['']).toMatchObject({ status: 200, body: source('index.html') });
    expect(served['']!.contentType).toMatch(/^text\/html/);
    expect(served['index.html']).toMatchObject({ status: 200, body: source('index.html') });
    expect(served['app.js']).toMatchObject({ status: 200, body: source('app.js') });
    expect(served['app.js']!.contentType).toMatch(/javascript/);
    expect(served['app.css']).toMatchObject({ status: 200, body: source('app.css') });
  });

  it('serves no page without the shipped static files: the bundle reads the copies beside it', () => {
    const shipped = path.join(unpacked, SHIPPED_STATIC_PATH);
    renameSync(shipped, `${shipped}.moved`);
    try {
      const child = runNode([REVIEW_PROBE_PATH], unpacked, childEnv(REVIEW_ENV));
      expect(child.status, child.stderr).toBe(0);
      const served = JSON.parse(child.stdout) as Record<string, { status: number }>;
      expect(served['']!.status).toBe(404);
      expect(served['app.js']!.status).toBe(404);
    } finally {
      renameSync(`${shipped}.moved`, shipped);
    }
  });

  it('loads outside the Functions host in test mode, registering nothing', () => {
    const child = runNode(['--input-type=module', '-e', `await import('./${BUNDLE_PATH}')`], unpacked, childEnv());
    expect(child.status, child.stderr).toBe(0);
    expect(child.stderr).toContain('Skipping call to register function "sigmaHunt" because the "@azure/functions" package is in test mode');
    expect(child.stderr).toContain('Skipping call to register function "reviewPage"');
  });

  it('reports invalid settings on a tick as a ConfigError naming the setting', () => {
    const child = runNode([hookScript, 'tick'], unpacked, childEnv({ WEBSITE_INSTANCE_ID: 'test-instance', HUNT_SCHEDULE: '*/5 * * * *' }));
    expect(child.status, child.stderr).toBe(0);
    const { tick } = JSON.parse(child.stdout) as { tick: { ok: boolean; code: string; logged: [string, string][] } };
    expect(tick).toMatchObject({ ok: false, code: 'config' });
    const errors = tick.logged.filter(([level]) => level === 'error').map(([, message]) => message).join('\n');
    expect(errors).toContain('LOG_ANALYTICS_WORKSPACE_ID');
    expect(errors).toContain('HUNT_SCHEDULE');
  });

  it('with no node_modules anywhere, parses the settings, loads the packaged rules, enriches them from the packaged ATT&CK data and plans the seed rule\'s KQL with the Kusto parser shipped beside the bundle', () => {
    expect(existsSync(path.join(unpacked, 'node_modules'))).toBe(false);
    const env = childEnv({
      WEBSITE_INSTANCE_ID: 'test-instance',
      LOG_ANALYTICS_WORKSPACE_ID: '00000000-0000-4000-8000-000000000001',
      HUNT_STORAGE_TABLE_ENDPOINT: 'https://sigmahunttest.table.core.windows.net',
    });
    const child = runNode([PROBE_PATH], unpacked, env);
    expect(child.status, child.stderr).toBe(0);
    const probe = JSON.parse(child.stdout) as { kustoScripts: string[]; environment: string; rulesPath: string; ruleIds: string[]; skipped: unknown[]; warnings: string[]; attackVersion: string; techniques: string[]; query: string };
    const attackData = JSON.parse(readFileSync(path.join(projectRoot, 'src/enrich/attack/enterprise-attack.json'), 'utf8')) as { attackVersion: string };
    expect(probe).toMatchObject({ environment: 'azure', rulesPath: path.join(unpacked, 'rules'), ruleIds: [SEED_RULE_ID], skipped: [], warnings: [] });
    expect(probe.attackVersion).toBe(attackData.attackVersion);
    expect(probe.techniques).toContain('T1105');
    expect(probe.query).toContain('ingestion_time() >');
    expect(probe.kustoScripts).toEqual(RUNTIME_PACKAGES[0]!.files.map((file) => path.join(unpacked, file.to)));
  });

  it('fails to plan without the shipped Kusto scripts: the bundle loads the copies beside it', () => {
    const shipped = path.join(unpacked, SHIPPED_KUSTO_PATH);
    renameSync(shipped, `${shipped}.moved`);
    try {
      const child = runNode([PROBE_PATH], unpacked, childEnv({ LOG_ANALYTICS_WORKSPACE_ID: '00000000-0000-4000-8000-000000000001', HUNT_STORAGE_TABLE_ENDPOINT: 'https://sigmahunttest.table.core.windows.net' }));
      expect(`${child.stdout}${child.stderr}`).toContain('@kusto/language-service-next');
    } finally {
      renameSync(`${shipped}.moved`, shipped);
    }
  });

  it('fails to enrich without the packaged ATT&CK data: the bundle reads the copy beside it, not the checkout', () => {
    const dataFile = path.join(unpacked, 'dist/functions/enterprise-attack.json');
    renameSync(dataFile, `${dataFile}.moved`);
    try {
      const child = runNode([PROBE_PATH], unpacked, childEnv({ LOG_ANALYTICS_WORKSPACE_ID: '00000000-0000-4000-8000-000000000001' }));
      expect(child.status).not.toBe(0);
      expect(child.stderr).toContain('enterprise-attack.json');
    } finally {
      renameSync(`${dataFile}.moved`, dataFile);
    }
  });
});
