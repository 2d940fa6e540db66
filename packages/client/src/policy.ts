import { reconnectAdvice } from '@herald/protocol';
import { type BackoffOptions, backoffDelay } from './backoff.ts';
import { HeraldError } from './errors.ts';
import type { Fallback, TransportSelector } from './selector.ts';
import type { Failure } from './transports/types.ts';

/** What the client does after a connection ended. */
export type Action =
  | { type: 'fatal'; error: HeraldError }
  /** Get a fresh token, then reconnect at once. */
  | { type: 'reauth' }
  /** A multi-channel request was refused (400/403/401 without token): find which channels, drop them, go on. */
  | { type: 'probe'; error: HeraldError }
  /** `catchUp`: by pull first (after a slow-consumer cut). */
  | { type: 'retry'; delay: number; catchUp?: boolean; fallback?: Fallback };

/** What the decision depends on besides the failure. */
export interface PolicyState {
  /** Reconnect attempts since the last stable connection. */
  attempts: number;
  /** How long the connection was open, ms (0 if never). */
  lifetimeMs: number;
  /** A `getToken` callback exists and has not just been tried for this failure. */
  canReauth: boolean;
  /** The client sends no token: a 401 then concerns a channel that needs credentials, not the client. */
  anonymous: boolean;
  backoff: BackoffOptions;
  random: () => number;
  selector: TransportSelector;
}

/**
 * The protocol's names (CLOSE_CODES) of the close codes that can end a client, which its error
 * carries as `code`: those reconnectAdvice says never to retry, and the auth ones when no new token
 * can be had. Only these: the whole table would weigh in the browser bundle for codes that are
 * retried. policy.test.ts checks them against CLOSE_CODES.
 */
/** Close codes the rules below name (CLOSE_CODES' values, checked by policy.test.ts too). */
export const UNAUTHORIZED = 4001;
export const TOKEN_EXPIRED = 4200;
export const SLOW_CONSUMER = 4100;

export const FATAL_CLOSE_NAMES: Readonly<Record<number, string>> = {
  1002: 'protocol_error',
  1007: 'invalid_payload',
  1008: 'policy_violation',
  1009: 'message_too_big',
  4000: 'bad_request',
  4001: 'unauthorized',
  4003: 'forbidden',
  4004: 'not_found',
  4200: 'token_expired',
};

/** The error of a connection the hub closed for good (close codes 4000-4099, 1002, 1007-1009). */
function closeError(failure: Failure): HeraldError {
  const code = failure.code ?? 0;
  return new HeraldError(FATAL_CLOSE_NAMES[code] ?? `close_${code}`, failure.reason || `closed with ${code}`, {
    closeCode: code,
  });
}

/**
 * The reconnect rules (contract sections 4, 6, 7a, 8) in one pure function:
 * - auth (401, close 4001, 4200 token expired): re-authenticate once with `getToken(true)`, else stop;
 *   a 401 to a client without a token is about channels: find which ones, as for 403;
 * - close codes: 4000-4099 stop, 4100-4199 back off (4100 slow consumer: catch up by pull first),
 *   1000/1001/4200-4299 reconnect at once (backoff only if that keeps failing);
 * - 400/403 answers stop (after finding which channel was refused);
 * - everything else goes through the transport selector (fall back or retry with backoff).
 */
export function decide(failure: Failure, s: PolicyState): Action {
  const code = failure.code;
  const unauthorized = failure.status === 401 || code === UNAUTHORIZED || code === TOKEN_EXPIRED;
  if (unauthorized) {
    if (s.canReauth) return { type: 'reauth' };
    if (s.anonymous && failure.kind === 'http') {
      return {
        type: 'probe',
        error: failure.error ?? new HeraldError('unauthorized', failure.reason, { status: 401 }),
      };
    }
    return { type: 'fatal', error: failure.error ?? closeError(failure) };
  }
  const jitter = (floor = 0): number => backoffDelay(s.attempts, s.backoff, s.random, floor);
  if (failure.kind === 'server' && code !== undefined) {
    const advice = reconnectAdvice(code);
    if (advice === 'never') return { type: 'fatal', error: closeError(failure) };
    const delay = advice === 'now' && s.attempts === 0 ? 0 : jitter();
    return { type: 'retry', delay, catchUp: code === SLOW_CONSUMER };
  }
  if (failure.kind === 'http' && (failure.status === 400 || failure.status === 403)) {
    const error = failure.error ?? new HeraldError('forbidden', failure.reason, { status: failure.status });
    return { type: 'probe', error };
  }
  const move = s.selector.failed(failure, s.lifetimeMs);
  if (move) {
    // Falling back is not a failure of the hub: try the next transport at once, unless every
    // transport failed in turn, which is an outage: then back off.
    return { type: 'retry', delay: move.wrapped ? jitter() : 0, fallback: move.fallback };
  }
  return { type: 'retry', delay: jitter(failure.error?.retryAfterMs) };
}

/** The failure of an attempt that failed before a connection existed (pinning, catch-up). */
export function failureOf(err: unknown): Failure {
  if (err instanceof HeraldError && err.status !== undefined) {
    return { kind: 'http', opened: false, status: err.status, reason: err.message, error: err };
  }
  return { kind: 'network', opened: false, reason: err instanceof Error ? err.message : String(err) };
}

/** What an open timeout means: headers but no byte is a buffering proxy; nothing at all, no answer. */
export function openTimeoutFailure(phase: 'request' | 'headers', timeoutMs: number): Failure {
  const seconds = Math.round(timeoutMs / 100) / 10;
  return phase === 'headers'
    ? { kind: 'buffered', opened: false, reason: `response open but no data within ${seconds} s` }
    : { kind: 'no_response', opened: false, reason: `no answer within ${seconds} s` };
}
