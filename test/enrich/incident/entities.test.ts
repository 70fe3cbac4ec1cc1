import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  IDENTIFIER_MAX_CHARS,
  MAX_ENTITIES,
  MAX_IDENTIFIERS_PER_ENTITY,
  accountEntity,
  entitiesFor,
  hostEntity,
  splitHostName,
  type EntityHit,
} from '../../../src/enrich/entities.js';

const BASE: EntityHit = { host: 'WS01', processImage: 'C:\\Users\\Public\\evil.exe' };

describe('Host entities', () => {
  it('splits an FQDN into HostName and DnsDomain', () => {
    expect(hostEntity('ws01.corp.contoso.com')).toEqual({ type: 'Host', role: 'host', identifiers: { HostName: 'ws01', DnsDomain: 'corp.contoso.com' } });
  });

  it('splits DOMAIN\\HOST into HostName and NTDomain', () => {
    expect(hostEntity('CORP\\WS01')).toEqual({ type: 'Host', role: 'host', identifiers: { HostName: 'WS01', NTDomain: 'CORP' } });
  });

  it('keeps a single-label name as HostName alone and drops a trailing dot of an FQDN', () => {
    expect(hostEntity('WS01')?.identifiers).toEqual({ HostName: 'WS01' });
    expect(splitHostName('ws01.corp.contoso.com.')).toEqual({ hostName: 'ws01', dnsDomain: 'corp.contoso.com' });
  });

  it('turns a host that is an IP address into an IP entity', () => {
    expect(hostEntity('10.1.2.3')).toEqual({ type: 'IP', role: 'host', identifiers: { Address: '10.1.2.3' } });
    expect(hostEntity('fe80::1')?.type).toBe('IP');
  });

  it('gives no entity for an empty host', () => {
    expect(hostEntity('  ')).toBeUndefined();
  });
});

describe('Account entities', () => {
  it('splits DOMAIN\\user into Name and NTDomain', () => {
    expect(accountEntity('NT AUTHORITY\\SYSTEM')?.identifiers).toEqual({ Name: 'SYSTEM', NTDomain: 'NT AUTHORITY' });
  });

  it('splits a UPN into Name and UPNSuffix', () => {
    expect(accountEntity('alice@contoso.com')?.identifiers).toEqual({ Name: 'alice', UPNSuffix: 'contoso.com' });
  });

  it('keeps a bare name as Name and ignores a dash placeholder', () => {
    expect(accountEntity('alice')?.identifiers).toEqual({ Name: 'alice' });
    expect(accountEntity('-')).toBeUndefined();
  });
});

describe('entitiesFor', () => {
  it('maps a network hit to Host, Account, image File, Process, DNS and destination IP', () => {
    const entities = entitiesFor({
      host: 'ws01.corp.contoso.com',
      account: 'CORP\\alice',
      processImage: 'C:\\Users\\Public\\evil.exe',
      processId: '4242',
      destination: { fqdn: 'raw.githubusercontent.com', ip: '185.199.108.133', port: 443 },
      event: { CommandLine: 'evil.exe -c2', SourceIp: '10.0.0.5' },
    });
    expect(entities).toEqual([
      { type: 'Host', role: 'host', identifiers: { HostName: 'ws01', DnsDomain: 'corp.contoso.com' } },
      { type: 'Account', role: 'account', identifiers: { Name: 'alice', NTDomain: 'CORP' } },
      { type: 'File', role: 'image', identifiers: { Name: 'evil.exe', Directory: 'C:\\Users\\Public' } },
      { type: 'Process', role: 'process', identifiers: { ProcessId: '4242', CommandLine: 'evil.exe -c2' }, imageFile: 2 },
      { type: 'DNS', role: 'destination', identifiers: { DomainName: 'raw.githubusercontent.com' } },
      { type: 'IP', role: 'destination', identifiers: { Address: '185.199.108.133' } },
      { type: 'IP', role: 'source', identifiers: { Address: '10.0.0.5' } },
    ]);
  });

  it('reads the account, process id and destination from the Sigma event when the hit lacks them', () => {
    const entities = entitiesFor({ ...BASE, event: { User: 'alice@contoso.com', ProcessId: 77, DestinationHostname: 'c2.example', DestinationIp: '203.0.113.9' } });
    expect(entities.map((entity) => [entity.type, entity.identifiers])).toEqual([
      ['Host', { HostName: 'WS01' }],
      ['Account', { Name: 'alice', UPNSuffix: 'contoso.com' }],
      ['File', { Name: 'evil.exe', Directory: 'C:\\Users\\Public' }],
      ['Process', { ProcessId: '77' }],
      ['DNS', { DomainName: 'c2.example' }],
      ['IP', { Address: '203.0.113.9' }],
    ]);
  });

  it('adds the parent process of a process-creation hit', () => {
    const entities = entitiesFor({ ...BASE, event: { ParentProcessId: '100', ParentCommandLine: 'cmd.exe /c evil.exe' } });
    expect(entities.at(-1)).toEqual({ type: 'Process', role: 'parent-process', identifiers: { ProcessId: '100', CommandLine: 'cmd.exe /c evil.exe' } });
  });

  it('lists an address once when it is both the destination and the source', () => {
    const entities = entitiesFor({ ...BASE, destination: { ip: '10.0.0.5' }, event: { SourceIp: '10.0.0.5' } });
    expect(entities.filter((entity) => entity.type === 'IP')).toHaveLength(1);
  });

  it('uses a destination IP written as a host name as the IP, not as DNS', () => {
    const entities = entitiesFor({ ...BASE, destination: { fqdn: '203.0.113.9' } });
    expect(entities.map((entity) => entity.type)).toEqual(['Host', 'File', 'IP']);
  });

  it('leaves out values that are not IP addresses from IP entities', () => {
    expect(entitiesFor({ ...BASE, event: { SourceIp: 'not-an-ip' } }).some((entity) => entity.type === 'IP')).toBe(false);
  });

  it('cuts an identifier longer than the bound, marking the cut', () => {
    const entity = entitiesFor({ ...BASE, processId: '1', event: { CommandLine: 'x'.repeat(50_000) } }).find((item) => item.type === 'Process');
    expect(entity?.identifiers.CommandLine.length).toBe(IDENTIFIER_MAX_CHARS);
    expect(entity?.identifiers.CommandLine.endsWith('\u2026')).toBe(true);
  });

  it("keeps Sentinel's limits of 10 entities and 3 identifiers, with no empty identifier, whatever the hit (property)", () => {
    const text = fc.oneof(fc.string(), fc.constantFrom('', ' ', 'CORP\\x', 'a@b.c', 'a.b.c', '10.0.0.1', '::1', '\\', '@', '.'));
    fc.assert(
      fc.property(
        fc.record({
          host: text,
          processImage: text,
          account: fc.option(text, { nil: undefined }),
          processId: fc.option(text, { nil: undefined }),
          destination: fc.record({ fqdn: fc.option(text, { nil: undefined }), ip: fc.option(text, { nil: undefined }) }),
          event: fc.dictionary(
            fc.constantFrom('User', 'ProcessId', 'CommandLine', 'DestinationHostname', 'DestinationIp', 'SourceIp', 'ParentProcessId', 'ParentCommandLine'),
            fc.oneof(text, fc.integer()),
          ),
        }),
        (hit) => {
          const entities = entitiesFor(hit as EntityHit);
          expect(entities.length).toBeLessThanOrEqual(MAX_ENTITIES);
          for (const entity of entities) {
            const values = Object.values(entity.identifiers);
            expect(values.length).toBeGreaterThan(0);
            expect(values.length).toBeLessThanOrEqual(MAX_IDENTIFIERS_PER_ENTITY);
            expect(values.every((value) => value.trim() !== '')).toBe(true);
            if (entity.imageFile !== undefined) expect(entities[entity.imageFile].type).toBe('File');
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('entities of pathological values', () => {
  const HEAD = 'CORP\\WS"\\| // \u0000\u0007\t\n\u2028K\u212A\u0130\ud83d\ude00\ud800.';
  const huge = (head: string): string => head + 'a'.repeat(2_000_000 - head.length);
  const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

  it('bound every identifier of 2,000,000-character values, keep them well-formed and mark each cut', () => {
    const value = huge(HEAD);
    const entities = entitiesFor({
      host: value,
      processImage: huge('C:\\' + HEAD),
      account: value,
      processId: value,
      destination: { fqdn: value, ip: value },
      event: { CommandLine: value, SourceIp: value, ParentProcessId: '4', ParentCommandLine: huge('parent ' + HEAD) },
    });
    expect(entities.map((entity) => `${entity.type}/${entity.role}`)).toEqual([
      'Host/host',
      'Account/account',
      'File/image',
      'Process/process',
      'DNS/destination',
      'Process/parent-process',
    ]);
    for (const entity of entities) {
      for (const identifier of Object.values(entity.identifiers)) {
        expect(identifier.length).toBeLessThanOrEqual(IDENTIFIER_MAX_CHARS);
        expect(identifier).not.toMatch(LONE_SURROGATE);
        if (identifier.length === IDENTIFIER_MAX_CHARS) expect(identifier.endsWith('\u2026')).toBe(true);
      }
    }
    // The host still splits at its first backslash and dot, as a short one would.
    expect(entities[0]!.identifiers).toEqual({
      HostName: 'WS"\\| // \u0000\u0007\t\n\u2028K\u212A\u0130\ud83d\ude00\ufffd',
      NTDomain: 'CORP',
      DnsDomain: 'a'.repeat(IDENTIFIER_MAX_CHARS - 1) + '\u2026',
    });
  });

  it('keep quotes, backslashes, control characters and non-ASCII text of a short value as they are', () => {
    const host = 'W"S\\01\u0007K\u212A';
    expect(hostEntity(host)?.identifiers).toEqual({ HostName: '01\u0007K\u212A', NTDomain: 'W"S' });
    expect(accountEntity('a"\u0130\\b\u0000')?.identifiers).toEqual({ Name: 'b\u0000', NTDomain: 'a"\u0130' });
  });

  it('does not read a long value as an IP address, whatever it starts with', () => {
    expect(hostEntity('10.0.0.1' + ' '.repeat(10) + 'x'.repeat(100))?.type).toBe('Host');
    expect(entitiesFor({ ...BASE, event: { SourceIp: '::1' + ':'.repeat(2_000_000) } }).some((entity) => entity.type === 'IP')).toBe(false);
    expect(hostEntity('::ffff:192.168.100.200')?.type).toBe('IP');
  });
});
