/**
 * Settings of the write-back (app settings, set by infra/main.bicep when `sentinelWriteBack` is on). Both empty
 * or absent: write-back is off. One without the other is a configuration error naming both.
 */
export interface SentinelSetting {
  name: string;
  description: string;
}

export const SENTINEL_SETTINGS: readonly SentinelSetting[] = [
  { name: 'SENTINEL_INGESTION_ENDPOINT', description: 'logs ingestion URL of the data collection endpoint (https://<dce>.<region>.ingest.monitor.azure.com)' },
  { name: 'SENTINEL_DCR_IMMUTABLE_ID', description: 'immutable id of the data collection rule (dcr-<32 hex>)' },
];

export interface SentinelConfig {
  ingestionEndpoint: string;
  dcrImmutableId: string;
}

export class SentinelConfigError extends Error {
  override readonly name = 'SentinelConfigError';
  readonly code = 'config' as const;
  constructor(readonly problems: { setting: string; reason: string }[]) {
    super(`sentinel write-back settings: ${problems.map((problem) => `${problem.setting}: ${problem.reason}`).join('; ')}`);
  }
}

/** undefined when write-back is off. */
export function parseSentinelConfig(env: Readonly<Record<string, string | undefined>>): SentinelConfig | undefined {
  const endpoint = env['SENTINEL_INGESTION_ENDPOINT']?.trim() ?? '';
  const dcr = env['SENTINEL_DCR_IMMUTABLE_ID']?.trim() ?? '';
  if (endpoint === '' && dcr === '') return undefined;
  const problems: { setting: string; reason: string }[] = [];
  if (endpoint === '') problems.push({ setting: 'SENTINEL_INGESTION_ENDPOINT', reason: 'required when SENTINEL_DCR_IMMUTABLE_ID is set' });
  else if (!/^https?:\/\/[^/]+/.test(endpoint)) problems.push({ setting: 'SENTINEL_INGESTION_ENDPOINT', reason: `not a URL: ${endpoint.slice(0, 100)}` });
  if (dcr === '') problems.push({ setting: 'SENTINEL_DCR_IMMUTABLE_ID', reason: 'required when SENTINEL_INGESTION_ENDPOINT is set' });
  else if (!/^dcr-[0-9a-f]{32}$/i.test(dcr)) problems.push({ setting: 'SENTINEL_DCR_IMMUTABLE_ID', reason: `expected dcr-<32 hex digits>, got ${dcr.slice(0, 100)}` });
  if (problems.length > 0) throw new SentinelConfigError(problems);
  return { ingestionEndpoint: endpoint.replace(/\/+$/, ''), dcrImmutableId: dcr };
}
