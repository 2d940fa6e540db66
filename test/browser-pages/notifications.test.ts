import { afterAll, beforeAll, expect, it } from 'vitest';
import { connected, type PagesHarness, startPages } from './setup.ts';

let h: PagesHarness;

beforeAll(async () => {
  h = await startPages();
}, 30_000);

afterAll(async () => {
  await h?.close();
});

it('shows a notification published elsewhere, and publishes one from its form', async () => {
  const { page } = await h.open('/demo/notifications');
  await connected(page);

  await h.publish('notifications:demo', { title: 'Build 42 passed', body: 'all green' });
  await page.waitForSelector('#feed li:has-text("Build 42 passed")', { timeout: 5_000 });
  expect(await page.textContent('#count')).toBe('1');
  expect(await page.locator('.toast').count()).toBeGreaterThan(0);

  await page.fill('input[name="title"]', 'Sent from the form');
  await page.click('#send button[type="submit"]');
  await page.waitForSelector('#feed li:has-text("Sent from the form")', { timeout: 5_000 });
  expect(await page.textContent('#count')).toBe('2');
  expect(await page.textContent('#sent')).toMatch(/published as #\d+/);
  await h.shot(page, 'notifications');

  await page.click('#bell');
  expect(await page.isHidden('#count')).toBe(true);
  expect(h.errors).toEqual([]);
});

it('asks for the API key when the hub does not let anonymous visitors publish', async () => {
  const strict = await h.otherHub({ namespaces: {} });
  const { page } = await h.open('/demo/notifications', strict.url);
  await connected(page);
  await page.fill('input[name="title"]', 'Needs a key');
  await page.click('#send button[type="submit"]');
  await page.waitForSelector('#key input[name="key"]');
  await page.fill('#key input[name="key"]', strict.apiKey);
  await page.click('#key button');
  await page.waitForSelector('#feed li:has-text("Needs a key")', { timeout: 5_000 });
  expect(await page.isHidden('#key')).toBe(true);
  // Only the 401 of the anonymous attempt, which the page answered by asking for the key.
  expect(h.errors.filter((e) => !e.includes('401'))).toEqual([]);
  h.errors.length = 0;
});

it('tells the four levels apart: its own colour and symbol each, on the inbox line and the toast', async () => {
  const { page } = await h.open('/demo/notifications');
  await connected(page);
  for (const level of ['info', 'success', 'warning', 'error']) {
    await h.publish('notifications:demo', { title: `A ${level} one`, level });
  }
  await h.publish('notifications:demo', { title: 'No level at all' });
  await page.waitForSelector('#feed li:has-text("No level at all")');
  const seen = await page.$$eval('#feed li[data-level]', (items) =>
    items.map((li) => ({
      level: li.getAttribute('data-level'),
      colour: getComputedStyle(li).borderLeftColor,
      symbol: li.querySelector('.level-badge')?.textContent,
    })),
  );
  expect(seen.map((s) => s.level)).toEqual(['info', 'error', 'warning', 'success', 'info']);
  const byLevel = new Map(seen.map((s) => [s.level, s]));
  expect(new Set([...byLevel.values()].map((s) => s.colour)).size).toBe(4);
  expect(new Set([...byLevel.values()].map((s) => s.symbol)).size).toBe(4);
  expect(await page.locator('.toast[data-level="error"] .level-badge').count()).toBe(1);
  await h.shot(page, 'notifications-levels');
  expect(h.errors).toEqual([]);
});
