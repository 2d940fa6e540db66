/**
 * Close codes the hub uses on WebSocket connections and in the final event of SSE/NDJSON streams.
 * Ranges tell a client what to do (contract section 6):
 * 1000/1001 reconnect at once; 4000-4099 do not reconnect; 4100-4199 reconnect with backoff;
 * 4200-4299 reconnect at once (after re-authenticating where that applies).
 */
export const CLOSE_CODES = {
  normal: 1000,
  going_away: 1001,
  protocol_error: 1002,
  invalid_payload: 1007,
  policy_violation: 1008,
  message_too_big: 1009,
  internal_error: 1011,
  bad_request: 4000,
  unauthorized: 4001,
  forbidden: 4003,
  not_found: 4004,
  slow_consumer: 4100,
  rate_limited: 4101,
  unavailable: 4102,
  token_expired: 4200,
  lifetime_exceeded: 4201,
  server_restart: 4202,
} as const;

/** A close code name. */
export type CloseName = keyof typeof CLOSE_CODES;

/** What a client should do after a close with `code`. */
export function reconnectAdvice(code: number): 'now' | 'backoff' | 'never' {
  if (code >= 4000 && code < 4100) return 'never';
  if (code >= 4100 && code < 4200) return 'backoff';
  if (code === 1008 || code === 1002 || code === 1007 || code === 1009) return 'never';
  return 'now';
}
