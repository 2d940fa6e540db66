import { mkdtempSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let s: TestServer;
const bundle = join(mkdtempSync(join(tmpdir(), 'herald-js-')), 'herald.min.js');

beforeAll(async () => {
  writeFileSync(bundle, 'var Herald={};');
  s = await startTestServer({ clientBundlePath: bundle });
});
afterAll(() => s.close());

const report = (body: unknown) =>
  fetch(`${s.url}/v1/client-reports`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

describe('client fallback reports', () => {
  it('are counted in /metrics by from, to and reason', async () => {
    expect((await report({ fallback: { from: 'websocket', to: 'sse', reason: 'upgrade_refused' } })).status).toBe(204);
    expect((await report({ fallback: { from: 'websocket', to: 'sse', reason: 'upgrade_refused' } })).status).toBe(204);
    const metrics = await (await fetch(`${s.url}/metrics`)).text();
    expect(metrics).toContain('herald_client_fallbacks_total{from="websocket",to="sse",reason="upgrade_refused"} 2');
  });

  it('count the old spellings of an earlier SDK (stream, longpoll) under the current names', async () => {
    expect((await report({ fallback: { from: 'stream', to: 'longpoll', reason: 'buffered' } })).status).toBe(204);
    expect((await report({ fallback: { from: 'ndjson', to: 'long-poll', reason: 'buffered' } })).status).toBe(204);
    const metrics = await (await fetch(`${s.url}/metrics`)).text();
    expect(metrics).toContain('herald_client_fallbacks_total{from="ndjson",to="long-poll",reason="buffered"} 2');
    expect(metrics).not.toMatch(/from="stream"|to="longpoll"/);
  });

  it('refuse unknown transports and reasons (metric labels stay bounded)', async () => {
    expect((await report({ fallback: { from: 'carrier-pigeon', to: 'sse', reason: 'upgrade_refused' } })).status).toBe(
      400,
    );
    expect((await report({ fallback: { from: 'constructor', to: 'sse', reason: 'upgrade_refused' } })).status).toBe(
      400,
    );
    expect((await report({ fallback: { from: 'sse', to: 'poll', reason: 'x'.repeat(50) } })).status).toBe(400);
    expect((await report({ fallback: { from: 'sse', to: 'poll', reason: 'http_9999' } })).status).toBe(400);
    expect((await report({ fallback: { from: 'sse', to: 'poll', reason: 'http_502' } })).status).toBe(204);
  });
});

describe('/herald.js', () => {
  it('serves the configured bundle with an ETag, and 304 for a matching If-None-Match', async () => {
    const res = await fetch(`${s.url}/herald.js`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/javascript/);
    expect(await res.text()).toBe('var Herald={};');
    const etag = res.headers.get('etag') as string;
    expect((await fetch(`${s.url}/herald.js`, { headers: { 'if-none-match': etag } })).status).toBe(304);
  });

  it('serves the files beside it as /herald-ws.js, /herald-sse.js and /herald-fallbacks.js, 404 when not built', async () => {
    writeFileSync(join(dirname(bundle), 'herald-ws.min.js'), 'var Herald={ws:1};');
    writeFileSync(join(dirname(bundle), 'herald-fallbacks.min.js'), 'var more=1;');
    const ws = await fetch(`${s.url}/herald-ws.js`);
    expect(ws.status).toBe(200);
    expect(ws.headers.get('content-type')).toMatch(/javascript/);
    expect(await ws.text()).toBe('var Herald={ws:1};');
    const fallbacks = await fetch(`${s.url}/herald-fallbacks.js`);
    expect(fallbacks.status).toBe(200);
    expect(await fallbacks.text()).toBe('var more=1;');
    const sse = await fetch(`${s.url}/herald-sse.js`);
    expect(sse.status).toBe(404);
    await sse.body?.cancel();
  });

  it('sends a bundle brotli- or gzip-compressed to a browser that accepts it, each with its own ETag, and raw to one that does not', async () => {
    // Text like a minified bundle, big enough to be worth compressing.
    const script = `var Herald={${Array.from({ length: 300 }, (_, i) => `k${i}:${i}`).join(',')}};`;
    writeFileSync(join(dirname(bundle), 'herald-sse.min.js'), script);
    const zipped = await rawGet('/herald-sse.js', { 'accept-encoding': 'gzip, deflate' });
    expect(zipped.status).toBe(200);
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(zipped.headers.vary).toBe('accept-encoding');
    expect(zipped.body.length).toBeLessThan(script.length / 2);
    expect(gunzipSync(zipped.body).toString()).toBe(script);
    const brotli = await rawGet('/herald-sse.js', { 'accept-encoding': 'gzip, deflate, br, zstd' });
    expect(brotli.headers['content-encoding']).toBe('br');
    expect(brotli.headers.vary).toBe('accept-encoding');
    expect(brotli.body.length).toBeLessThan(zipped.body.length);
    expect(brotliDecompressSync(brotli.body).toString()).toBe(script);
    // br refused by weight: gzip.
    const refused = await rawGet('/herald-sse.js', { 'accept-encoding': 'br;q=0, gzip;q=0.5' });
    expect(refused.headers['content-encoding']).toBe('gzip');
    const plain = await rawGet('/herald-sse.js', { 'accept-encoding': 'identity' });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.toString()).toBe(script);
    const tags = new Set([plain.headers.etag, zipped.headers.etag, brotli.headers.etag]);
    expect(tags.size).toBe(3);
    const gzEtag = zipped.headers.etag as string;
    expect((await rawGet('/herald-sse.js', { 'accept-encoding': 'gzip', 'if-none-match': gzEtag })).status).toBe(304);
    const brEtag = brotli.headers.etag as string;
    expect((await rawGet('/herald-sse.js', { 'accept-encoding': 'br', 'if-none-match': brEtag })).status).toBe(304);
    // A tag of one coding does not validate another.
    expect((await rawGet('/herald-sse.js', { 'if-none-match': gzEtag })).status).toBe(200);
    expect((await rawGet('/herald-sse.js', { 'accept-encoding': 'gzip', 'if-none-match': brEtag })).status).toBe(200);
  });
});

/** A GET that shows the bytes as sent (fetch would decompress them). */
function rawGet(
  path: string,
  headers: Record<string, string>,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    get(`${s.url}${path}`, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    }).on('error', reject);
  });
}
