import { connect, type HeraldClient, type TransportName } from '@herald/client';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { collect, FAST, publishDirect, recordStates, waitFor } from './helpers.ts';
import { startTcpProxy, type TcpProxy } from './proxies.ts';

const TRANSPORTS: TransportName[] = ['websocket', 'sse', 'ndjson', 'long-poll', 'poll'];

describe.each(TRANSPORTS)('%s forced alone', (transport) => {
  let server: TestServer;
  let proxy: TcpProxy;
  let client: HeraldClient;

  afterEach(async () => {
    await client?.close();
    await proxy?.close();
    await server?.close();
  });

  it('receives, publishes, and resumes after the connection is cut with no loss or duplicate', async () => {
    server = await startTestServer({ streamHeartbeatMs: 200, shutdownTimeoutMs: 100 });
    proxy = await startTcpProxy(server.url);
    client = connect(proxy.url, { ...FAST, token: server.apiKey, transports: [transport] });
    const states = recordStates(client);
    const channel = `t-${transport}`;
    const sub = client.subscribe(channel);
    const got = collect(sub);
    await waitFor(() => client.state.state === 'open' && sub.cursor !== undefined, 3000, 'open');

    for (let i = 1; i <= 3; i++) await publishDirect(server.url, server.apiKey, channel, i);
    const own = await client.publish(channel, 4, { event: 'mine' });
    expect(own.offset).toBe(4);
    await waitFor(() => got.length === 4, 3000, 'first 4 messages');

    proxy.cut();
    for (let i = 5; i <= 10; i++) await publishDirect(server.url, server.apiKey, channel, i);
    await waitFor(() => got.length >= 10, 5000, 'messages after the cut');
    await new Promise((resolve) => setTimeout(resolve, 150)); // a duplicate would show up now

    expect(got.map((m) => m.data)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(got.map((m) => m.offset)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(got[3]?.event).toBe('mine');
    expect(sub.cursor).toBe(got[9]?.cursor);
    // Plain polling holds no connection between requests, so a cut may go unnoticed: that is fine.
    if (transport !== 'poll') expect(states.some((s) => s.state === 'reconnecting')).toBe(true);
    expect(client.state).toMatchObject({ state: 'open', transport });
  });

  it('resumes from a stored cursor and reports a reset it cannot honour', async () => {
    server = await startTestServer({ streamHeartbeatMs: 200, shutdownTimeoutMs: 100 });
    client = connect(server.url, { ...FAST, token: server.apiKey, transports: [transport] });
    const channel = `r-${transport}`;
    for (let i = 1; i <= 5; i++) await publishDirect(server.url, server.apiKey, channel, i);
    const first = client.subscribe(channel, { after: '0' });
    const all = collect(first);
    await waitFor(() => all.length === 5, 3000, 'history');
    const saved = all[2]?.cursor as string;
    first.unsubscribe();

    const resumed = client.subscribe(channel, { after: saved });
    const rest = collect(resumed);
    await waitFor(() => rest.length === 2, 3000, 'resume');
    expect(rest.map((m) => m.data)).toEqual([4, 5]);
    resumed.unsubscribe();

    const stale = client.subscribe(channel, { after: 'gone:2' });
    const resets: unknown[] = [];
    stale.on('reset', (r) => resets.push(r));
    const after = collect(stale);
    await waitFor(() => after.length === 5, 3000, 'after reset');
    expect(resets).toEqual([expect.objectContaining({ channel, previous: 'gone:2', from: 1, lost: undefined })]);
  });
});
