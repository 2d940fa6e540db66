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
