import { mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { blobStoreContract, openBlob, readBlob, storeBlob } from '@herald/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
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

blobStoreContract('disk', async () => ({ store: new DiskBlobStore(tempDir()) }));

describe('DiskBlobStore', () => {
  it('frees the data file of a replaced blob once its reader is done', async () => {
    const dir = tempDir();
    const s = new DiskBlobStore(dir);
    await storeBlob(s, 'clip', Buffer.from('first version'));
    const opened = await openBlob(s, 'clip');
    await storeBlob(s, 'clip', Buffer.from('second'));
    expect((await readBlob(opened)).toString()).toBe('first version');
    expect((await readBlob(await openBlob(s, 'clip'))).toString()).toBe('second');
    await new Promise((r) => setTimeout(r, 50));
    expect(readdirSync(join(dir, 'data'))).toHaveLength(1);
  });

  it('finds blobs written by an earlier process, and drops what a crash left behind', async () => {
    const dir = tempDir();
    const first = new DiskBlobStore(dir);
    await storeBlob(first, 'kept', Buffer.from('kept bytes'));
    // Leftovers of a crash: a data file no metadata names, a half-written metadata file, both old.
    mkdirSync(join(dir, 'data'), { recursive: true });
    writeFileSync(join(dir, 'data', 'AAAAAAAAAAAAAAAA'), 'orphan');
    writeFileSync(join(dir, 'meta', '.BBBBBBBBBBBBBBBB.tmp'), '{');
    const old = new Date(Date.now() - 60_000);
    utimesSync(join(dir, 'data', 'AAAAAAAAAAAAAAAA'), old, old);
    utimesSync(join(dir, 'meta', '.BBBBBBBBBBBBBBBB.tmp'), old, old);

    const second = new DiskBlobStore(dir);
    const blob = await openBlob(second, 'kept');
    expect(blob.meta).toMatchObject({ name: 'kept', size: 10, contentType: 'application/octet-stream' });
    expect((await readBlob(blob, 5, 9)).toString()).toBe('bytes');
    await new Promise((r) => setTimeout(r, 100));
    expect(readdirSync(join(dir, 'data'))).toHaveLength(1);
    expect(readdirSync(join(dir, 'meta'))).toEqual(['kept.json']);
  });

  it('ignores unreadable metadata', async () => {
    const dir = tempDir();
    const errors: unknown[] = [];
    const s = new DiskBlobStore(dir, (e) => errors.push(e));
    // After the start-up sweep, so only the open below reads the broken file.
    await new Promise((r) => setTimeout(r, 50));
    writeFileSync(join(dir, 'meta', 'broken.json'), 'not json');
    expect(await s.open('broken')).toBeUndefined();
    expect(errors).toHaveLength(1);
  });
});
