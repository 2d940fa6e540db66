import { DEFAULT_NAMESPACE, MEMORY_ENGINE_DEFAULTS } from '@herald/core';
import { DEFAULTS } from '@herald/server';
import type { ConfigLayer } from './schema.ts';

/** Defaults of the CLI's own settings; the server's come from its DEFAULTS. */
export const CLI_DEFAULTS = {
  host: '127.0.0.1',
  port: 8080,
  logLevel: 'info',
  demo: false,
  redisPrefix: 'herald',
  natsPrefix: 'herald',
  workers: 1,
  dataSync: 'full',
} as const satisfies ConfigLayer;

/**
 * Every default in config file shape, for `--help` and docs/config.md. Built from the same constants
 * `resolveServeConfig` falls back to (a test checks that the two agree).
 */
export const CONFIG_DEFAULTS = {
  ...CLI_DEFAULTS,
  apiKeys: [],
  streamHeartbeatMs: DEFAULTS.streamHeartbeatMs,
  wsPingMs: DEFAULTS.wsPingMs,
  longPollMaxMs: DEFAULTS.longPollMaxMs,
  maxConnectionLifetimeMs: DEFAULTS.maxConnectionLifetimeMs,
  maxBodyBytes: DEFAULTS.maxBodyBytes,
  maxFrameBytes: DEFAULTS.maxFrameBytes,
  maxBacklogBytes: DEFAULTS.maxBacklogBytes,
  maxBlobBytes: DEFAULTS.maxBlobBytes,
  sseRetryMs: DEFAULTS.sseRetryMs,
  pollIntervalMs: { ...DEFAULTS.pollIntervalMs },
  maxSubscriptionsPerConnection: DEFAULTS.maxSubscriptionsPerConnection,
  shutdownTimeoutMs: DEFAULTS.shutdownTimeoutMs,
  allowedOrigins: [...DEFAULTS.allowedOrigins],
  maxConnectionsPerIp: DEFAULTS.maxConnectionsPerIp,
  maxLongPollsPerIp: DEFAULTS.maxLongPollsPerIp,
  maxPublishRatePerConnection: DEFAULTS.maxPublishRatePerConnection,
  maxPublishRatePerPrincipal: DEFAULTS.maxPublishRatePerPrincipal,
  maxPublishRatePerApiKey: DEFAULTS.maxPublishRatePerApiKey,
  maxWsOpsPerSecond: DEFAULTS.maxWsOpsPerSecond,
  trustedProxies: [...DEFAULTS.trustedProxies],
  headersTimeoutMs: DEFAULTS.headersTimeoutMs,
  requestTimeoutMs: DEFAULTS.requestTimeoutMs,
  maxHistoryBytes: MEMORY_ENGINE_DEFAULTS.maxHistoryBytes,
  maxChannelHistoryBytes: MEMORY_ENGINE_DEFAULTS.maxChannelHistoryBytes,
  maxChannels: MEMORY_ENGINE_DEFAULTS.maxChannels,
  jwt: {},
  defaultNamespace: {
    historySize: DEFAULT_NAMESPACE.history.size,
    historyMaxAgeMs: DEFAULT_NAMESPACE.history.maxAgeMs,
    anonymousSubscribe: DEFAULT_NAMESPACE.anonymousSubscribe,
    anonymousPublish: DEFAULT_NAMESPACE.anonymousPublish,
    maxMessageBytes: DEFAULT_NAMESPACE.maxMessageBytes,
    presence: DEFAULT_NAMESPACE.presence,
  },
  namespaces: {},
} satisfies ConfigLayer;

/** The default at a key path, if there is one. */
export function defaultAt(path: readonly string[]): unknown {
  let at: unknown = CONFIG_DEFAULTS;
  for (const key of path) {
    if (typeof at !== 'object' || at === null) return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  return at;
}
