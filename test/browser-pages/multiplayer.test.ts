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
