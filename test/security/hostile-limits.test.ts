import { Agent, request } from 'node:http';
import { DEFAULT_NAMESPACE } from '@herald/core';
import { SignJWT } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { codeOf, expectHealthy, type HostileHub, send, startHub } from './hostile-kit.ts';

const secret = 'a-test-secret-that-is-long-enough-for-hs256';

// Publish rate limits (contract section 8): per connection, per principal (a JWT subject), per
// anonymous address, per API key when configured; refusals are 429 with Retry-After, and the hub stays healthy.
describe('publish rate limits', () => {
  let strict: HostileHub;
  let token: string;
  beforeAll(async () => {
    strict = await startHub({
      jwt: { secret },
      maxPublishRatePerConnection: 20,
      maxPublishRatePerPrincipal: 50,
      maxPublishRatePerApiKey: 50,
      namespaces: { open: { ...DEFAULT_NAMESPACE, anonymousPublish: true } },
    });
    token = await new SignJWT({ sub: 'publisher', publish: ['*'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime('10m')
      .sign(new TextEncoder().encode(secret));
  });
  afterEach(() => expectHealthy(strict));
  afterAll(() => strict.close());

  /** Publishes `n` messages one request at a time over one keep-alive connection. */
  async function burst(n: number, headers: Record<string, string>, channel = 'rate') {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const statuses: number[] = [];
    let retryAfter: string | undefined;
    try {
      for (let i = 0; i < n; i++) {
        const a = await sendVia(agent, strict, `/v1/channels/${channel}/messages`, headers, '{"data":1}');
        statuses.push(a.status);
        if (a.status === 429) retryAfter ??= a.retryAfter;
      }
    } finally {
      agent.destroy();
    }
    return { statuses, retryAfter };
  }

  it('one connection past its rate (20/s, bursts of 40) gets 429 with Retry-After', async () => {
    const { statuses, retryAfter } = await burst(60, {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
    });
    expect(statuses.slice(0, 40).every((s) => s === 201)).toBe(true);
    expect(statuses).toContain(429);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
  });

  it.each([
    ['a JWT subject', () => token],
    ['an API key with maxPublishRatePerApiKey', () => strict.apiKey],
  ])('%s past its rate over many connections gets 429 (a batch counts each message)', async (_name, credential) => {
    const headers = { authorization: `Bearer ${credential()}`, 'content-type': 'application/json' };
    await new Promise((r) => setTimeout(r, 2_100)); // the subject's bucket refills after the previous case
    const batch = JSON.stringify(Array.from({ length: 100 }, () => ({ data: 1 })));
    const first = await send(strict, '/v1/channels/rate/messages', { method: 'POST', headers, body: batch });
    expect(first.status).toBe(201);
    // Half a second's worth more cannot have flowed in since the first answer.
    const half = JSON.stringify(Array.from({ length: 25 }, () => ({ data: 1 })));
    const second = await send(strict, '/v1/channels/rate/messages', { method: 'POST', headers, body: half });
    expect([second.status, codeOf(second)]).toEqual([429, 'rate_limited']);
    expect(Number(second.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  });

  it('anonymous publishers are charged by address', async () => {
    const { statuses } = await burst(60, { 'content-type': 'application/json' }, 'open:x');
    expect(statuses).toContain(429);
  });
});

/** One request over a keep-alive agent (same TCP connection each time). */
function sendVia(agent: Agent, target: { url: string }, path: string, headers: Record<string, string>, body: string) {
  const url = new URL(path, target.url);
  return new Promise<{ status: number; retryAfter: string | undefined }>((resolve, reject) => {
    {
      const req = request(
        { host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers, agent },
        (res) => {
          res.resume();
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'] as string | undefined }),
          );
        },
      );
      req.on('error', reject);
      req.end(body);
    }
  });
}
