import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, resolve } from 'node:path';
import type { BridgeConfig } from '@herald/bridges';
import {
  DEFAULT_NAMESPACE,
  MEMORY_ENGINE_DEFAULTS,
  type MemoryEngineOptions,
  type NamespaceSettings,
} from '@herald/core';
import { DEFAULTS, type HeraldOptions } from '@herald/server';
import { convert } from './convert.ts';
import { CONFIG_DEFAULTS } from './defaults.ts';
import { ConfigError, describeIssues, dotted } from './errors.ts';
import { toHookSettings } from './hooks-config.ts';
import { type ConfigLayer, configSchema, type DATA_SYNC_MODES, type LogLevel, type NamespaceConfig } from './schema.ts';
import type { Flag } from './settings/setting.ts';

/**
 * How the SQLite engine keeps an acknowledged append: the engine's `SqliteSync`, spelled out here so
 * that parsing a config never loads the engine (its native driver is optional).
 */
export type SqliteSync = (typeof DATA_SYNC_MODES)[number];

/**
 * Server options the CLI sets from config (the engine, logger and keys are built by `serve`). Picked,
 * not omitted, so a new server option stays at its default until the CLI learns to set it.
 */
export type ServerTunables = Pick<
  HeraldOptions,
  | 'jwt'
  | 'defaultNamespace'
  | 'namespaces'
  | 'streamHeartbeatMs'
  | 'wsPingMs'
  | 'longPollMaxMs'
  | 'maxConnectionLifetimeMs'
  | 'maxBodyBytes'
  | 'maxFrameBytes'
  | 'maxBacklogBytes'
  | 'maxBlobBytes'
  | 'sseRetryMs'
  | 'pollIntervalMs'
  | 'maxSubscriptionsPerConnection'
  | 'shutdownTimeoutMs'
  | 'allowedOrigins'
  | 'maxConnectionsPerIp'
  | 'maxLongPollsPerIp'
  | 'maxPublishRatePerConnection'
  | 'maxPublishRatePerPrincipal'
  | 'maxPublishRatePerApiKey'
  | 'maxWsOpsPerSecond'
  | 'trustedProxies'
  | 'headersTimeoutMs'
  | 'requestTimeoutMs'
  | 'clientBundlePath'
>;

/** Everything `herald serve` needs, after flags, environment, config file and defaults are merged. */
export interface ServeConfig {
  readonly host: string;
  readonly port: number;
  /** Configured keys; empty means `serve` generates one. */
  readonly apiKeys: readonly string[];
  /** SQLite location (absolute), or undefined for the in-memory, Redis or NATS engine. */
  readonly data: string | undefined;
  /** How the SQLite engine keeps an acknowledged append (unused without `data`). */
  readonly dataSync: SqliteSync;
  /** The Redis engine (`--redis`), or undefined for another engine. */
  readonly redis: RedisConfig | undefined;
  /** The NATS JetStream engine (`--nats`), or undefined for another engine. */
  readonly nats: NatsConfig | undefined;
  /** Worker processes sharing the port (`auto` resolved to the cores); 1 = this process serves, no cluster. */
  readonly workers: number;
  readonly logLevel: LogLevel;
  /** Run the demo traffic simulator in-process (`--demo`). */
  readonly demo: boolean;
  /** Message-queue bridges run in-process (config file only; docs/bridges.md), checked and with defaults. */
  readonly bridges: readonly BridgeConfig[];
  readonly server: ServerTunables;
  /** Budgets of the in-memory engine (with `data`, only `maxChannels` applies, to SQLite). */
  readonly memory: Required<Pick<MemoryEngineOptions, 'maxHistoryBytes' | 'maxChannelHistoryBytes' | 'maxChannels'>>;
}

/** Where the Redis engine connects and what its keys start with. */
export interface RedisConfig {
  /** As given, credentials included: print it only through `redactUrl`. */
  readonly url: string;
  readonly prefix: string;
}

/** Where the NATS engine connects and what its stream, buckets and subjects are named after. */
export interface NatsConfig {
  /** As given, credentials included: print it only through `redactUrl`. */
  readonly url: string;
  readonly prefix: string;
}

/** A flag or variable value as commander reports it. */
export interface RawSetting {
  readonly setting: Flag;
  readonly value: string | string[] | boolean;
  readonly source: 'cli' | 'env';
}

/** Reads and validates a JSON config file. A relative `data` is taken relative to the file. */
export function readConfigFile(file: string): ConfigLayer {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`config error: cannot read ${file}: ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`config error: ${file} is not valid JSON: ${(error as Error).message}`);
  }
  const layer = parseLayer(json, (path) => (path.length === 0 ? '(top level)' : dotted(path)), ` (${file})`);
  // Paths in a file are relative to the file, as in tsconfig.json: the result must not depend on the cwd.
  const dir = dirname(resolve(file));
  const at = (path: string | undefined) => (path === undefined ? undefined : resolve(dir, path));
  return {
    ...layer,
    data: at(layer.data),
    clientBundle: at(layer.clientBundle),
    jwt: layer.jwt === undefined ? undefined : { ...layer.jwt, jwksFile: at(layer.jwt.jwksFile) },
  };
}

/** Validates one layer; every problem is reported, each naming where it came from. */
export function parseLayer(value: unknown, where: (path: readonly PropertyKey[]) => string, suffix = ''): ConfigLayer {
  const parsed = configSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  const lines = describeIssues(parsed.error.issues, where).map((line) => `config error: ${line}${suffix}`);
  throw new ConfigError(lines.join('\n'));
}

/** Builds the flag layer and the environment layer from what commander parsed. */
export function layersFromSettings(values: readonly RawSetting[]): { cli: ConfigLayer; env: ConfigLayer } {
  const raw = { cli: {}, env: {} } as Record<'cli' | 'env', Record<string, unknown>>;
  const names = { cli: new Map<string, string>(), env: new Map<string, string>() };
  for (const { setting, value, source } of values) {
    setPath(raw[source], setting.path, convert(setting.kind, value, source === 'env'));
    names[source].set(setting.path.join('.'), source === 'env' ? setting.env : (setting.flags.split(' ')[0] ?? ''));
  }
  const name = (source: 'cli' | 'env') => (path: readonly PropertyKey[]) => {
    // An item of a list (`apiKeys.1`) is reported under its list's flag or variable.
    for (let n = path.length; n > 0; n--) {
      const found = names[source].get(dotted(path.slice(0, n)));
      if (found !== undefined) return found;
    }
    return dotted(path);
  };
  return { cli: parseLayer(raw.cli, name('cli')), env: parseLayer(raw.env, name('env')) };
}

/** Merges layers, later ones winning (objects merge key by key, lists replace), and fills in defaults. */
export function resolveServeConfig(layers: readonly ConfigLayer[]): ServeConfig {
  const c = layers.reduce<ConfigLayer>((acc, layer) => merge(acc, layer), {});
  const defaultNamespace = toSettings(c.defaultNamespace ?? {}, DEFAULT_NAMESPACE);
  const pollIntervalMs = { ...DEFAULTS.pollIntervalMs, ...c.pollIntervalMs };
  if (pollIntervalMs.min > pollIntervalMs.max) {
    throw new ConfigError(
      `config error: pollIntervalMs: min (${pollIntervalMs.min}) is above max (${pollIntervalMs.max})`,
    );
  }
  const redis =
    c.redis === undefined ? undefined : { url: c.redis, prefix: c.redisPrefix ?? CONFIG_DEFAULTS.redisPrefix };
  const nats = c.nats === undefined ? undefined : { url: c.nats, prefix: c.natsPrefix ?? CONFIG_DEFAULTS.natsPrefix };
  checkEngineChoice(c);
  return {
    host: c.host ?? CONFIG_DEFAULTS.host,
    port: c.port ?? CONFIG_DEFAULTS.port,
    apiKeys: c.apiKeys ?? [],
    data: c.data === undefined ? undefined : resolve(c.data),
    dataSync: c.dataSync ?? CONFIG_DEFAULTS.dataSync,
    redis,
    nats,
    workers: c.workers === 'auto' ? availableParallelism() : (c.workers ?? CONFIG_DEFAULTS.workers),
    logLevel: c.logLevel ?? CONFIG_DEFAULTS.logLevel,
    demo: c.demo ?? CONFIG_DEFAULTS.demo,
    bridges: c.bridges ?? [],
    memory: {
      maxHistoryBytes: c.maxHistoryBytes ?? MEMORY_ENGINE_DEFAULTS.maxHistoryBytes,
      maxChannelHistoryBytes: c.maxChannelHistoryBytes ?? MEMORY_ENGINE_DEFAULTS.maxChannelHistoryBytes,
      maxChannels: c.maxChannels ?? MEMORY_ENGINE_DEFAULTS.maxChannels,
    },
    server: {
      jwt: { ...c.jwt },
      clientBundlePath: c.clientBundle === undefined ? undefined : resolve(c.clientBundle),
      defaultNamespace,
      namespaces: Object.fromEntries(
        Object.entries(c.namespaces ?? {}).map(([name, ns]) => [name, toSettings(ns, defaultNamespace)]),
      ),
      streamHeartbeatMs: c.streamHeartbeatMs ?? DEFAULTS.streamHeartbeatMs,
      wsPingMs: c.wsPingMs ?? DEFAULTS.wsPingMs,
      longPollMaxMs: c.longPollMaxMs ?? DEFAULTS.longPollMaxMs,
      maxConnectionLifetimeMs: c.maxConnectionLifetimeMs ?? DEFAULTS.maxConnectionLifetimeMs,
      maxBodyBytes: c.maxBodyBytes ?? DEFAULTS.maxBodyBytes,
      maxFrameBytes: c.maxFrameBytes ?? DEFAULTS.maxFrameBytes,
      maxBacklogBytes: c.maxBacklogBytes ?? DEFAULTS.maxBacklogBytes,
      maxBlobBytes: c.maxBlobBytes ?? DEFAULTS.maxBlobBytes,
      sseRetryMs: c.sseRetryMs ?? DEFAULTS.sseRetryMs,
      pollIntervalMs,
      maxSubscriptionsPerConnection: c.maxSubscriptionsPerConnection ?? DEFAULTS.maxSubscriptionsPerConnection,
      shutdownTimeoutMs: c.shutdownTimeoutMs ?? DEFAULTS.shutdownTimeoutMs,
      allowedOrigins: c.allowedOrigins ?? DEFAULTS.allowedOrigins,
      maxConnectionsPerIp: c.maxConnectionsPerIp ?? DEFAULTS.maxConnectionsPerIp,
      maxLongPollsPerIp: c.maxLongPollsPerIp ?? DEFAULTS.maxLongPollsPerIp,
      maxPublishRatePerConnection: c.maxPublishRatePerConnection ?? DEFAULTS.maxPublishRatePerConnection,
      maxPublishRatePerPrincipal: c.maxPublishRatePerPrincipal ?? DEFAULTS.maxPublishRatePerPrincipal,
      maxPublishRatePerApiKey: c.maxPublishRatePerApiKey ?? DEFAULTS.maxPublishRatePerApiKey,
      maxWsOpsPerSecond: c.maxWsOpsPerSecond ?? DEFAULTS.maxWsOpsPerSecond,
      trustedProxies: c.trustedProxies ?? DEFAULTS.trustedProxies,
      headersTimeoutMs: c.headersTimeoutMs ?? DEFAULTS.headersTimeoutMs,
      requestTimeoutMs: c.requestTimeoutMs ?? DEFAULTS.requestTimeoutMs,
    },
  };
}

/**
 * History lives in exactly one place, and only Redis and NATS are shared between processes: workers on
 * the in-memory or SQLite engine would each keep a history of their own (and SQLite's file takes one
 * writer), so clients would see different offsets depending on the worker they reach.
 */
function checkEngineChoice(c: ConfigLayer): void {
  const chosen = [
    ['--redis', c.redis],
    ['--nats', c.nats],
    ['--data', c.data],
  ].filter(([, value]) => value !== undefined);
  if (chosen.length > 1) {
    const names = chosen.map(([flag]) => flag).join(' and ');
    throw new ConfigError(
      `config error: ${names} exclude each other (history lives in one place: a SQLite file, Redis or NATS); pick one`,
    );
  }
  const many = c.workers === 'auto' || (c.workers ?? CONFIG_DEFAULTS.workers) > 1;
  if (many && c.redis === undefined && c.nats === undefined) {
    throw new ConfigError(
      'config error: --workers needs a shared engine: add --redis redis://… or --nats nats://…; memory and SQLite history live in one process',
    );
  }
}

/** Namespace config over a base: fields not given keep the base's values. */
function toSettings(c: NamespaceConfig, base: NamespaceSettings): NamespaceSettings {
  return {
    history: { size: c.historySize ?? base.history.size, maxAgeMs: c.historyMaxAgeMs ?? base.history.maxAgeMs },
    anonymousSubscribe: c.anonymousSubscribe ?? base.anonymousSubscribe,
    anonymousPublish: c.anonymousPublish ?? base.anonymousPublish,
    maxMessageBytes: c.maxMessageBytes ?? base.maxMessageBytes,
    presence: c.presence ?? base.presence,
    hooks: c.hooks === undefined ? base.hooks : toHookSettings(c.hooks),
  };
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function merge<T extends object>(base: T, over: T): T {
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [key, value] of Object.entries(over)) {
    if (value === undefined) continue;
    const current = out[key];
    out[key] = isPlainObject(current) && isPlainObject(value) ? merge(current, value) : value;
  }
  return out as T;
}

function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  const [head, ...rest] = path;
  if (head === undefined) return;
  if (rest.length === 0) {
    target[head] = value;
    return;
  }
  const current = target[head];
  const next = isPlainObject(current) ? current : {};
  target[head] = next;
  setPath(next, rest, value);
}
