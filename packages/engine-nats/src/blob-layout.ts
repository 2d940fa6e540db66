import { HeraldError } from '@herald/core';

/*
 * How Herald's blobs sit in a JetStream Object Store bucket. The layout is the Object Store's own, so
 * `nats object ls|get|info <bucket>` and the nats.js `ObjectStore` read what Herald wrote:
 * - `$O.<bucket>.M.<base64url(name), padded>`: the current version's ObjectInfo (JSON), rolled up so
 *   only the newest is kept; a deleted blob leaves `deleted: true` there, as the Object Store does.
 * - `$O.<bucket>.C.<nuid>`: one version's bytes, one message per chunk, in order.
 * Herald adds to the ObjectInfo, under `metadata`, what it needs to serve ranges and conditional
 * requests (content type, ETag, time, the stream sequence of every chunk), and keeps its garbage
 * markers under `$O.<bucket>.C.gc.>`, subjects no Object Store client reads (see nats-blob-store.ts).
 */

/** The subjects and names of one blob bucket. */
export class BlobLayout {
  /** The bucket's stream. */
  readonly stream: string;

  constructor(readonly bucket: string) {
    this.stream = `OBJ_${bucket}`;
  }

  /** Where the current version of `name` is described. */
  meta(name: string): string {
    // The Object Store's encoding: base64url with its padding kept.
    const token = Buffer.from(name, 'utf8').toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
    return `$O.${this.bucket}.M.${token}`;
  }

  /** Where the chunks of version `nuid` are. */
  chunks(nuid: string): string {
    return `$O.${this.bucket}.C.${nuid}`;
  }

  /** Every garbage marker. */
  get markers(): string {
    return `$O.${this.bucket}.C.gc.>`;
  }

  /** The marker saying: version `nuid` of `name` is garbage from `dueMs` on, unless it is current. */
  marker(dueMs: number, nuid: string, name: string): string {
    return `$O.${this.bucket}.C.gc.${dueMs}.${nuid}.${Buffer.from(name, 'utf8').toString('base64url')}`;
  }

  /** A marker subject read back; undefined when it is not one. */
  parseMarker(subject: string): { dueMs: number; nuid: string; name: string } | undefined {
    const head = `$O.${this.bucket}.C.gc.`;
    if (!subject.startsWith(head)) return undefined;
    const [due, nuid, name, ...rest] = subject.slice(head.length).split('.');
    const dueMs = Number(due);
    if (rest.length > 0 || !Number.isSafeInteger(dueMs) || !nuid || !name) return undefined;
    return { dueMs, nuid, name: Buffer.from(name, 'base64url').toString('utf8') };
  }
}

/** What Herald keeps of a version in the ObjectInfo's `metadata`. */
export interface HeraldVersion {
  readonly nuid: string;
  readonly size: number;
  readonly contentType: string;
  readonly etag: string;
  readonly modified: number;
  /** Bytes per chunk (the last one may be shorter). */
  readonly chunkBytes: number;
  /** Stream sequence of each chunk, in order. */
  readonly seqs: readonly number[];
}

/** The current state of a name: its version (none when deleted or never stored) and the meta's sequence. */
export interface Current {
  readonly version: HeraldVersion | undefined;
  /** Stream sequence of the meta message (0 when there is none): a commit expects it unchanged. */
  readonly revision: number;
}

/** The ObjectInfo of a version Herald stored. */
export function versionInfo(bucket: string, name: string, v: HeraldVersion, digest: string): string {
  return JSON.stringify({
    name,
    description: '',
    options: { max_chunk_size: v.chunkBytes },
    metadata: {
      'herald-type': v.contentType,
      'herald-etag': v.etag,
      'herald-modified': String(v.modified),
      'herald-seqs': encodeRuns(v.seqs),
    },
    bucket,
    nuid: v.nuid,
    size: v.size,
    chunks: v.seqs.length,
    digest: `SHA-256=${digest.replace(/\+/g, '-').replace(/\//g, '_')}`,
    deleted: false,
    mtime: new Date(v.modified).toISOString(),
  });
}

/** The ObjectInfo of a deleted blob (the Object Store's tombstone). */
export function deletedInfo(bucket: string, name: string, nuid: string): string {
  return JSON.stringify({ name, description: '', bucket, nuid, size: 0, chunks: 0, digest: '', deleted: true });
}

/** Reads a meta message; throws `internal` for a blob Herald did not store (no chunk sequences). */
export function parseInfo(name: string, revision: number, data: Uint8Array): Current {
  let info: {
    nuid?: unknown;
    size?: unknown;
    chunks?: unknown;
    deleted?: unknown;
    options?: { max_chunk_size?: unknown };
    metadata?: Record<string, unknown>;
  };
  try {
    info = JSON.parse(Buffer.from(data).toString('utf8')) as typeof info;
  } catch {
    throw malformed(name);
  }
  if (info.deleted === true) return { version: undefined, revision };
  const m = info.metadata ?? {};
  const size = Number(info.size);
  const chunkBytes = Number(info.options?.max_chunk_size);
  const modified = Number(m['herald-modified']);
  if (![size, modified, chunkBytes - 1].every((n) => Number.isSafeInteger(n) && n >= 0)) throw malformed(name);
  const chunks = Math.ceil(size / chunkBytes);
  const seqs = typeof m['herald-seqs'] === 'string' ? decodeRuns(m['herald-seqs'], chunks) : undefined;
  if (seqs === undefined || seqs.length !== chunks) throw malformed(name);
  const text = (value: unknown) => (typeof value === 'string' ? value : '');
  const version = {
    nuid: String(info.nuid),
    size,
    contentType: text(m['herald-type']),
    etag: text(m['herald-etag']),
    modified,
    chunkBytes,
    seqs,
  };
  return { version, revision };
}

function malformed(name: string): HeraldError {
  return new HeraldError('internal', `blob ${name}: its Object Store entry was not written by Herald, or is malformed`);
}

/**
 * Sequences as runs, `first+count` joined by commas: one upload's chunks are usually consecutive in
 * the stream (other uploads running alongside cut the runs), so a 64 MiB blob takes a few bytes.
 */
export function encodeRuns(seqs: readonly number[]): string {
  const runs: string[] = [];
  for (let i = 0; i < seqs.length; ) {
    const first = seqs[i] as number;
    let n = 1;
    while (seqs[i + n] === first + n) n++;
    runs.push(n === 1 ? String(first) : `${first}+${n}`);
    i += n;
  }
  return runs.join(',');
}

/** The inverse of {@link encodeRuns}; undefined when the text is not runs of positive integers, or holds over `max`. */
export function decodeRuns(text: string, max: number): number[] | undefined {
  if (text === '') return [];
  const seqs: number[] = [];
  for (const run of text.split(',')) {
    const [first, count = '1', extra] = run.split('+');
    const start = Number(first);
    const n = Number(count);
    if (extra !== undefined || !Number.isSafeInteger(start) || start < 1 || !Number.isSafeInteger(n) || n < 1) {
      return undefined;
    }
    if (seqs.length + n > max) return undefined;
    for (let k = 0; k < n; k++) seqs.push(start + k);
  }
  return seqs;
}
