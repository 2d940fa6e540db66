import { isIP } from 'node:net';
import { bridgesConfigSchema } from '@herald/bridges';
import { normalizeOrigin } from '@herald/server';
import { z } from 'zod';
import { hooksSchema } from './hooks-config.ts';

// Every message says what is expected, because it is printed after the key path
// (`config error: namespaces.chat.historySize: expected a positive integer`).
const positiveInt = (what = 'a positive integer') =>
  z.int({ error: `expected ${what}` }).min(1, { error: `expected ${what}` });
const nonNegativeInt = (what: string) => z.int({ error: `expected ${what}` }).min(0, { error: `expected ${what}` });
const text = (what: string) => z.string({ error: `expected ${what}` }).min(1, { error: `expected ${what}` });
const flag = z.boolean({ error: 'expected true or false' });
const list = (item: z.ZodString, what: string) => z.array(item, { error: `expected ${what}` });

/** Milliseconds, at least 1. */
const ms = positiveInt('a positive integer (milliseconds)');
/** Bytes, at least 1. */
const bytes = positiveInt('a positive integer (bytes)');

/** A limit: 0 turns it off. */
const limit = (unit: string) => nonNegativeInt(`0 (no limit) or a positive integer (${unit})`);
/** `*` or an origin as browsers send it (`https://app.example.com`, no path); normalized like the server does. */
const origin = z.string({ error: 'expected an origin or *' }).refine(
  (o) => {
    if (o === '*') return true;
    try {
      normalizeOrigin(o);
      return true;
    } catch {
      return false;
    }
  },
  { error: 'expected * or an origin such as https://app.example.com (scheme://host[:port], no path)' },
);
const ipAddress = z.string({ error: 'expected an IP address' }).refine((a) => isIP(a) !== 0, {
  error: 'expected an IP address (a proxy peer address, e.g. 10.0.0.5)',
});

/** `redis://` or `rediss://` (TLS) with a host: what node-redis connects to. */
const redisUrl = z.string({ error: 'expected a Redis URL' }).refine(
  (u) => {
    try {
      const url = new URL(u);
      return (url.protocol === 'redis:' || url.protocol === 'rediss:') && url.hostname !== '';
    } catch {
      return false;
    }
  },
  { error: 'expected a Redis URL such as redis://127.0.0.1:6379 (redis:// or rediss://, user and password optional)' },
);

/**
 * Redis key prefix. The Redis engine checks the same rule (a brace would move the Cluster hash tag);
 * repeated here so a bad prefix is a config error naming the flag, and so config parsing does not
 * load the engine (it is imported only when --redis is used).
 */
const REDIS_PREFIX = /^[A-Za-z0-9_.:@-]{1,64}$/;
const redisPrefix = z
  .string({ error: 'expected a key prefix' })
  .regex(REDIS_PREFIX, { error: 'expected a key prefix of 1-64 letters, digits, _ . : @ - (no braces or spaces)' });

/** A NATS server URL: `nats://` or `tls://` with a host, credentials optional. */
function isNatsUrl(u: string): boolean {
  try {
    const url = new URL(u);
    return (url.protocol === 'nats:' || url.protocol === 'tls:') && url.hostname !== '';
  } catch {
    return false;
  }
}

/** One NATS URL, or several separated by commas (seed servers of a NATS cluster), as the NATS client takes them. */
const natsUrl = z
  .string({ error: 'expected a NATS URL' })
  .refine((u) => u.split(',').every((part) => isNatsUrl(part.trim())), {
    error:
      'expected a NATS URL such as nats://127.0.0.1:4222 (nats:// or tls://, user and password optional; several separated by commas)',
  });

/**
 * NATS prefix: it names the JetStream stream and buckets and starts every subject. The NATS engine
 * checks the same rule; repeated here so a bad prefix is a config error naming the flag, without
 * loading the engine (it is imported only when --nats is used).
 */
const NATS_PREFIX = /^[A-Za-z0-9_-]{1,32}$/;
const natsPrefix = z
  .string({ error: 'expected a stream prefix' })
  .regex(NATS_PREFIX, { error: 'expected a stream prefix of 1-32 letters, digits, _ or - (it names a stream)' });

const WORKERS_ERROR = 'expected a positive integer (processes) or auto (one per core)';
const workers = z.union(
  [z.int({ error: WORKERS_ERROR }).min(1, { error: WORKERS_ERROR }), z.literal('auto', { error: WORKERS_ERROR })],
  { error: WORKERS_ERROR },
);

const PORT_ERROR = 'expected a port number (0-65535; 0 = any free port)';

/** Namespace names are channel-name prefixes before the first `:` (contract section 1). */
export const NAMESPACE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.@-]{0,127}$/;

/** How the SQLite engine keeps an acknowledged append (docs/durability.md). */
export const DATA_SYNC_MODES = ['full', 'fast'] as const;

/** pino's levels, plus `silent`. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Settings of one namespace, in the config file's units. Fields left out keep the default namespace's. */
export const namespaceSchema = z.strictObject(
  {
    historySize: z.optional(positiveInt('a positive integer (messages)')),
    historyMaxAgeMs: z.optional(ms),
    anonymousSubscribe: z.optional(flag),
    anonymousPublish: z.optional(flag),
    maxMessageBytes: z.optional(bytes),
    presence: z.optional(flag),
    hooks: z.optional(hooksSchema),
  },
  { error: 'expected an object of namespace settings' },
);

/** JWT verification (contract section 7): at least one key source makes JWTs acceptable. */
export const jwtSchema = z.strictObject(
  {
    secret: z.optional(
      z.string({ error: 'expected a secret of at least 32 bytes' }).refine((s) => Buffer.byteLength(s) >= 32, {
        error: 'expected a secret of at least 32 bytes',
      }),
    ),
    publicKeys: z.optional(list(text('a PEM public key (RSA or EC)'), 'a list of PEM public keys')),
    jwksFile: z.optional(text('a JWKS file path')),
    issuer: z.optional(text('an issuer (iss)')),
    audience: z.optional(text('an audience (aud)')),
    clockToleranceSec: z.optional(nonNegativeInt('a number of seconds (0 or more)')),
  },
  { error: 'expected an object of JWT settings' },
);

/**
 * The config file (JSON), also the shape flags and `HERALD_*` variables are validated against. Strict:
 * an unknown key is an error, so a typo never silently falls back to a default. Documented in docs/config.md.
 */
export const configSchema = z.strictObject(
  {
    host: z.optional(text('a host name or address')),
    port: z.optional(z.int({ error: PORT_ERROR }).min(0, { error: PORT_ERROR }).max(65_535, { error: PORT_ERROR })),
    apiKeys: z.optional(list(text('a non-empty API key'), 'a list of API keys')),
    data: z.optional(text('a directory or file path')),
    dataSync: z.optional(z.enum(DATA_SYNC_MODES, { error: 'expected full or fast' })),
    redis: z.optional(redisUrl),
    redisPrefix: z.optional(redisPrefix),
    nats: z.optional(natsUrl),
    natsPrefix: z.optional(natsPrefix),
    workers: z.optional(workers),
    logLevel: z.optional(z.enum(LOG_LEVELS, { error: `expected one of ${LOG_LEVELS.join(', ')}` })),
    streamHeartbeatMs: z.optional(ms),
    wsPingMs: z.optional(ms),
    longPollMaxMs: z.optional(ms),
    maxConnectionLifetimeMs: z.optional(nonNegativeInt('0 (never) or a positive integer (milliseconds)')),
    maxBodyBytes: z.optional(bytes),
    maxFrameBytes: z.optional(bytes),
    maxBacklogBytes: z.optional(bytes),
    maxBlobBytes: z.optional(bytes),
    sseRetryMs: z.optional(ms),
    pollIntervalMs: z.optional(
      z.strictObject({ min: z.optional(ms), max: z.optional(ms) }, { error: 'expected an object { min, max }' }),
    ),
    maxSubscriptionsPerConnection: z.optional(positiveInt()),
    shutdownTimeoutMs: z.optional(ms),
    allowedOrigins: z.optional(list(origin, 'a list of origins')),
    maxConnectionsPerIp: z.optional(limit('connections')),
    maxLongPollsPerIp: z.optional(limit('long polls')),
    maxPublishRatePerConnection: z.optional(limit('messages a second')),
    maxPublishRatePerPrincipal: z.optional(limit('messages a second')),
    maxPublishRatePerApiKey: z.optional(limit('messages a second')),
    maxWsOpsPerSecond: z.optional(limit('frames a second')),
    trustedProxies: z.optional(list(ipAddress, 'a list of IP addresses')),
    headersTimeoutMs: z.optional(ms),
    requestTimeoutMs: z.optional(ms),
    maxHistoryBytes: z.optional(limit('bytes')),
    maxChannelHistoryBytes: z.optional(limit('bytes')),
    maxChannels: z.optional(limit('channels')),
    clientBundle: z.optional(text('a file path')),
    demo: z.optional(flag),
    // Message-queue sources feeding channels (docs/bridges.md); the bridges package checks each one.
    bridges: z.optional(bridgesConfigSchema),
    jwt: z.optional(jwtSchema),
    defaultNamespace: z.optional(namespaceSchema),
    namespaces: z.optional(
      z.record(
        z.string().regex(NAMESPACE_NAME, { error: 'expected a namespace name (a channel name part before any ":")' }),
        namespaceSchema,
        { error: 'expected an object of namespace name -> settings' },
      ),
    ),
  },
  { error: 'expected a JSON object' },
);

/** A parsed config file (or one layer of flags or environment variables): every field optional. */
export type ConfigLayer = z.infer<typeof configSchema>;
/** Namespace settings as written in config. */
export type NamespaceConfig = z.infer<typeof namespaceSchema>;
/** A pino level name. */
export type LogLevel = (typeof LOG_LEVELS)[number];
