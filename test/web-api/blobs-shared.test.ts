import { randomBytes } from 'node:crypto';
import { type BlobStore, MemoryEngine } from '@herald/core';
import { createClient, type RedisClientType } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// From the source file until the engine's package is linked; then from '@herald/engine-redis'.
import { RedisBlobStore } from '../../packages/engine-redis/src/redis-blob-store.ts';
import { TEST_REDIS_URL } from '../helpers/engines.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { getBlob, putBlob } from './blob-helpers.ts';

/**
 * A node whose history is its own but whose blobs are in the shared Redis: only the engine's
 * `createBlobStore` matters here, and it is what a RedisEngine offers (one client per node).
 */
class SharedBlobsNode extends MemoryEngine {
  /** The options the server asked for its store with. */
  asked: { maxBlobBytes: number } | undefined;

  constructor(private readonly blobs: BlobStore) {
    super({ sweepIntervalMs: 0 });
  }

  createBlobStore(options: { maxBlobBytes: number }): BlobStore {
    this.asked = options;
    return this.blobs;
  }
}

const LIMIT = 2 * 1024 * 1024;

describe(`blobs shared by two nodes through Redis (${TEST_REDIS_URL})`, () => {
  const prefix = `herald-test-blobs-${randomBytes(4).toString('hex')}`;
  const clients: RedisClientType[] = [];
  const nodes: SharedBlobsNode[] = [];
  let one: TestServer;
  let two: TestServer;

  beforeAll(async () => {
    const servers: TestServer[] = [];
    for (let i = 0; i < 2; i++) {
      const client: RedisClientType = createClient({ url: TEST_REDIS_URL });
      client.on('error', () => {});
      await client.connect();
      clients.push(client);
      const node = new SharedBlobsNode(new RedisBlobStore(client, prefix));
      nodes.push(node);
      servers.push(await startTestServer({ engine: node, maxBlobBytes: LIMIT, shutdownTimeoutMs: 300 }));
    }
    [one, two] = servers as [TestServer, TestServer];
  });
  afterAll(async () => {
    await Promise.all([one?.close(), two?.close()]);
    const [client] = clients;
    for await (const keys of client?.scanIterator({ MATCH: `${prefix}:*`, COUNT: 1000 }) ?? []) {
      if (keys.length > 0) await client?.del(keys);
    }
    for (const c of clients) c.destroy();
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
    // A client that never connected: what a node sees while Redis is down.
    const down = await startTestServer({
      engine: new SharedBlobsNode(new RedisBlobStore(createClient({ url: TEST_REDIS_URL }), prefix)),
      shutdownTimeoutMs: 300,
    });
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
