import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { blobDirFor } from './blob-dir.ts';

const dir = mkdtempSync(join(tmpdir(), 'herald-blob-dir-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('blobDirFor', () => {
  it('puts blobs beside the SQLite file, whatever form --data takes', () => {
    expect(blobDirFor(undefined)).toBeUndefined();
    expect(blobDirFor(dir)).toBe(join(dir, 'blobs'));
    expect(blobDirFor(join(dir, 'not-yet'))).toBe(join(dir, 'not-yet', 'blobs'));
    expect(blobDirFor(join(dir, 'hub.db'))).toBe(join(dir, 'blobs'));
    writeFileSync(join(dir, 'existing'), '');
    expect(blobDirFor(join(dir, 'existing'))).toBe(join(dir, 'blobs'));
  });
});
