import { DEFAULT_NAMESPACE } from '@herald/core';
import { compileChannelPattern, matchesAny } from '@herald/protocol';
import fc from 'fast-check';
import { SignJWT } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ClaimPatterns } from '../../packages/server/src/auth/claim-patterns.ts';
import { openWs, type WsClient } from '../helpers/clients.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

// The patterns a token carries must not buy CPU (SECURITY.md, threat T1). Tokens over the bound are refused
// (the usual 401); within it, a refused subscribe stays cheap and `/healthz` stays fast.
const secret = 'a-test-secret-that-is-long-enough-for-hs256';
let s: TestServer;
const open: WsClient[] = [];

beforeAll(async () => {
  s = await startTestServer({
    jwt: { secret },
    namespaces: { user: { ...DEFAULT_NAMESPACE, anonymousSubscribe: false } },
    // The frame budget is not what is under test here.
    maxWsOpsPerSecond: 0,
    shutdownTimeoutMs: 300,
  });
});
afterAll(() => s.close());
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
});

function token(channels: string[]): Promise<string> {
  return new SignJWT({ sub: 'p', channels })
    .setProtectedHeader({ alg: 'HS256' })
    .setExpirationTime('5m')
    .sign(new TextEncoder().encode(secret));
}

/** `*aaaa…ab`: the shape that made every refused channel cost a long scan per pattern. */
const nasty = (n: number, len: number) => Array.from({ length: n }, (_, i) => `*${'a'.repeat(len - 2 - (i % 3))}b`);

describe('channel patterns in a token', () => {
  it('a token with 80 long patterns (7 KB) is refused with the usual 401', async () => {
    const big = await token(nasty(80, 62));
    // About 7 KB: under the 8 KiB every token is refused above, so only the pattern bound refuses it.
    expect(big.length).toBeGreaterThan(6_500);
    expect(big.length).toBeLessThan(8_192);
    const small = await token(['user:42:*']);
    const pull = (t: string) =>
      fetch(`${s.url}/v1/channels/user:42:inbox/messages`, { headers: { authorization: `Bearer ${t}` } });
    const refused = await pull(big);
    expect(refused.status).toBe(401);
    expect(await refused.json()).toEqual({ error: { code: 'unauthorized', message: 'invalid credentials' } });
    expect([200, 204]).toContain((await pull(small)).status);
  });

  it('too many short patterns are refused too; the limit itself is accepted', async () => {
    const many = Array.from({ length: 65 }, (_, i) => `user:${i}:*`);
    const pull = async (t: string) =>
      (await fetch(`${s.url}/v1/channels/user:1:x/messages`, { headers: { authorization: `Bearer ${t}` } })).status;
    expect(await pull(await token(many))).toBe(401);
    expect([200, 204]).toContain(await pull(await token(many.slice(0, 64))));
  });

  it('refused subscribes with a token at the bound stay cheap, and /healthz answers meanwhile', async () => {
    // As many nasty patterns as the bound lets through (64 patterns, 2 KiB in all).
    const t = await token(nasty(64, 32));
    const c = await openWs(`${s.url}/v1/ws?token=${t}`);
    open.push(c);
    const channel = (i: number) => `user:${'a'.repeat(100)}${i}`;
    const n = 2_000;
    const started = performance.now();
    for (let i = 0; i < n; i++) c.send({ op: 'subscribe', ref: i, channel: channel(i % 500) });
    const health = fetch(`${s.url}/healthz`).then(() => performance.now() - started);
    await c.frames.until((f) => f.ref === n - 1, 15_000, 'the last answer');
    const elapsed = performance.now() - started;
    expect(c.frames.all.filter((f) => f.code === 'forbidden')).toHaveLength(n);
    // About 1.3 ms each before (80 patterns); the machine is shared, so the bound is loose.
    expect(elapsed / n).toBeLessThan(0.5);
    expect(await health).toBeLessThan(2_000);
  });
});

describe('the compiled form of a claim', () => {
  it('matches exactly what the protocol patterns match (its prefix and suffix check only refuses sooner)', () => {
    // A small alphabet, so stars, prefixes and suffixes line up often.
    const text = (max: number) =>
      fc.string({ unit: fc.constantFrom('a', 'b', ':', '*'), minLength: 1, maxLength: max });
    fc.assert(
      fc.property(fc.array(text(8), { minLength: 1, maxLength: 5 }), text(10), (sources, raw) => {
        const channel = raw.replaceAll('*', 'a');
        const compiled = sources.map((p) => compileChannelPattern(p)).filter((p) => p !== undefined);
        expect(new ClaimPatterns(compiled).matches(channel)).toBe(matchesAny(compiled, channel));
      }),
      { numRuns: 3000 },
    );
  });
});
