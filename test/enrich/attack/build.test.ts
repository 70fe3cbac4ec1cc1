// The shipped data file must be exactly what scripts/attack-build.ts makes of MITRE's bundle in ../shared.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ATTRIBUTION_FILE_NAME, buildAttackData, runAttackBuild } from '../../../scripts/attack-build.js';
import { ATTACK_DATA_FILE_NAME } from '../../../src/enrich/attack/data.js';
import { AttackDataError, readAttackCatalog } from '../../../src/enrich/attack/index.js';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const bundleFile = path.resolve(projectRoot, '../shared/attack/enterprise-attack-19.1.json');
const licenseFile = path.resolve(projectRoot, '../shared/attack/LICENSE.txt');
const shippedDirectory = path.join(projectRoot, 'src/enrich/attack');
const scratch = mkdtempSync(path.join(tmpdir(), 'attack-build-test-'));

const buildLog: string[] = [];

beforeAll(() => runAttackBuild([bundleFile, '--out-dir', scratch], (line) => buildLog.push(line)));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function expectBuildError(run: () => unknown, code: AttackDataError['code']): void {
  let thrown: unknown;
  try {
    run();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(AttackDataError);
  expect((thrown as AttackDataError).code).toBe(code);
}

describe('attack-build', () => {
  it('rebuilds the shipped data file and ATTRIBUTION.md byte for byte', () => {
    for (const name of [ATTACK_DATA_FILE_NAME, ATTRIBUTION_FILE_NAME]) {
      expect(readFileSync(path.join(scratch, name)).equals(readFileSync(path.join(shippedDirectory, name))), name).toBe(true);
    }
    expect(buildLog.join('\n')).toContain('697 techniques');
  });

  it('writes the same bytes whatever the order of objects in the bundle', () => {
    const bundle = JSON.parse(readFileSync(bundleFile, 'utf8')) as { objects: unknown[] };
    bundle.objects.reverse();
    const reversedDirectory = mkdtempSync(path.join(scratch, 'reversed-'));
    const reversedBundle = path.join(reversedDirectory, 'enterprise-attack-19.1.json');
    writeFileSync(reversedBundle, JSON.stringify(bundle));
    const output = buildAttackData({ bundleFile: reversedBundle, licenseFile });
    expect(output.dataJson).toBe(readFileSync(path.join(shippedDirectory, ATTACK_DATA_FILE_NAME), 'utf8'));
  });

  it('keeps the shipped data file under 3 MB', () => {
    expect(statSync(path.join(shippedDirectory, ATTACK_DATA_FILE_NAME)).size).toBeLessThanOrEqual(3 * 1024 * 1024);
  });

  it('writes a data file the loader reads', () => {
    const catalog = readAttackCatalog(path.join(scratch, ATTACK_DATA_FILE_NAME));
    expect(catalog.attackVersion).toBe('19.1');
    expect(catalog.bundleDate).toBe('2026-05-12');
    expect(catalog.technique('T1105')?.name).toBe('Ingress Tool Transfer');
  });

  it("puts MITRE's copyright, license text and a non-affiliation statement in ATTRIBUTION.md", () => {
    const attribution = readFileSync(path.join(shippedDirectory, ATTRIBUTION_FILE_NAME), 'utf8');
    expect(attribution).toContain('MITRE ATT&CK®');
    expect(attribution).toContain(
      '© 2026 The MITRE Corporation. This work is reproduced and distributed with the permission of The MITRE Corporation.',
    );
    expect(attribution).toContain('not affiliated with');
    expect(attribution).toContain('ATT&CK version: 19.1');
    expect(attribution).toContain('enterprise-attack-19.1.json');
    const licenseSection = readFileSync(licenseFile, 'utf8').split('CAPEC™')[0].trim();
    expect(attribution).toContain(licenseSection);
  });

  it('maps revoked technique ids to their current replacement', () => {
    const { data } = buildAttackData({ bundleFile, licenseFile });
    expect(data.revoked.T1086).toBe('T1059.001');
    expect(data.revoked['T1547.011']).toBe('T1647');
    expect(Object.keys(data.revoked).every((id) => !(id in data.techniques))).toBe(true);
    expect(Object.values(data.revoked).every((id) => id in data.techniques || id in data.groups || id in data.software)).toBe(true);
  });

  it('refuses a missing bundle with code io', () => {
    expectBuildError(() => buildAttackData({ bundleFile: path.join(scratch, 'enterprise-attack-1.0.json'), licenseFile }), 'io');
  });

  it('refuses a JSON file that is not a STIX bundle with code bundle', () => {
    const notBundle = path.join(scratch, 'enterprise-attack-0.1.json');
    writeFileSync(notBundle, '{"objects": "none"}');
    expectBuildError(() => buildAttackData({ bundleFile: notBundle, licenseFile }), 'bundle');
  });

  it('refuses a license file without the ATT&CK copyright line with code bundle', () => {
    const license = path.join(scratch, 'LICENSE-without-copyright.txt');
    writeFileSync(license, 'ATT&CK®\n=======\nLicense\n-------\nSome text.\n');
    expectBuildError(() => buildAttackData({ bundleFile, licenseFile: license }), 'bundle');
  });

  it('refuses an unknown option with code usage', () => {
    expectBuildError(() => runAttackBuild(['--frobnicate'], () => undefined), 'usage');
  });
});
