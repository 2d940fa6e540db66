import { ERROR_CATALOG, type ErrorCode } from '@herald/protocol';

/** An error with a code from the catalog; rendered by the server's one error handler. */
export class HeraldError extends Error {
  readonly code: ErrorCode;
  /** Seconds, for 429/503 answers. */
  readonly retryAfter: number | undefined;

  constructor(code: ErrorCode, message?: string, retryAfter?: number) {
    super(message ?? ERROR_CATALOG[code].message);
    this.name = 'HeraldError';
    this.code = code;
    this.retryAfter = retryAfter;
  }

  /** The HTTP status for this error. */
  get status(): number {
    return ERROR_CATALOG[this.code].status;
  }
}
