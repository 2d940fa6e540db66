import { DEFAULTS } from '@herald/server';
import { group, setting } from './setting.ts';
import { bytes, ms, nonNegativeInt, positiveInt } from './validators.ts';

/** How live connections, polls and requests are paced and bounded. */
export const CONNECTIONS = {
  streamHeartbeatMs: setting(ms, {
    default: DEFAULTS.streamHeartbeatMs,
    cli: {
      flags: '--heartbeat-ms <ms>',
      env: 'HERALD_HEARTBEAT_MS',
      kind: 'number',
      help: 'SSE / NDJSON heartbeat interval',
    },
    option: { key: 'streamHeartbeatMs', doc: 'SSE comment / empty NDJSON line at least this often, ms.' },
  }),
  wsPingMs: setting(ms, {
    default: DEFAULTS.wsPingMs,
    cli: {
      flags: '--ws-ping-ms <ms>',
      env: 'HERALD_WS_PING_MS',
      kind: 'number',
      help: 'WebSocket ping interval (and pong timeout)',
    },
    option: {
      key: 'wsPingMs',
      doc: 'WebSocket ping interval, ms; a connection that has not answered the previous ping by the next one is closed.',
    },
  }),
  longPollMaxMs: setting(ms, {
    default: DEFAULTS.longPollMaxMs,
    cli: {
      flags: '--long-poll-max-ms <ms>',
      env: 'HERALD_LONG_POLL_MAX_MS',
      kind: 'number',
      help: 'longest a long poll is held',
    },
    option: { key: 'longPollMaxMs', doc: 'Longest a long poll is held, ms (`wait` above it is capped).' },
  }),
  maxConnectionLifetimeMs: setting(nonNegativeInt('0 (never) or a positive integer (milliseconds)'), {
    default: DEFAULTS.maxConnectionLifetimeMs,
    cli: {
      flags: '--max-connection-lifetime-ms <ms>',
      env: 'HERALD_MAX_CONNECTION_LIFETIME_MS',
      kind: 'number',
      help: 'close live connections after this long (0 = never)',
    },
    option: {
      key: 'maxConnectionLifetimeMs',
      doc: 'Live connections are closed (code 4201, reconnect at once) after this long, ms; 0 = never.',
    },
  }),
  maxBodyBytes: setting(bytes, {
    default: DEFAULTS.maxBodyBytes,
    cli: {
      flags: '--max-body-bytes <bytes>',
      env: 'HERALD_MAX_BODY_BYTES',
      kind: 'number',
      help: 'largest request body',
    },
    option: { key: 'maxBodyBytes', doc: 'Largest request body read, bytes (413 beyond).' },
  }),
  maxFrameBytes: setting(bytes, {
    default: DEFAULTS.maxFrameBytes,
    cli: {
      flags: '--max-frame-bytes <bytes>',
      env: 'HERALD_MAX_FRAME_BYTES',
      kind: 'number',
      help: 'largest WebSocket frame',
    },
    option: { key: 'maxFrameBytes', doc: 'Largest WebSocket frame accepted, bytes (close 1009 beyond).' },
  }),
  maxBacklogBytes: setting(bytes, {
    default: DEFAULTS.maxBacklogBytes,
    cli: {
      flags: '--max-backlog-bytes <bytes>',
      env: 'HERALD_MAX_BACKLOG_BYTES',
      kind: 'number',
      help: 'unsent bytes per connection before a slow consumer is cut',
    },
    option: { key: 'maxBacklogBytes', doc: 'Unsent bytes per live connection before it is cut as a slow consumer.' },
  }),
  maxBlobBytes: setting(bytes, {
    default: DEFAULTS.maxBlobBytes,
    cli: {
      flags: '--max-blob-bytes <bytes>',
      env: 'HERALD_MAX_BLOB_BYTES',
      kind: 'number',
      help: 'largest blob (PUT /v1/blobs/{name})',
    },
    option: { key: 'maxBlobBytes', doc: 'Largest blob accepted, bytes (413 beyond).' },
  }),
  sseRetryMs: setting(ms, {
    default: DEFAULTS.sseRetryMs,
    cli: {
      flags: '--sse-retry-ms <ms>',
      env: 'HERALD_SSE_RETRY_MS',
      kind: 'number',
      help: 'retry: sent to EventSource clients',
    },
    option: { key: 'sseRetryMs', doc: '`retry:` sent to EventSource clients, ms.' },
  }),
  pollIntervalMs: group(
    {
      min: setting(ms, {
        default: DEFAULTS.pollIntervalMs.min,
        cli: {
          flags: '--poll-interval-min-ms <ms>',
          env: 'HERALD_POLL_INTERVAL_MIN_MS',
          kind: 'number',
          help: 'lowest Herald-Poll-Interval suggested',
        },
      }),
      max: setting(ms, {
        default: DEFAULTS.pollIntervalMs.max,
        cli: {
          flags: '--poll-interval-max-ms <ms>',
          env: 'HERALD_POLL_INTERVAL_MAX_MS',
          kind: 'number',
          help: 'highest Herald-Poll-Interval suggested',
        },
      }),
    },
    'expected an object { min, max }',
    { key: 'pollIntervalMs', doc: 'Bounds of the Herald-Poll-Interval suggestion, ms.' },
  ),
  maxSubscriptionsPerConnection: setting(positiveInt(), {
    default: DEFAULTS.maxSubscriptionsPerConnection,
    cli: {
      flags: '--max-subscriptions <n>',
      env: 'HERALD_MAX_SUBSCRIPTIONS',
      kind: 'number',
      help: 'channels per multi-channel request or socket',
    },
    option: {
      key: 'maxSubscriptionsPerConnection',
      doc: 'Channels one multi-channel request or socket may subscribe to.',
    },
  }),
  shutdownTimeoutMs: setting(ms, {
    default: DEFAULTS.shutdownTimeoutMs,
    cli: {
      flags: '--shutdown-timeout-ms <ms>',
      env: 'HERALD_SHUTDOWN_TIMEOUT_MS',
      kind: 'number',
      help: 'grace period of a graceful shutdown',
    },
    option: {
      key: 'shutdownTimeoutMs',
      doc: 'Grace period of a graceful shutdown before remaining connections are destroyed, ms.',
    },
  }),
};
