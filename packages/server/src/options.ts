import type { Engine, NamespaceSettings } from '@herald/core';
import type { Logger } from 'pino';
import type { JwtOptions } from './auth/jwt.ts';

/** Options of {@link createHerald}. Every field but `engine` has a default in {@link DEFAULTS}. */
export interface HeraldOptions {
  /** Where history lives; the CLI picks memory or SQLite. */
  engine: Engine;
  /** API keys that may publish anywhere and read anything. */
  apiKeys: string[];
  /** JWT verification (contract section 7); no key configured = JWTs are refused. */
  jwt: JwtOptions;
  /** Settings of the default namespace. */
  defaultNamespace: NamespaceSettings;
  /** Settings per namespace name (fields not given come from `defaultNamespace`). */
  namespaces: Record<string, Partial<NamespaceSettings>>;
  /** Structured logger. */
  logger: Logger | undefined;
  /** SSE comment / empty NDJSON line at least this often, ms. */
  streamHeartbeatMs: number;
  /** WebSocket ping interval, ms; a connection that has not answered the previous ping by the next one is closed. */
  wsPingMs: number;
  /** Longest a long poll is held, ms (`wait` above it is capped). */
  longPollMaxMs: number;
  /** Live connections are closed (code 4201, reconnect at once) after this long, ms; 0 = never. */
  maxConnectionLifetimeMs: number;
  /** Largest request body read, bytes (413 beyond). */
  maxBodyBytes: number;
  /** Largest WebSocket frame accepted, bytes (close 1009 beyond). */
  maxFrameBytes: number;
  /** Unsent bytes per live connection before it is cut as a slow consumer. */
  maxBacklogBytes: number;
  /** `retry:` sent to EventSource clients, ms. */
  sseRetryMs: number;
  /** Bounds of the Herald-Poll-Interval suggestion, ms. */
  pollIntervalMs: { min: number; max: number };
  /** Channels one multi-channel request or socket may subscribe to. */
  maxSubscriptionsPerConnection: number;
  /** Grace period of a graceful shutdown before remaining connections are destroyed, ms. */
  shutdownTimeoutMs: number;
  /** The browser SDK bundle served at `/herald.js`, if any. */
  clientBundlePath: string | undefined;
  /**
   * Where `PUT /v1/blobs/{name}` stores blobs (the CLI uses `<data>/blobs`). Undefined = the engine's
   * shared store when it has one (Redis: every node serves every blob), else memory.
   */
  blobDir: string | undefined;
  /** Largest blob accepted, bytes (413 beyond). */
  maxBlobBytes: number;
  /** How often `GET /v1/stats/stream` sends a snapshot, ms. */
  statsIntervalMs: number;
  /** A built web directory (web/dist) whose pages and assets are served at `/`, `/demo/*`, `/dashboard`, `/assets/*`. */
  webDir: string | undefined;
  /**
   * Origins allowed for CORS and WebSocket upgrades (`https://app.example.com`). `*` allows any origin
   * without CORS credentials; listed origins are echoed with credentials allowed. When `*` is not in
   * the list, a request or upgrade whose `Origin` is not listed (`null` included) is refused with 403.
   */
  allowedOrigins: string[];
  /** Live connections (WebSocket, SSE, NDJSON) per client address (IPv6: per /64); 0 = no limit. */
  maxConnectionsPerIp: number;
  /** Long polls held at once per client address; 0 = no limit. */
  maxLongPollsPerIp: number;
  /**
   * Messages a second one connection (HTTP keep-alive socket or WebSocket) may publish with a JWT or
   * anonymously; 0 = no limit. Connections that publish with an API key are not charged.
   */
  maxPublishRatePerConnection: number;
  /** Messages a second one JWT subject or anonymous address may publish; 0 = no limit. */
  maxPublishRatePerPrincipal: number;
  /**
   * Messages a second one API key may publish, summed over its connections; 0 = no limit (the
   * default: keys are the backend's own credentials, and a backend publishes in bulk).
   */
  maxPublishRatePerApiKey: number;
  /** Frames a second one WebSocket may send (beyond: closed with 4101); 0 = no limit. API-key sockets are exempt. */
  maxWsOpsPerSecond: number;
  /** Peer addresses of reverse proxies whose `X-Forwarded-For` names the client (for per-address limits). */
  trustedProxies: string[];
  /** Time to receive a request's headers, ms (slowloris); also how long a silent connection may stay. */
  headersTimeoutMs: number;
  /** Time to receive a whole request (headers and body), ms. */
  requestTimeoutMs: number;
  /**
   * Use Node and ws internals to save memory per connection and CPU per delivery (internals/switch.ts);
   * false = plain node:http and ws. Unset: on, unless the environment sets HERALD_NO_INTERNALS=1.
   */
  nodeInternals?: boolean;
}

/** Defaults, sized for one busy application (contract section 8). */
export const DEFAULTS: Omit<HeraldOptions, 'engine' | 'defaultNamespace'> = {
  apiKeys: [],
  jwt: {},
  namespaces: {},
  logger: undefined,
  streamHeartbeatMs: 15_000,
  wsPingMs: 25_000,
  longPollMaxMs: 25_000,
  maxConnectionLifetimeMs: 0,
  maxBodyBytes: 1024 * 1024,
  maxFrameBytes: 1024 * 1024,
  maxBacklogBytes: 1024 * 1024,
  sseRetryMs: 2_000,
  pollIntervalMs: { min: 500, max: 15_000 },
  maxSubscriptionsPerConnection: 1_000,
  shutdownTimeoutMs: 10_000,
  allowedOrigins: ['*'],
  // Per-client limits: a reverse proxy is one address, so these leave room for a busy application
  // behind one (contract section 8); publishing is limited well above 1,000 messages a second for
  // JWT subjects and anonymous clients, and not at all for API keys (the backend's own credentials).
  maxConnectionsPerIp: 5_000,
  maxLongPollsPerIp: 2_000,
  maxPublishRatePerConnection: 2_000, // messages/s, bursts of 2 s
  maxPublishRatePerPrincipal: 5_000, // messages/s, bursts of 2 s
  maxPublishRatePerApiKey: 0, // messages/s, bursts of 2 s; 0 = no limit
  maxWsOpsPerSecond: 5_000, // frames/s, bursts of 2 s
  trustedProxies: [],
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  clientBundlePath: undefined,
  blobDir: undefined,
  maxBlobBytes: 64 * 1024 * 1024, // 64 MiB
  statsIntervalMs: 1_000,
  webDir: undefined,
};
