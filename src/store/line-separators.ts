/**
 * U+2028 LINE SEPARATOR and U+2029 PARAGRAPH SEPARATOR in a transaction body. JSON.stringify leaves them raw
 * (JSON allows them in strings), so an event value holding one reaches the service as those characters.
 * Azurite (3.35) cannot take that: it finds each operation's JSON in the multipart body with `/{+.+}+/`
 * (src/table/batch/TableBatchSerialization.ts), and `.` does not match a JavaScript line terminator, so the
 * entity is cut at the separator and the whole transaction fails ("Transaction Failed", 400/500). The same
 * entity is accepted by a single-entity insert, and by a transaction once the two characters are written as
 * the JSON escapes `\u2028` / `\u2029` (test/store/line-separators.test.ts proves all three). The escape
 * is the same JSON value for any parser, so every transaction body is sent escaped, against Azurite and Azure
 * alike: a hostile event value can never make a hit unstorable.
 */
import type { TableClient } from '@azure/data-tables';

const LINE_SEPARATORS = /[\u2028\u2029]/g;

/** `json` with U+2028/U+2029 written as JSON escapes; any other text unchanged. */
export function escapeLineSeparators(json: string): string {
  return json.replace(LINE_SEPARATORS, (separator) => (separator === '\u2028' ? '\\u2028' : '\\u2029'));
}

type Policy = Parameters<TableClient['pipeline']['addPolicy']>[0];

export const ESCAPE_LINE_SEPARATORS_PHASE = 'Serialize' as const;
export const ESCAPE_LINE_SEPARATORS_POLICY_NAME = 'sigmaHuntEscapeLineSeparators';

/** Rewrites entity-group transaction bodies (`POST .../$batch`, a string built by the SDK) as escapeLineSeparators.
 *  Added in the Serialize phase, before any signing policy measures the body. */
export const escapeLineSeparatorsPolicy: Policy = {
  name: ESCAPE_LINE_SEPARATORS_POLICY_NAME,
  sendRequest: (request, next) => {
    if (typeof request.body === 'string' && new URL(request.url).pathname.endsWith('/$batch')) {
      request.body = escapeLineSeparators(request.body);
      // The shared-key policy (Azurite) sets Content-Length from the body it saw; the escapes are 3 bytes longer
      // each, and a stale length makes the server read a truncated body.
      if (request.headers.has('content-length')) request.headers.set('content-length', Buffer.byteLength(request.body, 'utf8'));
    }
    return next(request);
  },
};
