import { afterAll, beforeAll, expect, it } from 'vitest';
import WebSocket from 'ws';
import { connected, type PagesHarness, startPages } from './setup.ts';

let h: PagesHarness;

beforeAll(async () => {
  h = await startPages();
}, 30_000);

afterAll(async () => {
  await h?.close();
});

it('asks for the key, then counts connections that others open, live', async () => {
  const { page } = await h.open('/dashboard');
  await page.fill('#key input[name="key"]', h.hub.apiKey);
  await page.click('#key button');
  await connected(page);
  expect(await page.getAttribute('body', 'data-connsse')).toBe('0');

  // An SSE subscriber and a WebSocket, as any client would open them.
  const sse = new AbortController();
  const stream = await fetch(`${h.hub.url}/v1/events?channel=dash:one`, {
    headers: { accept: 'text/event-stream' },
    signal: sse.signal,
  });
  const ws = new WebSocket(`${h.hub.url.replace('http', 'ws')}/v1/ws`);
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  ws.send(JSON.stringify({ op: 'subscribe', ref: 1, channel: 'dash:two' }));
  for (let i = 0; i < 5; i++) await h.publish('dash:two', { i });

  await page.waitForSelector('body[data-connsse="1"][data-connwebsocket="1"]', { timeout: 5_000 });
  await page.waitForFunction(() => document.querySelector('#top')?.textContent?.includes('dash:two'));
  expect(Number(await page.textContent('[data-kpi="connections"]'))).toBe(2);
  await page.waitForTimeout(1_500);
  await h.shot(page, 'dashboard');

  ws.close();
  sse.abort();
  await stream.body?.cancel().catch(() => {});
  await page.waitForSelector('body[data-connsse="0"][data-connwebsocket="0"]', { timeout: 5_000 });

  // A reload keeps the key for this tab (sessionStorage): no second prompt.
  await page.reload();
  await connected(page);
  expect(await page.isHidden('#key')).toBe(true);
  expect(h.errors).toEqual([]);
});
