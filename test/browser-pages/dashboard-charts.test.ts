import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { connected, DESKTOP, type PagesHarness, PHONE, type Screen, startPages } from './setup.ts';

// The dashboard empty (a hub nobody uses yet) and busy, on a desktop and a phone: an empty chart says
// so instead of drawing a flat line on a made-up scale, y axes start at 0 with distinct, non-negative
// labels, the channel table explains itself when empty and lists channels by message rate even when
// nobody subscribes to them. Screenshots: pages-dashboard-charts-<screen>-<state>.png.

const CHARTS = ['connections', 'messages', 'bytes', 'lag', 'memory'] as const;

let h: PagesHarness;

beforeAll(async () => {
  h = await startPages({ statsIntervalMs: 250 });
}, 30_000);

afterAll(async () => {
  await h?.close();
});

async function openDashboard(screen: Screen): Promise<Page> {
  const { page } = await h.open('/dashboard', undefined, undefined, screen);
  await page.fill('#key input[name="key"]', h.hub.apiKey);
  await page.click('#key button');
  await connected(page);
  // A few snapshots, so every chart has drawn its axes.
  await page.waitForFunction(
    (ids) => ids.every((id) => document.querySelector(`#chart-${id}`)?.getAttribute('data-y-labels')),
    [...CHARTS],
  );
  return page;
}

/** The y-axis labels of one chart, as drawn. */
async function yLabels(page: Page, chart: string): Promise<string[]> {
  return ((await page.getAttribute(`#chart-${chart}`, 'data-y-labels')) ?? '').split('|');
}

/** Labels a reader can trust: start at 0, never negative, never two alike. */
async function expectSaneAxes(page: Page): Promise<void> {
  for (const chart of CHARTS) {
    const labels = await yLabels(page, chart);
    expect(labels.length, chart).toBeGreaterThanOrEqual(2);
    expect(labels[0], chart).toBe('0');
    expect(
      labels.filter((l) => l.trim().startsWith('-')),
      chart,
    ).toEqual([]);
    expect(new Set(labels).size, `${chart}: ${labels.join(', ')}`).toBe(labels.length);
  }
}

/** Nothing wider than the screen (a phone must not scroll sideways to see a chart or the channel table). */
async function expectFits(page: Page, screen: Screen): Promise<void> {
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(screen.width);
  const table = await page.evaluate(() => {
    const box = document.querySelector('#top')?.closest('.table-scroll');
    return { scroll: box?.scrollWidth ?? 0, client: box?.clientWidth ?? 0 };
  });
  expect(table.scroll).toBeLessThanOrEqual(table.client);
  for (const chart of CHARTS) {
    const box = await page.locator(`#chart-${chart} canvas`).first().boundingBox();
    expect(box?.width ?? 0, chart).toBeGreaterThan(screen.width / 3);
    expect((box?.x ?? 0) + (box?.width ?? 0), chart).toBeLessThanOrEqual(screen.width);
  }
}

describe.each([
  ['desktop', DESKTOP],
  ['phone', PHONE],
] as const)('dashboard on a %s', (name, screen) => {
  it('says when there is nothing yet, with sane axes', async () => {
    const page = await openDashboard(screen);
    expect((await page.textContent('#chart-connections .chart-empty'))?.trim()).toBe('no connections yet');
    expect(await page.isVisible('#chart-connections .chart-empty')).toBe(true);
    expect(await page.isVisible('#chart-messages .chart-empty')).toBe(true);
    expect(await page.isVisible('#chart-bytes .chart-empty')).toBe(true);
    expect(await page.textContent('#top td.empty')).toMatch(/No channels yet/);
    await expectSaneAxes(page);
    // Byte axes are in byte units, not bare numbers.
    expect((await yLabels(page, 'bytes')).slice(1).every((l) => / (B|kB|MB|GB)$/.test(l))).toBe(true);
    expect((await yLabels(page, 'memory')).slice(1).every((l) => / (B|kB|MB|GB)$/.test(l))).toBe(true);
    await expectFits(page, screen);
    await h.shot(page, `dashboard-charts-${name}-empty`);
    await page.context().close();
  });
});

describe('dashboard with traffic', () => {
  it('charts it, and lists busy channels by rate even without subscribers', async () => {
    const ws = new WebSocket(`${h.hub.url.replace('http', 'ws')}/v1/ws`);
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    ws.send(JSON.stringify({ op: 'subscribe', ref: 1, channel: 'dash:watched' }));
    let publishing = true;
    const publisher = (async () => {
      for (let i = 0; publishing; i++) {
        await h.publish('dash:unwatched', { i, pad: 'x'.repeat(200) });
        if (i % 3 === 0) await h.publish('dash:watched', { i });
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    try {
      for (const [name, screen] of [
        ['desktop', DESKTOP],
        ['phone', PHONE],
      ] as const) {
        const page = await openDashboard(screen);
        await page.waitForSelector('#chart-messages .chart-empty', { state: 'hidden', timeout: 5_000 });
        await page.waitForSelector('#chart-connections .chart-empty', { state: 'hidden', timeout: 5_000 });
        // The unwatched channel is the busiest, listed first, with no subscribers.
        await page.waitForFunction(
          () => document.querySelector('#top tr')?.getAttribute('data-channel') === 'dash:unwatched',
          undefined,
          { timeout: 5_000 },
        );
        const first = await page.locator('#top tr').first().locator('td').allTextContents();
        expect(Number(first[1])).toBeGreaterThan(0);
        expect(first[2]).toBe('0');
        expect(await page.isVisible('#top tr[data-channel="dash:watched"]')).toBe(true);
        await page.waitForTimeout(2_500);
        await expectSaneAxes(page);
        expect(Number((await yLabels(page, 'messages')).at(-1))).toBeGreaterThan(0);
        await expectFits(page, screen);
        await h.shot(page, `dashboard-charts-${name}-busy`);
        await page.context().close();
      }
    } finally {
      publishing = false;
      await publisher;
      ws.close();
    }
    expect(h.errors).toEqual([]);
  }, 60_000);
});
