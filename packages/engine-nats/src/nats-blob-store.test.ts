import { randomBytes } from 'node:crypto';
import { HeraldError } from '@herald/core';
import { blobMetaOf, blobStoreContract, openBlob, readBlob, storeBlob } from '@herald/core/testing';
import { jetstreamManager } from '@nats-io/jetstream';
import { Objm } from '@nats-io/obj';
import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { NatsBlobStoreOptions } from './nats-blob-store.ts';
import { NatsEngine } from './nats-engine.ts';
import {
  deletePrefix,
  PrivateNats,
  rawConnection,
  requireNats,
  TEST_NATS_URL,
  uniquePrefix,
  waitUntil,
} from './test-support.ts';

const missing = await requireNats();

if (missing === undefined) {
  blobStoreContract('nats', async () => {
    const prefix = uniquePrefix();
    const engine = await NatsEngine.connect({ url: TEST_NATS_URL, prefix });
    return {
      store: engine.createBlobStore(),
      cleanup: async () => {
        await engine.close();
        await deletePrefix(prefix);
      },
    };
  });
}

describe.skipIf(missing !== undefined)(`NatsBlobStore on ${TEST_NATS_URL}${missing ? ` (${missing})` : ''}`, () => {
  const engines: NatsEngine[] = [];
  let prefix: string;
  let raw: NatsConnection;

  /** A node's engine on this case's prefix, closed after the case. */
  async function node(url = TEST_NATS_URL): Promise<NatsEngine> {
    const engine = await NatsEngine.connect({ url, prefix, requestTimeoutMs: 1_000, reconnectDelayMs: 100 });
    engines.push(engine);
    return engine;
  }
  async function store(options?: NatsBlobStoreOptions) {
    return (await node()).createBlobStore(options);
  }
  /** The bucket's subjects that hold chunks or markers, and how many messages each. */
  async function chunkSubjects(): Promise<Record<string, number>> {
    const jsm = await jetstreamManager(raw);
    const info = await jsm.streams.info(`OBJ_${prefix}_blobs`, { subjects_filter: `$O.${prefix}_blobs.C.>` });
    return info.state.subjects ?? {};
  }
  const versions = async () => Object.keys(await chunkSubjects()).filter((s) => !s.includes('.C.gc.'));
  const markers = async () => Object.keys(await chunkSubjects()).filter((s) => s.includes('.C.gc.'));

  beforeAll(async () => {
    raw = await rawConnection();
  });
  afterAll(() => raw.close());
  beforeEach(() => {
    prefix = uniquePrefix();
  });
  afterEach(async () => {
    for (const engine of engines.splice(0)) await engine.close();
    await deletePrefix(prefix);
  });

  it('is a JetStream Object Store bucket: NATS clients read what Herald stored', async () => {
    const bytes = randomBytes(600_000);
    await storeBlob(await store(), 'clip.webm', bytes);
    const os = await new Objm(raw).open(`${prefix}_blobs`);
    const info = await os.info('clip.webm');
    expect(info).toMatchObject({ name: 'clip.webm', size: 600_000, chunks: 3, deleted: false });
    // getBlob checks the SHA-256 digest Herald wrote.
    expect(Buffer.from((await os.getBlob('clip.webm')) ?? []).equals(bytes)).toBe(true);
    // One version's chunks and nothing else: the upload's marker went with the commit.
    expect(Object.values(await chunkSubjects())).toEqual([3]);
  });

  it('serves a blob stored through one node from another, ranges included', async () => {
    const bytes = randomBytes(700_000);
    await storeBlob(await store(), 'shared', bytes);
    const other = await store();
    const got = await readBlob(await openBlob(other, 'shared'), 300_000, 699_999);
    expect(got.equals(bytes.subarray(300_000))).toBe(true);
  });

  it('leaves nothing behind an aborted upload', async () => {
    const writer = (await store()).create('cut');
    await new Promise<void>((resolve, reject) =>
      writer.stream.write(randomBytes(600_000), (error) => (error ? reject(error) : resolve())),
    );
    expect(await versions()).toHaveLength(1);
    expect(await markers()).toHaveLength(1);
    writer.abort();
    await waitUntil(async () => Object.keys(await chunkSubjects()).length === 0, 'the aborted upload to go');
  });

  it('keeps a replaced or deleted version for the grace period, then sweeps it; a reader that late fails, never mixes', async () => {
    const s = await store({ graceMs: 300, sweepIntervalMs: 50 });
    const old = await storeBlob(s, 'v', randomBytes(600_000));
    const opened = await openBlob(s, 'v');
    const started = Date.now();
    await storeBlob(s, 'v', randomBytes(600_000));
    expect(await versions()).toHaveLength(2);
    await waitUntil(async () => (await versions()).length === 1, 'the replaced version to be swept', 3_000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(await markers()).toEqual([]);
    expect(opened.meta).toEqual(old.meta);
    await expect(readBlob(opened)).rejects.toMatchObject({ code: 'not_found' });
    expect(await s.delete('v')).toBe(true);
    await waitUntil(async () => (await versions()).length === 0, 'the deleted version to be swept', 3_000);
  });

  it('sweeps what a dead node left: a version it replaced, and an upload it never finished', async () => {
    const options = { graceMs: 200, uploadMaxMs: 200, sweepIntervalMs: 60_000 };
    const dying = await node();
    const s = dying.createBlobStore(options);
    await storeBlob(s, 'left', randomBytes(300_000));
    await storeBlob(s, 'left', Buffer.from('current'));
    const writer = s.create('never');
    await new Promise<void>((resolve) => writer.stream.write(randomBytes(300_000), () => resolve()));
    await dying.close(); // neither swept nor aborted
    expect(await versions()).toHaveLength(3);

    const survivor = (await node()).createBlobStore(options);
    // Nothing is due yet: the survivor's store has not been used, so it does not sweep either.
    expect(await survivor.sweep()).toBe(0);
    expect((await readBlob(await openBlob(survivor, 'left'))).toString()).toBe('current');
    await new Promise((resolve) => setTimeout(resolve, 450));
    expect(await survivor.sweep()).toBe(2);
    expect(await versions()).toHaveLength(1);
    expect(await markers()).toEqual([]);
    expect((await readBlob(await openBlob(survivor, 'left'))).toString()).toBe('current');
  });

  it('refuses a commit after uploadMaxMs, and one before the bytes are stored', async () => {
    const s = await store({ uploadMaxMs: 100 });
    const early = s.create('early');
    early.stream.write(randomBytes(300_000));
    await expect(early.commit(blobMetaOf('early', randomBytes(300_000)))).rejects.toThrow(/before they were all/);
    early.abort();
    const slow = s.create('slow');
    const bytes = randomBytes(1_000);
    await new Promise<void>((resolve) => slow.stream.end(bytes, resolve));
    await new Promise((resolve) => setTimeout(resolve, 150));
    await expect(slow.commit(blobMetaOf('slow', bytes))).rejects.toThrow(/uploadMaxMs/);
    expect(await s.open('slow')).toBeUndefined();
    await waitUntil(async () => Object.keys(await chunkSubjects()).length === 0, 'the refused upload to go');
  });

  it('concurrent commits of one name on two nodes: one wins whole, every other version is swept', async () => {
    const options = { graceMs: 200, sweepIntervalMs: 50 };
    const stores = [(await node()).createBlobStore(options), (await node()).createBlobStore(options)];
    const uploads = Array.from({ length: 6 }, (_, i) => randomBytes(200_000 + i));
    const results = await Promise.all(uploads.map((bytes, i) => storeBlob(stores[i % 2]!, 'race', bytes)));
    expect(results.filter((r) => !r.replaced)).toHaveLength(1);
    const got = await readBlob(await openBlob(stores[0]!, 'race'));
    expect(uploads.some((bytes) => bytes.equals(got))).toBe(true);
    await waitUntil(async () => (await versions()).length === 1, 'the losing versions to be swept', 5_000);
  });

  it('refuses uploads over maxBlobBytes', async () => {
    await expect(storeBlob(await store({ maxBlobBytes: 1_000 }), 'big', randomBytes(1_001))).rejects.toMatchObject({
      code: 'too_large',
    });
  });

  it('answers unavailable (503, retry after 1 s) while NATS cannot be reached, mid-read too', async () => {
    const server = await PrivateNats.start();
    try {
      const engine = await node(server.url);
      const s = engine.createBlobStore();
      const bytes = randomBytes(600_000);
      await storeBlob(s, 'x', bytes);
      const opened = await openBlob(s, 'x');
      await server.kill();
      const unavailable = { code: 'unavailable', retryAfter: 1 };
      await expect(s.open('x')).rejects.toMatchObject(unavailable);
      await expect(s.delete('x')).rejects.toMatchObject(unavailable);
      await expect(storeBlob(s, 'y', Buffer.from('y'))).rejects.toMatchObject(unavailable);
      const error = await readBlob(opened).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(HeraldError);
      expect(error).toMatchObject(unavailable);
      // Back with its store: the blob is served again.
      await server.start();
      await waitUntil(() => engine.ready(), 'the engine to reconnect', 10_000);
      expect((await readBlob(await openBlob(s, 'x'))).equals(bytes)).toBe(true);
    } finally {
      await server.destroy();
    }
  });

  it('rejects bad names before they reach a subject', async () => {
    const s = await store();
    expect(() => s.create('a b')).toThrow(/blob names/);
    await expect(s.open('a/b')).rejects.toMatchObject({ code: 'bad_request' });
    await expect(s.delete('..')).rejects.toMatchObject({ code: 'bad_request' });
  });
});
