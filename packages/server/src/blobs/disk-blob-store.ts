import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync } from 'node:fs';
import { open, readdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BlobStore, BlobWriter, OpenBlob } from '@herald/core';
import { z } from 'zod';

const storedMeta = z.object({
  name: z.string(),
  size: z.int().min(0),
  contentType: z.string(),
  etag: z.string(),
  modified: z.number(),
  file: z.string().regex(/^[A-Za-z0-9_-]{16}$/),
});
type StoredMeta = z.infer<typeof storedMeta>;

/**
 * Blobs in files under `dir`: `meta/<name>.json` says which `data/<id>` file holds the bytes. Every
 * upload writes a new data file, so a file never changes once written: committing is one atomic
 * rename of the metadata, a reader that opened the old file keeps reading it, and the old file is
 * unlinked after the switch (POSIX keeps it alive for open readers). A crash mid-upload leaves only an
 * unreferenced data file, which the start-up sweep removes. One hub process owns the directory.
 */
export class DiskBlobStore implements BlobStore {
  private readonly metaDir: string;
  private readonly dataDir: string;
  /** Metadata by name, for blobs seen or written by this process (the process owns the directory). */
  private readonly cache = new Map<string, StoredMeta>();
  /** Commits and deletes of one name run one at a time, so no replaced data file is ever left behind. */
  private readonly queues = new Map<string, Promise<unknown>>();
  /** Files older than this are leftovers of an earlier run (with a margin for coarse file timestamps). */
  private readonly sweepBefore = Date.now() - 2_000;

  constructor(
    dir: string,
    private readonly onError: (error: unknown) => void = () => {},
  ) {
    this.metaDir = join(dir, 'meta');
    this.dataDir = join(dir, 'data');
    mkdirSync(this.metaDir, { recursive: true });
    mkdirSync(this.dataDir, { recursive: true });
    this.sweep().catch(onError);
  }

  create(name: string): BlobWriter {
    const file = randomBytes(12).toString('base64url');
    const path = join(this.dataDir, file);
    const stream = createWriteStream(path, { flags: 'wx' });
    let done = false;
    return {
      stream,
      commit: (meta) =>
        this.serialize(name, async () => {
          done = true;
          const old = await this.readMeta(name);
          const stored: StoredMeta = { ...meta, file };
          const tmp = join(this.metaDir, `.${file}.tmp`);
          await writeFile(tmp, JSON.stringify(stored));
          await rename(tmp, this.metaPath(name));
          this.cache.set(name, stored);
          if (old !== undefined) this.unlinkData(old.file);
          return { replaced: old !== undefined };
        }),
      abort: () => {
        if (done) return;
        done = true;
        if (stream.closed) this.unlinkData(file);
        else stream.once('close', () => this.unlinkData(file));
        stream.destroy();
      },
    };
  }

  async open(name: string): Promise<OpenBlob | undefined> {
    // Twice: a replace may unlink the data file between reading the metadata and opening it.
    for (let attempt = 0; attempt < 2; attempt++) {
      const meta = await this.readMeta(name);
      if (meta === undefined) return undefined;
      try {
        const handle = await open(join(this.dataDir, meta.file), 'r');
        const { name: n, size, contentType, etag, modified } = meta;
        return {
          meta: { name: n, size, contentType, etag, modified },
          read: (start, end) => handle.createReadStream({ start, end }),
          close: () => {
            handle.close().catch(() => {});
          },
        };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
        this.cache.delete(name);
      }
    }
    return undefined;
  }

  delete(name: string): Promise<boolean> {
    return this.serialize(name, async () => {
      const old = await this.readMeta(name);
      if (old === undefined) return false;
      await unlink(this.metaPath(name));
      this.cache.delete(name);
      this.unlinkData(old.file);
      return true;
    });
  }

  private metaPath(name: string): string {
    return join(this.metaDir, `${name}.json`);
  }

  private async readMeta(name: string): Promise<StoredMeta | undefined> {
    const cached = this.cache.get(name);
    if (cached !== undefined) return cached;
    let text: string;
    try {
      text = await readFile(this.metaPath(name), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    let parsed: ReturnType<typeof storedMeta.safeParse>;
    try {
      parsed = storedMeta.safeParse(JSON.parse(text));
    } catch {
      parsed = storedMeta.safeParse(undefined);
    }
    if (!parsed.success || parsed.data.name !== name) {
      this.onError(new Error(`blob metadata ${this.metaPath(name)} is unreadable; the blob is ignored`));
      return undefined;
    }
    this.cache.set(name, parsed.data);
    return parsed.data;
  }

  private unlinkData(file: string): void {
    unlink(join(this.dataDir, file)).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') this.onError(error);
    });
  }

  private serialize<T>(name: string, task: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(name) ?? Promise.resolve();
    const next = previous.then(task, task);
    const settled = next.catch(() => {});
    this.queues.set(name, settled);
    settled.then(() => {
      if (this.queues.get(name) === settled) this.queues.delete(name);
    });
    return next;
  }

  /**
   * Removes what a crash left behind: data files no metadata names and half-written metadata. Only
   * files older than this process, so uploads that started since are never touched.
   */
  private async sweep(): Promise<void> {
    const referenced = new Set<string>();
    for (const entry of await readdir(this.metaDir)) {
      const path = join(this.metaDir, entry);
      if (entry.startsWith('.')) {
        if ((await stat(path)).mtimeMs < this.sweepBefore) await unlink(path).catch(() => {});
        continue;
      }
      if (!entry.endsWith('.json')) continue;
      const meta = await this.readMeta(entry.slice(0, -'.json'.length)).catch(() => undefined);
      if (meta !== undefined) referenced.add(meta.file);
    }
    for (const file of await readdir(this.dataDir)) {
      if (referenced.has(file)) continue;
      const info = await stat(join(this.dataDir, file)).catch(() => undefined);
      if (info !== undefined && info.mtimeMs < this.sweepBefore) this.unlinkData(file);
    }
  }
}
