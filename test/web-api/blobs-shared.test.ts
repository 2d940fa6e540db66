import { randomBytes } from 'node:crypto';
import { type BlobStore, MemoryEngine } from '@herald/core';
import { freePort } from '@herald/core/testing';
import { NatsEngine } from '@herald/engine-nats';
import { createClient, type RedisClientType } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// From the source file until the engine's package is linked; then from '@herald/engine-redis'.
import { RedisBlobStore } from '../../packages/engine-redis/src/redis-blob-store.ts';
import { deleteNatsPrefix, deleteRedisPrefix, TEST_NATS_URL, TEST_REDIS_URL } from '../helpers/engines.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { getBlob, putBlob } from './blob-helpers.ts';

/** How a node gets its store from the engine: the options the server passes, and the store. */
type BlobStoreFactory = (options: { maxBlobBytes: number }) => BlobStore;

/**
 * A node whose history is its own but whose blobs are in the shared Redis or NATS: only the engine's
 * `createBlobStore` matters here, and it is what a RedisEngine or NatsEngine offers (one per node).
 */
class SharedBlobsNode extends MemoryEngine {
  /** The options the server asked for its store with. */
  asked: { maxBlobBytes: number } | undefined;

  constructor(private readonly blobs: BlobStoreFactory) {
    super({ sweepIntervalMs: 0 });
  }

  createBlobStore(options: { maxBlobBytes: number }): BlobStore {
    this.asked = options;
    return this.blobs(options);
  }
}

/** Where a node's shared store lives; `down` is one that cannot reach its server. */
interface SharedStore {
  node(): Promise<BlobStoreFactory>;
  down(): Promise<BlobStoreFactory>;
  cleanup(): Promise<void>;
}

function onRedis(prefix: string): SharedStore {
  const clients: RedisClientType[] = [];
  return {
    async node() {
      const client: RedisClientType = createClient({ url: TEST_REDIS_URL });
      client.on('error', () => {});
      await client.connect();
      clients.push(client);
      return () => new RedisBlobStore(client, prefix);
    },
    // A client that never connected: what a node sees while Redis is down.
    down: async () => () => new RedisBlobStore(createClient({ url: TEST_REDIS_URL }), prefix),
    async cleanup() {
      await deleteRedisPrefix(TEST_REDIS_URL, prefix);
      for (const c of clients) c.destroy();
    },
  };
}

function onNats(prefix: string): SharedStore {
  const engines: NatsEngine[] = [];
  const open = (engine: NatsEngine): BlobStoreFactory => {
    engines.push(engine);
    return (options) => engine.createBlobStore(options);
  };
  return {
    node: async () => open(await NatsEngine.connect({ url: TEST_NATS_URL, prefix })),
    // An engine on a port nothing listens on: what a node sees while NATS is down.
    down: async () => open(new NatsEngine({ url: `nats://127.0.0.1:${await freePort()}`, prefix })),
    async cleanup() {
      await Promise.all(engines.map((e) => e.close()));
      await deleteNatsPrefix(TEST_NATS_URL, prefix);
    },
  };
}

const LIMIT = 2 * 1024 * 1024;
const STORES = [
  ['Redis', TEST_REDIS_URL, onRedis],
  ['NATS', TEST_NATS_URL, onNats],
] as const;

describe.each(STORES)('blobs shared by two nodes through %s (%s)', (_name, _url, shared) => {
  const store = shared(`herald-test-blobs-${randomBytes(4).toString('hex')}`);
  const nodes: SharedBlobsNode[] = [];
  let one: TestServer;
  let two: TestServer;

  beforeAll(async () => {
    const servers: TestServer[] = [];
    for (let i = 0; i < 2; i++) {
      const node = new SharedBlobsNode(await store.node());
      nodes.push(node);
      servers.push(await startTestServer({ engine: node, maxBlobBytes: LIMIT, shutdownTimeoutMs: 300 }));
    }
    [one, two] = servers as [TestServer, TestServer];
  });
  afterAll(async () => {
    await Promise.all([one?.close(), two?.close()]);
    await store.cleanup();
  });

  it('asks the engine for its store, with the upload limit', () => {
    expect(nodes.map((n) => n.asked)).toEqual([{ maxBlobBytes: LIMIT }, { maxBlobBytes: LIMIT }]);
  });

  it('serves through node two what was uploaded through node one, ranges included', async () => {
    const body = randomBytes(1_100_000);
    const put = await putBlob(one, 'movie.webm', body, { 'content-type': 'video/webm' });
    expect(put.status).toBe(201);
    const etag = put.headers.get('etag');

    const range = await getBlob(two, 'movie.webm', { range: 'bytes=262000-600000' });
    expect(range.status).toBe(206);
    expect(range.headers.get('content-range')).toBe('bytes 262000-600000/1100000');
    expect(range.headers.get('content-type')).toBe('video/webm');
    expect(range.headers.get('etag')).toBe(etag);
    expect(Buffer.from(await range.arrayBuffer()).equals(body.subarray(262000, 600001))).toBe(true);

    const whole = await getBlob(two, 'movie.webm');
    expect(whole.status).toBe(200);
    expect(Buffer.from(await whole.arrayBuffer()).equals(body)).toBe(true);
    expect((await getBlob(two, 'movie.webm', { 'if-none-match': etag ?? '' })).status).toBe(304);
  });

  it('sees a replacement and a delete made through the other node', async () => {
    await putBlob(one, 'note.txt', 'first', { 'content-type': 'text/plain' });
    const replaced = await putBlob(two, 'note.txt', 'second', { 'content-type': 'text/plain' });
    expect(replaced.status).toBe(200);
    expect(await (await getBlob(one, 'note.txt')).text()).toBe('second');

    const del = await fetch(`${one.url}/v1/blobs/note.txt`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${one.apiKey}` },
    });
    expect(del.status).toBe(204);
    expect((await getBlob(two, 'note.txt')).status).toBe(404);
  });

  it('answers 503 with Retry-After while the shared store cannot be reached', async () => {
    const down = await startTestServer({ engine: new SharedBlobsNode(await store.down()), shutdownTimeoutMs: 300 });
    try {
      for (const res of [await getBlob(down, 'movie.webm'), await putBlob(down, 'movie.webm', randomBytes(400_000))]) {
        expect(res.status).toBe(503);
        expect(res.headers.get('retry-after')).toBe('1');
      }
    } finally {
      await down.close();
    }
  });
});
