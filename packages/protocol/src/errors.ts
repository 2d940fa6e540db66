/**
 * The error catalog: every coded error the hub answers with, its HTTP status and, where a live
 * connection ends because of it, the WebSocket close code (contract sections 6 and 8).
 * docs/errors.md is generated from / checked against this table by a test.
 */
export const ERROR_CATALOG = {
  bad_request: { status: 400, close: 4000, message: 'The request is malformed.' },
  unauthorized: { status: 401, close: 4001, message: 'Authentication is required or the credentials are invalid.' },
  forbidden: { status: 403, close: 4003, message: 'The credentials do not allow this.' },
  not_found: { status: 404, close: 4004, message: 'No such resource.' },
  method_not_allowed: { status: 405, close: 4000, message: 'This method is not allowed on this resource.' },
  not_acceptable: { status: 406, close: 4000, message: 'None of the accepted media types can be served.' },
  conflict: { status: 409, close: 4000, message: 'The request conflicts with the current state of the resource.' },
  gone: { status: 410, close: 4000, message: 'The resource existed and is gone.' },
  too_large: { status: 413, close: 1009, message: 'The message or request body is too large.' },
  unsupported_media_type: { status: 415, close: 4000, message: 'The body must be application/json.' },
  range_not_satisfiable: { status: 416, close: 4000, message: 'The requested range is outside the blob.' },
  rate_limited: { status: 429, close: 4101, message: 'Too many requests; retry later.' },
  internal: { status: 500, close: 1011, message: 'An internal error occurred.' },
  unavailable: { status: 503, close: 4102, message: 'The service is temporarily unavailable; retry later.' },
} as const;

/** A code from the error catalog. */
export type ErrorCode = keyof typeof ERROR_CATALOG;

/** The JSON error body, contract section 8. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string };
}
