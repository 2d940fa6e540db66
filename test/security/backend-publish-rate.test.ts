import { Agent, request } from 'node:http';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWs } from '../helpers/clients.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

// With the default limits (SECURITY.md "Defaults"), a backend publishing with its API key is not throttled
// (9,451 of 39,438 publishes got 429 at 10,000 msg/s while the hub sat at 50% CPU); JWT subjects are.
const secret = 'a-test-secret-that-is-long-enough-for-hs256';
let s: TestServer;

beforeAll(async () => {
  // Every limit at its default.
  s = await startTestServer({ jwt: { secret } });
});
afterAll(() => s.close());

/** POSTs `body` over `agent` (one keep-alive connection); resolves with the status. */
function post(agent: Agent, path: string, authorization: string, body: string): Promise<number> {
  const url = new URL(path, s.url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        agent,
        headers: { authorization, 'content-type': 'application/json' },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** 8,000 messages a second for `seconds`, in batches of 1,000 over one connection; the statuses. */
async function publishFor(
  seconds: number,
  authorization: string,
  path: (batch: number) => string,
  body: (batch: number) => string,
) {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const statuses: number[] = [];
  const started = Date.now();
  try {
    for (let batch = 0; batch < seconds * 8; batch++) {
      // Paced: batch n leaves no earlier than n/8 s after the start.
      const due = started + batch * 125;
      if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
      statuses.push(await post(agent, path(batch), authorization, body(batch)));
    }
  } finally {
    agent.destroy();
  }
  return statuses;
}

const thousand = (batch: number) =>
  JSON.stringify({ messages: Array.from({ length: 1000 }, (_, i) => ({ channel: `be:${i}`, data: { batch, i } })) });
const batchOf = (batch: number) => JSON.stringify(Array.from({ length: 1000 }, (_, i) => ({ data: { batch, i } })));

describe('default publish limits and a busy backend', () => {
  it('an API key publishing 8,000 msg/s for 3 s (batches of 1,000 over /v1/publish) is never rate limited', async () => {
    const statuses = await publishFor(3, `Bearer ${s.apiKey}`, () => '/v1/publish', thousand);
    expect(statuses.filter((x) => x !== 200)).toEqual([]);
  });

  it('the same over single-channel batches', async () => {
    const statuses = await publishFor(3, `Bearer ${s.apiKey}`, () => '/v1/channels/be:one/messages', batchOf);
    expect(statuses.filter((x) => x !== 201)).toEqual([]);
  });

  it('nor over a WebSocket: 12,000 publishes as fast as the hub answers', async () => {
    const c = await openWs(`${s.url}/v1/ws?token=${s.apiKey}`);
    const n = 12_000;
    for (let i = 0; i < n; i++) c.send({ op: 'publish', ref: i, channel: 'be:ws', data: i });
    await c.frames.until((f) => f.ref === n - 1, 15_000, 'the last answer');
    expect(c.frames.all.filter((f) => f.op !== 'ok')).toEqual([]);
    await c.close();
  });

  it('a JWT subject keeps its limits: the same pace gets 429', async () => {
    const token = await new SignJWT({ sub: 'app', publish: ['*'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(secret));
    const statuses = await publishFor(2, `Bearer ${token}`, () => '/v1/channels/be:jwt/messages', batchOf);
    expect(statuses).toContain(429);
  });
});
