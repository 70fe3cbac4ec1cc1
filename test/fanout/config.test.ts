import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { ConfigError } from '../../src/hunt/config.js';
import { MAX_DEQUEUE_COUNT, parseFanoutConfig } from '../../src/fanout/config.js';
import { projectRoot } from '../support/paths.js';

const workspace = (overrides: Record<string, unknown> = {}) => ({
  name: 'contoso',
  resourceId: '/subscriptions/00000000-0000-4000-8000-00000000c0de/resourceGroups/rg-a/providers/Microsoft.OperationalInsights/workspaces/law-a',
  workspaceId: '11111111-2222-4333-8444-555555555555',
  target: 'asim',
  rulesPath: 'rules',
  ...overrides,
});

function problemsOf(env: Record<string, string>): string[] {
  try {
    parseFanoutConfig(env, { environment: 'local', appRoot: projectRoot });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.map((problem) => `${problem.setting}: ${problem.reason}`);
    throw error;
  }
  return [];
}

describe('fan-out settings', () => {
  test('without HUNT_WORKSPACES the fan-out is off and the single-workspace hunt is unchanged', () => {
    expect(parseFanoutConfig({}, { environment: 'local', appRoot: projectRoot })).toBeUndefined();
  });

  test('a valid list parses with resolved rule paths, lower-case ids and the queue defaults', () => {
    const config = parseFanoutConfig(
      { HUNT_WORKSPACES: JSON.stringify([workspace({ workspaceId: '11111111-2222-4333-8444-55555555555A' }), workspace({ name: 'fabrikam', workspaceId: '21111111-2222-4333-8444-555555555555', resourceId: '/subscriptions/00000000-0000-4000-8000-0000000fab00/resourceGroups/rg-b/providers/Microsoft.OperationalInsights/workspaces/law-b', target: 'sysmon' })]) },
      { environment: 'local', appRoot: projectRoot },
    )!;
    expect(config.workspaces.map((spec) => [spec.name, spec.workspaceId, spec.target, spec.rulesPath])).toEqual([
      ['contoso', '11111111-2222-4333-8444-55555555555a', 'asim', path.join(projectRoot, 'rules')],
      ['fabrikam', '21111111-2222-4333-8444-555555555555', 'sysmon', path.join(projectRoot, 'rules')],
    ]);
    expect(config).toMatchObject({ queueName: 'sigma-hunt-batches', poisonQueueName: 'sigma-hunt-batches-poison', batchRules: 200, querySlots: 5, maxDequeueCount: 5 });
  });

  test('every problem of every entry is reported at once, naming the entry and field', () => {
    const problems = problemsOf({
      HUNT_WORKSPACES: JSON.stringify([workspace({ resourceId: 'law-a', target: 'splunk', extra: 1 }), workspace({ workspaceId: 'not-a-guid', rulesPath: undefined }), workspace(), workspace()]),
      HUNT_QUERY_SLOTS: '9',
      HUNT_QUEUE_NAME: 'Bad_Name',
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^HUNT_WORKSPACES\[0\]\.extra: unknown field/),
        expect.stringMatching(/^HUNT_WORKSPACES\[0\]\.resourceId: not a Log Analytics workspace resource id/),
        expect.stringMatching(/^HUNT_WORKSPACES\[0\]\.target: must be one of/),
        expect.stringMatching(/^HUNT_WORKSPACES\[1\]\.workspaceId: not a GUID/),
        expect.stringMatching(/^HUNT_WORKSPACES\[1\]\.rulesPath: required/),
        expect.stringMatching(/^HUNT_WORKSPACES\[contoso\]: name already listed/),
        expect.stringMatching(/^HUNT_QUERY_SLOTS: must be a whole number from 1 to 5/),
        expect.stringMatching(/^HUNT_QUEUE_NAME: a queue name/),
      ]),
    );
  });

  test('not JSON, an empty list and an unreadable file are refused with their reason', () => {
    expect(problemsOf({ HUNT_WORKSPACES: '[{' })[0]).toMatch(/^HUNT_WORKSPACES: not JSON/);
    expect(problemsOf({ HUNT_WORKSPACES: '[]' })[0]).toMatch(/non-empty JSON array/);
    expect(problemsOf({ HUNT_WORKSPACES_PATH: 'no/such/file.json' })[0]).toMatch(/^HUNT_WORKSPACES_PATH: cannot be read: ENOENT/);
  });

  test('the sample workspaces file parses and the hunt settings are checked with it', () => {
    expect(parseFanoutConfig({ HUNT_WORKSPACES_PATH: 'samples/fanout-workspaces.json' }, { environment: 'local', appRoot: projectRoot })!.workspaces).toHaveLength(2);
    expect(problemsOf({ HUNT_WORKSPACES_PATH: 'samples/fanout-workspaces.json', HUNT_LOOKBACK: 'forever' })[0]).toMatch(/^HUNT_LOOKBACK: not a duration/);
  });

  test('in Azure the queue service URI is required, LOG_ANALYTICS_WORKSPACE_ID is not', () => {
    const env = { HUNT_WORKSPACES: JSON.stringify([workspace()]), WEBSITE_SITE_NAME: 'app', HUNT_STORAGE_TABLE_ENDPOINT: 'https://a.table.core.windows.net' };
    expect(() => parseFanoutConfig(env, { appRoot: projectRoot })).toThrow(/AzureWebJobsStorage__queueServiceUri \(unset\): required in Azure/);
    expect(parseFanoutConfig({ ...env, AzureWebJobsStorage__queueServiceUri: 'https://a.queue.core.windows.net' }, { appRoot: projectRoot })!.queueEndpoint).toBe('https://a.queue.core.windows.net');
  });

  test('host.json maxDequeueCount is the one the hunter poisons at', () => {
    const host = JSON.parse(readFileSync(path.join(projectRoot, 'host.json'), 'utf8')) as { extensions: { queues: { maxDequeueCount: number; messageEncoding: string } } };
    expect(host.extensions.queues.maxDequeueCount).toBe(MAX_DEQUEUE_COUNT);
    expect(host.extensions.queues.messageEncoding).toBe('base64');
  });
});
