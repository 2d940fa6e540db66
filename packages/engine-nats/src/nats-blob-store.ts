import { createHash, randomBytes } from 'node:crypto';
import {
  type BlobStore,
  type BlobWriter,
  blobName,
  ChunkReader,
  ChunkWriter,
  HeraldError,
  type OpenBlob,
} from '@herald/core';
import { Objm, StorageType } from '@nats-io/obj';
import { Empty, headers } from '@nats-io/transport-node';
import { BlobLayout, type Current, deletedInfo, type HeraldVersion, parseInfo, versionInfo } from './blob-layout.ts';
import { JS_WRONG_LAST_SEQUENCE } from './history.ts';
import { apiCode, type Clients, type NatsLink, toHeraldError } from './link.ts';
import { JS_STREAM_NOT_FOUND } from './setup.ts';

/** Options of {@link NatsBlobStore}. */
export interface NatsBlobStoreOptions {
  /** Largest blob a writer accepts, bytes: the server checks first, this guards the stream. */
  readonly maxBlobBytes?: number;
  /** Bytes per chunk (one JetStream message each), at most the server's `max_payload` less 4 KiB. */
  readonly chunkBytes?: number;
  /** How long a replaced or deleted version stays readable by those who opened it, ms. */
  readonly graceMs?: number;
  /** An upload must commit within this long; afterwards its chunks are garbage (its node died), ms. */
  readonly uploadMaxMs?: number;
  /** How often each node looks for garbage whose time has come, ms. */
  readonly sweepIntervalMs?: number;
}

/** Defaults of {@link NatsBlobStoreOptions}. */
export const NATS_BLOB_DEFAULTS = {
  maxBlobBytes: 64 * 1024 * 1024, // 64 MiB, the server's default limit
  chunkBytes: 256 * 1024, // 256 KiB: below NATS's 1 MiB max_payload; little over-read at range edges
  graceMs: 60_000, // 1 min
  uploadMaxMs: 60 * 60_000, // 1 h: well over the server's request timeout, which bounds an upload
  sweepIntervalMs: 30_000, // 30 s
} as const;

/** What the store takes from its engine. */
export interface NatsBlobContext {
  readonly bucket: string;
  readonly storage: 'file' | 'memory';
  readonly replicas: number;
  readonly onError: (error: unknown) => void;
  readonly onClose: (store: NatsBlobStore) => void;
}

/** Attempts of a switch that keeps losing to concurrent commits or deletes of the same name. */
const SWAP_ATTEMPTS = 10;
/** Room left for headers when a chunk is sized to the server's max_payload, bytes. */
const HEADER_ROOM = 4096;

/**
 * Blobs in a JetStream Object Store bucket (`<prefix>_blobs`, stream `OBJ_<prefix>_blobs`), shared by
 * every node on the NATS. The layout is the Object Store's (see blob-layout.ts), so NATS's own tools
 * list and fetch what Herald stored; Herald writes it itself instead of through `ObjectStore.put`,
 * because it needs what that does not give: ranges (the stream sequence of every chunk is recorded, so
 * a range costs one direct get per chunk it overlaps) and old versions that outlive a replace.
 *
 * Guarantees:
 * - An upload is invisible until `commit`, which switches versions atomically: the meta message is
 *   published on the condition that the name's meta is still the one read (expected last subject
 *   sequence), retried when another commit or delete got in between. A cut upload leaves the previous
 *   blob as it was, and its chunks are purged.
 * - An opened blob reads the version it opened, never a mix (chunks are fetched by sequence and
 *   subject). A replaced or deleted version stays readable for at least `graceMs`, then the first
 *   sweep of any node purges it (every `sweepIntervalMs`): a reader slower than that fails with
 *   `not_found` (the response is cut), it never gets other bytes. The time comes from the replacing
 *   node's clock, so nodes' clocks must agree within a fraction of `graceMs`.
 * - Garbage survives its node: before a version is replaced or deleted, and when an upload starts, a
 *   marker subject `$O.<bucket>.C.gc.<due ms>.<nuid>.<name>` is stored, so whichever node sweeps after
 *   the due time purges the version, unless the marker's version is current (a switch that failed).
 *   An upload not committed within `uploadMaxMs` is refused at commit and swept like a cut one.
 * - While NATS is unreachable every call fails with `unavailable` (503, Retry-After 1 s).
 */
export class NatsBlobStore implements BlobStore {
  private readonly layout: BlobLayout;
  private readonly settings: Required<NatsBlobStoreOptions>;
  private readonly timer: NodeJS.Timeout;
  private readonly stopWatchingLink: () => void;
  /** The bucket exists (created on first use, checked again after a reconnect or a timeout). */
  private setup: Promise<void> | undefined;
  private sweeping: Promise<number> | undefined;
  /** Set once the bucket was used: nodes that never touch blobs never sweep. */
  private used = false;
  private closed = false;

  constructor(
    private readonly link: NatsLink,
    private readonly context: NatsBlobContext,
    options: NatsBlobStoreOptions = {},
  ) {
    this.layout = new BlobLayout(context.bucket);
    this.settings = { ...NATS_BLOB_DEFAULTS, ...options };
    for (const [key, value] of Object.entries(this.settings)) {
      if (!Number.isSafeInteger(value) || value <= 0) {
        throw new TypeError(`NatsBlobStore: option ${key} must be a positive integer, got ${String(value)}`);
      }
    }
    // After an outage the server may have come back without the bucket.
    this.stopWatchingLink = link.onUp(() => {
      this.setup = undefined;
    });
    this.timer = setInterval(() => {
      this.sweep().catch(context.onError);
    }, this.settings.sweepIntervalMs);
    this.timer.unref();
  }

  create(name: string): BlobWriter {
    const blob = blobName(name);
    const { graceMs, uploadMaxMs, maxBlobBytes } = this.settings;
    const nuid = randomBytes(16).toString('base64url');
    const started = Date.now();
    const marker = this.layout.marker(started + uploadMaxMs + graceMs, nuid, blob);
    const subject = this.layout.chunks(nuid);
    const chunkBytes = this.chunkBytes();
    const sha = createHash('sha256');
    const seqs: number[] = [];
    let marked = false;
    const put = async (index: number, chunk: Buffer): Promise<void> => {
      await this.call(async ({ js }) => {
        // The marker first: chunks stored without one could never be found again if this node died.
        if (!marked) await js.publish(marker, Empty);
        marked = true;
        seqs[index] = (await js.publish(subject, chunk)).seq;
      });
      sha.update(chunk);
    };
    const stream = new ChunkWriter(put, chunkBytes, maxBlobBytes);
    let done = false;
    const drop = (): void => {
      stream.destroy();
      stream
        .idle()
        .then(() => (marked ? this.purge(subject).then(() => this.purge(marker)) : undefined))
        .catch(() => {}); // NATS down: the sweep purges them once the marker is due
    };
    return {
      stream,
      commit: async (meta) => {
        if (done) throw new HeraldError('internal', 'the upload was committed or aborted already');
        if (!stream.writableFinished || stream.size !== meta.size) {
          throw new HeraldError('internal', `blob ${name}: commit of ${meta.size} bytes before they were all stored`);
        }
        done = true;
        if (Date.now() - started > uploadMaxMs) {
          drop();
          throw new HeraldError('internal', `blob ${name}: the upload took over ${uploadMaxMs} ms (uploadMaxMs)`);
        }
        const { size, contentType, etag, modified } = meta;
        const version: HeraldVersion = { nuid, size, contentType, etag, modified, chunkBytes, seqs };
        const info = versionInfo(this.context.bucket, blob, version, sha.digest('base64'));
        // On an error the chunks are kept: a timed-out switch may have been applied. The marker decides.
        const replaced = await this.swap(blob, () => info);
        if (marked) await this.purge(marker).catch(this.context.onError);
        return { replaced: replaced !== undefined };
      },
      abort: () => {
        if (done) return;
        done = true;
        drop();
      },
    };
  }

  async open(name: string): Promise<OpenBlob | undefined> {
    const { version } = await this.current(blobName(name));
    if (version === undefined) return undefined;
    const { nuid, size, contentType, etag, modified, chunkBytes, seqs } = version;
    const subject = this.layout.chunks(nuid);
    const { graceMs } = this.settings;
    const source = {
      get: async (index: number): Promise<Buffer | null> => {
        const seq = seqs[index];
        if (seq === undefined) return null;
        const msg = await this.call(({ jsm }) => jsm.direct.getMessage(this.layout.stream, { seq }));
        // Purged (null), or a stream deleted and made again, whose sequence now holds something else.
        if (msg === null || msg.subject !== subject) return null;
        return Buffer.from(msg.data.buffer, msg.data.byteOffset, msg.data.byteLength);
      },
      chunkBytes,
      size,
      gone: () => new HeraldError('not_found', `blob ${name} was replaced or deleted over ${graceMs} ms ago`),
    };
    return {
      meta: { name, size, contentType, etag, modified },
      read: (start, end) => new ChunkReader(source, start, Math.min(end, size - 1)),
      // Nothing is held: the version stays readable for the grace period whether read or not.
      close: () => {},
    };
  }

  async delete(name: string): Promise<boolean> {
    const blob = blobName(name);
    const deleted = await this.swap(blob, (current) =>
      current === undefined ? undefined : deletedInfo(this.context.bucket, blob, current.nuid),
    );
    return deleted !== undefined;
  }

  /**
   * Purges the versions whose marker is due and that are not current, and the due markers. Runs by
   * itself every `sweepIntervalMs` once the store was used; resolves with the versions purged.
   */
  sweep(): Promise<number> {
    if (!this.used || this.closed || !this.link.isUp) return Promise.resolve(0);
    this.sweeping ??= this.sweepDue().finally(() => {
      this.sweeping = undefined;
    });
    return this.sweeping;
  }

  /** Stops sweeping. The engine calls it when it closes. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    this.stopWatchingLink();
    this.context.onClose(this);
  }

  /**
   * Switches `name` to what `next` makes of its current version (nothing is written when it answers
   * undefined: a delete of nothing), conditional on the meta being unchanged since it was read. The
   * version it replaces is marked first, due in `graceMs`. Resolves with that version, if any.
   */
  private async swap(
    name: string,
    next: (current: HeraldVersion | undefined) => string | undefined,
  ): Promise<HeraldVersion | undefined> {
    for (let attempt = 0; attempt < SWAP_ATTEMPTS; attempt++) {
      const { version, revision } = await this.current(name);
      const body = next(version);
      if (body === undefined) return undefined;
      const rollup = headers();
      rollup.set('Nats-Rollup', 'sub');
      try {
        await this.call(async ({ js }) => {
          if (version !== undefined) {
            await js.publish(this.layout.marker(Date.now() + this.settings.graceMs, version.nuid, name), Empty);
          }
          await js.publish(this.layout.meta(name), body, {
            headers: rollup,
            expect: { lastSubjectSequence: revision },
          });
        });
        return version;
      } catch (error) {
        if (apiCode(error) !== JS_WRONG_LAST_SEQUENCE) throw error;
      }
    }
    throw new HeraldError('unavailable', 'the blob keeps changing; retry', 1);
  }

  /** The current version of `name` and the sequence its meta is at. */
  private async current(name: string): Promise<Current> {
    const msg = await this.call(({ jsm }) =>
      jsm.direct.getMessage(this.layout.stream, { last_by_subj: this.layout.meta(name) }),
    );
    return msg === null ? { version: undefined, revision: 0 } : parseInfo(name, msg.seq, msg.data);
  }

  private async sweepDue(): Promise<number> {
    let subjects: Record<string, number>;
    try {
      const info = await this.call(({ jsm }) =>
        jsm.streams.info(this.layout.stream, { subjects_filter: this.layout.markers }),
      );
      subjects = info.state.subjects ?? {};
    } catch (error) {
      if (apiCode(error) === JS_STREAM_NOT_FOUND) return 0;
      throw error;
    }
    const now = Date.now();
    let purged = 0;
    for (const subject of Object.keys(subjects)) {
      const marker = this.layout.parseMarker(subject);
      if (marker === undefined || marker.dueMs > now) continue;
      if ((await this.currentNuid(marker.name)) !== marker.nuid) {
        await this.purge(this.layout.chunks(marker.nuid));
        purged++;
      }
      await this.purge(subject);
    }
    return purged;
  }

  /** The nuid of the current version of `name`, read without Herald's fields (any writer's). */
  private async currentNuid(name: string): Promise<string | undefined> {
    const msg = await this.call(({ jsm }) =>
      jsm.direct.getMessage(this.layout.stream, { last_by_subj: this.layout.meta(name) }),
    );
    if (msg === null) return undefined;
    try {
      const info = msg.json<{ nuid?: unknown; deleted?: unknown }>();
      return info.deleted === true || typeof info.nuid !== 'string' ? undefined : info.nuid;
    } catch {
      return undefined;
    }
  }

  private async purge(filter: string): Promise<void> {
    await this.call(({ jsm }) => jsm.streams.purge(this.layout.stream, { filter }));
  }

  /** Bytes per chunk for a new upload: the setting, within what the server accepts in one message. */
  private chunkBytes(): number {
    const max = this.link.isUp ? this.link.get().nc.info?.max_payload : undefined;
    return max === undefined ? this.settings.chunkBytes : Math.min(this.settings.chunkBytes, max - HEADER_ROOM);
  }

  /**
   * One call with the bucket in place. Connection trouble answers `unavailable` (and has the bucket
   * checked again, since a direct get of a stream the server lacks only times out); other API errors
   * stay as they are.
   */
  private async call<T>(work: (clients: Clients) => Promise<T>): Promise<T> {
    if (this.closed) throw new HeraldError('unavailable', 'the blob store is closed', 1);
    await this.ensureBucket();
    try {
      return await this.link.whileUp(work(this.link.get()));
    } catch (error) {
      const mapped = toHeraldError(error);
      if (mapped instanceof HeraldError && mapped.code === 'unavailable') this.setup = undefined;
      throw mapped;
    }
  }

  private ensureBucket(): Promise<void> {
    this.setup ??= this.link
      .call(async ({ js }) => {
        const { storage, replicas } = this.context;
        await new Objm(js).create(this.context.bucket, {
          storage: storage === 'memory' ? StorageType.Memory : StorageType.File,
          replicas,
        });
        this.used = true;
      })
      .catch((error: unknown) => {
        this.setup = undefined;
        throw error;
      });
    return this.setup;
  }
}
