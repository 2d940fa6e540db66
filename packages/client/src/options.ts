import { type BackoffOptions, DEFAULT_BACKOFF } from './backoff.ts';
import type { PlatformOptions } from './platform.ts';
import type { GetToken } from './token.ts';
import type { TransportName, TransportTimings } from './transports/types.ts';
import type { WatchdogOptions } from './watchdog.ts';

/** Old spellings of transport names, accepted with a deprecation warning: use `websocket`, `ndjson`, `long-poll`. */
export type DeprecatedTransportName = 'ws' | 'stream' | 'longpoll';

/** The storage slice used to remember the working transport (sessionStorage in browsers). */
export interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

/** Options of `connect()`. Every duration is in ms unless its name says otherwise. */
export interface ConnectOptions extends PlatformOptions {
  /** A static token (API key or JWT). */
  token?: string;
  /** Returns a token; called with `refresh: true` when one was refused or is about to expire. */
  getToken?: GetToken;
  /**
   * Transports to use, in order of preference: `websocket`, `sse`, `ndjson`, `long-poll`, `poll`.
   * Default: all, best first. The old spellings `ws`, `stream` and `longpoll` still work (one
   * `console.warn` each); any other name makes `connect()` throw a `bad_request` error naming it.
   */
  transports?: Array<TransportName | DeprecatedTransportName>;
  /** Reconnect backoff: full jitter between 0 and `min(cap, base * 2^attempt)`. */
  backoff?: Partial<BackoffOptions>;
  /**
   * Liveness: a WebSocket sends `op: ping` after `ping` ms of silence; any connection silent for
   * `timeout` ms is declared dead and replaced. Keep `timeout` above the hub's heartbeat (15 s).
   */
  heartbeat?: { ping?: number; timeout?: number };
  /** A connection not confirmed open within this is diagnosed (buffered / no answer) and replaced. */
  openTimeout?: number;
  /** Long-poll `wait`, in seconds (the hub caps it). */
  longPollWait?: number;
  /** Bounds for the hub's `Herald-Poll-Interval` suggestion. */
  pollInterval?: { min?: number; max?: number };
  /** Timeout of single requests (pull, long poll beyond its wait). */
  requestTimeout?: number;
  /** A publish over the WebSocket without an answer after this long is rejected. */
  publishTimeout?: number;
  /** After falling back, try the preferred transport again after this long open. 0 = never. */
  upgradeAfter?: number;
  /** A connection open at least this long counts as stable: the backoff starts over. */
  stableAfter?: number;
  /** Browsers: stop polling while the page is hidden. */
  pauseWhenHidden?: boolean;
  /** Where to remember the transport that worked; `null` disables. Default: sessionStorage if any. */
  storage?: StorageLike | null;
  /** Report fallbacks to the hub (`POST /v1/client-reports`). */
  reportFallbacks?: boolean;
  /** Randomness for jitter (tests). */
  random?: () => number;
}

/** Defaults of the options that are one value each (ms unless named otherwise): every default in one table. */
const DEFAULTS = {
  openTimeout: 8_000,
  longPollWait: 25, // s; the hub's default cap
  requestTimeout: 10_000,
  publishTimeout: 10_000,
  upgradeAfter: 300_000,
  stableAfter: 5_000,
  pauseWhenHidden: true,
  reportFallbacks: true,
  random: Math.random,
};

/** Resolved options, one object that is also the transports' timings. */
export type ResolvedOptions = typeof DEFAULTS &
  TransportTimings & {
    backoff: BackoffOptions;
    heartbeat: WatchdogOptions;
    /** Where the working transport is remembered (null: nowhere). */
    storage: StorageLike | null;
  };

/** Reads `globalThis.sessionStorage` if the platform has it and allows it (it throws in some sandboxes). */
function defaultStorage(): StorageLike | null {
  try {
    const s = (globalThis as { sessionStorage?: StorageLike }).sessionStorage;
    return s ?? null;
  } catch {
    return null;
  }
}

/** Applies defaults; an option given as undefined gets its default too. */
export function resolveOptions(o: ConnectOptions): ResolvedOptions {
  const given = o as Record<string, unknown>;
  const flat: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(DEFAULTS)) flat[key] = given[key] ?? value;
  return {
    ...(flat as typeof DEFAULTS),
    backoff: { ...DEFAULT_BACKOFF, ...o.backoff },
    heartbeat: {
      ping: o.heartbeat?.ping ?? 20_000, // under common 30-60 s idle cuts
      timeout: o.heartbeat?.timeout ?? 40_000, // two missed 15 s hub heartbeats, plus margin
    },
    pollMin: o.pollInterval?.min ?? 1_000,
    pollMax: o.pollInterval?.max ?? 30_000,
    storage: o.storage === undefined ? defaultStorage() : o.storage,
  };
}
