import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type PagesHarness, startPages } from './setup.ts';

/** The committed demo video (web/media/README.md), stored as `serve --demo` stores it. */
const VIDEO = fileURLToPath(new URL('../../web/media/demo-video.webm', import.meta.url));

let h: PagesHarness;

beforeAll(async () => {
  h = await startPages();
  const res = await fetch(`${h.hub.url}/v1/blobs/demo-video`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${h.hub.apiKey}`, 'content-type': 'video/webm' },
    body: readFileSync(VIDEO),
  });
  expect(res.status).toBeLessThan(300);
}, 30_000);

afterAll(async () => {
  await h?.close();
});

it('plays the blob while it loads over Range requests, and downloads it in 206 chunks', async () => {
  const statuses: number[] = [];
  // Listening before the page loads: the player's first Range request may be answered during goto.
  const { page } = await h.open('/demo/media', undefined, (p) =>
    p.on('response', (r) => {
      if (r.url().endsWith('/v1/blobs/demo-video') && r.request().method() === 'GET') statuses.push(r.status());
    }),
  );
  await page.waitForFunction(() => (document.querySelector('video')?.readyState ?? 0) >= 2, undefined, {
    timeout: 10_000,
  });
  expect(statuses).toContain(206);

  await page.click('#fetch');
  const size = readFileSync(VIDEO).length;
  const chunks = Math.ceil(size / 65_536);
  await page.waitForFunction((n) => document.querySelectorAll('#ranges li').length === n, chunks, { timeout: 10_000 });
  const codes = await page.$$eval('#ranges li', (items) => items.map((li) => (li as HTMLElement).dataset.status));
  expect(new Set(codes)).toEqual(new Set(['206']));
  expect(await page.locator('#bytes .seg').count()).toBe(chunks);

  await page.click('#seek');
  await page.waitForFunction(() => {
    const v = document.querySelector('video');
    return v !== null && v.currentTime > v.duration * 0.75 && v.readyState >= 2;
  });
  await page.waitForTimeout(300);
  await h.shot(page, 'media');
  expect(h.errors).toEqual([]);
});
