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
  /** Origins allowed for CORS and WebSocket upgrades; `['*']` allows any (no credentials then). */
  allowedOrigins: string[];
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
  clientBundlePath: undefined,
};
