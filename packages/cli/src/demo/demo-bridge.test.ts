import { createServer } from 'node:net';
import { MemoryEngine } from '@herald/core';
import { createHerald } from '@herald/server';
import { pino } from 'pino';
import { afterEach, expect, it } from 'vitest';
import { startDemoBridge } from './demo-bridge.ts';

const logger = pino({ level: 'silent' });
const heralds: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const h of heralds.splice(0)) await h.close();
});

function hub() {
  const herald = createHerald({ engine: new MemoryEngine() });
  heralds.push(herald);
  return herald;
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

it('says in one line why the demo bridge is skipped when no broker answers', async () => {
  const port = await closedPort();
  const bridge = await startDemoBridge(hub(), logger, { host: '127.0.0.1', port });
  expect(bridge.line).toBe(`Demo bridge: skipped (no MQTT broker on 127.0.0.1:${port}: ECONNREFUSED)\n`);
  await bridge.stop();
});

it('feeds chat:random from the local broker every second, shown as a bridge of the hub', async () => {
  const herald = hub();
  const bridge = await startDemoBridge(herald, logger);
  try {
    expect(bridge.line).toMatch(/^Demo bridge: MQTT herald-demo\/# -> chat:\{room\}/);
    const deadline = Date.now() + 8_000;
    while ((herald.bridges.status()[0]?.published ?? 0) === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(herald.bridges.status()[0]).toMatchObject({ name: 'demo-mqtt', type: 'mqtt', state: 'up' });
    const page = await herald.hub.pull('chat:random', undefined, 10);
    expect(page.messages.at(-1)).toMatchObject({ event: 'message' });
    expect(page.messages.at(-1)?.data).toContain('"name":"mqtt-sensor"');
  } finally {
    await bridge.stop();
  }
  expect(herald.bridges.status()[0]?.state).toBe('closed');
});
