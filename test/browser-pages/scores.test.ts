import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { connected, type PagesHarness, startPages } from './setup.ts';

let h: PagesHarness;

beforeAll(async () => {
  h = await startPages();
}, 30_000);

afterAll(async () => {
  await h?.close();
});

/** A counter of one panel, as the page shows it. */
async function counter(page: Page, transport: string, key: string): Promise<number> {
  const text = await page.textContent(`.panel[data-transport="${transport}"] dd[data-k="${key}"]`);
  return Number(text);
}

it('receives the feed over four transports, and polling costs more requests than SSE', async () => {
  // A feed that already has history, as with the demo simulator running (on an empty channel the
  // SDK's HTTP transports first retry their cursor look-up, which would blur the comparison).
  await h.publish('scores:live', { match: 'Lions – Tigers', score: '0-0', minute: 0 });
  const { page } = await h.open('/demo/scores');
  await connected(page);
  // Poll fast so that a few seconds are enough to tell the transports apart.
  await page.locator('input[name="interval"]').fill('250');
  await page.locator('input[name="interval"]').dispatchEvent('change');
  await page.locator('input[name="rate"]').fill('4');
  await page.locator('input[name="rate"]').dispatchEvent('input');

  await page.waitForFunction(
    () => [...document.querySelectorAll('dd[data-k="messages"]')].every((dd) => Number(dd.textContent) >= 5),
    undefined,
    { timeout: 10_000 },
  );
  const [poll, sse, websocket] = await Promise.all(
    ['poll', 'sse', 'websocket'].map((t) => counter(page, t, 'requests')),
  );
  // SSE: one cursor look-up per channel (scores, news) and one stream; WebSocket: one upgrade.
  // Polling: one request per 250 ms.
  expect(sse).toBeLessThanOrEqual(3);
  expect(websocket).toBe(1);
  expect(poll).toBeGreaterThan((sse ?? 0) + 5);
  expect(await counter(page, 'poll', 'empty')).toBeGreaterThan(0);
  await h.shot(page, 'scores');
  expect(h.errors).toEqual([]);
});
