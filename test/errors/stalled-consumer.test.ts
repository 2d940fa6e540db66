import { afterEach, describe, expect, it } from 'vitest';
import { connect, type HeraldClient, type TransportName } from '../../packages/client/src/node.ts';
import { collect, FAST, publishDirect, recordStates, waitFor } from '../client/helpers.ts';
import { startTcpProxy, type TcpProxy } from '../client/proxies.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

// Issue 13, item 13: the hub's slow-consumer close (4100, or the `herald.close` event of a stream)
// is written behind the data the client did not read. A client that stays stalled past the close
// grace never reads it: the hub cuts the TCP connection, and the client sees an abnormal end (1006,
// or a stream that breaks off). It must still come back losslessly from its cursor. docs/errors.md
// says what a stalled client sees.
const PAD = 'x'.repeat(6 * 1024);
/** The hub's grace for a closing socket to take its close frame (ws-connection.ts), plus a margin. */
const PAST_GRACE_MS = 1_600;

describe.each<TransportName>(['websocket', 'sse'])('a consumer stalled past the close grace (%s)', (transport) => {
  let server: TestServer;
  let proxy: TcpProxy;
  let client: HeraldClient;

  afterEach(async () => {
    await client?.close();
    await proxy?.close();
    await server?.close();
  });

  it('never reads the 4100, sees the connection break, and resumes from its cursor with no loss', async () => {
    server = await startTestServer({ maxBacklogBytes: 16 * 1024, streamHeartbeatMs: 200, shutdownTimeoutMs: 100 });
    proxy = await startTcpProxy(server.url);
    client = connect(proxy.url, {
      ...FAST,
      // The client's own watchdog must not fire first: the hub's cut is what is under test.
      heartbeat: { ping: 10_000, timeout: 20_000 },
      token: server.apiKey,
      transports: [transport],
    });
    const states = recordStates(client);
    const channel = `stalled-${transport}`;
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
    // Still stalled after the grace: the hub gives up on the close frame and cuts the connection.
    await new Promise((resolve) => setTimeout(resolve, PAST_GRACE_MS));
    for (let n = 0; n < 3; n++) await publishDirect(server.url, server.apiKey, channel, { i: ++i, pad: PAD });
    proxy.resume();

    await waitFor(() => got.length === i, 10_000, `catch-up to ${i}`);
    await waitFor(() => client.state.state === 'open', 3000, 'live again');
    for (let n = 0; n < 3; n++) await publishDirect(server.url, server.apiKey, channel, { i: ++i });
    await waitFor(() => got.length === i, 3000, 'live messages after the catch-up');
    await new Promise((resolve) => setTimeout(resolve, 150)); // a duplicate would show up now

    expect(got.map((m) => (m.data as { i: number }).i)).toEqual(Array.from({ length: i }, (_, n) => n + 1));
    // What the client saw: a connection that broke off, not the hub's slow-consumer close.
    const reconnects = states.filter((s) => s.state === 'reconnecting');
    expect(reconnects.length).toBeGreaterThan(0);
    expect(reconnects.some((s) => 'reason' in s && s.reason === 'slow consumer')).toBe(false);
    expect(client.state).toMatchObject({ state: 'open', transport });
  });
});
