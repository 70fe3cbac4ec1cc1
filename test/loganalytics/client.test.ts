import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/identity';
import { LogsQueryClient, LogsQueryResultStatus } from '@azure/monitor-query-logs';
import {
  createLogsQueryClient,
  ensureResponseCapture,
  LogAnalyticsError,
  runQuery,
  type QueryOutcome,
} from '../../src/loganalytics/index.js';
import { fakeReply, startLogAnalyticsFake, type LogAnalyticsFake } from '../fakes/log-analytics-fake.js';
import { virtualTime } from '../support/virtual-time.js';

const WINDOW = { startTime: new Date('2024-05-01T10:00:00Z'), endTime: new Date('2024-05-01T11:00:00Z') };

let fake: LogAnalyticsFake;
beforeAll(async () => {
  fake = await startLogAnalyticsFake();
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => {
  fake.requests.length = 0;
});

/** A plain SDK client on the fake, without our policies: shows what 1.0.0 does on its own. */
function bareSdkClient(): LogsQueryClient {
  const sdk = new LogsQueryClient(unusedCredential, { endpoint: fake.url, allowInsecureConnection: true, retryOptions: { maxRetries: 0 } });
  sdk.pipeline.removePolicy({ name: 'bearerTokenAuthenticationPolicy' });
  return sdk;
}

/** runQuery on a virtual clock with a 10 s budget: no wait takes real time and no attempt times out, so what
 *  comes back is the client's doing whatever the machine's load. */
function queryWith(client: LogsQueryClient): Promise<QueryOutcome> {
  const time = virtualTime();
  return runQuery(client, 'w', 'T', WINDOW, { deadline: time.now() + 10_000, clock: time.now, sleep: time.sleep, attemptTimer: time.attemptTimer });
}

const unusedCredential: TokenCredential = {
  getToken: async () => ({ token: 'unused', expiresOnTimestamp: Date.now() + 60_000 }),
};

/** Records the scopes asked for, then fails like DefaultAzureCredential without any login available. */
function refusingCredential(): TokenCredential & { scopes: string[][] } {
  const scopes: string[][] = [];
  return {
    scopes,
    async getToken(requested: string | string[], _options?: GetTokenOptions): Promise<AccessToken | null> {
      scopes.push([requested].flat());
      const error = new Error('no credential available');
      error.name = 'CredentialUnavailableError';
      throw error;
    },
  };
}

describe('createLogsQueryClient', () => {
  it('repairs a 204 reply for direct SDK calls, which 1.0.0 alone turns into a TypeError', async () => {
    fake.setRespond(() => fakeReply.noContent());
    await expect(bareSdkClient().queryWorkspace('w', 'T', WINDOW)).rejects.toThrow(TypeError);
    const result = await createLogsQueryClient({ endpoint: fake.url, insecureLocal: true }).queryWorkspace('w', 'T', WINDOW);
    expect(result).toMatchObject({ status: LogsQueryResultStatus.Success, tables: [] });
  });

  it('makes a 429 with an empty body a RestError with its status, not a TypeError', async () => {
    fake.setRespond(() => ({ kind: 'error', status: 429, headers: { 'retry-after': '1' } }));
    await expect(bareSdkClient().queryWorkspace('w', 'T', WINDOW)).rejects.toThrow(TypeError);
    await expect(createLogsQueryClient({ endpoint: fake.url, insecureLocal: true }).queryWorkspace('w', 'T', WINDOW)).rejects.toMatchObject({
      name: 'RestError',
      statusCode: 429,
      code: 'TooManyRequests',
    });
  });

  it('leaves retries to runQuery: the SDK pipeline sends once unless maxRetries is set', async () => {
    fake.setRespond(() => fakeReply.serverError(503, undefined, { 'retry-after': '0' }));
    await expect(createLogsQueryClient({ endpoint: fake.url, insecureLocal: true }).queryWorkspace('w', 'T', WINDOW)).rejects.toMatchObject({ name: 'RestError', statusCode: 503 });
    expect(fake.requests).toHaveLength(1);
    await expect(createLogsQueryClient({ endpoint: fake.url, insecureLocal: true, maxRetries: 2 }).queryWorkspace('w', 'T', WINDOW)).rejects.toMatchObject({ name: 'RestError', statusCode: 503 });
    expect(fake.requests).toHaveLength(4);
  });

  it('appends /v1 to an endpoint given as a bare origin', async () => {
    fake.setRespond(() => fakeReply.success(fakeReply.table([], [])));
    const origin = new URL(fake.url).origin;
    const outcome = await queryWith(createLogsQueryClient({ endpoint: origin, insecureLocal: true }));
    expect(outcome.kind).toBe('complete');
    expect(fake.requests).toHaveLength(1);
  });

  it('refuses a plain-http endpoint outside local mode', () => {
    expect(() => createLogsQueryClient({ endpoint: fake.url })).toThrow(LogAnalyticsError);
    expect(() => createLogsQueryClient({ endpoint: 'not a url' })).toThrow(/absolute URL/);
  });

  it('asks the credential for the scope of the endpoint cloud, or the scopes given', async () => {
    const china = refusingCredential();
    await queryWith(createLogsQueryClient({ endpoint: 'https://api.loganalytics.azure.cn', credential: china }));
    const publicCloud = refusingCredential();
    await queryWith(createLogsQueryClient({ endpoint: 'https://api.loganalytics.azure.com/v1', credential: publicCloud }));
    const explicit = refusingCredential();
    await queryWith(createLogsQueryClient({ credential: explicit, scopes: ['https://example.test/.default'] }));
    expect(china.scopes[0]).toEqual(['https://api.loganalytics.azure.cn/.default']);
    expect(publicCloud.scopes[0]).toEqual(['https://api.loganalytics.io/.default']);
    expect(explicit.scopes[0]).toEqual(['https://example.test/.default']);
  });

  it('reports a credential that cannot get a token as a non-retryable failure', async () => {
    const outcome = await queryWith(createLogsQueryClient({ credential: refusingCredential() }));
    expect(outcome).toMatchObject({ kind: 'failed', retryable: false, code: 'Authentication', attempts: 1 });
  });
});

describe('ensureResponseCapture', () => {
  it('gives runQuery the dropped innererror on a client made elsewhere, adding its policy once', async () => {
    const sdk = bareSdkClient();
    expect(ensureResponseCapture(sdk)).toBe(ensureResponseCapture(sdk));
    fake.setRespond(() => fakeReply.resultTooLarge(fakeReply.table([{ name: 'N', type: 'long' }], [[1]]), 'records'));
    const outcome = await queryWith(sdk);
    expect(outcome).toMatchObject({ kind: 'truncated', limit: 'records', rows: [{ N: 1 }] });
  });
});
