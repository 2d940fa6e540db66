import { describe, expect, it } from 'vitest';
import { BlobLayout, decodeRuns, encodeRuns, parseInfo, versionInfo } from './blob-layout.ts';

describe('blob layout', () => {
  it('keeps chunk sequences as runs and reads them back', () => {
    const seqs = [5, 6, 7, 9, 12, 13];
    expect(encodeRuns(seqs)).toBe('5+3,9,12+2');
    expect(decodeRuns('5+3,9,12+2', 6)).toEqual(seqs);
    expect(encodeRuns([])).toBe('');
    expect(decodeRuns('', 0)).toEqual([]);
  });

  it('refuses runs that are malformed or longer than the blob', () => {
    for (const bad of ['x', '0', '-1', '1+0', '1+2+3', '1,,2', '1.5']) expect(decodeRuns(bad, 10), bad).toBeUndefined();
    expect(decodeRuns('1+99999999999', 4)).toBeUndefined();
  });

  it('names markers so that a sweep reads due time, version and blob from the subject alone', () => {
    const layout = new BlobLayout('h_blobs');
    const subject = layout.marker(1_700_000_000_000, 'abc-_1', 'clip.v2.webm');
    expect(subject).toBe('$O.h_blobs.C.gc.1700000000000.abc-_1.Y2xpcC52Mi53ZWJt');
    expect(layout.parseMarker(subject)).toEqual({ dueMs: 1_700_000_000_000, nuid: 'abc-_1', name: 'clip.v2.webm' });
    expect(layout.parseMarker('$O.h_blobs.C.abc')).toBeUndefined();
    // The Object Store's own meta subject: padded base64url.
    expect(layout.meta('ab')).toBe('$O.h_blobs.M.YWI=');
  });

  it('reads back the ObjectInfo it writes, and refuses one that Herald did not write', () => {
    const version = {
      nuid: 'n1',
      size: 600,
      contentType: 'video/webm',
      etag: '"e"',
      modified: 1_700_000_000_000,
      chunkBytes: 256,
      seqs: [3, 4, 8],
    };
    const text = versionInfo('h_blobs', 'clip', version, 'AAAA+/==');
    expect(JSON.parse(text)).toMatchObject({ digest: 'SHA-256=AAAA-_==', chunks: 3, nuid: 'n1' });
    expect(parseInfo('clip', 9, Buffer.from(text))).toEqual({ version, revision: 9 });
    const foreign = JSON.stringify({ name: 'clip', nuid: 'n2', size: 10, chunks: 1, digest: 'SHA-256=x' });
    expect(() => parseInfo('clip', 9, Buffer.from(foreign))).toThrow(/not written by Herald/);
    expect(parseInfo('clip', 9, Buffer.from(JSON.stringify({ deleted: true })))).toEqual({
      version: undefined,
      revision: 9,
    });
  });
});
