import type { Timers } from './timers.ts';

/** Liveness settings, ms. */
export interface WatchdogOptions {
  /** Ask for a sign of life (WebSocket `op: ping`) after this much silence. */
  ping: number;
  /** Declare the connection dead after this much silence. */
  timeout: number;
}

/**
 * Declares a connection dead when nothing (data or heartbeat) arrived for `timeout` ms, and asks a
 * quiet socket for a pong once per silence. It polls a timestamp instead of re-arming a timer per
 * message, so a busy connection costs one `Date.now()` per message.
 */
export class Watchdog {
  #last = 0;
  #pinged = -1;
  readonly #timers: Timers;
  readonly #options: WatchdogOptions;

  constructor(timers: Timers, options: WatchdogOptions) {
    this.#timers = timers;
    this.#options = options;
  }

  /** Something arrived. */
  feed(): void {
    this.#last = Date.now();
  }

  /** Starts watching; `ping` is undefined for transports without application pings. */
  start(ping: (() => void) | undefined, dead: (silentMs: number) => void): void {
    this.feed();
    this.#pinged = -1;
    const { timeout } = this.#options;
    const pingAfter = ping === undefined ? timeout : this.#options.ping;
    const period = Math.max(25, Math.min(pingAfter, timeout) / 4);
    const check = (): void => {
      const silent = Date.now() - this.#last;
      if (silent >= timeout) {
        dead(silent);
        return;
      }
      if (ping !== undefined && silent >= pingAfter && this.#pinged !== this.#last) {
        this.#pinged = this.#last;
        ping();
      }
      this.#timers.set('watchdog', period, check);
    };
    this.#timers.set('watchdog', period, check);
  }
}
