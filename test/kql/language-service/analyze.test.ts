import { beforeAll, describe, expect, it } from 'vitest';
import { analyzeKql, kqlErrors, type KqlDiagnostic } from '../../../src/kql/analysis.js';
import { declareDatabase, type KqlDeclaredDatabase } from '../../../src/kql/schema.js';
import { seedKql, sentinelWorkspace } from './fixtures.js';

let workspace: KqlDeclaredDatabase;
beforeAll(() => {
  workspace = declareDatabase(sentinelWorkspace);
});

function errors(query: string): KqlDiagnostic[] {
  return kqlErrors(analyzeKql(query, workspace));
}

/** The one error a query must produce, with the text it points at. */
function onlyError(query: string): KqlDiagnostic & { at: string } {
  const found = errors(query);
  expect(found, JSON.stringify(found)).toHaveLength(1);
  const error = found[0]!;
  return { ...error, at: query.slice(error.start, error.start + error.length) };
}

describe('analyzeKql on valid queries', () => {
  it.each([
    ['the seed query over imNetworkSession', seedKql('000_65d37338f901d9a1.txt')],
    [
      '_Im_NetworkSession with named parameters',
      `_Im_NetworkSession(starttime=ago(1d), endtime=now(), dstportnumber=443,
    hostname_has_any=dynamic(["github.com"]), eventresult='Success', pack=true)
| where DstHostname endswith ".github.com" and isnotempty(SrcProcessName)
| project TimeGenerated, DstFQDN, ingestion_time()`,
    ],
    ['_Im_NetworkSession with positional parameters', `_Im_NetworkSession(ago(1h), now(), dynamic(['10.']))`],
    ['_Im_NetworkSession without parameters', `_Im_NetworkSession | take 10`],
    [
      'an ingestion_time() window over DeviceNetworkEvents',
      `DeviceNetworkEvents
| where TimeGenerated >= ago(2h)
| where ingestion_time() > datetime(2026-05-06 10:00:00.1234567) and ingestion_time() <= datetime(2026-05-06T11:00:00Z)
| where ActionType == "ConnectionSuccess" and RemotePort in (80, 443)
| where InitiatingProcessFolderPath contains @"\\Users\\Public\\"
| extend Url = tolower(RemoteUrl)
| where not(ipv4_is_in_range(RemoteIP, "10.0.0.0/8")) and Url has_any ("pastebin.com", "transfer.sh")`,
    ],
    [
      'Event with string and integer comparisons',
      `Event | where EventID == 4624 and Source =~ "Microsoft-Windows-Security-Auditing"
| where EventData matches regex @"[0-9]+" | take 5`,
    ],
  ])('has no errors: %s', (_name, query) => {
    expect(errors(query)).toEqual([]);
  });
});

describe('analyzeKql on invalid queries', () => {
  it('reports an unknown column by name and position', () => {
    const error = onlyError('DeviceNetworkEvents | where RemotePorts == 443');
    expect(error).toMatchObject({ code: 'KS142', at: 'RemotePorts', severity: 'error' });
  });

  it('reports a column the declared function does not return', () => {
    const error = onlyError('_Im_NetworkSession | where RemotePort == 443');
    expect(error).toMatchObject({ code: 'KS142', at: 'RemotePort' });
  });

  it('reports an unknown function', () => {
    expect(onlyError('Event | where is_empty(Source)')).toMatchObject({ code: 'KS211', at: 'is_empty' });
  });

  it('reports an unknown table', () => {
    expect(onlyError('DeviceNetworkEvent | take 1')).toMatchObject({ code: 'KS204', at: 'DeviceNetworkEvent' });
  });

  it('reports a syntax error', () => {
    const found = errors('Event | where EventID == ');
    expect(found.map((error) => error.code)).toEqual(['KS006']);
  });

  it('reports an unterminated string literal', () => {
    expect(errors('Event | where Source == "abc').length).toBeGreaterThan(0);
  });

  it('reports a wrong argument type to a built-in function', () => {
    expect(onlyError('Event | where TimeGenerated > ago("1h")')).toMatchObject({ code: 'KS107', at: '"1h"' });
  });

  it('reports a named argument the declared function does not have', () => {
    expect(onlyError('_Im_NetworkSession(dstport=443)')).toMatchObject({ code: 'KS196', at: 'dstport' });
  });

  it('reports too many arguments to a declared function', () => {
    const query = `_Im_NetworkSession(${Array.from({ length: 11 }, () => 'int(null)').join(', ')})`;
    expect(errors(query).map((error) => error.code)).toContain('KS119');
  });

  it('reports a string passed to an int parameter of a declared function', () => {
    const error = onlyError('_Im_NetworkSession(dstportnumber="443")');
    expect(error).toMatchObject({ code: 'sigma-hunt/argument-type', at: '"443"' });
    expect(error.message).toContain("'dstportnumber' of '_Im_NetworkSession' is int; the argument is string");
  });

  it('reports a string passed positionally to a datetime parameter', () => {
    expect(onlyError('imNetworkSession("2026-01-01")')).toMatchObject({
      code: 'sigma-hunt/argument-type',
      at: '"2026-01-01"',
    });
  });

  it('reports a string passed to a dynamic parameter', () => {
    expect(onlyError('_Im_NetworkSession(hostname_has_any="github.com")')).toMatchObject({
      code: 'sigma-hunt/argument-type',
    });
  });

  it('accepts a long literal for an int parameter', () => {
    expect(errors('_Im_NetworkSession(dstportnumber=443)')).toEqual([]);
  });

  it('reports a parameter given twice', () => {
    expect(onlyError('_Im_NetworkSession(starttime=ago(1h), starttime=ago(2h))')).toMatchObject({
      code: 'sigma-hunt/argument-type',
      at: 'starttime=ago(2h)',
    });
  });

  it('reports comparing an int column with a string', () => {
    expect(onlyError('_Im_NetworkSession | where DstPortNumber == "443"')).toMatchObject({
      code: 'sigma-hunt/comparison-type',
      at: 'DstPortNumber == "443"',
    });
  });

  it('reports testing a datetime for equality with a number', () => {
    expect(onlyError('Event | where TimeGenerated != 5')).toMatchObject({ code: 'sigma-hunt/comparison-type' });
  });

  it('leaves ordering comparisons of mismatched types to Kusto.Language', () => {
    expect(onlyError('Event | where TimeGenerated > 5')).toMatchObject({ code: 'KS106' });
  });

  it('accepts equality between int, long and real', () => {
    expect(errors('Event | where EventID == 4624 or EventID == 4624.0 or EventLevel == EventID')).toEqual([]);
  });

  it('reports a where predicate that is not bool', () => {
    expect(onlyError('Event | where Source = "x"')).toMatchObject({ code: 'KS141' });
  });

  it('refuses analysis past 492 or-terms in one predicate (Kusto.Language depth limit)', () => {
    const where = (terms: number) =>
      'Event | where ' + Array.from({ length: terms }, (_, index) => `EventID == ${index}`).join(' or ');
    expect(errors(where(492))).toEqual([]);
    expect(errors(where(493)).map((error) => error.message)).toEqual([
      'Query syntax depth exceeds maximum safe limit. Semantic analysis not performed.',
    ]);
  });
});

describe('analyzeKql without a database', () => {
  it('knows the built-ins, ingestion_time() included', () => {
    const query = 'print t = ingestion_time(), a = ago(1h), r = ipv4_is_in_range("10.1.2.3", "10.0.0.0/8")';
    expect(analyzeKql(query).diagnostics).toEqual([]);
  });

  it('reports every table as unknown', () => {
    expect(kqlErrors(analyzeKql('Event | take 1')).map((error) => error.code)).toEqual(['KS204']);
  });
});
