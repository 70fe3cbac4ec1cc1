/**
 * Kusto datetimes carry 100 ns ticks (7 fractional digits). On the wire the query API trims trailing zeros:
 * a live recording of `make_datetime("2000-01-02 03:04:05Z")` came back as "2000-01-02T03:04:05Z", another
 * as "2022-06-03T19:50:29.043Z" (Azure/azure-sdk-for-js sdk/monitor/monitor-query-logs/recordings/node/
 * logsqueryclient_live_tests/recording_querylogsbatch_with_types.json; Azure/azure-sdk-for-java
 * .../session-records/LogsQueryClientTest.testLogsQueryAllowPartialSuccess.json), while `tostring(dt)`
 * always prints 7 digits ("...05.0000000Z"). The SDK turns datetime columns into `Date`, which keeps
 * milliseconds only, so a watermark must travel as a string: project `tostring(ingestion_time())`.
 */

const KUSTO_DATETIME = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,7}))?Z$/;

/** The wire form of a datetime cell: ISO 8601 UTC, trailing fractional zeros trimmed like the service does. */
export function formatKustoDatetime(value: Date): string {
  const iso = value.toISOString(); // always "YYYY-MM-DDTHH:MM:SS.mmmZ"
  const seconds = iso.slice(0, 19);
  const fraction = iso.slice(20, 23).replace(/0+$/, '');
  return fraction ? `${seconds}.${fraction}Z` : `${seconds}Z`;
}

/**
 * The 7-digit form ("2024-05-01T10:00:00.1234500Z") of a Kusto datetime text, or undefined when the text is
 * not one. Normalised texts of the same width compare correctly as strings, which is what a watermark needs.
 */
export function normalizeKustoDatetime(text: string): string | undefined {
  const match = KUSTO_DATETIME.exec(text);
  if (!match) return undefined;
  const fraction = (match[2] ?? '').padEnd(7, '0');
  return `${match[1]}.${fraction}Z`;
}

/** True for text in the wire or `tostring()` form (UTC, 0 to 7 fractional digits). */
export function isKustoDatetimeText(text: string): boolean {
  return KUSTO_DATETIME.test(text);
}
