import { describe, expect, it } from 'vitest';
import { createLogsourceResolver, parseLogsourceMapText, shippedLogsourceMap } from '../../src/logsource/index.js';

const SYSMON = 'Microsoft-Windows-Sysmon/Operational';

describe('classify', () => {
  const resolver = createLogsourceResolver();

  it('reads a Sysmon event by Channel and EventID: product windows, service sysmon, the category of the id', () => {
    expect(resolver.classify({ Channel: SYSMON, EventID: 1, Image: 'x' })).toEqual({
      key: 'eventlog:microsoft-windows-sysmon/operational:1',
      product: 'windows',
      services: ['sysmon'],
      categories: ['process_creation'],
    });
    expect(resolver.classify({ Channel: SYSMON, EventID: 13 })?.categories).toEqual(['registry_event', 'registry_set']);
  });

  it('gives one Security event id several categories where Security carries them (4688 process creation)', () => {
    expect(resolver.classify({ Channel: 'Security', EventID: 4688 })).toMatchObject({ services: ['security'], categories: ['process_creation'] });
    expect(resolver.classify({ Channel: 'Security', EventID: 4624 })).toMatchObject({ services: ['security'], categories: [] });
  });

  it('returns the same object for the same class, whatever the case of the channel or the type of the id', () => {
    const first = resolver.classify({ Channel: SYSMON, EventID: 3 });
    expect(resolver.classify({ Channel: SYSMON.toUpperCase(), EventID: '3' })).toBe(first);
    expect(resolver.classify({ System: { Channel: SYSMON, EventID: { '#text': 3 } } })).toBe(first);
  });

  it('shares one class among unknown channels and among unmapped ids of a channel, so classes stay bounded', () => {
    const a = resolver.classify({ Channel: 'Attacker/Chosen-1', EventID: 1 });
    expect(resolver.classify({ Channel: 'Attacker/Chosen-2', EventID: 7 })).toBe(a);
    expect(a).toMatchObject({ product: 'windows', services: [], categories: [] });
    expect(resolver.classify({ Channel: 'Security', EventID: 1 })).toBe(resolver.classify({ Channel: 'Security', EventID: 2 }));
  });

  it('reads Log Analytics rows by their Type: Event by EventLog or Source, SecurityEvent, Defender tables', () => {
    expect(resolver.classify({ Type: 'Event', EventLog: SYSMON, EventID: 3 })?.categories).toEqual(['network_connection']);
    expect(resolver.classify({ Type: 'Event', Source: 'Microsoft-Windows-Sysmon', EventID: 1 })?.categories).toEqual(['process_creation']);
    expect(resolver.classify({ Type: 'SecurityEvent', EventID: 4688 })?.categories).toEqual(['process_creation']);
    expect(resolver.classify({ Type: 'DeviceProcessEvents', FileName: 'a.exe' })).toMatchObject({ key: 'table:DeviceProcessEvents', product: 'windows', categories: ['process_creation'] });
  });

  it('reads ASIM rows by EventSchema and EventType', () => {
    expect(resolver.classify({ EventSchema: 'ProcessEvent', EventType: 'ProcessCreated' })?.categories).toEqual(['process_creation']);
    expect(resolver.classify({ EventSchema: 'ProcessEvent', EventType: 'ProcessTerminated' })?.categories).toEqual(['process_termination']);
    expect(resolver.classify({ EventSchema: 'NetworkSession', EventType: 'EndpointNetworkSession' })?.categories).toEqual(['network_connection']);
  });

  it('falls back to the provider name when a flat export lost the channel', () => {
    expect(resolver.classify({ Provider_Name: 'Microsoft-Windows-Sysmon', EventID: 11 })?.categories).toEqual(['file_event']);
  });

  it('cannot classify a flat row without Channel, EventID, Type or EventSchema: null without a default', () => {
    expect(resolver.classify({ Image: 'C:\\x.exe', CommandLine: 'x' })).toBeNull();
    expect(resolver.classify({ Type: 'SomeCustomTable_CL' })).toBeNull();
  });

  it('gives the --logsource default to exactly the events it cannot classify', () => {
    const withDefault = createLogsourceResolver({ defaultSource: { product: 'windows', category: 'process_creation' } });
    expect(withDefault.classify({ Image: 'x' })).toMatchObject({ product: 'windows', services: [], categories: ['process_creation'] });
    expect(withDefault.classify({ Channel: SYSMON, EventID: 3 })?.categories).toEqual(['network_connection']);
  });
});

describe('applies', () => {
  const resolver = createLogsourceResolver();
  const sysmonProcess = resolver.classify({ Channel: SYSMON, EventID: 1 })!;
  const security = resolver.classify({ Channel: 'Security', EventID: 4624 })!;

  it('requires the product, the category and the service a rule names, compared lower-cased', () => {
    expect(resolver.applies({ product: 'windows', category: 'process_creation' }, sysmonProcess)).toBe(true);
    expect(resolver.applies({ product: 'Windows', category: 'Process_Creation' }, sysmonProcess)).toBe(true);
    expect(resolver.applies({ product: 'windows', service: 'sysmon' }, sysmonProcess)).toBe(true);
    expect(resolver.applies({ product: 'windows', category: 'network_connection' }, sysmonProcess)).toBe(false);
    expect(resolver.applies({ product: 'windows', service: 'security' }, sysmonProcess)).toBe(false);
    expect(resolver.applies({ product: 'windows', service: 'security' }, security)).toBe(true);
  });

  it('never applies a log source the map does not know to a Windows event', () => {
    expect(resolver.applies({ product: 'zeek', service: 'rdp' }, sysmonProcess)).toBe(false);
    expect(resolver.applies({ product: 'cisco', service: 'aaa' }, security)).toBe(false);
    expect(resolver.applies({ category: 'proxy' }, sysmonProcess)).toBe(false);
    expect(resolver.applies({ product: 'windows', category: 'file_access' }, sysmonProcess)).toBe(false);
  });

  it('applies a rule that names no source (or only a free-text definition) to every event', () => {
    expect(resolver.applies({}, sysmonProcess)).toBe(true);
    expect(resolver.applies({ definition: 'Requires Sysmon with a custom config' }, security)).toBe(true);
  });
});

describe('the shipped map', () => {
  it('knows every service and category the SigmaHQ Windows rules use, except the ETW-only file_access and file_rename', () => {
    const map = shippedLogsourceMap();
    // Listed from the corpus (rules*/windows): the test fails when the shipped map drops one.
    const services = ['application', 'applocker', 'appmodel-runtime', 'appxdeployment-server', 'appxpackaging-om', 'bits-client', 'capi2',
      'certificateservicesclient-lifecycle-system', 'codeintegrity-operational', 'diagnosis-scripted', 'dns-client', 'dns-server',
      'dns-server-analytic', 'driver-framework', 'firewall-as', 'iis-configuration', 'ldap', 'lsa-server', 'microsoft-servicebus-client',
      'msexchange-management', 'ntlm', 'openssh', 'powershell-classic', 'printservice-admin', 'printservice-operational', 'security',
      'security-mitigations', 'shell-core', 'smbclient-connectivity', 'smbclient-security', 'smbserver-connectivity', 'sysmon', 'system',
      'taskscheduler', 'terminalservices-localsessionmanager', 'windefend', 'wmi'];
    const categories = ['create_remote_thread', 'create_stream_hash', 'dns_query', 'driver_load', 'file_change', 'file_delete', 'file_event',
      'file_executable_detected', 'image_load', 'network_connection', 'pipe_created', 'process_access', 'process_creation', 'process_tampering',
      'ps_classic_provider_start', 'ps_classic_start', 'ps_module', 'ps_script', 'raw_access_thread', 'registry_add', 'registry_delete',
      'registry_event', 'registry_set', 'sysmon_error', 'sysmon_status', 'wmi_event'];
    expect(services.filter((service) => !map.eventLog.services.has(service))).toEqual([]);
    expect(categories.filter((category) => !map.eventLog.categories.has(category))).toEqual([]);
  });
});

describe('a map file', () => {
  it('extends the shipped map: a new channel for a service, a new category selector, a new table', () => {
    const map = parseLogsourceMapText(
      'eventLog:\n  services:\n    sysmon: [Custom-Sysmon/Operational]\n  categories:\n    process_creation:\n      - {channel: Custom-EDR/Operational, eventIds: [100]}\ntables:\n  MyEdr_CL: {product: windows, categories: [process_creation]}\n',
      'extend.yml',
    );
    const resolver = createLogsourceResolver({ map });
    expect(resolver.classify({ Channel: 'Custom-Sysmon/Operational', EventID: 9 })?.services).toEqual(['sysmon']);
    expect(resolver.classify({ Channel: 'Custom-EDR/Operational', EventID: 100 })?.categories).toEqual(['process_creation']);
    expect(resolver.classify({ Type: 'MyEdr_CL' })?.categories).toEqual(['process_creation']);
    // What the shipped map said still holds.
    expect(resolver.classify({ Channel: SYSMON, EventID: 1 })?.categories).toEqual(['process_creation']);
  });

  it('replaces the shipped map with replace: true', () => {
    const map = parseLogsourceMapText('{"replace": true, "eventLog": {"categories": {"process_creation": [{"channel": "Custom", "eventIds": [1]}]}}}', 'replace.json');
    const resolver = createLogsourceResolver({ map });
    expect(resolver.classify({ Channel: 'Custom', EventID: 1 })?.categories).toEqual(['process_creation']);
    expect(resolver.classify({ Channel: SYSMON, EventID: 1 })).toMatchObject({ product: 'windows', services: [], categories: [] });
    expect(resolver.classify({ Type: 'DeviceProcessEvents' })).toBeNull();
  });

  it.each([
    ['eventLog:\n  services:\n    sysmon: Microsoft-Windows-Sysmon/Operational\n', 'bad.yml:3 eventLog.services.sysmon: must be a list of strings, not string "Microsoft-Windows-Sysmon/Operational"'],
    ['eventLog:\n  categories:\n    process_creation:\n      - channel: X\n        eventIds: [1, "two"]\n', 'bad.yml:5 eventLog.categories.process_creation[0].eventIds[1]: must be an EventID (an integer 0..65535), not string "two"'],
    ['tables:\n  Foo:\n    chanel: X\n', "bad.yml:3 tables.Foo.chanel: unknown key 'chanel' (expected one of channel, channelColumn, providerColumn, product, services, categories)"],
    ['tables:\n  Foo:\n    channel: X\n    categories: [a]\n', 'bad.yml:3 tables.Foo: must either read event log rows (channel, channelColumn, providerColumn) or state the source (product, services, categories)'],
    ['replace: yes please\n', 'bad.yml:1 replace: must be true or false, not string "yes please"'],
    ['- a\n- b\n', 'bad.yml:1: must be a map, not a list'],
  ])('refuses %j naming file, line, field and reason', (text, message) => {
    expect(() => parseLogsourceMapText(text, 'bad.yml')).toThrow(message);
  });

  it('refuses text that is not YAML with the parser\'s location', () => {
    expect(() => parseLogsourceMapText('tables: {a: [}\n', 'broken.yml')).toThrow(/^broken\.yml:1/);
  });
});
