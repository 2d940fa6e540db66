import type { ErrorCode } from '@herald/protocol';

/**
 * Codes a client error can carry: the hub's catalog codes (contract section 8) plus the ones only a
 * client can observe (the network failed, the client was closed, the platform lacks an API, …).
 */
export type HeraldErrorCode =
  | ErrorCode
  | 'network'
  | 'timeout'
  | 'closed'
  | 'disconnected'
  | 'unsupported'
  | 'protocol'
  | 'duplicate_subscription';

/** Extra facts about an error, where the failure had them. */
export interface HeraldErrorDetails {
  /** HTTP status of the answer that failed. */
  status?: number;
  /** WebSocket close code (or the code of a stream's final `herald.close` event). */
  closeCode?: number;
  /** The server's `Retry-After`, in ms. */
  retryAfterMs?: number;
  /** The underlying error. */
  cause?: unknown;
}

/** Every error the SDK reports or rejects with is a HeraldError, so `err.code` can be switched on. */
export class HeraldError extends Error {
  // `declare`: the constructor assigns every field (name last, as when they were class fields), so
  // the bundles need no field declarations.
  /** Machine-readable code (see {@link HeraldErrorCode}); unknown server codes are passed through. */
  declare readonly code: HeraldErrorCode | (string & {});
  /** HTTP status, when the error came from an HTTP answer. */
  declare readonly status: number | undefined;
  /** Close code, when the error came from a closed connection. */
  declare readonly closeCode: number | undefined;
  /** Server-suggested delay before retrying, in ms. */
  declare readonly retryAfterMs: number | undefined;

  constructor(code: HeraldErrorCode | (string & {}), message: string, details: HeraldErrorDetails = {}) {
    super(message, details);
    this.code = code;
    this.status = details.status;
    this.closeCode = details.closeCode;
    this.retryAfterMs = details.retryAfterMs;
    this.name = 'HeraldError';
  }
}
