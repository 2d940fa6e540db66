/** How a flag's or environment variable's text becomes a config value. */
export type SettingKind = 'text' | 'number' | 'list' | 'boolean';

/** One `herald serve` setting that exists as a flag, an environment variable and a config file key. */
export interface Setting {
  /** Commander flag spelling. */
  readonly flags: string;
  /** Environment variable (lists: comma-separated). */
  readonly env: string;
  /** An earlier name of the variable, still read (with a warning on stderr) when `env` is not set. */
  readonly deprecatedEnv?: string;
  /** Where the value goes in the config file shape. */
  readonly path: readonly [string, ...string[]];
  readonly kind: SettingKind;
  readonly description: string;
}

/**
 * Every `serve` setting that has a flag. The table is the single source for the flags, their
 * environment variables and the key each one overrides, so the three can never drift apart
 * (docs/config.md is checked against it by a test).
 */
export const SETTINGS: readonly Setting[] = [
  { flags: '--host <host>', env: 'HERALD_HOST', path: ['host'], kind: 'text', description: 'address to listen on' },
  {
    flags: '--port <port>',
    env: 'HERALD_PORT',
    path: ['port'],
    kind: 'number',
    description: 'port (0 = any free one)',
  },
  {
    flags: '--api-key <key>',
    // The same variable the client commands send a key from (they use its first key).
    env: 'HERALD_API_KEY',
    deprecatedEnv: 'HERALD_API_KEYS',
    path: ['apiKeys'],
    kind: 'list',
    description: 'API key that may publish and read anything (repeatable; the variable takes a comma-separated list)',
  },
  {
    flags: '--data <dir>',
    env: 'HERALD_DATA',
    path: ['data'],
    kind: 'text',
    description: 'keep history in SQLite in this directory (without it: in memory, lost on restart)',
  },
  {
    flags: '--data-sync <mode>',
    env: 'HERALD_DATA_SYNC',
    path: ['dataSync'],
    kind: 'text',
    description:
      'with --data: full (a 201 means synced to disk) or fast (not synced; a stop that is not clean resets every channel)',
  },
  {
    flags: '--redis <url>',
    env: 'HERALD_REDIS_URL',
    path: ['redis'],
    kind: 'text',
    description: 'keep history in Redis, shared by every node and worker (redis://[user:password@]host:port[/db])',
  },
  {
    flags: '--redis-prefix <prefix>',
    env: 'HERALD_REDIS_PREFIX',
    path: ['redisPrefix'],
    kind: 'text',
    description: 'start of every Redis key, so separate hubs can share one Redis',
  },
  {
    flags: '--nats <url>',
    env: 'HERALD_NATS_URL',
    path: ['nats'],
    kind: 'text',
    description: 'keep history in NATS JetStream, shared by every node and worker (nats://[user:password@]host:port)',
  },
  {
    flags: '--nats-prefix <prefix>',
    env: 'HERALD_NATS_PREFIX',
    path: ['natsPrefix'],
    kind: 'text',
    description: 'name of the JetStream stream and first token of every subject, so separate hubs can share one NATS',
  },
  {
    // A number or `auto`: convert() turns digits into a number and leaves `auto` for the schema.
    flags: '--workers <n|auto>',
    env: 'HERALD_WORKERS',
    path: ['workers'],
    kind: 'number',
    description: 'worker processes sharing the port (auto = one per core); more than 1 needs --redis or --nats',
  },
  {
    flags: '--log-level <level>',
    env: 'HERALD_LOG_LEVEL',
    path: ['logLevel'],
    kind: 'text',
    description: 'fatal, error, warn, info, debug, trace or silent',
  },
  {
    flags: '--heartbeat-ms <ms>',
    env: 'HERALD_HEARTBEAT_MS',
    path: ['streamHeartbeatMs'],
    kind: 'number',
    description: 'SSE / NDJSON heartbeat interval',
  },
  {
    flags: '--ws-ping-ms <ms>',
    env: 'HERALD_WS_PING_MS',
    path: ['wsPingMs'],
    kind: 'number',
    description: 'WebSocket ping interval (and pong timeout)',
  },
  {
    flags: '--long-poll-max-ms <ms>',
    env: 'HERALD_LONG_POLL_MAX_MS',
    path: ['longPollMaxMs'],
    kind: 'number',
    description: 'longest a long poll is held',
  },
  {
    flags: '--max-connection-lifetime-ms <ms>',
    env: 'HERALD_MAX_CONNECTION_LIFETIME_MS',
    path: ['maxConnectionLifetimeMs'],
    kind: 'number',
    description: 'close live connections after this long (0 = never)',
  },
  {
    flags: '--max-body-bytes <bytes>',
    env: 'HERALD_MAX_BODY_BYTES',
    path: ['maxBodyBytes'],
    kind: 'number',
    description: 'largest request body',
  },
  {
    flags: '--max-frame-bytes <bytes>',
    env: 'HERALD_MAX_FRAME_BYTES',
    path: ['maxFrameBytes'],
    kind: 'number',
    description: 'largest WebSocket frame',
  },
  {
    flags: '--max-backlog-bytes <bytes>',
    env: 'HERALD_MAX_BACKLOG_BYTES',
    path: ['maxBacklogBytes'],
    kind: 'number',
    description: 'unsent bytes per connection before a slow consumer is cut',
  },
  {
    flags: '--max-blob-bytes <bytes>',
    env: 'HERALD_MAX_BLOB_BYTES',
    path: ['maxBlobBytes'],
    kind: 'number',
    description: 'largest blob (PUT /v1/blobs/{name})',
  },
  {
    flags: '--sse-retry-ms <ms>',
    env: 'HERALD_SSE_RETRY_MS',
    path: ['sseRetryMs'],
    kind: 'number',
    description: 'retry: sent to EventSource clients',
  },
  {
    flags: '--poll-interval-min-ms <ms>',
    env: 'HERALD_POLL_INTERVAL_MIN_MS',
    path: ['pollIntervalMs', 'min'],
    kind: 'number',
    description: 'lowest Herald-Poll-Interval suggested',
  },
  {
    flags: '--poll-interval-max-ms <ms>',
    env: 'HERALD_POLL_INTERVAL_MAX_MS',
    path: ['pollIntervalMs', 'max'],
    kind: 'number',
    description: 'highest Herald-Poll-Interval suggested',
  },
  {
    flags: '--max-subscriptions <n>',
    env: 'HERALD_MAX_SUBSCRIPTIONS',
    path: ['maxSubscriptionsPerConnection'],
    kind: 'number',
    description: 'channels per multi-channel request or socket',
  },
  {
    flags: '--shutdown-timeout-ms <ms>',
    env: 'HERALD_SHUTDOWN_TIMEOUT_MS',
    path: ['shutdownTimeoutMs'],
    kind: 'number',
    description: 'grace period of a graceful shutdown',
  },
  {
    flags: '--allowed-origin <origin>',
    env: 'HERALD_ALLOWED_ORIGINS',
    path: ['allowedOrigins'],
    kind: 'list',
    description:
      'origin allowed for CORS and WebSocket (repeatable; * = any; the variable takes a comma-separated list)',
  },
  {
    flags: '--max-connections-per-ip <n>',
    env: 'HERALD_MAX_CONNECTIONS_PER_IP',
    path: ['maxConnectionsPerIp'],
    kind: 'number',
    description: 'live connections (WebSocket, SSE, NDJSON) per client address (0 = no limit)',
  },
  {
    flags: '--max-long-polls-per-ip <n>',
    env: 'HERALD_MAX_LONG_POLLS_PER_IP',
    path: ['maxLongPollsPerIp'],
    kind: 'number',
    description: 'long polls held at once per client address (0 = no limit)',
  },
  {
    flags: '--max-publish-rate-per-connection <n>',
    env: 'HERALD_MAX_PUBLISH_RATE_PER_CONNECTION',
    path: ['maxPublishRatePerConnection'],
    kind: 'number',
    description: 'messages a second one connection may publish with a JWT or anonymously (0 = no limit)',
  },
  {
    flags: '--max-publish-rate-per-principal <n>',
    env: 'HERALD_MAX_PUBLISH_RATE_PER_PRINCIPAL',
    path: ['maxPublishRatePerPrincipal'],
    kind: 'number',
    description: 'messages a second one JWT subject or anonymous address may publish (0 = no limit)',
  },
  {
    flags: '--max-publish-rate-per-api-key <n>',
    env: 'HERALD_MAX_PUBLISH_RATE_PER_API_KEY',
    path: ['maxPublishRatePerApiKey'],
    kind: 'number',
    description: 'messages a second one API key may publish over all its connections (0 = no limit)',
  },
  {
    flags: '--max-ws-ops-per-second <n>',
    env: 'HERALD_MAX_WS_OPS_PER_SECOND',
    path: ['maxWsOpsPerSecond'],
    kind: 'number',
    description: 'frames a second one WebSocket may send (0 = no limit)',
  },
  {
    flags: '--trusted-proxy <address>',
    env: 'HERALD_TRUSTED_PROXIES',
    path: ['trustedProxies'],
    kind: 'list',
    description: 'reverse proxy address whose X-Forwarded-For names the client (repeatable; comma-separated variable)',
  },
  {
    flags: '--headers-timeout-ms <ms>',
    env: 'HERALD_HEADERS_TIMEOUT_MS',
    path: ['headersTimeoutMs'],
    kind: 'number',
    description: 'time to receive request headers (slowloris guard)',
  },
  {
    flags: '--request-timeout-ms <ms>',
    env: 'HERALD_REQUEST_TIMEOUT_MS',
    path: ['requestTimeoutMs'],
    kind: 'number',
    description: 'time to receive a whole request',
  },
  {
    flags: '--max-history-bytes <bytes>',
    env: 'HERALD_MAX_HISTORY_BYTES',
    path: ['maxHistoryBytes'],
    kind: 'number',
    description: 'in-memory history over all channels; oldest messages go first beyond it (0 = no limit)',
  },
  {
    flags: '--max-channel-history-bytes <bytes>',
    env: 'HERALD_MAX_CHANNEL_HISTORY_BYTES',
    path: ['maxChannelHistoryBytes'],
    kind: 'number',
    description: 'in-memory history of one channel (0 = no limit)',
  },
  {
    flags: '--max-channels <n>',
    env: 'HERALD_MAX_CHANNELS',
    path: ['maxChannels'],
    kind: 'number',
    description:
      'channels held at once (memory and SQLite); the least recently used idle ones make room (0 = no limit)',
  },
  {
    flags: '--jwt-secret <secret>',
    env: 'HERALD_JWT_SECRET',
    path: ['jwt', 'secret'],
    kind: 'text',
    description: 'HS256 secret for JWTs, at least 32 bytes (prefer the variable: flags show in ps)',
  },
  {
    flags: '--jwks-file <file>',
    env: 'HERALD_JWKS_FILE',
    path: ['jwt', 'jwksFile'],
    kind: 'text',
    description: 'JWKS file with the RS256/ES256 keys JWTs are checked with',
  },
  {
    flags: '--jwt-issuer <iss>',
    env: 'HERALD_JWT_ISSUER',
    path: ['jwt', 'issuer'],
    kind: 'text',
    description: 'required JWT issuer (iss)',
  },
  {
    flags: '--jwt-audience <aud>',
    env: 'HERALD_JWT_AUDIENCE',
    path: ['jwt', 'audience'],
    kind: 'text',
    description: 'required JWT audience (aud)',
  },
  {
    flags: '--client-bundle <file>',
    env: 'HERALD_CLIENT_BUNDLE',
    path: ['clientBundle'],
    kind: 'text',
    description:
      'browser SDK served at /herald.js, with /herald-ws.js and /herald-sse.js from the files beside it (without it: packages/client/dist/herald.min.js when built)',
  },
  {
    // An optional value, so `--demo` alone turns it on and HERALD_DEMO=false (or --demo false) turns it off.
    flags: '--demo [on]',
    env: 'HERALD_DEMO',
    path: ['demo'],
    kind: 'boolean',
    description:
      'publish simulated demo traffic in-process, preload the demo video and open the demo namespaces (see docs/config.md)',
  },
  {
    flags: '--history-size <n>',
    env: 'HERALD_HISTORY_SIZE',
    path: ['defaultNamespace', 'historySize'],
    kind: 'number',
    description: 'messages kept per channel (default namespace)',
  },
  {
    flags: '--history-max-age-ms <ms>',
    env: 'HERALD_HISTORY_MAX_AGE_MS',
    path: ['defaultNamespace', 'historyMaxAgeMs'],
    kind: 'number',
    description: 'oldest message kept (default namespace)',
  },
  {
    flags: '--max-message-bytes <bytes>',
    env: 'HERALD_MAX_MESSAGE_BYTES',
    path: ['defaultNamespace', 'maxMessageBytes'],
    kind: 'number',
    description: 'largest message data (default namespace)',
  },
];

/** The config file flag: not a key of the file itself. */
export const CONFIG_FLAG = { flags: '--config <file>', env: 'HERALD_CONFIG' } as const;

/** Converts a flag's or variable's text to the type its key expects; the schema then checks the value. */
export function convert(kind: SettingKind, raw: string | string[] | boolean, fromEnv: boolean): unknown {
  if (typeof raw === 'boolean') return raw;
  if (kind === 'list') {
    const items = Array.isArray(raw) ? raw : [raw];
    // Only variables are comma-separated: a flag value is taken as written, so a key may hold a comma.
    return fromEnv
      ? items
          .flatMap((s) => s.split(','))
          .map((s) => s.trim())
          .filter((s) => s !== '')
      : items;
  }
  const value = Array.isArray(raw) ? (raw.at(-1) ?? '') : raw;
  if (kind === 'text') return value;
  if (kind === 'boolean') {
    // Words people write for on and off; anything else is left for the schema to refuse.
    if (/^(?:1|true|yes|on)$/i.test(value.trim())) return true;
    if (/^(?:0|false|no|off)$/i.test(value.trim())) return false;
    return value;
  }
  const trimmed = value.trim();
  // Number('') is 0 and Number('0x10') is 16: accept plain decimals only, leave the rest for the schema to refuse.
  return /^-?\d+(\.\d+)?$/.test(trimmed) ? Number(trimmed) : trimmed;
}
