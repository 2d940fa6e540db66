import { connect, type GetToken, type HeraldClient, type TransportName } from '@herald/client';
import { SignJWT } from 'jose';
import { describe, expect, it, type TestContext } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { collect, FAST, publishDirect, recordStates, waitFor } from './helpers.ts';

const SECRET = 'a-test-secret-that-is-at-least-32-bytes-long';

/** An HS256 token that may publish anywhere, expiring `seconds` from now (`exp` has whole seconds). */
function sign(seconds: number): Promise<string> {
  return new SignJWT({ publish: ['*'] })
    .setProtectedHeader({ alg: 'HS256' })
    .setExpirationTime(Math.floor(Date.now() / 1000) + seconds)
    .sign(new TextEncoder().encode(SECRET));
}

/** A hub that accepts JWTs and a client using `getToken`, both closed when the test ends. */
async function setup(
  transport: TransportName,
  getToken: GetToken,
  onTestFinished: TestContext['onTestFinished'],
): Promise<{ server: TestServer; client: HeraldClient }> {
  const server = await startTestServer({ jwt: { secret: SECRET }, streamHeartbeatMs: 200, shutdownTimeoutMs: 100 });
  const client = connect(server.url, { ...FAST, transports: [transport], getToken });
  onTestFinished(async () => {
    await client.close();
    await server.close();
  });
  return { server, client };
}

/** Publishes 1, 2, 3, … every 100 ms for `ms`; returns how many. */
async function publishFor(server: TestServer, channel: string, ms: number): Promise<number> {
  const until = Date.now() + ms;
  let sent = 0;
  while (Date.now() < until) {
    await publishDirect(server.url, server.apiKey, channel, ++sent);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return sent;
}

// Concurrent: these tests mostly wait for tokens to expire.
describe.concurrent.each<TransportName>(['websocket', 'sse'])('short-lived tokens over %s', (transport) => {
  it('refreshes the token before it expires and loses nothing across several expiries', async ({ onTestFinished }) => {
    const asked: boolean[] = [];
    const { server, client } = await setup(
      transport,
      (refresh) => {
        asked.push(refresh);
        return sign(2);
      },
      onTestFinished,
    );
    const states = recordStates(client);
    const sub = client.subscribe('tokens');
    const got = collect(sub);
    await waitFor(() => client.state.state === 'open' && sub.cursor !== undefined, 3000, 'open');

    // 4 s: past the first token's expiry (1-2 s after it was signed) and the second one's.
    let sent = await publishFor(server, 'tokens', 4000);
    const own = await client.publish('tokens', ++sent); // with the current token
    expect(own.offset).toBe(sent);
    await waitFor(() => got.length === sent, 3000, 'every message');
    await new Promise((resolve) => setTimeout(resolve, 150)); // a duplicate would show up now

    expect(got.map((m) => m.data)).toEqual(Array.from({ length: sent }, (_, i) => i + 1));
    expect(asked[0]).toBe(false);
    expect(asked.filter((refresh) => refresh).length).toBeGreaterThanOrEqual(2);
    // Refreshed in time, the connection stays up. Should the hub's expiry check win a race on a busy
    // machine, the only acceptable cut is 4200 followed by an immediate reconnect.
    const cuts = states.filter((e) => e.state === 'reconnecting');
    for (const s of cuts) expect(s).toMatchObject({ reason: 'token expired', delay: 0 });
    // Without `op: auth` every expiry would cut the socket: at least two in 4 s.
    if (transport === 'websocket') expect(cuts.length).toBeLessThan(2);
    expect(client.state).toMatchObject({ state: 'open', transport });
  });

  it('gets a fresh token and reconnects at once when the hub cuts for an expired token (4200)', async ({
    onTestFinished,
  }) => {
    const asked: boolean[] = [];
    let slow = true;
    const { server, client } = await setup(
      transport,
      async (refresh) => {
        asked.push(refresh);
        // A slow token endpoint: the first refresh comes too late, the hub's expiry check wins.
        if (refresh && slow) {
          slow = false;
          await new Promise((resolve) => setTimeout(resolve, 2000));
        }
        return sign(refresh ? 60 : 1);
      },
      onTestFinished,
    );
    const states = recordStates(client);
    const sub = client.subscribe('expiry');
    const got = collect(sub);
    await waitFor(() => client.state.state === 'open' && sub.cursor !== undefined, 3000, 'open');
    const sent = await publishFor(server, 'expiry', 2500);
    await waitFor(() => got.length === sent, 3000, 'every message');
    await new Promise((resolve) => setTimeout(resolve, 150)); // a duplicate would show up now

    expect(got.map((m) => m.data)).toEqual(Array.from({ length: sent }, (_, i) => i + 1));
    expect(asked.filter((refresh) => refresh).length).toBeGreaterThanOrEqual(2);
    expect(states.filter((e) => e.state === 'reconnecting')).toEqual([
      expect.objectContaining({ reason: 'token expired', delay: 0 }),
    ]);
    expect(client.state).toMatchObject({ state: 'open', transport });
  });
});
