import { PREFIX_PATTERN } from './subjects.ts';

/** Options of the NATS engine. */
export interface NatsEngineOptions {
  /** `nats://[user:pass@]host[:port]`, or several separated by commas (a cluster's seed servers). */
  url: string;
  /**
   * Name of the JetStream stream and first token of every subject (`<prefix>.ch.…`), so several hubs
   * can share one NATS. The presence KV buckets are `<prefix>_presence` and `<prefix>_nodes`.
   */
  prefix?: string;
  /** Where connection trouble and dropped notifications are reported (the engine never logs itself). */
  onError?: (error: unknown) => void;
  /** Longest wait for one TCP connection attempt, in ms; also how long `NatsEngine.connect` waits at start. */
  connectTimeoutMs?: number;
  /** Longest wait for one JetStream call (publish ack, get, purge) before it answers 503, in ms. */
  requestTimeoutMs?: number;
  /** Pause between reconnect attempts, in ms (plus up to a fifth of it as jitter). */
  reconnectDelayMs?: number;
  /**
   * The stream's `max_age`: how long a channel is kept after its last append, in ms. It must be at least
   * the longest namespace `maxAgeMs` (shorter namespace ages are applied by the engine); once it passes,
   * the channel is forgotten and its next use starts a new epoch.
   */
  maxAgeMs?: number;
  /**
   * The stream's `max_msgs_per_subject`: most stored JetStream messages per channel, at least the largest
   * namespace history `size` (smaller sizes are applied by the engine).
   */
  maxMessagesPerChannel?: number;
  /** The stream's `duplicate_window`: how long an idempotency key is remembered, in ms. */
  idempotencyWindowMs?: number;
  /** Where the stream and buckets keep data, when the engine creates them. */
  storage?: 'file' | 'memory';
  /** Replicas of the stream and buckets, when the engine creates them (1, 3 or 5 on a JetStream cluster). */
  replicas?: number;
  /** How long a presence member outlives the last heartbeat of its node, in ms (heartbeats every third of it). */
  presenceTtlMs?: number;
}

/** Defaults of {@link NatsEngineOptions}. */
export const NATS_ENGINE_DEFAULTS = {
  prefix: 'herald',
  connectTimeoutMs: 2_000,
  requestTimeoutMs: 2_000,
  reconnectDelayMs: 250,
  // A day: longer than the default namespace's hour, so an idle channel outlives its history.
  maxAgeMs: 24 * 3_600_000,
  // Ten times the default namespace's 1,000 messages.
  maxMessagesPerChannel: 10_000,
  // The server keeps every key of the window in memory: minutes, not hours.
  idempotencyWindowMs: 10 * 60_000,
  storage: 'file',
  replicas: 1,
  presenceTtlMs: 30_000,
  /** Client PING period, in ms: finds a connection that died silently. */
  pingIntervalMs: 5_000,
} as const;

/** Options with every default filled in. */
export type NatsEngineSettings = Required<Omit<NatsEngineOptions, 'onError'>> & {
  readonly onError: (error: unknown) => void;
  readonly pingIntervalMs: number;
};

/** Fills in defaults and checks every option; throws naming the first bad one. */
export function natsEngineSettings(options: NatsEngineOptions): NatsEngineSettings {
  const d = NATS_ENGINE_DEFAULTS;
  if (typeof options.url !== 'string' || !/^(nats|tls):\/\/./.test(options.url)) {
    throw new TypeError('NatsEngine: option url must be a nats:// or tls:// URL');
  }
  const prefix = options.prefix ?? d.prefix;
  if (typeof prefix !== 'string' || !PREFIX_PATTERN.test(prefix)) {
    throw new TypeError(`NatsEngine: option prefix must match ${PREFIX_PATTERN} (it names a stream and subjects)`);
  }
  const storage = options.storage ?? d.storage;
  if (storage !== 'file' && storage !== 'memory') {
    throw new TypeError(`NatsEngine: option storage must be 'file' or 'memory', got ${String(storage)}`);
  }
  const settings: NatsEngineSettings = {
    url: options.url,
    prefix,
    onError: options.onError ?? (() => {}),
    connectTimeoutMs: positive('connectTimeoutMs', options.connectTimeoutMs ?? d.connectTimeoutMs),
    requestTimeoutMs: positive('requestTimeoutMs', options.requestTimeoutMs ?? d.requestTimeoutMs),
    reconnectDelayMs: positive('reconnectDelayMs', options.reconnectDelayMs ?? d.reconnectDelayMs),
    maxAgeMs: positive('maxAgeMs', options.maxAgeMs ?? d.maxAgeMs),
    maxMessagesPerChannel: positive('maxMessagesPerChannel', options.maxMessagesPerChannel ?? d.maxMessagesPerChannel),
    idempotencyWindowMs: positive('idempotencyWindowMs', options.idempotencyWindowMs ?? d.idempotencyWindowMs),
    storage,
    replicas: positive('replicas', options.replicas ?? d.replicas),
    presenceTtlMs: positive('presenceTtlMs', options.presenceTtlMs ?? d.presenceTtlMs),
    pingIntervalMs: d.pingIntervalMs,
  };
  if (settings.idempotencyWindowMs > settings.maxAgeMs) {
    throw new TypeError('NatsEngine: option idempotencyWindowMs must not exceed maxAgeMs (JetStream refuses it)');
  }
  return settings;
}

function positive(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    throw new TypeError(`NatsEngine: option ${name} must be a positive integer, got ${String(value)}`);
  }
  return value;
}
