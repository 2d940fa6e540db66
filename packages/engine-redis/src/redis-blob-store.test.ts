import { randomBytes } from 'node:crypto';
import { HeraldError } from '@herald/core';
import { blobMetaOf, blobStoreContract, openBlob, readBlob, storeBlob } from '@herald/core/testing';
import { createClient, type RedisClientType } from 'redis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RedisBlobStore, type RedisBlobStoreOptions } from './redis-blob-store.ts';
import { deletePrefix, requireRedis, TEST_REDIS_URL, uniquePrefix, waitUntil } from './test-support.ts';

const missing = await requireRedis();
const clients: RedisClientType[] = [];

/** A connected client, closed after the file. */
async function connect(): Promise<RedisClientType> {
  const client: RedisClientType = createClient({ url: TEST_REDIS_URL });
  client.on('error', () => {});
  await client.connect();
  clients.push(client);
  return client;
}

afterAll(() => {
  for (const client of clients.splice(0)) if (client.isOpen) client.destroy();
});

if (missing === undefined) {
  const client = await connect();
  blobStoreContract('redis', async () => {
    const prefix = uniquePrefix();
    return { store: new RedisBlobStore(client, prefix), cleanup: () => deletePrefix(prefix) };
  });
}

describe.skipIf(missing !== undefined)(`RedisBlobStore on ${TEST_REDIS_URL}${missing ? ` (${missing})` : ''}`, () => {
  let client: RedisClientType;
  let prefix: string;
  const store = (options?: RedisBlobStoreOptions) => new RedisBlobStore(client, prefix, options);
  const keys = async () => (await client.keys(`${prefix}:*`)).sort();

  beforeAll(async () => {
    client = await connect();
  });
  beforeEach(() => {
    prefix = uniquePrefix();
  });
  afterEach(() => deletePrefix(prefix));

  it('keeps a blob in one meta hash and one chunk hash, both tagged with its name', async () => {
    const bytes = randomBytes(1_100_000);
    await storeBlob(store(), 'clip.webm', bytes);
    const meta = `${prefix}:blob:{clip.webm}`;
    const stored = await client.hGetAll(meta);
    expect(stored).toMatchObject({ size: '1100000', chunk: String(256 * 1024), type: 'application/octet-stream' });
    const version = `${meta}:v:${stored.id}`;
    expect(await keys()).toEqual([meta, version]);
    expect(await client.hLen(version)).toBe(5);
    // Committed chunks are kept for good; only uploads in progress and replaced versions expire.
    expect(await client.pTTL(version)).toBe(-1);
  });

  it('serves a blob stored through one node from another', async () => {
    const bytes = randomBytes(700_000);
    await storeBlob(store(), 'shared', bytes);
    const other = new RedisBlobStore(await connect(), prefix);
    expect((await readBlob(await openBlob(other, 'shared'), 300_000, 699_999)).equals(bytes.subarray(300_000))).toBe(
      true,
    );
  });

  it('leaves no key behind an aborted upload', async () => {
    const writer = store().create('cut');
    await new Promise<void>((resolve, reject) =>
      writer.stream.write(randomBytes(600_000), (error) => (error ? reject(error) : resolve())),
    );
    expect(await keys()).toHaveLength(1);
    writer.abort();
    await waitUntil(async () => (await keys()).length === 0, 'the chunks of the aborted upload to go');
  });

  it('refuses a commit before the bytes are stored, or after its chunks expired, and shows nothing', async () => {
    const early = store().create('early');
    early.stream.write(randomBytes(300_000));
    await expect(early.commit(blobMetaOf('early', randomBytes(300_000)))).rejects.toThrow(/before they were all/);
    early.abort();
    const idle = store({ uploadIdleMs: 50 }).create('idle');
    const bytes = randomBytes(300_000);
    await new Promise<void>((resolve) => idle.stream.end(bytes, resolve));
    await waitUntil(async () => (await keys()).length === 0, 'the chunks of the idle upload to expire');
    await expect(idle.commit(blobMetaOf('idle', bytes))).rejects.toThrow(/not all of the upload/);
    expect(await store().open('idle')).toBeUndefined();
    expect(await store().open('early')).toBeUndefined();
  });

  it('drops a replaced or deleted version after the grace period; a reader that late fails, never mixes', async () => {
    const s = store({ graceMs: 300 });
    const old = await storeBlob(s, 'v', randomBytes(600_000));
    const opened = await openBlob(s, 'v');
    await storeBlob(s, 'v', randomBytes(600_000));
    expect(await keys()).toHaveLength(3);
    await waitUntil(async () => (await keys()).length === 2, 'the replaced version to expire');
    expect(opened.meta).toEqual(old.meta);
    await expect(readBlob(opened)).rejects.toMatchObject({ code: 'not_found' });
    expect(await s.delete('v')).toBe(true);
    await waitUntil(async () => (await keys()).length === 0, 'the deleted version to expire');
  });

  it('refuses uploads over maxBlobBytes', async () => {
    await expect(storeBlob(store({ maxBlobBytes: 1_000 }), 'big', randomBytes(1_001))).rejects.toMatchObject({
      code: 'too_large',
    });
  });

  it('answers unavailable (503, retry after 1 s) while Redis cannot be reached', async () => {
    const down: RedisClientType = createClient({ url: TEST_REDIS_URL });
    const s = new RedisBlobStore(down, prefix);
    const unavailable = { code: 'unavailable', retryAfter: 1 };
    await expect(s.open('x')).rejects.toMatchObject(unavailable);
    await expect(s.delete('x')).rejects.toMatchObject(unavailable);
    await expect(storeBlob(s, 'x', Buffer.from('x'))).rejects.toMatchObject(unavailable);
    // A connection lost mid-read fails the read the same way.
    const lost = await connect();
    const bytes = randomBytes(600_000);
    await storeBlob(new RedisBlobStore(lost, prefix), 'x', bytes);
    const opened = await openBlob(new RedisBlobStore(lost, prefix), 'x');
    lost.destroy();
    const error = await readBlob(opened).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HeraldError);
    expect(error).toMatchObject(unavailable);
  });

  it('rejects bad names and prefixes before they reach a key', async () => {
    expect(() => store().create('{x}')).toThrow(/blob names/);
    await expect(store().open('a/b')).rejects.toMatchObject({ code: 'bad_request' });
    expect(() => new RedisBlobStore(client, 'a{b}')).toThrow(/prefix/);
  });
});
