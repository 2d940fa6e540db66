import type { Engine } from '@herald/core';
import type { Logger } from 'pino';
import { ConfigError } from '../config/errors.ts';
import type { RedisConfig } from '../config/resolve.ts';
import { readyWithin, startupErrors } from './engine-wait.ts';
import { redactPassword, redactUrl } from './redact-url.ts';

/** How long `serve` waits for Redis at start, in ms: long enough for a Redis starting beside it, short enough to fail fast. */
export const REDIS_START_WAIT_MS = 5_000;

/**
 * Opens the Redis engine and waits (at most {@link REDIS_START_WAIT_MS}) until Redis answers, so a wrong
 * URL or a Redis that is down stops the start with a message instead of a hub that answers 503 to
 * everything. After the start, connection trouble is logged and the engine reconnects by itself.
 */
export async function openRedisEngine(redis: RedisConfig, logger: Logger): Promise<Engine> {
  const where = redactUrl(redis.url);
  let module: typeof import('@herald/engine-redis');
  try {
    module = await import('@herald/engine-redis');
  } catch (error) {
    throw new ConfigError(`--redis: the Redis engine cannot be loaded: ${(error as Error).message}`);
  }
  const errors = startupErrors((error) =>
    logger.warn({ redis: where, reason: describe(error, redis.url) }, 'redis connection trouble (reconnecting)'),
  );
  let engine: Engine;
  try {
    engine = new module.RedisEngine({ url: redis.url, prefix: redis.prefix, onError: errors.onError });
  } catch (error) {
    // The schema checks URL and prefix first; this is the engine's own word on them.
    throw new ConfigError(`config error: --redis: ${redactPassword((error as Error).message, redis.url)}`);
  }
  if (await readyWithin(engine, REDIS_START_WAIT_MS)) {
    errors.started();
    return engine;
  }
  await engine.close();
  const cause = errors.first() === undefined ? '' : `: ${describe(errors.first(), redis.url)}`;
  throw new Error(`cannot reach Redis at ${where} within ${REDIS_START_WAIT_MS / 1000} s${cause}`);
}

/** An error's message, with the URL's password taken out should a library have echoed it. */
function describe(error: unknown, url: string): string {
  const message = error instanceof Error ? error.message : String(error);
  return redactPassword(message, url);
}
