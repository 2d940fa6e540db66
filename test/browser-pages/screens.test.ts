import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connected, DESKTOP, type PagesHarness, PHONE, type Screen, startPages } from './setup.ts';

// Every page on a phone (390 x 844) and on a desktop, empty (a hub with no traffic yet) and busy (an
// hour's worth of what the demo simulator publishes, compressed): nothing may widen the page past the
// screen, the header stays a few lines high, and each page's key controls are on screen and usable.
// Screenshots of all four states: test-results/pages-<page>-<screen>-<state>.png (HERALD_SHOTS_DIR).

const VIDEO = fileURLToPath(new URL('../../web/media/demo-video.webm', import.meta.url));

/** A page, what must be on screen for it to be usable, and how to tell it has settled. */
interface PageCase {
  readonly name: string;
  readonly path: string;
  /** Selectors of the controls a visitor needs; each must be visible and inside the screen's width. */
  readonly controls: readonly string[];
  /** Waits until the page shows what it has (connected, key asked, video loaded…). */
  ready(page: Page): Promise<void>;
  /** On the busy hub, waits until live traffic shows (pages that show only what arrives while open). */
  busy?(page: Page): Promise<void>;
}

const enterKey = (h: PagesHarness) => async (page: Page) => {
  await page.fill('#key input[name="key"]', h.hub.apiKey);
  await page.click('#key button');
  await connected(page);
  await page.waitForSelector('[data-kpi="connections"]');
};

function pages(h: PagesHarness): PageCase[] {
  return [
    {
      name: 'index',
      path: '/',
      controls: ['.top .brand', '#connection', '#live', 'a.demo-card[href="/demo/chat"]'],
      ready: connected,
    },
    {
      name: 'notifications',
      path: '/demo/notifications',
      controls: ['#bell', 'input[name="title"]', 'select[name="level"]', '#send button[type="submit"]', '#feed'],
      ready: connected,
      // Every level at least once (the trickle rotates them).
      busy: (page) =>
        page
          .waitForFunction(
            () =>
              new Set([...document.querySelectorAll('#feed li')].map((li) => li.getAttribute('data-level'))).size >= 4,
          )
          .then(() => {}),
    },
    {
      name: 'scores',
      path: '/demo/scores',
      controls: ['#controls input[name="rate"]', '#controls input[name="interval"]', '#reset', '#lab .panel'],
      ready: connected,
    },
    {
      name: 'chat',
      path: '/demo/chat',
      controls: [
        '#rooms button',
        'input[name="name"]',
        '#messages',
        '#say input[name="text"]',
        '#say button',
        '#members',
      ],
      ready: connected,
    },
    { name: 'ticker', path: '/demo/ticker', controls: ['#chart', '#quotes'], ready: connected },
    {
      name: 'multiplayer',
      path: '/demo/multiplayer',
      controls: ['#board', '#rtt', '#color', '#clear'],
      ready: connected,
    },
    {
      name: 'media',
      path: '/demo/media',
      controls: ['#video', '#seek', '#chunk', '#fetch'],
      // The blob's facts, or (before it is stored) the message saying how to store it.
      ready: (page) => page.waitForSelector('#meta dt, #error:not([hidden])').then(() => {}),
    },
    {
      name: 'dashboard',
      path: '/dashboard',
      controls: ['#kpis', '#chart-connections', '#chart-memory', 'table.top-channels'],
      ready: enterKey(h),
    },
  ];
}

let h: PagesHarness;
let traffic: ReturnType<typeof setInterval> | undefined;

beforeAll(async () => {
  h = await startPages();
}, 30_000);

afterAll(async () => {
  clearInterval(traffic);
  await h?.close();
});

/** What the page measures on its own screen. */
interface Layout {
  scrollWidth: number;
  headerHeight: number;
  /** Cards whose content is wider than they are (it would be cut off or scroll sideways). */
  overflowingCards: string[];
  text: string;
}

function layout(page: Page): Promise<Layout> {
  return page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    headerHeight: document.querySelector('header.top')?.getBoundingClientRect().height ?? 0,
    overflowingCards: [...document.querySelectorAll<HTMLElement>('main .card')]
      .filter((card) => card.scrollWidth > card.clientWidth + 1)
      .map((card) => `${card.className} (${card.scrollWidth} > ${card.clientWidth})`),
    text: document.body.textContent ?? '',
  }));
}

/** True when the middle of `selector`'s first element is not covered by anything else (a toast, a bar). */
function uncovered(page: Page, selector: string): Promise<boolean> {
  return page.$eval(selector, (el) => {
    const r = el.getBoundingClientRect();
    const x = Math.min(Math.max(r.left + r.width / 2, 0), window.innerWidth - 1);
    const y = Math.min(Math.max(r.top, 0) + Math.min(r.height / 2, 40), window.innerHeight - 1);
    const hit = document.elementFromPoint(x, y);
    return hit !== null && (el === hit || el.contains(hit));
  });
}

/** The checks every page passes on every screen. */
async function check(page: Page, c: PageCase, screen: Screen): Promise<void> {
  const l = await layout(page);
  expect(l.scrollWidth, `${c.name}: page width on a ${screen.width} px screen`).toBeLessThanOrEqual(screen.width);
  expect(l.overflowingCards, `${c.name}: cards wider than the screen allows`).toEqual([]);
  // The nav is one line (it scrolls sideways on a phone) below the brand: never a column of links.
  expect(l.headerHeight, `${c.name}: header height`).toBeLessThanOrEqual(screen.mobile === true ? 100 : 60);
  // Markdown does not render in text nodes: a backtick on screen is a mistake.
  expect(l.text, `${c.name}: literal backticks`).not.toContain('`');
  for (const selector of c.controls) {
    const control = page.locator(selector).first();
    // Scrolled to and measured in one step: on a busy hub a list grows between two round trips.
    const box = await control.evaluate((e) => {
      e.scrollIntoView({ block: 'center', inline: 'nearest' });
      const r = e.getBoundingClientRect();
      return { x: r.left, y: r.top, width: r.width, height: r.height };
    });
    expect(await control.isVisible(), `${c.name}: ${selector} visible`).toBe(true);
    expect(await uncovered(page, selector), `${c.name}: ${selector} covered by something`).toBe(true);
    expect(box.x, `${c.name}: ${selector} left edge`).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width, `${c.name}: ${selector} right edge`).toBeLessThanOrEqual(screen.width + 0.5);
    // Fully on screen once scrolled to, unless it is taller than the screen (a long list).
    if (box.height <= screen.height) {
      expect(box.y, `${c.name}: ${selector} above the screen`).toBeGreaterThanOrEqual(-1);
      expect(box.y + box.height, `${c.name}: ${selector} below the screen`).toBeLessThanOrEqual(screen.height + 1);
    }
  }
  await page.evaluate(() => window.scrollTo(0, 0));
}

async function visit(c: PageCase, screen: Screen, state: string): Promise<Page> {
  const { page } = await h.open(c.path, undefined, undefined, screen);
  await c.ready(page);
  if (state === 'busy') await c.busy?.(page);
  // Let live data and charts draw (the dashboard and ticker move once a second).
  await page.waitForTimeout(state === 'busy' ? 1_200 : 200);
  return page;
}

/** The chat list keeps the newest line in view, and the input under it on screen. */
async function chatFollows(page: Page, screen: Screen): Promise<void> {
  const list = await page.$eval('#messages', (ol) => ({
    top: ol.scrollTop,
    height: ol.clientHeight,
    scrollHeight: ol.scrollHeight,
    last: ol.lastElementChild?.textContent ?? '',
  }));
  expect(list.scrollHeight, 'the list overflows its box (it scrolls)').toBeGreaterThan(list.height);
  expect(list.top + list.height, 'scrolled to the newest').toBeGreaterThanOrEqual(list.scrollHeight - 2);
  expect(list.last).toContain('line 45');
  const box = await page.locator('.chat > .messages').boundingBox();
  expect(box?.height ?? Infinity).toBeLessThanOrEqual(screen.height);
  await page.locator('#say input[name="text"]').scrollIntoViewIfNeeded();
  const last = await page.locator('#messages li').last().boundingBox();
  const input = await page.locator('#say input[name="text"]').boundingBox();
  if (last === null || input === null) throw new Error('no newest line or input');
  expect(last.y, 'newest line on screen').toBeGreaterThanOrEqual(0);
  expect(last.y + last.height).toBeLessThanOrEqual(input.y);
  expect(input.y + input.height).toBeLessThanOrEqual(screen.height);
}

/** An hour of demo traffic, compressed: history on every channel, then a trickle that keeps pages moving. */
async function makeBusy(): Promise<void> {
  const long = {
    match: 'Lions vs Tigers',
    home: 'Lions',
    away: 'Tigers',
    homeScore: 3,
    awayScore: 1,
    minute: 88,
    text: 'GOAL! Lions score after a long spell of pressure with a shot from outside the box',
    detail: 'x'.repeat(200),
  };
  await h.publish('scores:live', long);
  await h.publish('news:live', { headline: 'Central bank announces open-data plan', source: 'Herald Wire' });
  const levels = ['info', 'success', 'warning', 'error'];
  for (let i = 0; i < 8; i++) {
    const level = levels[i % 4];
    await h.publish('notifications:demo', { title: `A ${level} notification #${i}`, body: 'Details here.', level });
  }
  for (let i = 1; i <= 45; i++) {
    await h.publish('chat:lobby', {
      name: i % 3 === 0 ? 'herald-bot' : `guest-${i % 5}`,
      text: `line ${i}: ${'words '.repeat(i % 9)}`,
    });
  }
  // An 8 x 8 block in the bot's colour: its cursor label is drawn over it below.
  for (let i = 0; i < 64; i++) {
    await h.publish('board:cells', { x: i % 8, y: Math.floor(i / 8), colour: '#e4572e', player: 'herald-bot' });
  }
  const res = await fetch(`${h.hub.url}/v1/blobs/demo-video`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${h.hub.apiKey}`, 'content-type': 'video/webm' },
    body: readFileSync(VIDEO),
  });
  expect(res.status).toBeLessThan(300);
  let step = 0;
  const prices: Record<string, number> = { HRLD: 142.5, ACME: 87.2, GLBX: 23.9, INIT: 310.4 };
  traffic = setInterval(() => {
    step++;
    const messages: Array<{ channel: string; data: unknown }> = Object.entries(prices).map(([symbol, open], i) => {
      const price = open * (1 + 0.01 * Math.sin(step / 9 + i) + 0.003 * (Math.random() - 0.5));
      return { channel: `ticker:${symbol}`, data: { symbol, price } };
    });
    // The bot's cursor sits on its own paint, where its label used to vanish.
    const x = 0.12 + 0.02 * Math.sin(step / 5);
    messages.push({
      channel: 'board:cursors',
      data: { player: 'herald-bot', name: 'herald-bot', colour: '#e4572e', x, y: 0.15 },
    });
    messages.push({ channel: 'scores:live', data: { ...long, minute: step % 90, detail: undefined } });
    if (step % 2 === 0) {
      const level = levels[(step / 2) % 4];
      messages.push({
        channel: 'notifications:demo',
        data: { title: `Live ${level} #${step}`, body: 'While you watch.', level },
      });
    }
    fetch(`${h.hub.url}/v1/publish`, {
      method: 'POST',
      headers: { authorization: `Bearer ${h.hub.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ messages }),
    }).catch(() => {});
  }, 200);
}

describe.each(['empty', 'busy'] as const)('%s hub', (state) => {
  beforeAll(async () => {
    if (state === 'busy') await makeBusy();
  }, 30_000);

  it.each(['index', 'notifications', 'scores', 'chat', 'ticker', 'multiplayer', 'media', 'dashboard'])(
    '%s fits a phone and a desktop',
    async (name) => {
      const c = pages(h).find((p) => p.name === name);
      if (c === undefined) throw new Error(name);
      for (const [label, screen] of [
        ['desktop', DESKTOP],
        ['phone', PHONE],
      ] as const) {
        const page = await visit(c, screen, state);
        // The first screen as a visitor sees it, and the whole page.
        await h.shot(page, `${c.name}-${label}-${state}`, false);
        await h.shot(page, `${c.name}-${label}-${state}-full`);
        await check(page, c, screen);
        if (c.name === 'chat' && state === 'busy') await chatFollows(page, screen);
        await page.context().close();
      }
      // Before the video is stored, the media page's HEAD gets the 404 it then explains.
      const expected = (e: string) => state === 'empty' && e.startsWith('/demo/media:') && e.includes('404');
      expect(h.errors.filter((e) => !expected(e))).toEqual([]);
      h.errors.length = 0;
    },
    30_000,
  );
});
