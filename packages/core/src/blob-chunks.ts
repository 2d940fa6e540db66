import { Readable, Writable } from 'node:stream';
import { HeraldError } from './errors.ts';

/** Stores chunk `index` of the version being written; resolves once the store has it. */
export type PutChunk = (index: number, chunk: Buffer) => Promise<void>;

/** Reads chunk `index` of a version; null when the version (or that chunk) is gone. */
export type GetChunk = (index: number) => Promise<Buffer | null>;

/**
 * The upload side of a chunked blob store (Redis, NATS): cuts the incoming bytes into chunks of exactly
 * `chunkBytes` (the last one shorter) and stores each before taking more, so at most one chunk plus one
 * incoming write is held in memory and a slow store slows the upload down (the request is paused)
 * instead of piling up buffers.
 */
export class ChunkWriter extends Writable {
  /** Bytes received so far. */
  size = 0;
  /** Chunks stored so far. */
  chunks = 0;
  private parts: Buffer[] = [];
  private partBytes = 0;
  /** The store call in flight, so an abort can clean up after it (it would re-create the key). */
  private inFlight: Promise<void> = Promise.resolve();

  constructor(
    private readonly put: PutChunk,
    private readonly chunkBytes: number,
    private readonly maxBytes: number,
  ) {
    super();
  }

  /** Resolves once no store call is in flight. */
  idle(): Promise<void> {
    return this.inFlight.catch(() => {});
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.size += chunk.length;
    if (this.size > this.maxBytes) {
      callback(new HeraldError('too_large', `a blob is at most ${this.maxBytes} bytes`));
      return;
    }
    this.parts.push(chunk);
    this.partBytes += chunk.length;
    this.track(this.storeFull()).then(() => callback(), callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    if (this.partBytes === 0) {
      callback();
      return;
    }
    const last = Buffer.concat(this.parts);
    this.parts = [];
    this.partBytes = 0;
    this.track(this.store(last)).then(() => callback(), callback);
  }

  private track(work: Promise<void>): Promise<void> {
    this.inFlight = work;
    return work;
  }

  /** Stores every complete chunk held; keeps the remainder for the next write. */
  private async storeFull(): Promise<void> {
    while (this.partBytes >= this.chunkBytes) {
      const all = this.parts.length === 1 ? (this.parts[0] as Buffer) : Buffer.concat(this.parts);
      const rest = all.subarray(this.chunkBytes);
      this.parts = rest.length > 0 ? [rest] : [];
      this.partBytes = rest.length;
      await this.store(all.subarray(0, this.chunkBytes));
    }
  }

  private async store(chunk: Buffer): Promise<void> {
    await this.put(this.chunks, chunk);
    this.chunks++;
  }
}

/** Where a {@link ChunkReader} reads from. */
export interface ChunkSource {
  readonly get: GetChunk;
  /** Bytes per chunk of this version (the writer's setting when it was stored). */
  readonly chunkBytes: number;
  /** Size of the whole blob, so a short chunk is caught instead of served. */
  readonly size: number;
  /** The error a reader fails with when the version is gone (replaced or deleted too long ago). */
  gone(): Error;
}

/**
 * Bytes `start..end` (inclusive) of a stored version, fetched one chunk per `_read`: Node calls it
 * only when the consumer has taken what was pushed, so a slow client holds at most one chunk here.
 * Only the chunks that overlap the range are fetched; the edge ones are sliced.
 */
export class ChunkReader extends Readable {
  private next: number;
  private readonly last: number;

  constructor(
    private readonly source: ChunkSource,
    private readonly start: number,
    private readonly end: number,
  ) {
    super();
    this.next = Math.floor(start / source.chunkBytes);
    this.last = end < start ? -1 : Math.floor(end / source.chunkBytes);
  }

  override _read(): void {
    if (this.next > this.last) {
      this.push(null);
      return;
    }
    const index = this.next++;
    this.source.get(index).then(
      (chunk) => {
        if (this.destroyed) return;
        const bytes = this.slice(index, chunk);
        if (bytes instanceof Error) this.destroy(bytes);
        else this.push(bytes);
      },
      (error: unknown) => this.destroy(error as Error),
    );
  }

  /** The part of chunk `index` inside the range, or why it cannot be served. */
  private slice(index: number, chunk: Buffer | null): Buffer | Error {
    const { chunkBytes, size } = this.source;
    const offset = index * chunkBytes;
    if (chunk === null) return this.source.gone();
    if (chunk.length !== Math.min(chunkBytes, size - offset)) {
      return new HeraldError('internal', `blob chunk ${index} has ${chunk.length} bytes, not what its size says`);
    }
    return chunk.subarray(Math.max(0, this.start - offset), Math.min(chunk.length, this.end - offset + 1));
  }
}
