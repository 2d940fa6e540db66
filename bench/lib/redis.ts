// The bench's side of Redis (scenario R): is it there, a key prefix of its own for each hub on it, the
// keys deleted after the run, and the redis-server process whose CPU is measured beside the hub's.
// The Redis is shared (other people's tests use it): nothing here flushes, resets or configures it;
// the bench only ever deletes keys under a prefix it generated itself.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createClient } from 'redis';

/** Every prefix the bench generates, and the only shape it will ever delete keys under. */
const BENCH_PREFIX = /^bench-[0-9a-f]{10}$/;
const CONNECT_TIMEOUT_MS = 2000;

function newClient(url: string) {
  return createClient({ url, socket: { connectTimeout: CONNECT_TIMEOUT_MS, reconnectStrategy: false } });
}

type Client = ReturnType<typeof newClient>;

/** A key prefix nobody else uses: `bench-<10 hex>` (the hub's keys are `<prefix>:{<channel>}:…`). */
export function freshPrefix(): string {
  return `bench-${randomBytes(5).toString('hex')}`;
}

/** Runs `fn` on a connected client that does not retry (a bench wants a reason, not a wait). */
export async function withRedis<T>(url: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = newClient(url);
  let lastError: unknown;
  client.on('error', (err: unknown) => {
    lastError = err;
  });
  try {
    await client.connect();
  } catch (err) {
    client.destroy();
    throw lastError ?? err;
  }
  try {
    return await fn(client);
  } finally {
    client.destroy();
  }
}

/** One section of INFO as a map (`INFO commandstats` lines included, their values unparsed). */
export function parseInfo(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const at = line.indexOf(':');
    if (at > 0 && !line.startsWith('#')) out.set(line.slice(0, at), line.slice(at + 1));
  }
  return out;
}

const reasons = new Map<string, Promise<string | undefined>>();

/**
 * Why the Redis peers cannot run (unreachable, or older than 7.0: the engine uses sharded pub/sub), or
 * undefined. Asked once per URL per invocation, so a suite skips every Redis case with one reason.
 */
export function redisMissing(url: string): Promise<string | undefined> {
  let reason = reasons.get(url);
  if (reason === undefined) {
    reason = withRedis(url, async (client) => {
      const version = parseInfo(await client.info('server')).get('redis_version') ?? '0';
      return Number(version.split('.')[0]) >= 7
        ? undefined
        : `Redis ${version} at ${url}: the engine needs 7.0 or later`;
    }).catch((err: unknown) => `Redis not reachable at ${url}: ${err instanceof Error ? err.message : String(err)}`);
    reasons.set(url, reason);
  }
  return reason;
}

/** Deletes every key under a prefix the bench generated; returns how many there were. */
export async function deletePrefix(url: string, prefix: string): Promise<number> {
  if (!BENCH_PREFIX.test(prefix)) throw new Error(`refusing to delete keys under "${prefix}": not a bench prefix`);
  return withRedis(url, async (client) => {
    let deleted = 0;
    for await (const keys of client.scanIterator({ MATCH: `${prefix}:*`, COUNT: 1000 })) {
      if (keys.length > 0) deleted += await client.unlink(keys);
    }
    return deleted;
  });
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/**
 * The redis-server process behind `url` when it runs on this machine (its CPU is measured per window),
 * or undefined for a remote Redis or a pid that is not a redis-server.
 */
export async function localRedisPid(url: string): Promise<number | undefined> {
  if (!LOOPBACK.has(new URL(url).hostname)) return undefined;
  const pid = Number(
    await withRedis(url, async (client) => parseInfo(await client.info('server')).get('process_id')).catch(() => NaN),
  );
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    return readFileSync(`/proc/${pid}/comm`, 'latin1').trim().startsWith('redis-server') ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Version and the settings that matter for sizing, for the report header. */
export async function redisSummary(url: string): Promise<Record<string, string>> {
  return withRedis(url, async (client) => {
    const server = parseInfo(await client.info('server'));
    const memory = parseInfo(await client.info('memory'));
    const persistence = parseInfo(await client.info('persistence'));
    return {
      version: server.get('redis_version') ?? '?',
      usedMemory: memory.get('used_memory_human') ?? '?',
      maxmemoryPolicy: memory.get('maxmemory_policy') ?? '?',
      aof: persistence.get('aof_enabled') === '1' ? 'on' : 'off',
    };
  });
}
