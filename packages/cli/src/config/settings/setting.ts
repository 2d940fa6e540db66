import type { HeraldOptions } from '@herald/server';
import type { z } from 'zod';

/** How a flag's or environment variable's text becomes a config value. */
export type SettingKind = 'text' | 'number' | 'list' | 'boolean';

/** How a setting is spelled on the command line and in the environment. */
export interface CliSpelling {
  /** Commander flag spelling. */
  readonly flags: string;
  /** Environment variable (lists: comma-separated). */
  readonly env: string;
  /** An earlier name of the variable, still read (with a warning on stderr) when `env` is not set. */
  readonly deprecatedEnv?: string;
  readonly kind: SettingKind;
  /** The `--help` line (its default is appended from the setting's own). */
  readonly help: string;
}

/**
 * The server option a setting feeds, and that option's description: the doc comment embedders read
 * on `HeraldOptions` in packages/server/src/options.ts (a test keeps the two texts equal).
 */
export interface ServerOption {
  readonly key: keyof HeraldOptions;
  readonly doc: string;
}

/** One config file key: what checks its value, its default, and how it is given and described. */
export interface Setting<S extends z.ZodType = z.ZodType, D = unknown> {
  readonly schema: S;
  /** Undefined: none (the key stays unset, and `--help` shows no default). */
  readonly default: D;
  /** Absent: the key is set in the config file only. */
  readonly cli?: CliSpelling;
  readonly option?: ServerOption;
}

/** A config file key holding an object of settings (`jwt`, `pollIntervalMs`, `defaultNamespace`). */
export interface Group<E extends Entries = Entries> {
  readonly entries: E;
  /** The error when the value is not an object. */
  readonly error: string;
  readonly option?: ServerOption;
}

/** Settings by config file key, in the order zod reports their issues (so error output is stable). */
export type Entries = { readonly [key: string]: Setting | Group };

/** A setting; `default` keeps its literal type, so `CONFIG_DEFAULTS.workers` is `1`, not `number | 'auto'`. */
export function setting<S extends z.ZodType, const D extends z.output<S> | undefined = undefined>(
  schema: S,
  more: { readonly default?: D; readonly cli?: CliSpelling; readonly option?: ServerOption } = {},
): Setting<S, D> {
  return { schema, default: more.default as D, cli: more.cli, option: more.option };
}

export function group<const E extends Entries>(entries: E, error: string, option?: ServerOption): Group<E> {
  return { entries, error, option };
}

export function isGroup(entry: Setting | Group): entry is Group {
  return 'entries' in entry;
}

/** A setting that has a flag and a variable, with the key path it sets. */
export interface Flag extends CliSpelling {
  /** Where the value goes in the config file shape. */
  readonly path: readonly [string, ...string[]];
}
