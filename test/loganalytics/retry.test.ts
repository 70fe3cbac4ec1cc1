import { describe, expect, it } from 'vitest';
import { headerSource } from '../../src/loganalytics/retry.js';
import { backoffDelayMs, isRetryableStatus, parseRetryAfterMs } from '../../src/loganalytics/index.js';

const NOW = Date.UTC(2024, 4, 1, 12, 0, 0);

describe('parseRetryAfterMs', () => {
  it('reads delay-seconds', () => {
    expect(parseRetryAfterMs(headerSource({ 'Retry-After': '7' }), NOW)).toBe(7_000);
  });

  it('reads an HTTP-date against the given clock', () => {
    const at = new Date(NOW + 12_000).toUTCString();
    expect(parseRetryAfterMs(headerSource({ 'retry-after': at }), NOW)).toBe(12_000);
  });

  it('treats an HTTP-date in the past as no wait', () => {
    const at = new Date(NOW - 60_000).toUTCString();
    expect(parseRetryAfterMs(headerSource({ 'retry-after': at }), NOW)).toBe(0);
  });

  it('prefers the millisecond header Azure services send', () => {
    expect(parseRetryAfterMs(headerSource({ 'retry-after': '5', 'x-ms-retry-after-ms': '1500' }), NOW)).toBe(1_500);
  });

  it('returns undefined when the header is absent or unreadable', () => {
    expect(parseRetryAfterMs(headerSource({}), NOW)).toBeUndefined();
    expect(parseRetryAfterMs(headerSource({ 'retry-after': 'soon' }), NOW)).toBeUndefined();
  });
});

describe('backoffDelayMs', () => {
  const settings = { baseDelayMs: 1_000, maxDelayMs: 8_000 };

  it('doubles per attempt with half of each step jittered', () => {
    expect(backoffDelayMs(1, settings, () => 0)).toBe(500);
    expect(backoffDelayMs(1, settings, () => 1)).toBe(1_000);
    expect(backoffDelayMs(3, settings, () => 0)).toBe(2_000);
    expect(backoffDelayMs(3, settings, () => 1)).toBe(4_000);
  });

  it('caps the step at maxDelayMs', () => {
    expect(backoffDelayMs(20, settings, () => 1)).toBe(8_000);
  });
});

describe('isRetryableStatus', () => {
  it('retries throttling, timeouts and transient server errors only', () => {
    expect([408, 429, 500, 502, 503, 504].every(isRetryableStatus)).toBe(true);
    expect([400, 401, 403, 404, 501, 505].some(isRetryableStatus)).toBe(false);
  });
});
