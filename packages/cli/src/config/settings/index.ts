import { bridgesConfigSchema } from '@herald/bridges';
import { CONNECTIONS } from './connections.ts';
import { flagsOf } from './derive.ts';
import { JWT } from './jwt.ts';
import { LIMITS } from './limits.ts';
import { LISTEN } from './listen.ts';
import { MEMORY } from './memory.ts';
import { DEFAULT_NAMESPACE, NAMESPACES } from './namespaces.ts';
import { PAGES } from './pages.ts';
import { PROCESS } from './process.ts';
import { setting } from './setting.ts';
import { STORAGE } from './storage.ts';

/**
 * Every `herald serve` setting, one entry each (validator, default, flag, variable, help line and,
 * for a server option, the option's description), split by theme into the files beside this one.
 * The config schema (../schema.ts), the defaults (../defaults.ts), the flags and `--help`
 * (program.ts) are derived from these; docs/config.md is checked against them by tests.
 */
const GENERAL = { ...LISTEN, ...STORAGE, ...PROCESS, ...CONNECTIONS, ...LIMITS, ...MEMORY };

/**
 * The config file's keys in the order zod checks them, which is the order of its error lines
 * (tests compare them). `--help` lists `jwt` earlier: see SETTINGS.
 */
export const CONFIG_ENTRIES = {
  ...GENERAL,
  ...PAGES,
  // Message-queue sources feeding channels (docs/bridges.md); the bridges package checks each one.
  bridges: setting(bridgesConfigSchema),
  jwt: JWT,
  defaultNamespace: DEFAULT_NAMESPACE,
  namespaces: NAMESPACES,
};

/** Every `serve` setting that has a flag, in the order `--help` lists them. */
export const SETTINGS = flagsOf({ ...GENERAL, jwt: JWT, ...PAGES, defaultNamespace: DEFAULT_NAMESPACE });

/** The config file flag: not a key of the file itself. */
export const CONFIG_FLAG = { flags: '--config <file>', env: 'HERALD_CONFIG' } as const;
