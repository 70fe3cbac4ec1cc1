// The rule's product (the device's OS) is part of the query and of the verification on every target.
import { describe, expect, it } from 'vitest';
import { compileToKql } from '../../src/kql/compile.js';
import { compileKqlQuery } from '../../src/kql/oracle.js';
import { verifyRows } from '../../src/hunt/verify.js';
import { compileRule } from '../../src/match/compile.js';
import { parseRuleText } from '../../src/rule/load.js';
import { categoryMapping } from '../../src/targets/index.js';
import { productScopeOf, rowInProduct } from '../../src/targets/product.js';
import { targetRowReader } from '../../src/targets/row-events.js';
import type { TargetName } from '../../src/targets/types.js';

const WINDOW = { start: new Date('2024-05-01T00:00:00Z'), end: new Date('2024-05-01T01:00:00Z') };
const AT = new Date('2024-05-01T00:30:00Z');

const rule = (product: string) =>
  parseRuleText(
    `title: t
id: 11111111-2222-4333-8444-${{ windows: '555555555555', linux: '666666666666', macos: '777777777777' }[product] ?? '888888888888'}
status: test
level: high
logsource:
    category: process_creation
    product: ${product}
detection:
    selection:
        CommandLine|contains: 'exec'
    condition: selection
`,
    `${product}.yml`,
  ).rules[0]!;

type Os = 'windows' | 'linux' | 'macos' | 'unknown';

/** One process creation per OS and target, in the shape the target's source returns it. The macOS rows follow a
 *  live Defender row of a Mac (rknightion/graph2otel internal/collectors/deviceprocess, its `liveRecord`): POSIX
 *  paths as on Linux, the same Posix AdditionalFields (so the ASIM parser writes DvcOs "Linux"), and "(APPLE)" as
 *  the version-info company of Apple's binaries. */
const ROWS: Record<'asim' | 'mde', Record<Os, Record<string, unknown>>> = {
  mde: {
    windows: { TimeGenerated: AT, DeviceId: 'w', ReportId: 1, FolderPath: 'C:\\Windows\\System32\\cmd.exe', ProcessCommandLine: 'cmd /c exec' },
    linux: { TimeGenerated: AT, DeviceId: 'l', ReportId: 2, FolderPath: '/usr/sbin/runc', ProcessCommandLine: 'runc exec --detach' },
    macos: { TimeGenerated: AT, DeviceId: 'm', ReportId: 4, FolderPath: '/usr/bin/osascript', ProcessVersionInfoCompanyName: '(APPLE)', ProcessCommandLine: 'osascript -e exec' },
    unknown: { TimeGenerated: AT, DeviceId: 'u', ReportId: 3, FolderPath: '', ProcessCommandLine: 'exec' },
  },
  asim: {
    windows: { TimeGenerated: AT, EventProduct: 'M365 Defender for Endpoint', EventOriginalUid: '1', DvcOs: 'Windows', TargetProcessCommandLine: 'cmd /c exec' },
    linux: { TimeGenerated: AT, EventProduct: 'M365 Defender for Endpoint', EventOriginalUid: '2', DvcOs: 'Linux', TargetProcessName: '/usr/sbin/runc', TargetProcessCommandLine: 'runc exec --detach' },
    macos: {
      TimeGenerated: AT,
      EventProduct: 'M365 Defender for Endpoint',
      EventOriginalUid: '4',
      DvcOs: 'Linux',
      TargetProcessName: '/usr/bin/osascript',
      ProcessVersionInfoCompanyName: '(APPLE)',
      TargetProcessCommandLine: 'osascript -e exec',
    },
    unknown: { TimeGenerated: AT, EventProduct: 'Other EDR', EventOriginalUid: '3', DvcOs: '', TargetProcessCommandLine: 'exec' },
  },
};
const PRODUCTS = ['windows', 'linux', 'macos'] as const;

describe('product scoping', () => {
  for (const target of ['asim', 'mde'] as const satisfies readonly TargetName[]) {
    const mapping = categoryMapping(target, 'process_creation')!;
    for (const product of PRODUCTS) {
      it(`${target}: a ${product} rule's query and verification keep ${product} rows only; unknown OS meets none`, () => {
        const conversion = compileToKql(rule(product), target, { window: WINDOW });
        if (!conversion.ok) throw new Error(conversion.reason);
        const query = compileKqlQuery(conversion.kql, { columns: mapping.columns });
        const rows = ROWS[target];
        for (const os of [...PRODUCTS, 'unknown'] as const) expect(query.matches(rows[os]), os).toBe(os === product);
        // The verification applies the same test to a row the query returned (a hand-written override may not).
        const outcome = verifyRows([rows.windows, rows.linux, rows.macos, rows.unknown], mapping, compileRule(rule(product)));
        expect(outcome.hits.map((hit) => hit.hitId)).toHaveLength(1);
        expect(outcome.kqlOverMatch).toBe(3);
      });
    }
  }

  it('mde: a POSIX row is macOS by a macOS-only root in either image path or by Apple version info, else Linux', () => {
    const mapping = categoryMapping('mde', 'process_creation')!;
    const osOf = (row: Record<string, unknown>) => PRODUCTS.filter((product) => rowInProduct(mapping.products[product]!, row));
    // The live macOS row: an Apple framework binary started by another, the parent's path lower-cased.
    const live = {
      FolderPath: '/System/Library/Frameworks/CryptoTokenKit.framework/UserSelector',
      InitiatingProcessFolderPath: '/system/library/frameworks/cryptotokenkit.framework/ctkahp.bundle/contents/macos/ctkahp',
      ProcessVersionInfoCompanyName: '(APPLE)',
      InitiatingProcessVersionInfoCompanyName: '(APPLE)',
    };
    expect(osOf(live)).toEqual(['macos']);
    expect(osOf({ FolderPath: '/Applications/Zoom.app/Contents/MacOS/zoom.us' })).toEqual(['macos']);
    expect(osOf({ FolderPath: '/opt/homebrew/bin/curl', InitiatingProcessFolderPath: '/users/rob/downloads/run.sh' })).toEqual(['macos']);
    expect(osOf({ FolderPath: '/usr/local/bin/node', InitiatingProcessVersionInfoCompanyName: '(APPLE)' })).toEqual(['macos']);
    // No signal: read as Linux (a Mac's homebrew binary under another shows none either: README, Products).
    expect(osOf({ FolderPath: '/usr/bin/curl', InitiatingProcessFolderPath: '/usr/bin/bash' })).toEqual(['linux']);
    expect(osOf({ FolderPath: '/usr/bin/osascript', ProcessVersionInfoCompanyName: 'Apple Inc.' })).toEqual(['linux']);
    expect(osOf({ FolderPath: '/home/rob/System/x' })).toEqual(['linux']);
    expect(osOf({ FolderPath: 'C:\\Users\\rob\\x.exe', InitiatingProcessFolderPath: '/users/rob/x' })).toEqual(['windows']);
    expect(osOf({ FolderPath: '', ProcessVersionInfoCompanyName: '(APPLE)' })).toEqual([]);
  });

  it('asim: a DvcOs "Linux" row of a Mac is macOS by the same cells under their ASIM names; DvcOs "macOS" is macOS', () => {
    const mapping = categoryMapping('asim', 'process_creation')!;
    const osOf = (row: Record<string, unknown>) => PRODUCTS.filter((product) => rowInProduct(mapping.products[product]!, row));
    expect(osOf({ DvcOs: 'Linux', TargetProcessName: '/System/Library/Frameworks/CryptoTokenKit.framework/UserSelector' })).toEqual(['macos']);
    expect(osOf({ DvcOs: 'Linux', TargetProcessName: '/usr/bin/curl', ActingProcessName: '/applications/iterm.app/contents/macos/iterm2' })).toEqual(['macos']);
    expect(osOf({ DvcOs: 'Linux', TargetProcessName: '/usr/bin/curl', InitiatingProcessVersionInfoCompanyName: '(APPLE)' })).toEqual(['macos']);
    expect(osOf({ DvcOs: 'Linux', TargetProcessName: '/usr/bin/curl' })).toEqual(['linux']);
    expect(osOf({ DvcOs: 'macOS', TargetProcessName: '/usr/bin/curl' })).toEqual(['macos']);
    expect(osOf({ DvcOs: '', EventProduct: 'Sysmon for Linux', TargetProcessName: '/System/x' })).toEqual(['linux']);
    expect(osOf({ DvcOs: 'Windows', TargetProcessName: 'C:\\Users\\x.exe' })).toEqual(['windows']);
  });

  it('scan --target mde reads the live macOS row as a Mac row: macOS rules apply to it, Linux rules do not', () => {
    const reader = targetRowReader('mde');
    const event = reader.eventOf({
      Type: 'DeviceProcessEvents',
      FolderPath: '/System/Library/Frameworks/CryptoTokenKit.framework/UserSelector',
      ProcessCommandLine: '/System/Library/Frameworks/CryptoTokenKit.framework/UserSelector -o anybind',
      InitiatingProcessFolderPath: '/system/library/frameworks/cryptotokenkit.framework/ctkahp.bundle/contents/macos/ctkahp',
      ProcessVersionInfoCompanyName: '(APPLE)',
    });
    const source = reader.resolver.classify(event)!;
    expect(source.product).toBe('macos');
    expect(reader.resolver.applies({ category: 'process_creation', product: 'macos' }, source)).toBe(true);
    expect(reader.resolver.applies({ category: 'process_creation', product: 'linux' }, source)).toBe(false);
    expect(event.Image).toBe('/System/Library/Frameworks/CryptoTokenKit.framework/UserSelector');
  });

  it('sysmon: the Event table is Windows only; a Linux or macOS rule is refused, a Windows rule gets no OS test', () => {
    for (const product of ['linux', 'macos']) {
      const refused = compileToKql(rule(product), 'sysmon', { window: WINDOW });
      expect(refused.ok).toBe(false);
      if (!refused.ok) expect(refused.code).toBe('category');
    }
    const windows = compileToKql(rule('windows'), 'sysmon', { window: WINDOW });
    expect(windows.ok).toBe(true);
    const scope = productScopeOf(categoryMapping('sysmon', 'process_creation')!, 'windows');
    expect(scope.kind === 'scoped' && rowInProduct(scope.scope, {})).toBe(true);
  });

  it('a product no target serves (android) is refused everywhere', () => {
    for (const target of ['asim', 'mde', 'sysmon'] as const) expect(compileToKql(rule('android'), target).ok).toBe(false);
  });

  it('the product test is a source line: rules of two products never share a batch query', () => {
    const kql = (product: string) => {
      const conversion = compileToKql(rule(product), 'mde', { window: WINDOW });
      if (!conversion.ok) throw new Error('refused');
      return conversion.kql;
    };
    expect(kql('windows')).toContain('| where (isnotempty(FolderPath) and not(FolderPath startswith_cs "/"))');
    expect(kql('linux')).toContain('| where (FolderPath startswith_cs "/" and not((FolderPath startswith_cs "/System/" or ');
    expect(kql('macos')).toContain('| where (FolderPath startswith_cs "/" and (FolderPath startswith_cs "/System/" or ');
    expect(kql('macos')).toContain('ProcessVersionInfoCompanyName == "(APPLE)"');
  });
});
