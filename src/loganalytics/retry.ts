/** Header access shared by plain records (our response capture) and the pipeline's HttpHeaders. */
export interface HeaderSource {
  get(name: string): string | undefined;
}

export function headerSource(headers: Record<string, string>): HeaderSource {
  const lower = new Map(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  return { get: (name) => lower.get(name.toLowerCase()) };
}

/**
 * How long the server asked us to wait, in ms, or undefined when it did not say.
 * `retry-after-ms` / `x-ms-retry-after-ms` are Azure's millisecond variants; `Retry-After` is RFC 9110 §10.2.3:
 * either delay-seconds or an HTTP-date, which is measured against `nowMs` (the injected clock).
 */
export function parseRetryAfterMs(headers: HeaderSource, nowMs: number): number | undefined {
  for (const name of ['retry-after-ms', 'x-ms-retry-after-ms']) {
    const value = headers.get(name)?.trim();
    if (value && /^\d+(\.\d+)?$/.test(value)) return Math.ceil(Number(value));
  }
  const value = headers.get('retry-after')?.trim();
  if (!value) return undefined;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}

export interface BackoffSettings {
  baseDelayMs: number;
  maxDelayMs: number;
}

/**
 * Exponential backoff with "equal jitter": half the exponential step is fixed, half random, so retries from
 * many timer instances spread out but never collapse to zero. `attempt` is the attempt that just failed (1-based).
 */
export function backoffDelayMs(attempt: number, settings: BackoffSettings, random: () => number): number {
  const step = Math.min(settings.maxDelayMs, settings.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(step / 2 + random() * (step / 2));
}
