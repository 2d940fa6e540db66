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

async function player(): Promise<Page> {
  const { page } = await h.open('/demo/multiplayer');
  await connected(page);
  return page;
}

function boardData(page: Page, key: 'cells' | 'cursors'): Promise<number> {
  return page.$eval('#board', (el, k) => Number((el as HTMLElement).dataset[k]), key);
}

it("shows each player's cursor and paint to the other, with a round-trip time", async () => {
  const one = await player();
  const two = await player();
  const box = await one.locator('#board').boundingBox();
  if (box === null) throw new Error('no board');

  for (let i = 0; i < 10; i++) {
    await one.mouse.move(box.x + 100 + i * 20, box.y + 100 + i * 10);
    await one.waitForTimeout(30);
  }
  await two.waitForFunction(() => Number(document.querySelector<HTMLElement>('#board')?.dataset.cursors) === 1);
  await one.waitForFunction(() => /\d/.test(document.querySelector('#rtt')?.textContent ?? ''));
  expect(await one.textContent('#rtt')).toMatch(/^\d+(\.\d)? ms$/);

  await one.mouse.click(box.x + 300, box.y + 200);
  await two.waitForFunction(() => Number(document.querySelector<HTMLElement>('#board')?.dataset.cells) === 1);

  // A latecomer rebuilds the board from history.
  const three = await player();
  await three.waitForFunction(() => Number(document.querySelector<HTMLElement>('#board')?.dataset.cells) === 1);
  expect(await boardData(one, 'cells')).toBe(1);
  await two.mouse.move(box.x + 500, box.y + 300);
  await two.mouse.move(box.x + 520, box.y + 310);
  await one.waitForFunction(() => Number(document.querySelector<HTMLElement>('#board')?.dataset.cursors) >= 1);
  await one.waitForTimeout(300);
  await h.shot(one, 'multiplayer');
  expect(h.errors).toEqual([]);
});

it("draws a player's name readably over cells painted in that player's own colour", async () => {
  const colour = '#e4572e';
  await h.publish('board:cells', { clear: true });
  for (let i = 0; i < 36; i++)
    await h.publish('board:cells', { x: i % 6, y: Math.floor(i / 6), colour, player: 'bot' });
  const page = await player();
  await page.waitForFunction(() => Number(document.querySelector<HTMLElement>('#board')?.dataset.cells) === 36);
  // The cursor sits in the painted block; its name tag is drawn just below and right of the pointer.
  const cursor = { player: 'bot', name: 'herald-bot', colour, x: 0.06, y: 0.06 };
  await h.publish('board:cursors', cursor);
  await page.waitForFunction(() => Number(document.querySelector<HTMLElement>('#board')?.dataset.cursors) === 1);
  await page.waitForTimeout(100);
  // Inside the tag: pixels far from the paint colour are the letters (white on the player's colour).
  const contrast = await page.$eval(
    '#board',
    (canvas, at) => {
      const c = canvas as HTMLCanvasElement;
      const ratio = c.width / c.clientWidth;
      const x = at.x * c.clientWidth + 14;
      const y = at.y * c.clientHeight + 16;
      const img = c
        .getContext('2d')
        ?.getImageData(Math.round(x * ratio), Math.round(y * ratio), Math.round(60 * ratio), Math.round(18 * ratio));
      if (img === undefined) return 0;
      let light = 0;
      for (let i = 0; i < img.data.length; i += 4) {
        if ((img.data[i] ?? 0) > 230 && (img.data[i + 1] ?? 0) > 230 && (img.data[i + 2] ?? 0) > 230) light++;
      }
      return light / (img.data.length / 4);
    },
    cursor,
  );
  // Some of the tag is lettering, most of it is not (the tag is there, the name is legible on it).
  expect(contrast).toBeGreaterThan(0.05);
  expect(contrast).toBeLessThan(0.6);
  await h.shot(page, 'multiplayer-label');
  expect(h.errors).toEqual([]);
});
