import { describe, expect, it } from 'vitest';
import { parseSentinelConfig } from '../../src/sentinel/config.js';
import { MemorySentLedger } from '../../src/sentinel/ledger.js';
import { sentinelWriteBackStep } from '../../src/sentinel/timer.js';

function recorder() {
  const lines: [string, string][] = [];
  return { lines, log: { info: (m: string) => void lines.push(['info', m]), warn: (m: string) => void lines.push(['warn', m]), error: (m: string) => void lines.push(['error', m]) } };
}

const DCR = 'dcr-0123456789abcdef0123456789abcdef';

describe('write-back step of the timer', () => {
  it('is off when neither SENTINEL_ setting is set', async () => {
    const { lines, log } = recorder();
    await expect(sentinelWriteBackStep({})(log)).resolves.toBeUndefined();
    expect(lines).toEqual([]);
  });

  it('logs one error naming the missing setting when only one is set, every tick, without failing the hunt', async () => {
    const { lines, log } = recorder();
    await expect(sentinelWriteBackStep({ SENTINEL_DCR_IMMUTABLE_ID: DCR })(log)).resolves.toBeUndefined();
    expect(lines).toHaveLength(1);
    expect(lines[0]![1]).toContain('SENTINEL_INGESTION_ENDPOINT');
  });

  it('sends and logs one JSON line with the report', async () => {
    const { lines, log } = recorder();
    const uploads: string[] = [];
    const step = sentinelWriteBackStep(
      { SENTINEL_INGESTION_ENDPOINT: 'https://dce-x.westeurope-1.ingest.monitor.azure.com', SENTINEL_DCR_IMMUTABLE_ID: DCR },
      { clients: { source: { listIncidents: async () => [], listHits: async () => [] }, ledger: new MemorySentLedger(), sink: { upload: async (table) => void uploads.push(table.stream) } } },
    );
    const report = await step(log);
    expect(report).toMatchObject({ event: 'sigma-hunt.sentinel', incidents: 0 });
    expect(JSON.parse(lines[0]![1])).toMatchObject({ event: 'sigma-hunt.sentinel' });
  });

  it('logs an unreadable incident store as one error and does not throw, so it never fails the invocation', async () => {
    const { lines, log } = recorder();
    const step = sentinelWriteBackStep(
      { SENTINEL_INGESTION_ENDPOINT: 'https://dce-x.westeurope-1.ingest.monitor.azure.com', SENTINEL_DCR_IMMUTABLE_ID: DCR },
      { clients: { source: { listIncidents: async () => Promise.reject(new Error('403 AuthorizationPermissionMismatch')), listHits: async () => [] }, ledger: new MemorySentLedger(), sink: { upload: async () => {} } } },
    );
    await expect(step(log)).resolves.toBeUndefined();
    expect(lines).toEqual([['error', 'sentinel write-back: 403 AuthorizationPermissionMismatch']]);
  });

  it('parses the settings: a DCE URL and a dcr-<32 hex> immutable id', () => {
    expect(parseSentinelConfig({ SENTINEL_INGESTION_ENDPOINT: 'https://dce.example/', SENTINEL_DCR_IMMUTABLE_ID: DCR })).toEqual({ ingestionEndpoint: 'https://dce.example', dcrImmutableId: DCR });
    expect(() => parseSentinelConfig({ SENTINEL_INGESTION_ENDPOINT: 'dce', SENTINEL_DCR_IMMUTABLE_ID: 'x' })).toThrow(/SENTINEL_INGESTION_ENDPOINT: not a URL.*SENTINEL_DCR_IMMUTABLE_ID: expected dcr-/);
  });
});
