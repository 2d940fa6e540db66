import type { BridgeReport } from '@herald/server';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { connected, type PagesHarness, startPages } from './setup.ts';

let h: PagesHarness;

beforeAll(async () => {
  h = await startPages();
}, 30_000);

afterAll(async () => {
  await h?.close();
});

const orders: BridgeReport = {
  name: 'orders',
  type: 'rabbitmq',
  state: 'up',
  since: Date.now(),
  lastError: undefined,
  consumed: 5,
  published: 4,
  duplicates: 1,
  failed: 0,
  deadLettered: 0,
  reconnects: 0,
  lag: 3,
};

it('shows a Bridges panel only while the hub has bridges, with states, counters and errors', async () => {
  const { page } = await h.open('/dashboard');
  await page.fill('#key input[name="key"]', h.hub.apiKey);
  await page.click('#key button');
  await connected(page);
  expect(await page.isHidden('#bridges')).toBe(true);

  // Stand-ins for what `herald serve` adds from the config's bridges (no broker needed here).
  let reports: BridgeReport[] = [orders];
  const remove = h.hub.herald.bridges.add({ status: () => reports });
  try {
    await page.waitForSelector('#bridges tr[data-bridge="orders"]', { timeout: 5_000 });
    const cells = await page.$$eval('#bridges tr[data-bridge="orders"] td', (tds) => tds.map((td) => td.textContent));
    expect(cells).toEqual(['orders', 'rabbitmq', 'up', '5', '4', '1', '0', '0', '0', '3']);

    reports = [{ ...orders, state: 'down', lastError: 'connect ECONNREFUSED 127.0.0.1:5672', lag: undefined }];
    await page.waitForSelector('#bridges td.bridge-state[data-state="down"]', { timeout: 5_000 });
    expect(await page.textContent('#bridges ul')).toBe('orders: connect ECONNREFUSED 127.0.0.1:5672');
    await h.shot(page, 'dashboard-bridges');
  } finally {
    remove();
  }
  await page.waitForSelector('#bridges', { state: 'hidden', timeout: 5_000 });
  expect(h.errors).toEqual([]);
});
