import { afterAll, beforeAll, expect, it } from 'vitest';
import { connected, type PagesHarness, startPages } from './setup.ts';

let h: PagesHarness;

beforeAll(async () => {
  h = await startPages();
}, 30_000);

afterAll(async () => {
  await h?.close();
});

/** Publishes `rounds` ticks of every symbol in one multi-channel request per round, `gapMs` apart. */
async function ticks(rounds: number, gapMs: number): Promise<void> {
  const prices: Record<string, number> = { HRLD: 100, ACME: 42, GLBX: 310, INIT: 7.5 };
  for (let i = 0; i < rounds; i++) {
    const messages = Object.entries(prices).map(([symbol, p]) => {
      prices[symbol] = p * (1 + (Math.random() - 0.48) / 100);
      return { channel: `ticker:${symbol}`, data: { symbol, price: prices[symbol] } };
    });
    const res = await fetch(`${h.hub.url}/v1/publish`, {
      method: 'POST',
      headers: { authorization: `Bearer ${h.hub.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ messages }),
    });
    expect(res.status).toBe(200);
    await new Promise((r) => setTimeout(r, gapMs));
  }
}

it('draws a fast SSE feed of four symbols', async () => {
  const { page } = await h.open('/demo/ticker');
  await connected(page);
  expect(await page.textContent('#connection')).toContain('sse');

  await ticks(60, 25);
  await page.waitForFunction(
    () => Number(document.querySelector('#rate')?.getAttribute('data-ticks')) >= 240,
    undefined,
    {
      timeout: 5_000,
    },
  );
  for (const symbol of ['HRLD', 'ACME', 'GLBX', 'INIT']) {
    expect(await page.textContent(`.quote[data-symbol="${symbol}"] .price`)).toMatch(/^\d+\.\d\d$/);
  }
  // The canvas has ink on it: some pixels are not transparent.
  const painted = await page.evaluate(() => {
    const canvas = document.querySelector<HTMLCanvasElement>('#chart');
    const data = canvas?.getContext('2d')?.getImageData(0, 0, canvas.width, canvas.height).data ?? [];
    let n = 0;
    for (let i = 3; i < data.length; i += 4) if ((data[i] ?? 0) > 0) n++;
    return n;
  });
  expect(painted).toBeGreaterThan(1000);
  expect(await page.isHidden('#idle')).toBe(true);
  await h.shot(page, 'ticker');
  expect(h.errors).toEqual([]);
});
