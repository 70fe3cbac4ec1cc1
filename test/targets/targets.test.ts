import { describe, expect, it } from 'vitest';
import { adaptRow, categoryMapping, targetDatabase, targetDatabaseSchema, TARGET_NAMES, TARGETS } from '../../src/targets/index.js';
import { valueColumns } from '../../src/targets/expr.js';
import type { CategoryMapping, Condition, ValueExpr } from '../../src/targets/types.js';

const mappings: [string, string, CategoryMapping][] = TARGET_NAMES.flatMap((target) =>
  Object.entries(TARGETS[target].categories).map(([category, mapping]) => [target, category, mapping] as [string, string, CategoryMapping]),
);

describe('target schemas', () => {
  it.each(TARGET_NAMES)('declares a database the Kusto parser accepts (%s)', (target) => {
    expect(() => targetDatabase(target)).not.toThrow();
  });

  it.each(mappings)('%s %s: every column a field reads is declared or extracted', (_target, _category, mapping) => {
    const known = new Set([...mapping.columns.map((column) => column.name), ...(mapping.extraction?.names ?? [])]);
    for (const [field, fieldMapping] of Object.entries(mapping.fields)) {
      if (fieldMapping.kind !== 'value') continue;
      for (const column of valueColumns(fieldMapping.value)) expect(known.has(column), `${field} reads ${column}`).toBe(true);
    }
    for (const column of [mapping.timeColumn, ...mapping.hostColumns, ...mapping.identityColumns]) expect(known.has(column), column).toBe(true);
  });

  it.each(mappings)('%s %s: entity fields are mapped fields', (_target, _category, mapping) => {
    for (const field of mapping.entityFields) expect(mapping.fields[field]?.kind, field).toBe('value');
  });

  it.each(mappings)('%s %s: the `in` lists of one field never overlap (so case order cannot matter)', (_target, _category, mapping) => {
    const inLists = (expr: ValueExpr): Condition[] =>
      expr.kind === 'cases' ? expr.cases.map((entry) => entry.when).filter((when) => when.kind === 'in') : [];
    for (const fieldMapping of Object.values(mapping.fields)) {
      if (fieldMapping.kind !== 'value') continue;
      const seen = new Set<string>();
      for (const condition of inLists(fieldMapping.value)) {
        if (condition.kind !== 'in') continue;
        for (const value of condition.values) {
          expect(seen.has(`${condition.column}=${value}`)).toBe(false);
          seen.add(`${condition.column}=${value}`);
        }
      }
    }
  });

  it('does not declare optional (column_ifexists) columns to the parser', () => {
    const asim = targetDatabaseSchema('asim');
    const session = asim.functions.find((fn) => fn.name === '_Im_NetworkSession')!;
    expect(session.resultColumns!.map((column) => column.name)).not.toContain('InitiatingProcessFolderPath');
    expect(asim.functions.map((fn) => fn.name)).toEqual(['_Im_NetworkSession', 'imNetworkSession', '_Im_ProcessCreate', 'imProcessCreate']);
  });
});

describe('row adapter', () => {
  const mdeNetwork = categoryMapping('mde', 'network_connection')!;
  const asimNetwork = categoryMapping('asim', 'network_connection')!;
  const sysmonProcess = categoryMapping('sysmon', 'process_creation')!;

  it('reads an empty string and null as absent', () => {
    const event = adaptRow(mdeNetwork, { InitiatingProcessFolderPath: '', InitiatingProcessCommandLine: null, DeviceName: 'pc1' });
    expect(event).toEqual({ Computer: 'pc1' });
  });

  it('maps an outbound Defender connection to Sysmon initiator/acceptor fields', () => {
    const row = {
      ActionType: 'ConnectionSuccess', RemoteIP: '1.2.3.4', RemotePort: 443, RemoteUrl: 'raw.githubusercontent.com',
      LocalIP: '10.0.0.5', LocalPort: 50000, DeviceName: 'pc1.corp', Protocol: 'TcpV4',
      InitiatingProcessFolderPath: 'C:\\Temp\\x.exe', InitiatingProcessAccountDomain: 'CORP', InitiatingProcessAccountName: 'alice',
    };
    expect(adaptRow(mdeNetwork, row)).toMatchObject({
      Initiated: 'true', DestinationIp: '1.2.3.4', DestinationPort: 443, DestinationHostname: 'raw.githubusercontent.com',
      SourceIp: '10.0.0.5', SourcePort: 50000, SourceHostname: 'pc1.corp', Protocol: 'tcp', Image: 'C:\\Temp\\x.exe', User: 'CORP\\alice',
    });
  });

  it('maps an accepted Defender connection with Destination as the local side', () => {
    const row = { ActionType: 'InboundConnectionAccepted', RemoteIP: '1.2.3.4', RemotePort: 50000, LocalIP: '10.0.0.5', LocalPort: 3389, DeviceName: 'pc1', RemoteUrl: '' };
    expect(adaptRow(mdeNetwork, row)).toMatchObject({ Initiated: 'false', DestinationIp: '10.0.0.5', DestinationPort: 3389, SourceIp: '1.2.3.4', DestinationHostname: 'pc1' });
  });

  it('gives no Initiated for Defender ActionTypes that are neither outbound nor accepted', () => {
    expect(adaptRow(mdeNetwork, { ActionType: 'ListeningConnectionCreated' }).Initiated).toBeUndefined();
  });

  it('joins domain and user only when both are present', () => {
    expect(adaptRow(mdeNetwork, { InitiatingProcessAccountDomain: '', InitiatingProcessAccountName: 'bob' }).User).toBe('bob');
  });

  it('recovers Image and Initiated from a Sysmon v0.1.x ASIM row (Image in DstProcessName, no direction)', () => {
    const row = { NetworkDirection: '', SrcProcessName: '', DstProcessName: 'C:\\Users\\Public\\a.exe', InitiatingProcessFolderPath: '', DstFQDN: '', DstHostname: 'myhost' };
    expect(adaptRow(asimNetwork, row)).toMatchObject({ Image: 'C:\\Users\\Public\\a.exe', Initiated: 'true', DestinationHostname: 'myhost' });
  });

  it('prefers the FQDN for DestinationHostname on ASIM rows', () => {
    expect(adaptRow(asimNetwork, { DstFQDN: 'raw.githubusercontent.com', DstHostname: 'raw' }).DestinationHostname).toBe('raw.githubusercontent.com');
  });

  it('prefers the Defender full path for Image on ASIM rows', () => {
    const row = { InitiatingProcessFolderPath: 'C:\\Temp\\x.exe', SrcProcessName: 'x.exe', DstProcessName: '', NetworkDirection: 'Outbound' };
    expect(adaptRow(asimNetwork, row)).toMatchObject({ Image: 'C:\\Temp\\x.exe', Initiated: 'true' });
  });

  it('leaves out a field whose columns the row does not hold', () => {
    // Without InitiatingProcessFolderPath the coalesce would silently read the file name.
    expect(adaptRow(asimNetwork, { SrcProcessName: 'x.exe', DstProcessName: '' }).Image).toBeUndefined();
  });

  it('reads Sysmon fields under their own names, numbers as text', () => {
    expect(adaptRow(sysmonProcess, { Image: 'C:\\a.exe', ProcessId: '42', CommandLine: '', Computer: 'pc1' })).toEqual({ Image: 'C:\\a.exe', ProcessId: '42', Computer: 'pc1' });
  });
});
