import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oracleResponder } from '../../src/local/sample-workspace.js';
import { categoryMapping } from '../../src/targets/index.js';
import { startLogAnalyticsFake, type LogAnalyticsFake } from './log-analytics-fake.js';

describe('the oracle responder of the Log Analytics fake', () => {
  let fake: LogAnalyticsFake;
  beforeAll(async () => {
    const mapping = categoryMapping('mde', 'process_creation')!;
    const rows = [{ TimeGenerated: new Date('2024-05-01T00:30:00Z'), DeviceName: 'ws1', FolderPath: 'C:\\Windows\\System32\\cmd.exe' }];
    fake = await startLogAnalyticsFake({ respond: oracleResponder({ mapping, rows: () => rows }) });
  });
  afterAll(() => fake.close());

  const query = async (text: string) => {
    const response = await fetch(`${fake.url}/workspaces/w/query`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: text, timespan: '2024-05-01T00:00:00.000Z/2024-05-02T00:00:00.000Z' }),
    });
    return { status: response.status, body: (await response.json()) as { error?: { code: string; innererror?: { code: string; innererror?: { code: string; message: string } } } } };
  };

  it('answers a column the table lacks with 400 and the service\'s semantic error, not 500', async () => {
    const reply = await query('DeviceProcessEvents | where NoSuchColumn == "x"');
    expect(reply.status).toBe(400);
    expect(reply.body.error?.code).toBe('BadArgumentError');
    expect(reply.body.error?.innererror?.code).toBe('SemanticError');
    expect(reply.body.error?.innererror?.innererror?.message).toContain("'NoSuchColumn'");
  });

  it('still answers a query over declared columns with its rows', async () => {
    const reply = await query('DeviceProcessEvents | where FolderPath endswith "cmd.exe" | project DeviceName');
    expect(reply.status).toBe(200);
  });
});
