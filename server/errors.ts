/**
 * The one table of domain error codes. A route throws `new AppError('CODE', message, details, params)`;
 * the error plugin turns it into `{ error: { code, message, details, params } }` with the status below.
 * `message` is English for logs and scripts; the page renders `code` + `params` in the user's
 * language (web/src/i18n/errors.ts holds a zh-CN and an English text for every code here, and for
 * every `params.reason` a code can carry; test/web/error-messages.test.ts holds them complete).
 */
export const ERROR_STATUS = {
  /** The request cannot be read at all: malformed or empty body (Fastify's own 400s). */
  BAD_REQUEST: 400,
  /** A parameter or body member has a bad value: the schema's verdict, or a rule it cannot state. */
  VALIDATION_FAILED: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  VERSION_CONFLICT: 409,
  ILLEGAL_TRANSITION: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  OUTSIDE_COVERAGE: 422,
  INVALID_GEOMETRY: 422,
  IMPORT_REJECTED: 422,
  UNPROCESSABLE: 422,
  UNKNOWN_CATEGORY: 422,
  PHOTO_REQUIRED: 422,
  PHOTO_UNUSABLE: 422,
  IDEMPOTENCY_KEY_REUSED: 422,
  RATE_LIMITED: 429,
  DB_UNAVAILABLE: 503,
  INTERNAL: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** Values the page puts into its own text for the code (a reason, a limit, an action …). */
export type ErrorParams = Record<string, string | number | boolean | null | string[]>;

export class AppError extends Error {
  readonly statusCode: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
    readonly params: ErrorParams = {},
  ) {
    super(message);
    this.name = 'AppError';
    this.statusCode = ERROR_STATUS[code];
  }
}

export const notFound = (what: string): AppError => new AppError('NOT_FOUND', `${what} not found`, undefined, { what });
