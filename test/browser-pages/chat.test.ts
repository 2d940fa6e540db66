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

async function enter(name: string): Promise<Page> {
  const { page } = await h.open('/demo/chat');
  await connected(page);
  await page.fill('input[name="name"]', name);
  await page.locator('input[name="name"]').dispatchEvent('change');
  return page;
}

async function say(page: Page, text: string): Promise<void> {
  await page.fill('input[name="text"]', text);
  await page.click('#say button');
}

it('carries messages between two browsers, lists both members, and replays history to a newcomer', async () => {
  await h.publish('chat:lobby', { name: 'earlier', text: 'from before anyone came' });
  const alice = await enter('alice');
  const bob = await enter('bob');
  await alice.waitForSelector('#messages li.history:has-text("from before anyone came")');

  for (const page of [alice, bob]) {
    await page.waitForFunction(() => {
      const names = [...document.querySelectorAll('#members li')].map((li) => li.textContent ?? '');
      return names.some((n) => n.startsWith('alice')) && names.some((n) => n.startsWith('bob'));
    });
  }
  expect(await alice.textContent('#members')).toContain('alice (you)');

  await say(alice, 'hi bob');
  await bob.waitForSelector('#messages li.live:has-text("hi bob")');
  await say(bob, 'hi alice');
  await alice.waitForSelector('#messages li.live:has-text("hi alice")');

  const carol = await enter('carol');
  await carol.waitForSelector('#messages li.history:has-text("hi alice")');
  expect(await carol.locator('#messages li.history').count()).toBe(3);
  // carol came in under a generated name and then typed hers: alice sees a rename, not a second person.
  await alice.waitForSelector('#messages li.system:has-text("is now carol")');
  await alice.waitForSelector('#members li:has-text("carol")');
  expect(await alice.locator('#members li').count()).toBe(3);

  // Leaving is seen too: bob closes his tab.
  await bob.close();
  await alice.waitForSelector('#messages li.system:has-text("bob left")');
  await h.shot(alice, 'chat');
  expect(h.errors).toEqual([]);
});

it('keeps the newest line and the input in view after many messages, unless the reader scrolls up', async () => {
  for (let i = 1; i <= 45; i++) await h.publish('chat:help', { name: 'bot', text: `help line ${i}` });
  const page = await enter('dana');
  await page.click('#rooms button[data-room="help"]');
  await page.waitForSelector('#messages li:has-text("help line 45")');
  const view = () =>
    page.$eval('#messages', (ol) => ({
      overflows: ol.scrollHeight > ol.clientHeight,
      atBottom: ol.scrollHeight - ol.scrollTop - ol.clientHeight < 2,
    }));
  expect(await view()).toEqual({ overflows: true, atBottom: true });
  // The input stays on the first screen: the list scrolls instead of growing the page.
  const input = await page.locator('#say input[name="text"]').boundingBox();
  expect((input?.y ?? Infinity) + (input?.height ?? 0)).toBeLessThanOrEqual(800);
  expect(await page.evaluate(() => document.documentElement.scrollHeight)).toBeLessThanOrEqual(800);

  // Reading older lines: a new message does not pull the reader down.
  await page.$eval('#messages', (ol) => {
    ol.scrollTop = 0;
  });
  await h.publish('chat:help', { name: 'bot', text: 'help line 46' });
  await page.waitForSelector('#messages li:has-text("help line 46")');
  expect((await view()).atBottom).toBe(false);
  // Back at the bottom, it follows again.
  await page.$eval('#messages', (ol) => {
    ol.scrollTop = ol.scrollHeight;
  });
  await page.waitForTimeout(100);
  await h.publish('chat:help', { name: 'bot', text: 'help line 47' });
  await page.waitForSelector('#messages li:has-text("help line 47")');
  expect((await view()).atBottom).toBe(true);
  await h.shot(page, 'chat-busy');
  expect(h.errors).toEqual([]);
});
