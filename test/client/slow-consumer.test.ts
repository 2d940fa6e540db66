import { afterEach, describe, expect, it } from 'vitest';
import { connect, type HeraldClient, type TransportName } from '../../packages/client/src/node.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { collect, FAST, publishDirect, recordStates, waitFor } from './helpers.ts';
import { startTcpProxy, type TcpProxy } from './proxies.ts';

/**
 * A few of these overflow the hub's 16 KB backlog once the socket stops draining. One alone stays
 * under it: the hub measures an HTTP stream's backlog right after writing, before the corked chunk
 * is flushed, so one message above the limit would cut even a reader that keeps up.
 */
const PAD = 'x'.repeat(6 * 1024);

describe.each<TransportName>(['websocket', 'sse'])('slow consumer over %s', (transport) => {
  let server: TestServer;
  let proxy: TcpProxy;
  let client: HeraldClient;

  afterEach(async () => {
    await client?.close();
    await proxy?.close();
    await server?.close();
  });

  it('is cut by the hub (4100), catches up by pull from its cursor, then goes live with no loss', async () => {
    server = await startTestServer({ maxBacklogBytes: 16 * 1024, streamHeartbeatMs: 200, shutdownTimeoutMs: 100 });
    const paths: string[] = [];
    server.herald.http.on('request', (req: { url?: string }) => paths.push(req.url ?? ''));
    proxy = await startTcpProxy(server.url);
    // The watchdog must not fire while the socket is stalled: the hub's cut is what is under test.
    client = connect(proxy.url, {
      ...FAST,
      heartbeat: { ping: 10_000, timeout: 20_000 },
      token: server.apiKey,
      transports: [transport],
    });
    const states = recordStates(client);
    const channel = `slow-${transport}`;
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
    // At once: the hub gives a stalled peer 1 s to take its close frame before it cuts the TCP connection.
    proxy.resume();
    for (let n = 0; n < 3; n++) await publishDirect(server.url, server.apiKey, channel, { i: ++i, pad: PAD });

    await waitFor(() => got.length === i, 10_000, `catch-up to ${i}`);
    await waitFor(() => client.state.state === 'open', 3000, 'live again');
    for (let n = 0; n < 3; n++) await publishDirect(server.url, server.apiKey, channel, { i: ++i });
    await waitFor(() => got.length === i, 3000, 'live messages after the catch-up');
    await new Promise((resolve) => setTimeout(resolve, 150)); // a duplicate would show up now

    expect(got.map((m) => (m.data as { i: number }).i)).toEqual(Array.from({ length: i }, (_, n) => n + 1));
    expect(cutAt).toBeGreaterThan(3); // it was cut for not reading, not for one large message
    expect(states).toContainEqual(expect.objectContaining({ state: 'reconnecting', reason: 'slow consumer' }));
    // The backlog came by pull (`limit=1000` pages from the cursors), not through a new live stream.
    expect(paths.slice(pulls).some((p) => p.startsWith('/v1/events?') && p.includes('limit=1000'))).toBe(true);
    expect(client.state).toMatchObject({ state: 'open', transport });
  });
});
