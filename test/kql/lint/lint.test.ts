import { describe, expect, it } from 'vitest';
import { lintKql, type LintFinding } from '../../../src/kql/lint.js';
import { seedKql } from './seed.js';

const codes = (findings: LintFinding[]) => findings.map((finding) => `${finding.severity}:${finding.code}:${finding.column}`);

describe('lintKql on the seed query (asim)', () => {
  const query = seedKql();
  const findings = lintKql(query, 'asim');

  it('reports NetworkDirection =~ "true" as an error with the ASIM direction fix', () => {
    const direction = findings.filter((finding) => finding.column === 'NetworkDirection');
    expect(direction).toHaveLength(1);
    const [finding] = direction;
    expect(finding!.severity).toBe('error');
    expect(finding!.code).toBe('never-true');
    expect(finding!.operator).toBe('=~');
    expect(finding!.value).toBe('true');
    expect(finding!.fix).toContain('NetworkDirection == "Outbound"');
    expect(finding!.fix).toContain('DstProcessName');
    expect(query.slice(finding!.span.start, finding!.span.start + finding!.span.length)).toBe('NetworkDirection =~ "true"');
  });

  it('reports each DstHostname endswith "<domain>" test, 33 of them, with the DstFQDN fix', () => {
    const hostnames = findings.filter((finding) => finding.column === 'DstHostname');
    expect(hostnames).toHaveLength(33);
    for (const finding of hostnames) {
      expect(finding.severity).toBe('error');
      expect(finding.operator).toBe('endswith');
      expect(finding.fix).toContain('DstFQDN');
      expect(finding.message).toContain('excludes nothing');
      expect(query.slice(finding.span.start, finding.span.start + finding.span.length)).toBe(`DstHostname endswith "${finding.value}"`);
    }
    expect(hostnames.map((finding) => finding.value)).toContain('.githubusercontent.com');
    expect(hostnames.map((finding) => finding.value)).toContain('workers.dev');
  });

  it('warns that each folder test on Src/DstProcessName misses Defender rows', () => {
    const processNames = findings.filter((finding) => finding.column === 'SrcProcessName' || finding.column === 'DstProcessName');
    expect(processNames).toHaveLength(34);
    expect(new Set(codes(processNames))).toEqual(new Set(['warning:misses-rows:SrcProcessName', 'warning:misses-rows:DstProcessName']));
  });

  it('finds nothing else', () => {
    expect(findings).toHaveLength(1 + 33 + 34);
  });

  it('gives 1-based line and character positions', () => {
    const direction = findings.find((finding) => finding.column === 'NetworkDirection')!;
    expect(direction.line).toBe(2);
    expect(query.split('\n')[1]!.slice(direction.character - 1)).toMatch(/^NetworkDirection =~ "true"/);
  });
});

describe('lintKql rules', () => {
  it('accepts a NetworkDirection value of the enumeration, in any case with =~', () => {
    expect(lintKql('imNetworkSession | where NetworkDirection =~ "outbound"', 'asim')).toEqual([]);
  });
  it('reports a case-sensitive enumeration value in the wrong case', () => {
    expect(codes(lintKql('_Im_NetworkSession | where NetworkDirection == "outbound"', 'asim'))).toEqual(['error:never-true:NetworkDirection']);
  });
  it('reports EventResult values outside Success/Failure/Partial/NA', () => {
    expect(codes(lintKql('imNetworkSession | where EventResult == "Failed"', 'asim'))).toEqual(['error:never-true:EventResult']);
  });
  it('reports a negated test that can never fail as always-true (warning)', () => {
    expect(codes(lintKql('imNetworkSession | where NetworkDirection != "true"', 'asim'))).toEqual(['warning:always-true:NetworkDirection']);
  });
  it('reports only the dead values of an in~ list as warnings', () => {
    const findings = lintKql('imNetworkSession | where NetworkDirection in~ ("outbound", "true")', 'asim');
    expect(codes(findings)).toEqual(['warning:never-matching-value:NetworkDirection']);
    expect(findings[0]!.value).toBe('true');
  });
  it('reports an in list whose every value is dead as an error', () => {
    expect(codes(lintKql('imNetworkSession | where NetworkDirection in ("true", "false")', 'asim'))).toEqual(['error:never-true:NetworkDirection']);
  });
  it('reports =~ "a.b" and contains "." on a host label column', () => {
    expect(codes(lintKql('imNetworkSession | where DstHostname =~ "a.b" or SrcHostname contains "."', 'asim'))).toEqual([
      'error:never-true:DstHostname',
      'error:never-true:SrcHostname',
    ]);
  });
  it('accepts label tests without a dot and domain tests on DstFQDN', () => {
    expect(lintKql('imNetworkSession | where DstHostname =~ "raw" and DstFQDN endswith ".githubusercontent.com"', 'asim')).toEqual([]);
  });
  it('reports a folder test on an MDE file-name column as an error', () => {
    expect(codes(lintKql('DeviceNetworkEvents | where InitiatingProcessFileName contains "\\\\Temp\\\\"', 'mde'))).toEqual([
      'error:never-true:InitiatingProcessFileName',
    ]);
    expect(codes(lintKql('DeviceProcessEvents | where FileName endswith "\\\\cmd.exe"', 'mde'))).toEqual(['error:never-true:FileName']);
  });
  it('accepts a file-name test without a folder on an MDE file-name column', () => {
    expect(lintKql('DeviceProcessEvents | where FileName =~ "cmd.exe"', 'mde')).toEqual([]);
  });
  it('reports a case-sensitive lower-case test on the upper-case NetworkProtocol', () => {
    expect(codes(lintKql('imNetworkSession | where NetworkProtocol == "tcp"', 'asim'))).toEqual(['error:never-true:NetworkProtocol']);
    expect(lintKql('imNetworkSession | where NetworkProtocol =~ "tcp"', 'asim')).toEqual([]);
  });
  it('reports a Sysmon Initiated test with a value Sysmon never writes', () => {
    expect(codes(lintKql('Event | where Initiated == "True"', 'sysmon'))).toEqual(['error:never-true:Initiated']);
  });
  it('stops checking a column once extend reassigns it', () => {
    expect(lintKql('imNetworkSession | extend DstHostname = DstFQDN | where DstHostname endswith ".x.com"', 'asim')).toEqual([]);
  });
  it('follows a let-bound source', () => {
    expect(codes(lintKql('let n = imNetworkSession | where true;\nn | where DstHostname endswith ".x.com"', 'asim'))).toEqual(['error:never-true:DstHostname']);
  });
  it('notes a source the target does not cover and checks nothing there', () => {
    expect(codes(lintKql('DeviceNetworkEvents | where DstHostname endswith ".x.com"', 'asim'))).toEqual(['info:unknown-source:']);
  });
  it('reports a syntax error as an error finding instead of throwing', () => {
    expect(codes(lintKql('imNetworkSession | where (', 'asim'))[0]).toBe('error:syntax:');
  });
});
