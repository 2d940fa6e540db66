import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Engine, MemoryEngine } from '@herald/core';
import type { RedisEngineOptions } from '@herald/engine-redis';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { createClient } from 'redis';

/** The engines the transport suite runs on (vitest projects set HERALD_TEST_ENGINE). */
export type TestEngineKind = 'memory' | 'sqlite' | 'redis' | 'nats';

/** Where the tests find Redis: the machine's own, unless the environment says otherwise. */
export const TEST_REDIS_URL = process.env.HERALD_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Where the tests find NATS with JetStream: the machine's own, unless the environment says otherwise. */
export const TEST_NATS_URL = process.env.HERALD_TEST_NATS_URL ?? 'nats://127.0.0.1:4222';

/** An engine for one test server, and how to remove its storage after the server closed it. */
export interface TestEngine {
  readonly engine: Engine;
  /** Called after the server (and so the engine) is closed. */
  cleanup(): Promise<void>;
}

/** The engine kind this test run uses. */
export function testEngineKind(): TestEngineKind {
  const kind = process.env.HERALD_TEST_ENGINE ?? 'memory';
  if (kind !== 'memory' && kind !== 'sqlite' && kind !== 'redis' && kind !== 'nats') {
    throw new Error(`HERALD_TEST_ENGINE=${kind}: expected memory, sqlite, redis or nats`);
  }
  return kind;
}

/**
 * A fresh engine of `kind` on empty storage: a temporary SQLite directory, or a Redis key prefix or
 * NATS stream of its own (deleted afterwards), so test files running in parallel never share channels.
 */
export async function openTestEngine(kind: TestEngineKind = testEngineKind(), prefix?: string): Promise<TestEngine> {
  if (kind === 'sqlite') {
    const { SqliteEngine } = await import('@herald/engine-sqlite');
    const dir = mkdtempSync(join(tmpdir(), 'herald-test-'));
    return {
      engine: new SqliteEngine({ path: dir, sweepIntervalMs: 0 }),
      cleanup: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  if (kind === 'redis') {
    // HERALD_TEST_REDIS_PREFIX makes hubs in several processes nodes of one cluster (test/cluster).
    const shared = process.env.HERALD_TEST_REDIS_PREFIX;
    return openRedisEngine(prefix ?? shared ?? `herald-test-${randomBytes(4).toString('hex')}`);
  }
  if (kind === 'nats') {
    // HERALD_TEST_NATS_PREFIX does for NATS what HERALD_TEST_REDIS_PREFIX does for Redis.
    const shared = process.env.HERALD_TEST_NATS_PREFIX;
    return openNatsEngine(prefix ?? shared ?? `herald-test-${randomBytes(4).toString('hex')}`);
  }
  return { engine: new MemoryEngine({ sweepIntervalMs: 0 }), cleanup: async () => {} };
}

/**
 * A Redis engine under `prefix` (with `options` beyond the defaults); several calls with one prefix are
 * nodes of one cluster.
 */
export async function openRedisEngine(
  prefix: string,
  url = TEST_REDIS_URL,
  options: Omit<RedisEngineOptions, 'url' | 'prefix'> = {},
): Promise<TestEngine> {
  const { RedisEngine } = await import('@herald/engine-redis');
  const engine = new RedisEngine({ ...options, url, prefix });
  if (!(await waitReady(engine, 5_000))) throw new Error(`Redis at ${url} is not reachable (HERALD_TEST_REDIS_URL)`);
  return { engine, cleanup: () => deleteRedisPrefix(url, prefix) };
}

/** A NATS engine on stream `prefix`; several calls with one prefix are nodes of one cluster. */
export async function openNatsEngine(prefix: string, url = TEST_NATS_URL): Promise<TestEngine> {
  const { NatsEngine } = await import('@herald/engine-nats');
  const engine = new NatsEngine({ url, prefix });
  if (!(await waitReady(engine, 5_000))) throw new Error(`NATS at ${url} is not reachable (HERALD_TEST_NATS_URL)`);
  return { engine, cleanup: () => deleteNatsPrefix(url, prefix) };
}

async function waitReady(engine: Engine, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await engine.ready().catch(() => false)) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}

/** Deletes every key under `prefix` (a test's channels, streams, presence and blobs). */
export async function deleteRedisPrefix(url: string, prefix: string): Promise<void> {
  const client = createClient({ url });
  await client.connect();
  try {
    for await (const keys of client.scanIterator({ MATCH: `${prefix}:*`, COUNT: 500 })) {
      if (keys.length > 0) await client.unlink(keys);
    }
  } finally {
    client.destroy();
  }
}

/** Deletes the stream, presence buckets and blob bucket of `prefix` (a test's channels, members and blobs). */
export async function deleteNatsPrefix(url: string, prefix: string): Promise<void> {
  const nc = await connect({ servers: url });
  try {
    const jsm = await jetstreamManager(nc);
    for (const stream of [prefix, `KV_${prefix}_presence`, `KV_${prefix}_nodes`, `OBJ_${prefix}_blobs`]) {
      await jsm.streams.delete(stream).catch(() => false);
    }
  } finally {
    await nc.close();
  }
}
