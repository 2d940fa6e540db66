import { randomBytes } from 'node:crypto';
import {
  type BlobMeta,
  type BlobStore,
  type BlobWriter,
  blobName,
  ChunkReader,
  ChunkWriter,
  HeraldError,
  type OpenBlob,
} from '@herald/core';
import { RESP_TYPES, type RedisClientType } from 'redis';
import { toHeraldError, unavailable } from './connection.ts';
import { PREFIX_PATTERN } from './keys.ts';

/** Options of {@link RedisBlobStore}. */
export interface RedisBlobStoreOptions {
  /** Largest blob a writer accepts, bytes: the server checks first, this guards Redis's memory. */
  readonly maxBlobBytes?: number;
  /** Bytes per stored chunk (one HSET each); what a range read fetches at least. */
  readonly chunkBytes?: number;
  /** How long a replaced or deleted version stays readable by those who opened it, ms. */
  readonly graceMs?: number;
  /** An upload that stored nothing for this long is dropped by Redis (its node died mid-way), ms. */
  readonly uploadIdleMs?: number;
  /** Longest wait for one Redis call before it fails with `unavailable`, ms. */
  readonly commandTimeoutMs?: number;
}

/** Defaults of {@link RedisBlobStoreOptions}. */
export const REDIS_BLOB_DEFAULTS = {
  maxBlobBytes: 64 * 1024 * 1024, // 64 MiB, the server's default limit
  chunkBytes: 256 * 1024, // 256 KiB: few round trips, little over-read at the edges of a range
  graceMs: 60_000, // 1 min
  uploadIdleMs: 10 * 60_000, // 10 min
  commandTimeoutMs: 5_000, // 5 s
} as const;

/**
 * Switches a blob's current version atomically, for commit (new id given) and delete (new id empty).
 * Every key is declared, all with the blob's hash tag, so it runs on Redis Cluster too. The caller
 * read the current id first and names its version key; when another commit got in between, it
 * returns -1 and the caller retries. A commit whose chunks are not all there (the upload idled past
 * `uploadIdleMs` and they expired) returns -2 and changes nothing. The old version is not deleted but
 * expires after the grace period, so readers that opened it finish. 1 = there was a blob, 0 = none.
 */
const SWAP = `#!lua
-- KEYS: meta, version seen by the caller (meta when none), new version (meta when deleting)
-- ARGV: id seen by the caller ('' = none), grace ms, new id ('' = delete), chunk count, meta field/value pairs
local current = redis.call('HGET', KEYS[1], 'id') or ''
if current ~= ARGV[1] then return -1 end
if ARGV[3] ~= '' then
  if redis.call('HLEN', KEYS[3]) ~= tonumber(ARGV[4]) then return -2 end
  redis.call('PERSIST', KEYS[3])
  redis.call('DEL', KEYS[1])
  redis.call('HSET', KEYS[1], unpack(ARGV, 5))
elseif current ~= '' then
  redis.call('DEL', KEYS[1])
end
if current == '' then return 0 end
redis.call('PEXPIRE', KEYS[2], ARGV[2])
return 1
`;

/** The keys of one blob. */
interface BlobKeys {
  readonly meta: string;
  version(id: string): string;
}

/** The version a commit makes current. */
interface NextVersion {
  readonly key: string;
  readonly id: string;
  /** Chunks it must have (the commit fails otherwise). */
  readonly chunks: number;
  /** What the meta hash holds for it. */
  readonly fields: Readonly<Record<string, string | number>>;
}

/** Attempts of a swap that keeps losing to concurrent commits of the same name. */
const SWAP_ATTEMPTS = 5;

/**
 * Blobs in Redis, shared by every node on it. Keys, all with the hash tag `{<name>}` so one blob
 * lives in one Cluster slot (blob names have no braces):
 * - `<prefix>:blob:{<name>}`: hash of the current version, `id` plus the BlobMeta fields and the
 *   chunk size it was written with;
 * - `<prefix>:blob:{<name>}:v:<id>`: hash of one version's bytes, field `n` = chunk n. An id is
 *   random and never reused, so a version never changes once committed.
 *
 * One hash per version (rather than one key per chunk): commit and delete touch three declared keys,
 * expire a whole version with one PEXPIRE, and check it is complete with one HLEN; the hash tag puts
 * every chunk in one slot anyway. Guarantees:
 * - An upload is invisible until `commit`, which switches versions atomically; a cut upload leaves
 *   the previous blob as it was, and its chunks are deleted (or expire after `uploadIdleMs`).
 * - An opened blob reads the version it opened, never a mix. A replaced or deleted version stays
 *   readable for `graceMs`; a reader slower than that fails (the response is cut), it never gets
 *   other bytes.
 * - Redis holds each blob once (plus, for `graceMs`, a replaced one); limits still apply per upload.
 * - While Redis is unreachable every call fails with `unavailable` (503, Retry-After 1 s).
 */
export class RedisBlobStore implements BlobStore {
  private readonly settings: Required<RedisBlobStoreOptions>;
  /** The same connection, answering bulk strings as Buffers (chunks are bytes, not text). */
  private readonly bytes;

  constructor(
    private readonly client: RedisClientType,
    private readonly prefix: string,
    options: RedisBlobStoreOptions = {},
  ) {
    if (!PREFIX_PATTERN.test(prefix)) {
      throw new TypeError(`RedisBlobStore: prefix must match ${PREFIX_PATTERN} (no braces: they set the hash tag)`);
    }
    this.settings = { ...REDIS_BLOB_DEFAULTS, ...options };
    for (const [key, value] of Object.entries(this.settings)) {
      if (!Number.isSafeInteger(value) || value <= 0) {
        throw new TypeError(`RedisBlobStore: option ${key} must be a positive integer, got ${String(value)}`);
      }
    }
    this.bytes = client.withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer });
  }

  create(name: string): BlobWriter {
    const keys = this.keys(blobName(name));
    const id = randomBytes(12).toString('base64url');
    const version = keys.version(id);
    const { chunkBytes, maxBlobBytes, uploadIdleMs } = this.settings;
    // Each chunk re-arms the expiry: chunks of an upload whose node died go away by themselves.
    const put = (index: number, chunk: Buffer) =>
      this.run(async () => {
        await this.client.multi().hSet(version, String(index), chunk).pExpire(version, uploadIdleMs).exec();
      });
    const stream = new ChunkWriter(put, chunkBytes, maxBlobBytes);
    let done = false;
    const drop = () => {
      stream.destroy();
      stream
        .idle()
        .then(() => this.run(() => this.client.del(version)))
        .catch(() => {}); // Redis down: the expiry removes the chunks
    };
    return {
      stream,
      commit: async (meta) => {
        if (done) throw new HeraldError('internal', 'the upload was committed or aborted already');
        if (!stream.writableFinished || stream.size !== meta.size) {
          throw new HeraldError('internal', `blob ${name}: commit of ${meta.size} bytes before they were all stored`);
        }
        done = true;
        const chunks = Math.ceil(meta.size / chunkBytes);
        const { size, contentType: type, etag, modified } = meta;
        // On an error the chunks are kept: a timed-out commit may still have been applied, and if it
        // was not, the chunks expire after uploadIdleMs.
        const result = await this.swap(keys, {
          key: version,
          id,
          chunks,
          fields: { id, chunk: chunkBytes, size, type, etag, modified },
        });
        if (result === -2) {
          // Only when the upload idled past uploadIdleMs and its chunks expired.
          drop();
          throw new HeraldError(
            'internal',
            `blob ${name}: not all of the upload is in Redis (${chunks} chunks expected)`,
          );
        }
        return { replaced: result === 1 };
      },
      abort: () => {
        if (done) return;
        done = true;
        drop();
      },
    };
  }

  async open(name: string): Promise<OpenBlob | undefined> {
    const keys = this.keys(blobName(name));
    const raw = await this.run(() => this.client.hGetAll(keys.meta));
    const stored = parseMeta(name, raw);
    if (stored === undefined) return undefined;
    const version = keys.version(stored.id);
    const { graceMs } = this.settings;
    const source = {
      get: (index: number) => this.run(() => this.bytes.hGet(version, String(index))),
      chunkBytes: stored.chunkBytes,
      size: stored.meta.size,
      gone: () => new HeraldError('not_found', `blob ${name} was replaced or deleted over ${graceMs} ms ago`),
    };
    return {
      meta: stored.meta,
      read: (start, end) => new ChunkReader(source, start, Math.min(end, stored.meta.size - 1)),
      // Nothing is held: the version stays readable for the grace period whether read or not.
      close: () => {},
    };
  }

  async delete(name: string): Promise<boolean> {
    const keys = this.keys(blobName(name));
    return (await this.swap(keys, undefined)) === 1;
  }

  private keys(name: string): BlobKeys {
    const meta = `${this.prefix}:blob:{${name}}`;
    return { meta, version: (id: string) => `${meta}:v:${id}` };
  }

  /**
   * Runs SWAP with the current id read just before: to version `next`, or to none (delete). Retries
   * when another commit or delete of the name got in between.
   */
  private async swap(keys: BlobKeys, next: NextVersion | undefined): Promise<number> {
    const pairs = Object.entries(next?.fields ?? {}).flatMap(([field, value]) => [field, String(value)]);
    for (let attempt = 0; attempt < SWAP_ATTEMPTS; attempt++) {
      const current = (await this.run(() => this.client.hGet(keys.meta, 'id'))) ?? '';
      const result = await this.run(() =>
        this.client.eval(SWAP, {
          keys: [keys.meta, current === '' ? keys.meta : keys.version(current), next?.key ?? keys.meta],
          arguments: [current, String(this.settings.graceMs), next?.id ?? '', String(next?.chunks ?? 0), ...pairs],
        }),
      );
      if (result !== -1) return Number(result);
    }
    throw new HeraldError('unavailable', 'the blob keeps changing; retry', 1);
  }

  /**
   * One Redis call: `unavailable` at once while the connection is down (a pipeline would otherwise
   * wait in node-redis's queue for the reconnect) or after `commandTimeoutMs` when it hangs.
   */
  private async run<T>(work: () => Promise<T>): Promise<T> {
    if (!this.client.isReady) throw unavailable();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(unavailable()), this.settings.commandTimeoutMs);
    });
    try {
      return await Promise.race([work(), deadline]);
    } catch (error) {
      throw toHeraldError(error);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** The current version as stored in the meta hash; undefined when there is no blob. */
function parseMeta(
  name: string,
  raw: Record<string, string>,
): { meta: BlobMeta; id: string; chunkBytes: number } | undefined {
  const { id, size, type, etag, modified, chunk } = raw;
  if (id === undefined) return undefined;
  const meta = { name, size: Number(size), contentType: type ?? '', etag: etag ?? '', modified: Number(modified) };
  const chunkBytes = Number(chunk);
  const sizes = [meta.size, meta.modified, chunkBytes - 1];
  if (!sizes.every((n) => Number.isSafeInteger(n) && n >= 0)) {
    throw new HeraldError('internal', `blob ${name}: its metadata in Redis is malformed`);
  }
  return { meta, id, chunkBytes };
}
