import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_NAMESPACE } from '@herald/core';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCode } from '../helpers/http.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { getBlob, pattern, putBlob, rawRequest } from './blob-helpers.ts';

const secret = 'a-blob-test-secret-that-is-long-enough-for-hs256';
const LIMIT = 256 * 1024;

function token(claims: Record<string, unknown>): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setExpirationTime(Math.floor(Date.now() / 1000) + 60)
    .sign(new TextEncoder().encode(secret));
}

const stores = [
  { kind: 'memory', dir: () => undefined },
  { kind: 'disk', dir: () => mkdtempSync(join(tmpdir(), 'herald-blobs-')) },
] as const;

describe.each(stores)('blobs in $kind', ({ kind, dir }) => {
  let s: TestServer;
  let blobDir: string | undefined;

  beforeAll(async () => {
    blobDir = dir();
    s = await startTestServer({ blobDir, maxBlobBytes: LIMIT, jwt: { secret }, shutdownTimeoutMs: 300 });
  });
  afterAll(async () => {
    await s.close();
    if (blobDir !== undefined) rmSync(blobDir, { recursive: true, force: true });
  });

  it('stores a blob and serves it with its type, length, ETag and Accept-Ranges', async () => {
    const body = pattern(100_000);
    const put = await putBlob(s, 'clip.webm', body, { 'content-type': 'video/webm' });
    expect(put.status).toBe(201);
    const stored = (await put.json()) as { name: string; size: number; contentType: string; etag: string };
    expect(stored).toMatchObject({ name: 'clip.webm', size: 100_000, contentType: 'video/webm' });
    expect(stored.etag).toMatch(/^"[A-Za-z0-9_-]{22}"$/);
    expect(put.headers.get('etag')).toBe(stored.etag);
    expect(put.headers.get('location')).toBe('/v1/blobs/clip.webm');

    const get = await getBlob(s, 'clip.webm');
    expect(get.status).toBe(200);
    expect(get.headers.get('content-type')).toBe('video/webm');
    expect(get.headers.get('content-length')).toBe('100000');
    expect(get.headers.get('accept-ranges')).toBe('bytes');
    expect(get.headers.get('etag')).toBe(stored.etag);
    expect(get.headers.get('x-content-type-options')).toBe('nosniff');
    expect(Buffer.from(await get.arrayBuffer()).equals(body)).toBe(true);

    const head = await fetch(`${s.url}/v1/blobs/clip.webm`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe('100000');
    expect((await head.arrayBuffer()).byteLength).toBe(0);
  });

  it('answers byte ranges with 206 and Content-Range, and 416 past the end', async () => {
    const body = pattern(10_000, 3);
    await putBlob(s, 'ranges.bin', body);
    const slice = async (range: string) => {
      const res = await getBlob(s, 'ranges.bin', { range });
      return { res, bytes: Buffer.from(await res.arrayBuffer()) };
    };
    const mid = await slice('bytes=100-199');
    expect(mid.res.status).toBe(206);
    expect(mid.res.headers.get('content-range')).toBe('bytes 100-199/10000');
    expect(mid.res.headers.get('content-length')).toBe('100');
    expect(mid.bytes.equals(body.subarray(100, 200))).toBe(true);

    const open = await slice('bytes=9990-');
    expect(open.res.headers.get('content-range')).toBe('bytes 9990-9999/10000');
    expect(open.bytes.equals(body.subarray(9990))).toBe(true);

    const suffix = await slice('bytes=-5');
    expect(suffix.res.headers.get('content-range')).toBe('bytes 9995-9999/10000');
    expect(suffix.bytes.equals(body.subarray(9995))).toBe(true);

    const clamped = await slice('bytes=9000-20000');
    expect(clamped.res.headers.get('content-range')).toBe('bytes 9000-9999/10000');

    const beyond = await getBlob(s, 'ranges.bin', { range: 'bytes=10000-' });
    expect(beyond.status).toBe(416);
    expect(beyond.headers.get('content-range')).toBe('bytes */10000');
    expect(await errorCode(beyond)).toBe('range_not_satisfiable');

    // Several ranges, another unit, or garbage: the whole blob (RFC 9110 lets a server ignore Range).
    for (const range of ['bytes=0-9,20-29', 'items=0-5', 'bytes=abc']) {
      const whole = await slice(range);
      expect(whole.res.status, range).toBe(200);
      expect(whole.bytes.length, range).toBe(10_000);
    }
  });

  it('revalidates with If-None-Match and honours If-Range', async () => {
    const put = await putBlob(s, 'cached.txt', 'hello world', { 'content-type': 'text/plain; charset=utf-8' });
    const etag = put.headers.get('etag') ?? '';
    const again = await getBlob(s, 'cached.txt', { 'if-none-match': etag });
    expect(again.status).toBe(304);
    expect(again.headers.get('etag')).toBe(etag);
    expect((await getBlob(s, 'cached.txt', { 'if-none-match': `W/${etag}, "other"` })).status).toBe(304);
    expect((await getBlob(s, 'cached.txt', { 'if-none-match': '"other"' })).status).toBe(200);

    const same = await getBlob(s, 'cached.txt', { range: 'bytes=0-4', 'if-range': etag });
    expect(same.status).toBe(206);
    expect(await same.text()).toBe('hello');
    const changed = await getBlob(s, 'cached.txt', { range: 'bytes=0-4', 'if-range': '"old-version"' });
    expect(changed.status).toBe(200);
    expect(await changed.text()).toBe('hello world');
  });

  it('replaces a blob (200 and a new ETag) and deletes it', async () => {
    expect((await putBlob(s, 'swap', 'one')).status).toBe(201);
    const second = await putBlob(s, 'swap', 'two!', { 'content-type': 'text/plain' });
    expect(second.status).toBe(200);
    const got = await getBlob(s, 'swap');
    expect(await got.text()).toBe('two!');
    expect(got.headers.get('content-type')).toBe('text/plain');
    const del = await fetch(`${s.url}/v1/blobs/swap`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${s.apiKey}` },
    });
    expect(del.status).toBe(204);
    expect((await getBlob(s, 'swap')).status).toBe(404);
    expect(
      (await fetch(`${s.url}/v1/blobs/swap`, { method: 'DELETE', headers: { authorization: `Bearer ${s.apiKey}` } }))
        .status,
    ).toBe(404);
  });

  it('stores an empty blob and defaults the type to application/octet-stream', async () => {
    // Raw, because fetch adds a text/plain type to a string body.
    const put = await rawRequest(s, 'PUT', '/v1/blobs/empty', {
      headers: { authorization: `Bearer ${s.apiKey}`, 'content-length': '0' },
    });
    expect(put.status).toBe(201);
    const got = await getBlob(s, 'empty');
    expect(got.status).toBe(200);
    expect(got.headers.get('content-type')).toBe('application/octet-stream');
    expect(got.headers.get('content-length')).toBe('0');
    expect(await got.text()).toBe('');
  });

  it('needs publisher rights to upload: API key, or a JWT whose publish claim matches blob:<name>', async () => {
    const anonymous = await fetch(`${s.url}/v1/blobs/mine`, { method: 'PUT', body: 'x' });
    expect(anonymous.status).toBe(401);
    const allowed = await token({ sub: 'u1', publish: ['blob:avatars-*'] });
    expect((await putBlob(s, 'avatars-u1', 'x', { authorization: `Bearer ${allowed}` })).status).toBe(201);
    const denied = await putBlob(s, 'other', 'x', { authorization: `Bearer ${allowed}` });
    expect(denied.status).toBe(403);
    expect(await errorCode(denied)).toBe('forbidden');
    // Reading is open by default (namespace `blob` allows anonymous subscribers).
    expect((await getBlob(s, 'avatars-u1')).status).toBe(200);
  });

  it('refuses names that could leave the blob directory', async () => {
    await putBlob(s, 'safe', 'x');
    const attempts = [
      '/v1/blobs/..',
      '/v1/blobs/%2e%2e',
      '/v1/blobs/%2e%2e%2fsecret',
      '/v1/blobs/..%2f..%2fetc%2fpasswd',
      '/v1/blobs/a%2fb',
      '/v1/blobs/a%5cb',
      '/v1/blobs/a%00b',
      '/v1/blobs/.hidden',
      '/v1/blobs/a..b',
      `/v1/blobs/${'a'.repeat(121)}`,
    ];
    for (const path of attempts) {
      for (const method of ['PUT', 'GET']) {
        const answer = await rawRequest(s, method, path, {
          headers: { authorization: `Bearer ${s.apiKey}`, ...(method === 'PUT' ? { 'content-length': '1' } : {}) },
          chunks: method === 'PUT' ? [Buffer.from('x')] : [],
        });
        expect([400, 404], `${method} ${path}`).toContain(answer.status);
      }
    }
    if (blobDir !== undefined) {
      // Only the store's own layout, and nothing outside the directory.
      expect(readdirSync(blobDir).sort()).toEqual(['data', 'meta']);
      expect(readdirSync(join(blobDir, 'meta')).every((f) => /^[A-Za-z0-9][\w.-]*\.json$/.test(f))).toBe(true);
    }
  });

  it('refuses a bad Content-Type', async () => {
    const res = await putBlob(s, 'typed', 'x', { 'content-type': 'not a type' });
    expect(res.status).toBe(400);
  });

  it(`answers 413 past the limit, declared or not, and keeps the previous blob (${kind})`, async () => {
    await putBlob(s, 'limited', 'previous');
    const big = pattern(LIMIT * 4);
    const declared = await rawRequest(s, 'PUT', '/v1/blobs/limited', {
      headers: { authorization: `Bearer ${s.apiKey}`, 'content-length': String(big.length) },
      chunks: [big],
    });
    expect(declared.status).toBe(413);
    expect(JSON.parse(declared.body).error.code).toBe('too_large');
    const chunks = Array.from({ length: 16 }, (_, i) =>
      big.subarray(i * (big.length / 16), (i + 1) * (big.length / 16)),
    );
    const streamed = await rawRequest(s, 'PUT', '/v1/blobs/limited', {
      headers: { authorization: `Bearer ${s.apiKey}` },
      chunks,
    });
    expect(streamed.status).toBe(413);
    expect(await (await getBlob(s, 'limited')).text()).toBe('previous');
    // Exactly the limit is fine.
    expect((await putBlob(s, 'at-limit', pattern(LIMIT))).status).toBe(201);
  });

  it('drops an upload cut short and keeps the previous blob', async () => {
    await putBlob(s, 'cut', 'previous');
    await rawRequest(s, 'PUT', '/v1/blobs/cut', {
      headers: { authorization: `Bearer ${s.apiKey}`, 'content-length': '100000' },
      chunks: [pattern(50_000)],
      cut: true,
    });
    await new Promise((r) => setTimeout(r, 100));
    expect(await (await getBlob(s, 'cut')).text()).toBe('previous');
    if (blobDir !== undefined) {
      const metas = readdirSync(join(blobDir, 'meta')).filter((f) => !f.startsWith('.')).length;
      // One data file per stored blob: the cut upload's file is gone.
      expect(readdirSync(join(blobDir, 'data')).length).toBe(metas);
    }
  });
});

describe('blob read rights', () => {
  it('follow the blob namespace: private blobs need credentials (a JWT channels claim, or ?token=)', async () => {
    const s = await startTestServer({
      jwt: { secret },
      namespaces: { blob: { ...DEFAULT_NAMESPACE, anonymousSubscribe: false } },
      shutdownTimeoutMs: 300,
    });
    try {
      await putBlob(s, 'private', 'secret bytes');
      expect((await getBlob(s, 'private')).status).toBe(401);
      const reader = await token({ channels: ['blob:private'] });
      expect((await getBlob(s, 'private', { authorization: `Bearer ${reader}` })).status).toBe(200);
      // A <video src> cannot send headers: the token goes in the query.
      expect((await fetch(`${s.url}/v1/blobs/private?token=${reader}`)).status).toBe(200);
      const other = await token({ channels: ['blob:public-*'] });
      expect((await getBlob(s, 'private', { authorization: `Bearer ${other}` })).status).toBe(403);
    } finally {
      await s.close();
    }
  });
});

describe('blobs on disk', () => {
  it('survive a restart of the hub', async () => {
    const blobDir = mkdtempSync(join(tmpdir(), 'herald-blobs-'));
    try {
      const body = pattern(300_000, 11);
      const first = await startTestServer({ blobDir, shutdownTimeoutMs: 300 });
      const etag = (await putBlob(first, 'kept.mp4', body, { 'content-type': 'video/mp4' })).headers.get('etag');
      await first.close();
      const second = await startTestServer({ blobDir, shutdownTimeoutMs: 300 });
      try {
        const got = await getBlob(second, 'kept.mp4', { range: 'bytes=1000-' });
        expect(got.status).toBe(206);
        expect(got.headers.get('etag')).toBe(etag);
        expect(got.headers.get('content-type')).toBe('video/mp4');
        expect(Buffer.from(await got.arrayBuffer()).equals(body.subarray(1000))).toBe(true);
      } finally {
        await second.close();
      }
    } finally {
      rmSync(blobDir, { recursive: true, force: true });
    }
  });
});
