import { Readable, Writable } from 'node:stream';
import { HeraldError } from '@herald/core';

/**
 * Blob names: a letter or digit, then letters, digits, `_`, `.`, `-`; at most 120 characters and no
 * `..`. No separator of any kind, so a name is always one plain file name on disk, and `blob:<name>`
 * is a valid channel name (what auth checks, see api/blobs.ts).
 */
export const BLOB_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,119}$/;

/** Validates a blob name from the URL (400 otherwise). */
export function blobName(name: string | undefined): string {
  if (name === undefined || !BLOB_NAME.test(name) || name.includes('..')) {
    throw new HeraldError('bad_request', 'blob names match ^[A-Za-z0-9][A-Za-z0-9_.-]{0,119}$ without ".."');
  }
  return name;
}

/** What is known of a stored blob. */
export interface BlobMeta {
  readonly name: string;
  /** Bytes. */
  readonly size: number;
  /** The upload's Content-Type, served back as is. */
  readonly contentType: string;
  /** Strong entity tag, quoted: `"<sha-256 of the bytes, base64url, 22 chars>"`. */
  readonly etag: string;
  /** When it was stored, ms since the epoch. */
  readonly modified: number;
}

/** One upload in progress: bytes go to `stream`; nothing is visible under the name before `commit`. */
export interface BlobWriter {
  /** Where the bytes go; it emits 'finish' once they are all stored. */
  readonly stream: Writable;
  /** Makes the blob visible under its name (replacing any previous one); says whether it replaced one. */
  commit(meta: BlobMeta): Promise<{ replaced: boolean }>;
  /** Drops what was written. */
  abort(): void;
}

/** A stored blob, opened: its bytes stay readable as they were when opened, even if it is replaced meanwhile. */
export interface OpenBlob {
  readonly meta: BlobMeta;
  /** Streams bytes `start` to `end` (inclusive); call once, or {@link OpenBlob.close} instead. */
  read(start: number, end: number): Readable;
  /** Releases the blob without reading it (HEAD, 304, 416). */
  close(): void;
}

/** Where blobs live: in memory, or in files (disk-blob-store.ts). */
export interface BlobStore {
  /** Starts an upload for `name`. */
  create(name: string): BlobWriter;
  /** Opens a blob, or resolves undefined when there is none. */
  open(name: string): Promise<OpenBlob | undefined>;
  /** Deletes a blob; resolves false when there was none. */
  delete(name: string): Promise<boolean>;
}

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
