/** Reconnect delay settings, in ms. */
export interface BackoffOptions {
  /** Ceiling of the first retry's delay. */
  base: number;
  /** No delay is ever above this. */
  cap: number;
}

/** Defaults: first retry within 0.5 s, never more than 30 s apart. */
export const DEFAULT_BACKOFF: BackoffOptions = { base: 500, cap: 30_000 };

/**
 * Exponential backoff with full jitter: a uniform delay in `[0, min(cap, base * 2^attempt))`.
 * Full jitter spreads a crowd of clients that lost the same hub at the same moment over the whole
 * window, instead of having them retry in synchronized waves. `attempt` counts from 0.
 * `floor` (e.g. a server's Retry-After) is a lower bound: the server's word beats the cap.
 */
export function backoffDelay(
  attempt: number,
  options: BackoffOptions = DEFAULT_BACKOFF,
  random: () => number = Math.random,
  floor = 0,
): number {
  const exponent = Math.min(Math.max(attempt, 0), 30);
  const ceiling = Math.min(options.cap, options.base * 2 ** exponent);
  const jittered = Math.floor(random() * ceiling);
  return Math.max(jittered, floor);
}
