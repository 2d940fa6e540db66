/**
 * Defaults of every bridge option, in one place. Units are in the names or comments. The schema
 * (config.ts, source-config.ts) fills these in, so a parsed config has every field set.
 */
export const BRIDGE_DEFAULTS = {
  /** How a payload is read: JSON if it parses, else UTF-8 text. */
  format: 'auto',
  /** Field of a JSON object payload that names the event. */
  eventField: 'event',
  /** Field of a JSON object payload that holds the data (absent: the whole object is the data). */
  dataField: 'data',
  /** Idempotency key: the source's own message id (see docs/bridges.md per source). */
  idempotencyKey: 'source',
  /** Largest payload taken, bytes; larger ones are dead-lettered (the hub's namespace limit also applies). */
  maxMessageBytes: 64 * 1024,
  /** First wait after a failure (reconnect, publish 503), ms; doubles up to `retryMaxMs`. */
  retryInitialMs: 200,
  /** Longest wait between retries, ms. */
  retryMaxMs: 10_000,
  /** On close, how long the message being published may take before it is returned to the broker, ms. */
  drainTimeoutMs: 5_000,
  /** How often the lag (messages waiting in the broker) is sampled, ms. */
  lagIntervalMs: 5_000,
  /** Messages the broker may hand over before the bridge acknowledges (bounded prefetch). */
  prefetch: 100,

  rabbitmq: { url: 'amqp://guest:guest@127.0.0.1:5672' },
  mqtt: {
    url: 'mqtt://127.0.0.1:1883',
    qos: 1,
    protocolVersion: 5,
    /** How long the broker keeps the session (and queues QoS 1 messages) while the bridge is away, s. */
    sessionExpirySeconds: 3_600,
    keepaliveSeconds: 30,
  },
  nats: { servers: 'nats://127.0.0.1:4222' },
  jetstream: {
    /** How long JetStream waits for an ack before it redelivers, ms. */
    ackWaitMs: 30_000,
    deliverPolicy: 'all',
  },
  redis: {
    url: 'redis://127.0.0.1:6379',
    /** XREADGROUP BLOCK, ms: how long one read waits for new entries. */
    blockMs: 2_000,
    /** A pending entry idle this long is taken over from a consumer that died (XAUTOCLAIM), ms. */
    claimIdleMs: 60_000,
    /** Where a new group starts: `$` = only new entries, `0` = the whole stream. */
    startId: '$',
    /** Dead-letter stream length cap (approximate, XADD MAXLEN ~), entries. */
    deadLetterMaxLen: 100_000,
  },
  postgres: {
    url: 'postgres://postgres@127.0.0.1:5432/postgres',
    table: 'herald_outbox',
    notifyChannel: 'herald_outbox',
    /** Fallback poll when no NOTIFY arrives (a missed notification, a trigger left out), ms. */
    pollIntervalMs: 1_000,
    /** Rows read and locked per transaction. */
    batch: 100,
    /** What happens to a delivered row: deleted, or kept with status 'done'. */
    onDone: 'delete',
  },
} as const;
