import { DEFAULT_NAMESPACE } from '@herald/core';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWs, type WsClient } from '../helpers/clients.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

// `GET /v1/stats` (SECURITY.md) must not name channels the caller may not read (their
// `GET /v1/channels/{ch}` answers 401); `/metrics` names none at all.
const secret = 'a-test-secret-that-is-long-enough-for-hs256';
let s: TestServer;
const sockets: WsClient[] = [];

beforeAll(async () => {
  s = await startTestServer({
    jwt: { secret },
    namespaces: { user: { ...DEFAULT_NAMESPACE, anonymousSubscribe: false } },
    shutdownTimeoutMs: 300,
  });
  // Live subscribers (with the key) on a private and a public channel, so both are "top channels".
  for (const channel of ['user:42:inbox', 'user:43:inbox', 'news:public']) {
    const c = await openWs(`${s.url}/v1/ws?token=${s.apiKey}`);
    sockets.push(c);
    c.send({ op: 'subscribe', ref: 1, channel });
    await c.frames.until((f) => f.ref === 1, 3_000, 'subscribed');
  }
});
afterAll(async () => {
  await Promise.all(sockets.map((c) => c.close()));
  await s.close();
});

async function topChannels(headers: Record<string, string> = {}): Promise<string[]> {
  const res = await fetch(`${s.url}/v1/stats`, { headers });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { topChannels: Array<{ channel: string }>; connections: object };
  expect(body.connections).toBeDefined();
  return body.topChannels.map((t) => t.channel).sort();
}

describe('GET /v1/stats names only channels the caller may read', () => {
  it('anonymous: public channels only (the private ones answer 401 on their own)', async () => {
    expect((await fetch(`${s.url}/v1/channels/user:42:inbox`)).status).toBe(401);
    expect(await topChannels()).toEqual(['news:public']);
  });

  it('a JWT: public channels and those its claim allows', async () => {
    const token = await new SignJWT({ sub: 'u42', channels: ['user:42:*'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(secret));
    expect(await topChannels({ authorization: `Bearer ${token}` })).toEqual(['news:public', 'user:42:inbox']);
  });

  it('the API key: every channel', async () => {
    expect(await topChannels({ authorization: `Bearer ${s.apiKey}` })).toEqual([
      'news:public',
      'user:42:inbox',
      'user:43:inbox',
    ]);
  });

  it('a refused credential is a 401, not an anonymous answer', async () => {
    expect((await fetch(`${s.url}/v1/stats`, { headers: { authorization: 'Bearer nope' } })).status).toBe(401);
  });

  it('/metrics names no channel', async () => {
    const text = await (await fetch(`${s.url}/metrics`)).text();
    expect(text).not.toMatch(/user:4|news:public/);
  });
});
