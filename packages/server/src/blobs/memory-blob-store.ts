import { Readable, Writable } from 'node:stream';
import { type BlobMeta, type BlobStore, type BlobWriter, HeraldError, type OpenBlob } from '@herald/core';

/** Bytes per chunk when a memory blob is streamed, so a large one is written with backpressure. */
const CHUNK = 64 * 1024;

/** Blobs in memory (a hub without a data directory): lost on restart, bounded by the size limit per blob. */
export class MemoryBlobStore implements BlobStore {
  private readonly blobs = new Map<string, { meta: BlobMeta; body: Buffer }>();

  create(name: string): BlobWriter {
    const chunks: Buffer[] = [];
    let aborted = false;
    const stream = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        if (!aborted) chunks.push(chunk);
        callback();
      },
    });
    return {
      stream,
      commit: async (meta) => {
        if (aborted) throw new HeraldError('internal', 'the upload was aborted');
        const replaced = this.blobs.has(name);
        this.blobs.set(name, { meta, body: Buffer.concat(chunks) });
        return { replaced };
      },
      abort: () => {
        aborted = true;
        chunks.length = 0;
        stream.destroy();
      },
    };
  }

  async open(name: string): Promise<OpenBlob | undefined> {
    const blob = this.blobs.get(name);
    if (blob === undefined) return undefined;
    return {
      meta: blob.meta,
      read: (start, end) => Readable.from(slices(blob.body, start, end + 1), { objectMode: false }),
      close: () => {},
    };
  }

  async delete(name: string): Promise<boolean> {
    return this.blobs.delete(name);
  }
}

function* slices(body: Buffer, start: number, end: number): Generator<Buffer> {
  for (let at = start; at < end; at += CHUNK) yield body.subarray(at, Math.min(end, at + CHUNK));
}
