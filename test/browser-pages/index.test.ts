import { get } from 'node:http';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { connected, type PagesHarness, startPages } from './setup.ts';

let h: PagesHarness;

beforeAll(async () => {
  h = await startPages();
}, 30_000);

afterAll(async () => {
  await h?.close();
});

it('introduces Herald, links every demo, and shows live traffic', async () => {
  const { page } = await h.open('/');
  await connected(page);
  const links = await page.$$eval('main a.demo-card', (as) => as.map((a) => a.getAttribute('href')));
  expect(links).toEqual([
    '/demo/notifications',
    '/demo/scores',
    '/demo/chat',
    '/demo/ticker',
    '/demo/multiplayer',
    '/demo/media',
    '/dashboard',
  ]);
  for (const href of links) {
    const res = await fetch(`${h.hub.url}${href}`);
    expect(res.status, String(href)).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
  }

  await h.publish('scores:live', { home: 'Lions', away: 'Tigers', homeScore: 1, awayScore: 0, minute: 12 });
  await page.waitForSelector('#live:has-text("Live: 1 message")');
  await h.shot(page, 'index');
  expect(h.errors).toEqual([]);
});

it('serves assets with ETag revalidation, gzip or brotli, and nothing outside the built files', async () => {
  const first = await fetch(`${h.hub.url}/assets/style.css`, { headers: { 'accept-encoding': 'identity' } });
  expect(first.status).toBe(200);
  expect(first.headers.get('content-type')).toBe('text/css; charset=utf-8');
  const etag = first.headers.get('etag') ?? '';
  const again = await fetch(`${h.hub.url}/assets/style.css`, {
    headers: { 'if-none-match': etag, 'accept-encoding': 'identity' },
  });
  expect(again.status).toBe(304);

  const text = await first.text();
  const zipped = await fetch(`${h.hub.url}/assets/style.css`, { headers: { 'accept-encoding': 'gzip' } });
  expect(zipped.headers.get('content-encoding')).toBe('gzip');
  expect(await zipped.text()).toBe(text);
  const brotli = await fetch(`${h.hub.url}/assets/style.css`, { headers: { 'accept-encoding': 'gzip, br' } });
  expect(brotli.headers.get('content-encoding')).toBe('br');
  expect(await brotli.text()).toBe(text);

  // Sent as written (fetch would resolve the dots first): no path reaches the filesystem.
  const paths = ['/assets/../package.json', '/assets/%2e%2e/%2e%2e/package.json', '/demo/..%2f..%2fpackage.json'];
  for (const path of [...paths, '/demo/nope', '/index.html', '/assets/']) {
    expect(await rawStatus(path), path).toBe(404);
  }
});

/** The status of a GET whose path is sent byte for byte. */
function rawStatus(path: string): Promise<number> {
  const { hostname, port } = new URL(h.hub.url);
  return new Promise((resolve, reject) => {
    get({ host: hostname, port, path, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).on('error', reject);
  });
}
