import type { ConfigLayer } from './schema.ts';
import { defaultsOf } from './settings/derive.ts';
import { CONFIG_ENTRIES } from './settings/index.ts';

/**
 * Every default in config file shape, for `--help` and docs/config.md, taken from the settings'
 * entries (which take the server's, the memory engine's and the default namespace's from those
 * packages). `resolveServeConfig` falls back to the same constants (a test checks that the two agree).
 */
export const CONFIG_DEFAULTS = defaultsOf(CONFIG_ENTRIES) satisfies ConfigLayer;

/** The defaults of the CLI's own settings (an earlier name, kept for callers of the package). */
export const CLI_DEFAULTS = CONFIG_DEFAULTS;

/** The default at a key path, if there is one. */
export function defaultAt(path: readonly string[]): unknown {
  let at: unknown = CONFIG_DEFAULTS;
  for (const key of path) {
    if (typeof at !== 'object' || at === null) return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  return at;
}
