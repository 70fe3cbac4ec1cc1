// `scan --target sysmon` on Event rows in the agent's shape: EventData XML parsed as the query parses it, IPv6
// written uncompressed, `-` for an unknown host name (a value on this target; absent through ASIM).
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { captureCli } from '../support/cli.js';

const data = (fields: Record<string, string>) =>
  `<DataItem type="System.XmlData"><EventData xmlns="http://schemas.microsoft.com/win/2004/08/events/event">${Object.entries(fields)
    .map(([name, value]) => `<Data Name="${name}">${value}</Data>`)
    .join('')}</EventData></DataItem>`;

const ROWS = [
  {
    TimeGenerated: '2024-05-01T00:30:00.000Z', Source: 'Microsoft-Windows-Sysmon', EventLog: 'Microsoft-Windows-Sysmon/Operational', Computer: 'WKS-7.corp.contoso.com',
    EventLevel: 4, EventLevelName: 'Information', EventID: 3, EventCategory: 3, MG: '00000000-0000-0000-0000-000000000002', Role: '', AzureDeploymentID: '', Type: 'Event',
    EventData: data({ Image: 'C:\\Tools\\a&amp;b.exe', Protocol: 'tcp', Initiated: 'true', SourceIsIpv6: 'true', SourceIp: '0:0:0:0:0:0:0:1', SourceHostname: '-', DestinationIsIpv6: 'true', DestinationIp: '0:0:0:0:0:0:0:1', DestinationHostname: '-', DestinationPort: '8080' }),
  },
  {
    TimeGenerated: '2024-05-01T00:31:00.000Z', Source: 'Microsoft-Windows-Sysmon', Computer: 'WKS-7.corp.contoso.com', EventID: 5, Type: 'Event',
    EventData: data({ Image: 'C:\\Tools\\a.exe' }),
  },
];

const rule = (id: string, selection: string) =>
  `title: r${id}\nid: 00000000-0000-4000-8000-00000000000${id}\nlogsource:\n    category: network_connection\n    product: windows\ndetection:\n    selection:\n${selection}\n    condition: selection\n`;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'sigma-hunt-scan-sysmon-'));
  await writeFile(path.join(dir, 'rows.jsonl'), ROWS.map((row) => JSON.stringify(row)).join('\n') + '\n');
  await writeFile(path.join(dir, 'r1.yml'), rule('1', "        DestinationIp|cidr: '::1/128'\n        Image|endswith: '\\a&b.exe'"));
  await writeFile(path.join(dir, 'r2.yml'), rule('2', '        DestinationHostname: null'));
  await writeFile(path.join(dir, 'r3.yml'), rule('3', "        DestinationHostname: '-'"));
});

it('reads Event rows through the sysmon adapter: uncompressed IPv6 in a cidr, XML entities decoded, `-` a value', async () => {
  const cli = captureCli({ cwd: dir });
  const code = await main(['scan', '--rule', dir, '--events', path.join(dir, 'rows.jsonl'), '--target', 'sysmon'], cli.io);
  expect(code, cli.err()).toBe(0);
  const matches = cli.out().split('\n').filter(Boolean).map((line) => JSON.parse(line) as { ruleId: string; line: number; event: Record<string, unknown> });
  expect(matches.map((match) => [match.ruleId.slice(-1), match.line])).toEqual([['1', 0], ['3', 0]]);
  expect(matches[0]!.event.Image).toBe('C:\\Tools\\a&b.exe');
});
