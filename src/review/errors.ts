/** Refusals of the review API, each with a stable code and the HTTP status it answers with. */
export type ReviewErrorCode =
  | 'unauthenticated' // 401: no token, or a token that does not validate
  | 'forbidden' // 403: a valid principal without the app role the request needs
  | 'not-found' // 404
  | 'bad-request' // 400: a body or query that does not parse
  | 'precondition-required' // 428: a triage without If-Match
  | 'precondition-failed' // 412: a triage whose If-Match is not the incident's current version
  | 'method-not-allowed' // 405
  | 'config'; // settings that cannot work (500 on every request, with the reason in the log)

const STATUS: Readonly<Record<ReviewErrorCode, number>> = {
  unauthenticated: 401,
  forbidden: 403,
  'not-found': 404,
  'bad-request': 400,
  'precondition-required': 428,
  'precondition-failed': 412,
  'method-not-allowed': 405,
  config: 500,
};

export class ReviewError extends Error {
  override readonly name = 'ReviewError';
  readonly status: number;
  constructor(
    readonly code: ReviewErrorCode,
    readonly reason: string,
    /** Extra JSON for the body (e.g. the current version and triage on a 412). */
    readonly details?: Record<string, unknown>,
  ) {
    super(`review ${code}: ${reason}`);
    this.status = STATUS[code];
  }
}
