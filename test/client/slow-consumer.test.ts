import { connect, type HeraldClient, type TransportName } from '@herald/client';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { collect, FAST, publishDirect, recordStates, waitFor } from './helpers.ts';
import { startTcpProxy, type TcpProxy } from './proxies.ts';

// A consumer that stops reading is cut by the hub: with a 4100 close (or the `herald.close` event of a
// stream) written behind the data it did not read, and, if it stays stalled past the close grace,
// by cutting the TCP connection. Either way it must come back losslessly from its cursor. docs/errors.md
// says what a stalled client sees.

/**
 * A few of these overflow the hub's 16 KB backlog once the socket stops draining. One alone stays
 * under it: the hub measures an HTTP stream's backlog right after writing, before the corked chunk
 * is flushed, so one message above the limit would cut even a reader that keeps up.
 */
const PAD = 'x'.repeat(6 * 1024);
/** The hub's grace for a closing socket to take its close frame (ws-connection.ts), plus a margin. */
const PAST_GRACE_MS = 1_600;

describe.each<TransportName>(['websocket', 'sse'])('slow consumer over %s', (transport) => {
  let server: TestServer;
  let proxy: TcpProxy;
  let client: HeraldClient;

  afterEach(async () => {
    await client?.close();
    await proxy?.close();
    await server?.close();
  });

  /**
   * A subscriber behind a stalled proxy, published to until the hub closes it; then the proxy resumes
   * at once or only after the close grace (`pastGrace`), with three more messages published around
   * that, then three live ones. Resolves once every message arrived and the client is live again.
   */
  async function stallUntilCut(pastGrace: boolean) {
    server = await startTestServer({ maxBacklogBytes: 16 * 1024, streamHeartbeatMs: 200, shutdownTimeoutMs: 100 });
    const paths: string[] = [];
    server.herald.http.on('request', (req: { url?: string }) => paths.push(req.url ?? ''));
    proxy = await startTcpProxy(server.url);
    // The client's own watchdog must not fire while the socket is stalled: the hub's cut is under test.
    client = connect(proxy.url, {
      ...FAST,
      heartbeat: { ping: 10_000, timeout: 20_000 },
      token: server.apiKey,
      transports: [transport],
    });
    const states = recordStates(client);
    const channel = `slow-${transport}-${pastGrace ? 'stalled' : 'cut'}`;
    const sub = client.subscribe(channel);
    const got = collect(sub);
    await waitFor(() => client.state.state === 'open' && sub.cursor !== undefined, 3000, 'open');
    await publishDirect(server.url, server.apiKey, channel, { i: 1 });
    await waitFor(() => got.length === 1, 3000, 'first message');

    proxy.stall();
    const live = (): number => server.herald.stats.connections[transport === 'websocket' ? 'websocket' : 'sse'];
    let i = 1;
    while (live() > 0) {
      if (i > 2000) throw new Error('the hub never cut the stalled connection');
      await publishDirect(server.url, server.apiKey, channel, { i: ++i, pad: PAD });
    }
    const cutAt = i;
    const pulls = paths.length;
    const publishPadded = async () => {
      for (let n = 0; n < 3; n++) await publishDirect(server.url, server.apiKey, channel, { i: ++i, pad: PAD });
    };
    if (pastGrace) {
      // Still stalled after the grace: the hub gives up on the close frame and cuts the connection.
      await new Promise((resolve) => setTimeout(resolve, PAST_GRACE_MS));
      await publishPadded();
      proxy.resume();
    } else {
      // At once: the hub gives a stalled peer 1 s to take its close frame before it cuts the TCP connection.
      proxy.resume();
      await publishPadded();
    }

    await waitFor(() => got.length === i, 10_000, `catch-up to ${i}`);
    await waitFor(() => client.state.state === 'open', 3000, 'live again');
    for (let n = 0; n < 3; n++) await publishDirect(server.url, server.apiKey, channel, { i: ++i });
    await waitFor(() => got.length === i, 3000, 'live messages after the catch-up');
    await new Promise((resolve) => setTimeout(resolve, 150)); // a duplicate would show up now

    expect(got.map((m) => (m.data as { i: number }).i)).toEqual(Array.from({ length: i }, (_, n) => n + 1));
    expect(client.state).toMatchObject({ state: 'open', transport });
    return { states, cutAt, pullsAfterCut: paths.slice(pulls) };
  }

  it('is cut by the hub (4100), catches up by pull from its cursor, then goes live with no loss', async () => {
    const { states, cutAt, pullsAfterCut } = await stallUntilCut(false);
    expect(cutAt).toBeGreaterThan(3); // it was cut for not reading, not for one large message
    expect(states).toContainEqual(expect.objectContaining({ state: 'reconnecting', reason: 'slow consumer' }));
    // The backlog came by pull (`limit=1000` pages from the cursors), not through a new live stream.
    expect(pullsAfterCut.some((p) => p.startsWith('/v1/events?') && p.includes('limit=1000'))).toBe(true);
  });

  it('stalled past the close grace: never reads the 4100, sees the connection break, resumes with no loss', async () => {
    const { states } = await stallUntilCut(true);
    // What the client saw: a connection that broke off, not the hub's slow-consumer close.
    const reconnects = states.filter((s) => s.state === 'reconnecting');
    expect(reconnects.length).toBeGreaterThan(0);
    expect(reconnects.some((s) => 'reason' in s && s.reason === 'slow consumer')).toBe(false);
  });
});
