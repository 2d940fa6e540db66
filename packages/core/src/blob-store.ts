import type { Readable, Writable } from 'node:stream';
import { HeraldError } from './errors.ts';

/**
 * Blob names: a letter or digit, then letters, digits, `_`, `.`, `-`; at most 120 characters and no
 * `..`. No separator of any kind, so a name is always one plain file name on disk, a Redis hash tag
 * (no braces), and `blob:<name>` is a valid channel name (what the server's auth checks).
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

/**
 * A stored blob, opened: its bytes stay readable as they were when opened, even if it is replaced or
 * deleted meanwhile (a shared store may bound how long: see its doc comment).
 */
export interface OpenBlob {
  readonly meta: BlobMeta;
  /** Streams bytes `start` to `end` (inclusive); call once, or {@link OpenBlob.close} instead. */
  read(start: number, end: number): Readable;
  /** Releases the blob without reading it (HEAD, 304, 416). */
  close(): void;
}

/**
 * Where blobs live. The server has in-process stores (memory, files in a data directory); an engine
 * shared by several nodes may offer one every node reaches (`Engine.createBlobStore`).
 * Errors of an unreachable store are `HeraldError('unavailable')` (503 with Retry-After).
 */
export interface BlobStore {
  /** Starts an upload for `name`. */
  create(name: string): BlobWriter;
  /** Opens a blob, or resolves undefined when there is none. */
  open(name: string): Promise<OpenBlob | undefined>;
  /** Deletes a blob; resolves false when there was none. */
  delete(name: string): Promise<boolean>;
}
