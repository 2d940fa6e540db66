import { DEFAULT_NAMESPACE, MEMORY_ENGINE_DEFAULTS } from '@herald/core';
import { DEFAULTS } from '@herald/server';
import { type ConfigLayer, configSchema } from './schema.ts';

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
 * The keys a config file shares with the server's options under the same name and type: their
 * default is the server's own (DEFAULTS), never a copy of it. `jwt` and `namespaces` are excluded:
 * their file shape differs from the server's, and both default to empty.
 */
type ServerKey = Exclude<Extract<keyof typeof DEFAULTS, keyof ConfigLayer>, 'jwt' | 'namespaces'>;

/** The server's default of each key the config file has, cloned so that no caller can change DEFAULTS. */
function serverDefaults(): Pick<typeof DEFAULTS, ServerKey> {
  const keys = Object.keys(configSchema.shape).filter((k) => k in DEFAULTS && k !== 'jwt' && k !== 'namespaces');
  const entries = keys.map((k) => [k, structuredClone(DEFAULTS[k as ServerKey])]);
  return Object.fromEntries(entries) as Pick<typeof DEFAULTS, ServerKey>;
}

/**
 * Every default in config file shape, for `--help` and docs/config.md: the CLI's own, the server's
 * (derived above), and those of the memory engine and the default namespace, which the config file
 * names differently. `resolveServeConfig` falls back to the same constants (a test checks that the
 * two agree).
 */
export const CONFIG_DEFAULTS = {
  ...CLI_DEFAULTS,
  ...serverDefaults(),
  jwt: {},
  maxHistoryBytes: MEMORY_ENGINE_DEFAULTS.maxHistoryBytes,
  maxChannelHistoryBytes: MEMORY_ENGINE_DEFAULTS.maxChannelHistoryBytes,
  maxChannels: MEMORY_ENGINE_DEFAULTS.maxChannels,
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
