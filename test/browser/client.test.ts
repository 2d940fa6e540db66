import { mkdirSync } from 'node:fs';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { publishDirect } from '../client/helpers.ts';
import { type HttpProxy, startHttpProxy } from '../client/proxies.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { BUNDLE, CHROMIUM_FLAGS, ensureBundle, type PageServer, startPageServer } from './setup.ts';

/** What the test page (see setup.ts) exposes on `window`. */
interface TestWindow {
  got: unknown[];
  stored(): unknown[];
  states: Array<{ state: string; transport: string; fallback?: string }>;
  ready(): boolean;
  herald: { state: { state: string; transport: string; reason?: string } };
}

const SHOTS = 'test-results';
let browser: Browser;
let server: TestServer;
let pages: PageServer;
let context: BrowserContext | undefined;
let proxy: HttpProxy | undefined;
const pageErrors: string[] = [];

beforeAll(async () => {
  ensureBundle();
  mkdirSync(SHOTS, { recursive: true });
  [browser, server] = await Promise.all([
    chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_FLAGS }),
    startTestServer({
      clientBundlePath: BUNDLE,
      allowedOrigins: ['*'],
      streamHeartbeatMs: 500,
      shutdownTimeoutMs: 100,
    }),
  ]);
  pages = await startPageServer(server.apiKey);
}, 30_000);

afterAll(async () => {
  await browser?.close();
  await pages?.close();
  await server?.close();
});

afterEach(async () => {
  await context?.close();
  context = undefined;
  await proxy?.close();
  proxy = undefined;
  expect(pageErrors.splice(0)).toEqual([]);
});

/** A page in a fresh context (own localStorage and sessionStorage). */
async function freshPage(): Promise<Page> {
  context = await browser.newContext();
  const page = await context.newPage();
  page.on('pageerror', (err) => pageErrors.push(err.message));
  return page;
}

/** A fresh page whose window has no WebSocket API. */
async function withoutWebSocket(): Promise<Page> {
  const page = await freshPage();
  await page.addInitScript(() => {
    delete (window as { WebSocket?: unknown }).WebSocket;
  });
  return page;
}

/** The client's state now, with its reason (a repeated state emits no event). */
function stateNow(page: Page): Promise<{ state: string; transport: string; reason?: string }> {
  return page.evaluate(() => (window as unknown as TestWindow).herald.state);
}

/** Opens the test page against `hub` and waits until its subscription is live. */
async function open(page: Page, hub: string, channel: string, transports?: string, script?: string): Promise<void> {
  const only = transports === undefined ? '' : `&transports=${transports}`;
  const build = script === undefined ? '' : `&script=${script}`;
  await page.goto(`${pages.url}/?hub=${encodeURIComponent(hub)}&channel=${channel}${only}${build}`);
  await page.waitForFunction(() => (window as unknown as TestWindow).ready(), undefined, { timeout: 10_000 });
}

/** The paths of the scripts the page requests from now on, in order. */
function scriptsOf(page: Page): string[] {
  const paths: string[] = [];
  page.on('request', (request) => {
    if (request.resourceType() === 'script') paths.push(new URL(request.url()).pathname);
  });
  return paths;
}

function received(page: Page): Promise<unknown[]> {
  return page.evaluate(() => (window as unknown as TestWindow).got);
}

function states(page: Page): Promise<TestWindow['states']> {
  return page.evaluate(() => (window as unknown as TestWindow).states);
}

async function publish(channel: string, from: number, to: number): Promise<void> {
  for (let i = from; i <= to; i++) await publishDirect(server.url, server.apiKey, channel, i);
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

describe('browser bundle served at /herald.js, in headless Chromium', () => {
  it('receives messages over WebSocket, without loading herald-fallbacks.js', async () => {
    const page = await freshPage();
    const scripts = scriptsOf(page);
    await open(page, server.url, 'b-ws');
    await publish('b-ws', 1, 3);
    await page.waitForFunction(() => (window as unknown as TestWindow).got.length >= 3);
    expect(await received(page)).toEqual([1, 2, 3]);
    expect(scripts).toEqual(['/herald.js']);
    expect(await states(page)).toContainEqual(expect.objectContaining({ state: 'open', transport: 'websocket' }));
    expect(server.herald.stats.connections.websocket).toBeGreaterThanOrEqual(1);
    await page.screenshot({ path: `${SHOTS}/browser-websocket.png` });
  });

  it('falls back when a proxy refuses the upgrade, reports why, and still receives', async () => {
    proxy = await startHttpProxy(server.url, { buffer: false });
    const page = await freshPage();
    await open(page, proxy.url, 'b-fallback');
    await publish('b-fallback', 1, 3);
    await page.waitForFunction(() => (window as unknown as TestWindow).got.length >= 3);
    expect(await received(page)).toEqual([1, 2, 3]);
    const open_ = (await states(page)).filter((s) => s.state === 'open');
    expect(open_.at(-1)).toEqual({ state: 'open', transport: 'sse', fallback: 'upgrade_refused' });
    expect(proxy.requests.some((r) => r.startsWith('UPGRADE /v1/ws'))).toBe(true);
    // The SSE code came from beside /herald.js, which the page loaded through the proxy too.
    expect(proxy.requests).toContain('GET /herald-fallbacks.js');
    const reports = proxy.reports;
    await expect
      .poll(() => reports)
      .toContainEqual({
        fallback: { from: 'websocket', to: 'sse', reason: 'upgrade_refused' },
      });
    await page.screenshot({ path: `${SHOTS}/browser-fallback.png` });
  });

  it('works without a WebSocket API at all (next transport first)', async () => {
    const page = await withoutWebSocket();
    await open(page, server.url, 'b-nows');
    await publish('b-nows', 1, 2);
    await page.waitForFunction(() => (window as unknown as TestWindow).got.length >= 2);
    expect(await received(page)).toEqual([1, 2]);
    expect((await states(page)).at(-1)).toMatchObject({ state: 'open', transport: 'sse' });
  });

  it('tries herald-fallbacks.js again after it failed to load, and then receives', async () => {
    const page = await withoutWebSocket();
    let refused = 0;
    await page.route('**/herald-fallbacks.js', (route) => {
      refused++;
      return route.abort('connectionrefused');
    });
    await page.goto(`${pages.url}/?hub=${encodeURIComponent(server.url)}&channel=b-noload`);
    await expect.poll(() => refused).toBeGreaterThanOrEqual(2); // once per attempt, not once for good
    expect(await stateNow(page)).toMatchObject({
      state: 'connecting',
      transport: 'sse',
      reason: 'could not load herald-fallbacks.js',
    });
    await page.unroute('**/herald-fallbacks.js');
    await page.waitForFunction(() => (window as unknown as TestWindow).ready(), undefined, { timeout: 10_000 });
    await publish('b-noload', 1, 2);
    await page.waitForFunction(() => (window as unknown as TestWindow).got.length >= 2);
    expect(await received(page)).toEqual([1, 2]);
  });

  it('does not run a herald-fallbacks.js of another build', async () => {
    const page = await withoutWebSocket();
    // As after a hub upgrade under a page that kept the older /herald.js: the build digest differs.
    await page.route('**/herald-fallbacks.js', async (route) => {
      const body = (await (await route.fetch()).text()).replace(/herald\.onDemand\.\w+/g, 'herald.onDemand.other');
      await route.fulfill({ body, contentType: 'text/javascript' });
    });
    await page.goto(`${pages.url}/?hub=${encodeURIComponent(server.url)}&channel=b-other`);
    await expect.poll(() => pageErrors.length).toBeGreaterThanOrEqual(2); // tried again, refused again
    expect(await stateNow(page)).toMatchObject({ state: 'connecting', reason: 'could not load herald-fallbacks.js' });
    // The page goes on trying: a fetch of the route still in flight when the context closes would
    // reject outside the test, so the route goes first, its late errors ignored.
    await page.unrouteAll({ behavior: 'ignoreErrors' });
    await context?.close(); // before reading the errors
    context = undefined;
    expect(new Set(pageErrors.splice(0))).toEqual(
      new Set(['herald-fallbacks.js is loaded by /herald.js, not on its own']),
    );
  });

  it.each(['sse', 'ndjson', 'long-poll', 'poll'])('receives over %s forced alone', async (transport) => {
    const page = await freshPage();
    const channel = `b-only-${transport}`;
    await open(page, server.url, channel, transport);
    await publish(channel, 1, 3);
    await page.waitForFunction(() => (window as unknown as TestWindow).got.length >= 3);
    expect(await received(page)).toEqual([1, 2, 3]);
    expect((await states(page)).at(-1)).toMatchObject({ state: 'open', transport });
  });

  // The EventSource adapter hides heartbeats, so the client must not watch it for silence: a quiet
  // stream outliving the silence timeout (1.5 s here) stays open.
  it('receives over an injected EventSource, loaded from herald-fallbacks.js, and keeps a quiet stream', async () => {
    const page = await freshPage();
    await page.goto(
      `${pages.url}/?hub=${encodeURIComponent(server.url)}&channel=b-es&transports=sse&eventsource&heartbeat=1500`,
    );
    await page.waitForFunction(() => (window as unknown as TestWindow).ready(), undefined, { timeout: 10_000 });
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    await publish('b-es', 1, 2);
    await page.waitForFunction(() => (window as unknown as TestWindow).got.length >= 2);
    expect(await received(page)).toEqual([1, 2]);
    expect((await states(page)).filter((s) => s.state === 'open')).toHaveLength(1);
  });

  it.each([
    ['herald-ws.js', 'websocket'],
    ['herald-sse.js', 'sse'],
  ])('the one-transport build /%s receives over %s', async (script, transport) => {
    const page = await freshPage();
    const channel = `b-script-${transport}`;
    await open(page, server.url, channel, undefined, script);
    await publish(channel, 1, 3);
    await page.waitForFunction(() => (window as unknown as TestWindow).got.length >= 3);
    expect(await received(page)).toEqual([1, 2, 3]);
    expect((await states(page)).at(-1)).toMatchObject({ state: 'open', transport });
  });

  it('resumes after a reload from the cursor stored in localStorage, with no loss or duplicate', async () => {
    const page = await freshPage();
    const channel = 'b-reload';
    await open(page, server.url, channel);
    await publish(channel, 1, 3);
    await page.waitForFunction(() => (window as unknown as TestWindow).stored().length >= 3);

    // Messages published while the page unloads, loads and reconnects must come after the reload.
    const reloading = page.reload();
    for (let i = 4; i <= 8; i++) {
      await publishDirect(server.url, server.apiKey, channel, i);
      await new Promise((resolve) => setTimeout(resolve, 15));
    }
    await reloading;
    await page.waitForFunction(() => (window as unknown as TestWindow).ready(), undefined, { timeout: 10_000 });
    await publish(channel, 9, 10);
    await page.waitForFunction(() => (window as unknown as TestWindow).stored().length >= 10);
    await new Promise((resolve) => setTimeout(resolve, 200)); // a duplicate would show up now

    const stored = await page.evaluate(() => (window as unknown as TestWindow).stored());
    expect(stored).toEqual(range(1, 10));
    const afterReload = await received(page);
    // This page load started from the stored cursor, not from the start nor from "now".
    expect(afterReload).toEqual(range(11 - afterReload.length, 10));
    expect(afterReload.length).toBeGreaterThanOrEqual(2);
    expect(afterReload.length).toBeLessThan(10);
    await page.screenshot({ path: `${SHOTS}/browser-reload.png` });
  });
});
