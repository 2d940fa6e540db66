import { type Engine, MemoryEngine, type NamespaceSettings } from '@herald/core';
import type { Logger } from 'pino';
import { CONFIG_DEFAULTS } from '../config/defaults.ts';
import { ConfigError } from '../config/errors.ts';
import type { ServeConfig } from '../config/resolve.ts';
import { checkDataLocation } from './data-dir.ts';
import { openNatsEngine, redactNatsUrl } from './nats-engine.ts';
import { redactUrl } from './redact-url.ts';
import { openRedisEngine } from './redis-engine.ts';

/** What `serve` needs to pick and open its engine. */
export type EngineConfig = Pick<ServeConfig, 'data' | 'dataSync' | 'memory' | 'redis' | 'nats'>;

/** Which engine a config runs on (the `engine` field of the `listening` log line). */
export type EngineKind = 'memory' | 'sqlite' | 'redis' | 'nats';

/** The namespaces the hub will serve: a networked engine sizes its storage for the largest history. */
export interface EngineNamespaces {
  readonly defaults: NamespaceSettings;
  readonly named: Readonly<Record<string, Partial<NamespaceSettings>>>;
}

const SQLITE_HELP =
  '--data needs the optional dependency better-sqlite3 (12.x), which is missing or not built on this machine. ' +
  'Install it with `npm install better-sqlite3@12.11.1` (it compiles from source when no prebuilt binary ' +
  'can be downloaded: python3, make and a C++ compiler), or leave out --data to keep history in memory.';

export function engineKind(config: EngineConfig): EngineKind {
  if (config.redis !== undefined) return 'redis';
  if (config.nats !== undefined) return 'nats';
  return config.data === undefined ? 'memory' : 'sqlite';
}

/** The start-up "History:" line: where history lives, never with a password. */
export function describeHistory(config: EngineConfig): string {
  if (config.redis !== undefined) {
    const { url, prefix } = config.redis;
    const keys = prefix === CONFIG_DEFAULTS.redisPrefix ? '' : `, keys ${prefix}:*`;
    return `Redis at ${redactUrl(url)}${keys} (shared by every node)`;
  }
  if (config.nats !== undefined) {
    const { url, prefix } = config.nats;
    const stream = prefix === CONFIG_DEFAULTS.natsPrefix ? '' : `, stream ${prefix}`;
    return `NATS JetStream at ${redactNatsUrl(url)}${stream} (shared by every node)`;
  }
  if (config.data !== undefined) {
    const sync =
      config.dataSync === 'full'
        ? 'each acknowledged message synced to disk'
        : 'fast: not synced; a stop that is not clean resets every channel';
    return `SQLite in ${config.data} (${sync})`;
  }
  return 'in memory (lost on restart; --data DIR keeps it)';
}

/**
 * Opens the engine the config asks for: Redis, NATS, SQLite in `data`, or memory (within `memory`'s
 * budgets). The SQLite, Redis and NATS engines are loaded only when asked for (separate chunks of the
 * bundle; SQLite's native driver is optional). `logger` hears connection trouble of a networked engine
 * after the start; `namespaces` size the NATS stream.
 */
export async function openEngine(config: EngineConfig, logger: Logger, namespaces: EngineNamespaces): Promise<Engine> {
  if (config.redis !== undefined) return openRedisEngine(config.redis, logger);
  if (config.nats !== undefined) return openNatsEngine(config.nats, namespaces, logger);
  if (config.data === undefined) return new MemoryEngine(config.memory);
  return openSqliteEngine(config.data, config, logger);
}

async function openSqliteEngine(data: string, config: EngineConfig, logger: Logger): Promise<Engine> {
  checkDataLocation(data);
  let sqlite: typeof import('@herald/engine-sqlite');
  try {
    sqlite = await import('@herald/engine-sqlite');
  } catch (error) {
    throw new ConfigError(`${SQLITE_HELP}\ncause: ${(error as Error).message}`);
  }
  try {
    const engine = new sqlite.SqliteEngine({
      path: data,
      sync: config.dataSync,
      maxChannels: config.memory.maxChannels,
    });
    if (engine.opened.reset) {
      logger.warn(
        { data, previousRun: engine.opened.unclean },
        'the previous run stopped without a clean shutdown and could have lost acknowledged messages: every channel starts a new epoch (clients get a reset)',
      );
    }
    return engine;
  } catch (error) {
    const message = (error as Error).message;
    // better-sqlite3 loads its native binding on first use, not on import.
    if (/bindings|better_sqlite3\.node|NODE_MODULE_VERSION/.test(message)) {
      throw new ConfigError(`${SQLITE_HELP}\ncause: ${message}`);
    }
    throw new ConfigError(`cannot open the SQLite database in ${data}: ${message}`);
  }
}
