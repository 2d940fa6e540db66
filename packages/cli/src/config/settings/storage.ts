import { z } from 'zod';
import { setting } from './setting.ts';
import { text } from './validators.ts';

/** How the SQLite engine keeps an acknowledged append (docs/durability.md). */
export const DATA_SYNC_MODES = ['full', 'fast'] as const;

/** `redis://` or `rediss://` (TLS) with a host: what node-redis connects to. */
const redisUrl = z.string({ error: 'expected a Redis URL' }).refine(
  (u) => {
    try {
      const url = new URL(u);
      return (url.protocol === 'redis:' || url.protocol === 'rediss:') && url.hostname !== '';
    } catch {
      return false;
    }
  },
  { error: 'expected a Redis URL such as redis://127.0.0.1:6379 (redis:// or rediss://, user and password optional)' },
);

/**
 * Redis key prefix. The Redis engine checks the same rule (a brace would move the Cluster hash tag);
 * repeated here so a bad prefix is a config error naming the flag, and so config parsing does not
 * load the engine (it is imported only when --redis is used).
 */
const REDIS_PREFIX = /^[A-Za-z0-9_.:@-]{1,64}$/;
const redisPrefix = z
  .string({ error: 'expected a key prefix' })
  .regex(REDIS_PREFIX, { error: 'expected a key prefix of 1-64 letters, digits, _ . : @ - (no braces or spaces)' });

/** A NATS server URL: `nats://` or `tls://` with a host, credentials optional. */
function isNatsUrl(u: string): boolean {
  try {
    const url = new URL(u);
    return (url.protocol === 'nats:' || url.protocol === 'tls:') && url.hostname !== '';
  } catch {
    return false;
  }
}

/** One NATS URL, or several separated by commas (seed servers of a NATS cluster), as the NATS client takes them. */
const natsUrl = z
  .string({ error: 'expected a NATS URL' })
  .refine((u) => u.split(',').every((part) => isNatsUrl(part.trim())), {
    error:
      'expected a NATS URL such as nats://127.0.0.1:4222 (nats:// or tls://, user and password optional; several separated by commas)',
  });

/**
 * NATS prefix: it names the JetStream stream and buckets and starts every subject. The NATS engine
 * checks the same rule; repeated here so a bad prefix is a config error naming the flag, without
 * loading the engine (it is imported only when --nats is used).
 */
const NATS_PREFIX = /^[A-Za-z0-9_-]{1,32}$/;
const natsPrefix = z
  .string({ error: 'expected a stream prefix' })
  .regex(NATS_PREFIX, { error: 'expected a stream prefix of 1-32 letters, digits, _ or - (it names a stream)' });

/** Where history lives: memory (none of these), a SQLite file, Redis or NATS JetStream. */
export const STORAGE = {
  data: setting(text('a directory or file path'), {
    cli: {
      flags: '--data <dir>',
      env: 'HERALD_DATA',
      kind: 'text',
      help: 'keep history in SQLite in this directory (without it: in memory, lost on restart)',
    },
  }),
  dataSync: setting(z.enum(DATA_SYNC_MODES, { error: 'expected full or fast' }), {
    default: 'full',
    cli: {
      flags: '--data-sync <mode>',
      env: 'HERALD_DATA_SYNC',
      kind: 'text',
      help: 'with --data: full (a 201 means synced to disk) or fast (not synced; a stop that is not clean resets every channel)',
    },
  }),
  redis: setting(redisUrl, {
    cli: {
      flags: '--redis <url>',
      env: 'HERALD_REDIS_URL',
      kind: 'text',
      help: 'keep history in Redis, shared by every node and worker (redis://[user:password@]host:port[/db])',
    },
  }),
  redisPrefix: setting(redisPrefix, {
    default: 'herald',
    cli: {
      flags: '--redis-prefix <prefix>',
      env: 'HERALD_REDIS_PREFIX',
      kind: 'text',
      help: 'start of every Redis key, so separate hubs can share one Redis',
    },
  }),
  nats: setting(natsUrl, {
    cli: {
      flags: '--nats <url>',
      env: 'HERALD_NATS_URL',
      kind: 'text',
      help: 'keep history in NATS JetStream, shared by every node and worker (nats://[user:password@]host:port)',
    },
  }),
  natsPrefix: setting(natsPrefix, {
    default: 'herald',
    cli: {
      flags: '--nats-prefix <prefix>',
      env: 'HERALD_NATS_PREFIX',
      kind: 'text',
      help: 'name of the JetStream stream and first token of every subject, so separate hubs can share one NATS',
    },
  }),
};
