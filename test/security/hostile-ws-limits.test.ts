import { DEFAULT_NAMESPACE } from '@herald/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { expectHealthy, type HostileHub, rawWebSocket, send, startHub } from './hostile-kit.ts';

// Origins (threat T8 in SECURITY.md) and per-address / per-socket limits on WebSockets: exact status or close
// code, and a healthy hub after each case.
const TEXT = 0x1;
let hub: HostileHub;

beforeAll(async () => {
  hub = await startHub();
});
afterEach(() => expectHealthy(hub));
afterAll(() => hub.close());

describe('origins, per-address and per-socket limits', () => {
  let strict: HostileHub;
  beforeAll(async () => {
    strict = await startHub({
      allowedOrigins: ['https://app.example'],
      maxConnectionsPerIp: 3,
      maxWsOpsPerSecond: 50,
      maxPublishRatePerConnection: 5,
      maxBacklogBytes: 64 * 1024,
      namespaces: { open: { ...DEFAULT_NAMESPACE, anonymousPublish: true } },
    });
  });
  afterEach(() => expectHealthy(strict));
  afterAll(() => strict.close());

  it.each([
    ['an evil origin with a token (cross-site WebSocket hijacking)', 'https://evil.example', true],
    ['Origin: null', 'null', false],
    ['a look-alike origin', 'https://app.example.evil.example', false],
    ['the allowed origin over http instead of https', 'http://app.example', false],
  ])('%s is refused with 403 and no 101', async (_name, origin, withToken) => {
    const path = withToken ? `/v1/ws?token=${strict.apiKey}` : '/v1/ws';
    const ws = await rawWebSocket(strict.port, path, { Origin: origin });
    expect(ws.status).toBe(403);
  });

  it('the allowed origin is accepted (101)', async () => {
    const ws = await rawWebSocket(strict.port, '/v1/ws', { Origin: 'https://app.example' });
    expect(ws.status).toBe(101);
    ws.socket.destroy();
  });

  it('with the default allowedOrigins *, any origin may open a socket (no ambient credentials exist)', async () => {
    const ws = await rawWebSocket(hub.port, '/v1/ws', { Origin: 'https://evil.example' });
    expect(ws.status).toBe(101);
    ws.socket.destroy();
    await expectHealthy(hub);
  });

  it('the 4th socket from one address is a 429 with Retry-After; a freed slot is reusable', async () => {
    const open = await Promise.all([0, 1, 2].map(() => rawWebSocket(strict.port, '/v1/ws')));
    expect(open.map((w) => w.status)).toEqual([101, 101, 101]);
    const fourth = await rawWebSocket(strict.port, '/v1/ws');
    expect(fourth.status).toBe(429);
    expect(fourth.head).toMatch(/Retry-After: \d+/i);
    open[0]?.socket.destroy();
    await expect.poll(async () => (await rawWebSocket(strict.port, '/v1/ws')).status).toBe(101);
    for (const w of open) w.socket.destroy();
  });

  it('a socket sending frames past maxWsOpsPerSecond (50/s, bursts of 100) is closed with 4101', async () => {
    const ws = await rawWebSocket(strict.port, '/v1/ws');
    for (let i = 0; i < 300; i++) ws.send(TEXT, `{"op":"ping","ref":${i}}`);
    expect(await ws.closeCode()).toBe(4101);
  });

  it('publishing past the per-connection rate gets error rate_limited with retryAfter', async () => {
    const ws = await rawWebSocket(strict.port, '/v1/ws');
    for (let i = 0; i < 20; i++) ws.send(TEXT, JSON.stringify({ op: 'publish', ref: i, channel: 'open:r', data: i }));
    const refused = JSON.parse(await ws.text((t) => t.includes('rate_limited'))) as { retryAfter: number };
    expect(refused).toMatchObject({ op: 'error', code: 'rate_limited' });
    expect(refused.retryAfter).toBeGreaterThanOrEqual(1);
    ws.socket.destroy();
  });

  it('a client that never reads is cut as a slow consumer (4100) instead of growing memory', async () => {
    const ws = await rawWebSocket(strict.port, '/v1/channels/open:flood/messages');
    expect(ws.status).toBe(101);
    ws.socket.pause();
    const data = 'x'.repeat(60_000);
    for (let i = 0; i < 2_000 && strict.herald.stats.connections.websocket > 0; i++) {
      await strict.herald.hub.publish('open:flood', [{ data }]);
    }
    expect(strict.herald.stats.connections.websocket).toBe(0);
    ws.socket.resume();
    expect(await ws.closeCode()).toBe(4100);
    ws.socket.destroy();
  });

  it('a request from an evil origin is a 403 (HTTP too)', async () => {
    const a = await send(strict, '/v1/channels/open:x/messages', { headers: { origin: 'https://evil.example' } });
    expect(a.status).toBe(403);
  });
});
