import { PREFIX_PATTERN } from './keys.ts';

/** Options of the Redis engine. */
export interface RedisEngineOptions {
  /** `redis://[[user][:password]@]host[:port][/db]` (or `rediss://`). */
  url: string;
  /** First part of every key and pub/sub channel, so several hubs can share one Redis. */
  prefix?: string;
  /** Where connection trouble and dropped notifications are reported (the engine never logs itself). */
  onError?: (error: unknown) => void;
  /** Longest wait for a TCP connection, in ms; also how long `RedisEngine.connect` waits at start. */
  connectTimeoutMs?: number;
  /** Longest wait for one Redis call before it answers 503, in ms. */
  commandTimeoutMs?: number;
  /** Longest pause between reconnect attempts, in ms (the backoff starts at 50 ms and doubles). */
  maxReconnectDelayMs?: number;
  /** How long an idle channel is remembered after all its history expired, in ms. */
  forgetAfterMs?: number;
  /** How long a presence member outlives the last refresh by its node, in ms (refreshed every third of it). */
  presenceTtlMs?: number;
  /** Commands waiting for Redis on one connection; past it calls answer 503. */
  maxPendingCommands?: number;
}

/** Defaults of {@link RedisEngineOptions}. */
export const REDIS_ENGINE_DEFAULTS = {
  prefix: 'herald',
  connectTimeoutMs: 2_000,
  commandTimeoutMs: 5_000,
  maxReconnectDelayMs: 2_000,
  // A client that polls a minute after the last message expired still resumes without a reset.
  forgetAfterMs: 60_000,
  presenceTtlMs: 30_000,
  maxPendingCommands: 50_000,
  /** PING period on every connection, in ms: finds connections that died silently. */
  pingIntervalMs: 5_000,
} as const;

/** Options with every default filled in. */
export type RedisEngineSettings = Required<Omit<RedisEngineOptions, 'onError'>> & {
  readonly onError: (error: unknown) => void;
  readonly pingIntervalMs: number;
};

/** Fills in defaults and checks every option; throws naming the first bad one. */
export function redisEngineSettings(options: RedisEngineOptions): RedisEngineSettings {
  const d = REDIS_ENGINE_DEFAULTS;
  if (typeof options.url !== 'string' || !/^rediss?:\/\/./.test(options.url)) {
    throw new TypeError('RedisEngine: option url must be a redis:// or rediss:// URL');
  }
  const prefix = options.prefix ?? d.prefix;
  if (typeof prefix !== 'string' || !PREFIX_PATTERN.test(prefix)) {
    throw new TypeError(`RedisEngine: option prefix must match ${PREFIX_PATTERN} (no braces: they set the hash tag)`);
  }
  const settings: RedisEngineSettings = {
    url: options.url,
    prefix,
    onError: options.onError ?? (() => {}),
    connectTimeoutMs: positive('connectTimeoutMs', options.connectTimeoutMs ?? d.connectTimeoutMs),
    commandTimeoutMs: positive('commandTimeoutMs', options.commandTimeoutMs ?? d.commandTimeoutMs),
    maxReconnectDelayMs: positive('maxReconnectDelayMs', options.maxReconnectDelayMs ?? d.maxReconnectDelayMs),
    forgetAfterMs: positive('forgetAfterMs', options.forgetAfterMs ?? d.forgetAfterMs),
    presenceTtlMs: positive('presenceTtlMs', options.presenceTtlMs ?? d.presenceTtlMs),
    maxPendingCommands: positive('maxPendingCommands', options.maxPendingCommands ?? d.maxPendingCommands),
    pingIntervalMs: d.pingIntervalMs,
  };
  return settings;
}

function positive(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    throw new TypeError(`RedisEngine: option ${name} must be a positive integer, got ${String(value)}`);
  }
  return value;
}
