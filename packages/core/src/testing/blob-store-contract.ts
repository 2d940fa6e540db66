import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BlobMeta, BlobStore, OpenBlob } from '../blob-store.ts';

/** A blob store under test, plus how to remove its storage afterwards. */
export interface BlobStoreHandle {
  readonly store: BlobStore;
  /** Called after each case; removes temp dirs, keys. */
  readonly cleanup?: () => Promise<void>;
}

/** Creates a store on fresh, empty storage. */
export type BlobStoreFactory = () => Promise<BlobStoreHandle>;

/** Meta for `bytes` stored as `name`, with the ETag the server would compute. */
export function blobMetaOf(name: string, bytes: Buffer, contentType = 'application/octet-stream'): BlobMeta {
  const etag = `"${createHash('sha256').update(bytes).digest('base64url').slice(0, 22)}"`;
  return { name, size: bytes.length, contentType, etag, modified: Date.now() };
}

/**
 * Uploads `bytes` as `name` the way the server does: written in pieces of `piece` bytes with
 * backpressure (uneven, so stores that cut chunks of their own see writes across their edges), then
 * committed once the stream finished.
 */
export async function storeBlob(
  store: BlobStore,
  name: string,
  bytes: Buffer,
  piece = 100_000,
): Promise<{ replaced: boolean; meta: BlobMeta }> {
  const writer = store.create(name);
  const pieces = function* () {
    for (let at = 0; at < bytes.length; at += piece) yield bytes.subarray(at, at + piece);
  };
  await pipeline(Readable.from(pieces()), writer.stream);
  const meta = blobMetaOf(name, bytes);
  return { ...(await writer.commit(meta)), meta };
}

/** Reads bytes `start..end` (inclusive) of an opened blob. */
export async function readBlob(blob: OpenBlob, start = 0, end = blob.meta.size - 1): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of blob.read(start, end)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Opens `name`, failing the test when there is no such blob. */
export async function openBlob(store: BlobStore, name: string): Promise<OpenBlob> {
  const blob = await store.open(name);
  if (blob === undefined) throw new Error(`blob ${name} is not there`);
  return blob;
}

/** Over a megabyte, so chunked stores (64 KiB, 256 KiB) cut it into several chunks. */
const BIG = 1_100_000;

/**
 * The contract every blob store passes: `blobStoreContract('redis', factory)` inside a test file. One
 * fresh store per case. What happens to storage (files, keys) is each store's own test.
 */
export function blobStoreContract(name: string, factory: BlobStoreFactory): void {
  describe(`blob store contract: ${name}`, () => {
    let handle: BlobStoreHandle;
    const store = (): BlobStore => handle.store;

    beforeEach(async () => {
      handle = await factory();
    });
    afterEach(async () => {
      await handle.cleanup?.();
    });

    it.each([0, 1, BIG])('stores and serves %i bytes as they were sent', async (size) => {
      const bytes = randomBytes(size);
      const { replaced, meta } = await storeBlob(store(), 'blob-a', bytes);
      expect(replaced).toBe(false);
      const blob = await openBlob(store(), 'blob-a');
      expect(blob.meta).toEqual(meta);
      if (size === 0) blob.close();
      else expect((await readBlob(blob)).equals(bytes)).toBe(true);
    });

    it('serves ranges, across chunk edges too', async () => {
      const bytes = randomBytes(BIG);
      await storeBlob(store(), 'ranges', bytes);
      const K = 1024;
      const ranges: Array<[number, number]> = [
        [0, 0],
        [BIG - 1, BIG - 1],
        [64 * K - 1, 64 * K],
        [256 * K - 1, 256 * K],
        [256 * K, 512 * K - 1],
        [100, 600_000],
        [512 * K - 10, BIG - 1],
      ];
      for (const [start, end] of ranges) {
        const got = await readBlob(await openBlob(store(), 'ranges'), start, end);
        expect(got.equals(bytes.subarray(start, end + 1)), `bytes ${start}-${end}`).toBe(true);
      }
    });

    it('replaces a blob and says so', async () => {
      await storeBlob(store(), 'twice', Buffer.from('first'));
      const second = await storeBlob(store(), 'twice', Buffer.from('second!'));
      expect(second.replaced).toBe(true);
      const blob = await openBlob(store(), 'twice');
      expect(blob.meta).toEqual(second.meta);
      expect((await readBlob(blob)).toString()).toBe('second!');
    });

    it('keeps streaming the bytes a reader opened while the blob is replaced and deleted', async () => {
      const old = randomBytes(BIG);
      await storeBlob(store(), 'moving', old);
      const opened = await openBlob(store(), 'moving');
      const stream = opened.read(0, BIG - 1);
      const chunks: Buffer[] = [];
      const iterator = stream[Symbol.asyncIterator]();
      const first = await iterator.next();
      chunks.push(first.value as Buffer);
      // The rest is read only after the replacement (a stream reads ahead at most a little).
      await storeBlob(store(), 'moving', randomBytes(BIG));
      expect(await store().delete('moving')).toBe(true);
      for (let next = await iterator.next(); next.done !== true; next = await iterator.next()) {
        chunks.push(next.value as Buffer);
      }
      expect(Buffer.concat(chunks).equals(old)).toBe(true);
    });

    it('shows nothing of an aborted upload, and keeps the previous blob', async () => {
      await storeBlob(store(), 'kept', Buffer.from('previous'));
      for (const target of ['kept', 'never']) {
        const writer = store().create(target);
        await new Promise<void>((resolve, reject) =>
          writer.stream.write(randomBytes(300_000), (error) => (error ? reject(error) : resolve())),
        );
        writer.abort();
      }
      expect(await store().open('never')).toBeUndefined();
      expect((await readBlob(await openBlob(store(), 'kept'))).toString()).toBe('previous');
    });

    it('deletes blobs; unknown names are absent, and names never share bytes', async () => {
      await storeBlob(store(), 'a', Buffer.from('A'));
      await storeBlob(store(), 'a.b', Buffer.from('AB'));
      expect(await store().open('nothing-here')).toBeUndefined();
      expect(await store().delete('nothing-here')).toBe(false);
      expect(await store().delete('a')).toBe(true);
      expect(await store().delete('a')).toBe(false);
      expect(await store().open('a')).toBeUndefined();
      expect((await readBlob(await openBlob(store(), 'a.b'))).toString()).toBe('AB');
    });
  });
}
