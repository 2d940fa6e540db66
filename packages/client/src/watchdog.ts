import type { Timers } from './timers.ts';

/** Liveness settings, ms. */
export interface WatchdogOptions {
  /** Ask for a sign of life (WebSocket `op: ping`) after this much silence. */
  ping: number;
  /** Declare the connection dead after this much silence. */
  timeout: number;
}

/**
 * Watches a connection: declares it dead when nothing (data or heartbeat) arrived for `timeout` ms,
 * and asks a quiet socket for a pong once per silence (`ping` is undefined for transports without
 * application pings). Returns the function to call when something arrives. It polls a timestamp
 * (the timer `watchdog`) instead of re-arming a timer per message, so a busy connection costs one
 * `Date.now()` per message; clearing that timer stops it.
 */
export function watch(
  timers: Timers,
  options: WatchdogOptions,
  ping: (() => void) | undefined,
  dead: (silentMs: number) => void,
): () => void {
  let last = Date.now();
  let pinged = -1;
  const { timeout } = options;
  const pingAfter = ping ? options.ping : timeout;
  const period = Math.max(25, Math.min(pingAfter, timeout) / 4);
  const check = (): void => {
    const silent = Date.now() - last;
    if (silent >= timeout) {
      dead(silent);
      return;
    }
    if (ping && silent >= pingAfter && pinged !== last) {
      pinged = last;
      ping();
    }
    timers.set('watchdog', period, check);
  };
  timers.set('watchdog', period, check);
  return () => {
    last = Date.now();
  };
}
