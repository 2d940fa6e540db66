import { mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import type { BlobStore } from './blob-store.ts';
import { DiskBlobStore } from './disk-blob-store.ts';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'herald-disk-blobs-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function store(s: BlobStore, name: string, text: string): Promise<void> {
  const writer = s.create(name);
  await new Promise<void>((resolve, reject) => {
    writer.stream.on('error', reject);
    writer.stream.end(Buffer.from(text), () => resolve());
  });
  await writer.commit({ name, size: text.length, contentType: 'text/plain', etag: `"${text}"`, modified: Date.now() });
}

async function text(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString();
}

describe('DiskBlobStore', () => {
  it('keeps serving what a reader opened while the blob is replaced, then frees the old file', async () => {
    const dir = tempDir();
    const s = new DiskBlobStore(dir);
    await store(s, 'clip', 'first version');
    const opened = await s.open('clip');
    await store(s, 'clip', 'second');
    expect(await text(opened?.read(0, 12) as Readable)).toBe('first version');
    const now = await s.open('clip');
    expect(now?.meta.etag).toBe('"second"');
    expect(await text(now?.read(0, 5) as Readable)).toBe('second');
    await new Promise((r) => setTimeout(r, 50));
    expect(readdirSync(join(dir, 'data'))).toHaveLength(1);
  });

  it('finds blobs written by an earlier process, and drops what a crash left behind', async () => {
    const dir = tempDir();
    const first = new DiskBlobStore(dir);
    await store(first, 'kept', 'kept bytes');
    // Leftovers of a crash: a data file no metadata names, a half-written metadata file, both old.
    mkdirSync(join(dir, 'data'), { recursive: true });
    writeFileSync(join(dir, 'data', 'AAAAAAAAAAAAAAAA'), 'orphan');
    writeFileSync(join(dir, 'meta', '.BBBBBBBBBBBBBBBB.tmp'), '{');
    const old = new Date(Date.now() - 60_000);
    utimesSync(join(dir, 'data', 'AAAAAAAAAAAAAAAA'), old, old);
    utimesSync(join(dir, 'meta', '.BBBBBBBBBBBBBBBB.tmp'), old, old);

    const second = new DiskBlobStore(dir);
    const blob = await second.open('kept');
    expect(blob?.meta).toMatchObject({ name: 'kept', size: 10, contentType: 'text/plain' });
    expect(await text(blob?.read(5, 9) as Readable)).toBe('bytes');
    await new Promise((r) => setTimeout(r, 100));
    expect(readdirSync(join(dir, 'data'))).toHaveLength(1);
    expect(readdirSync(join(dir, 'meta'))).toEqual(['kept.json']);
  });

  it('ignores unreadable metadata and deletes blobs', async () => {
    const dir = tempDir();
    const errors: unknown[] = [];
    const s = new DiskBlobStore(dir, (e) => errors.push(e));
    // After the start-up sweep, so only the open below reads the broken file.
    await new Promise((r) => setTimeout(r, 50));
    writeFileSync(join(dir, 'meta', 'broken.json'), 'not json');
    expect(await s.open('broken')).toBeUndefined();
    expect(errors).toHaveLength(1);
    await store(s, 'gone', 'x');
    expect(await s.delete('gone')).toBe(true);
    expect(await s.delete('gone')).toBe(false);
    expect(await s.open('gone')).toBeUndefined();
  });
});
