import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { CompressedBody, preferredCoding } from './compressed-body.ts';

describe('preferredCoding', () => {
  it.each([
    [undefined, undefined],
    ['', undefined],
    ['identity', undefined],
    ['gzip', 'gzip'],
    ['gzip, deflate', 'gzip'],
    ['gzip, deflate, br, zstd', 'br'],
    ['BR', 'br'],
    [' br ; q=0.1 , gzip', 'br'],
    ['br;q=0, gzip', 'gzip'],
    ['br;q=0.0, gzip;q=0', undefined],
    ['*', undefined],
    ['x-gzip, gzipped, brotli', undefined],
  ])('%j takes %j', (header, coding) => {
    expect(preferredCoding(header)).toBe(coding);
  });
});

describe('CompressedBody', () => {
  const text = Buffer.from('herald '.repeat(400));

  it('sends each coding under its own tag and makes each once', async () => {
    const file = new CompressedBody(text, '"abc"', true);
    expect(file.varies).toBe(true);
    expect(file.choose('gzip, br')).toEqual({ coding: 'br', etag: '"abc-br"' });
    expect(file.choose('gzip')).toEqual({ coding: 'gzip', etag: '"abc-gzip"' });
    expect(file.choose(undefined)).toEqual({ coding: undefined, etag: '"abc"' });
    const br = await file.bytes('br');
    expect(brotliDecompressSync(br)).toEqual(text);
    expect(gunzipSync(await file.bytes('gzip'))).toEqual(text);
    expect(await file.bytes('br')).toBe(br);
    expect(await file.bytes(undefined)).toBe(text);
  });

  it('sends small or incompressible bodies as they are', () => {
    expect(new CompressedBody(Buffer.alloc(1023, 97), '"s"', true).choose('br')).toEqual({
      coding: undefined,
      etag: '"s"',
    });
    const png = new CompressedBody(Buffer.alloc(4096), '"p"', false);
    expect(png.varies).toBe(false);
    expect(png.choose('gzip, br').coding).toBeUndefined();
  });
});
