import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTcpProxy, type TcpProxy } from '../client/proxies.ts';
import { publish, uniqueChannel } from '../helpers/http.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { ensureBuilt } from './build.ts';
import { Cli, killAll } from './processes.ts';

// `herald subscribe` (docs/config.md) says on stderr when it is subscribed (and how to get history)
// and when it reconnects; stdout carries the messages alone.
let s: TestServer;
let proxy: TcpProxy;

beforeAll(async () => {
  await ensureBuilt();
  s = await startTestServer({ shutdownTimeoutMs: 300, pollIntervalMs: { min: 50, max: 100 } });
  proxy = await startTcpProxy(s.url);
}, 60_000);
afterAll(async () => {
  await proxy?.close();
  await s?.close();
});
afterEach(killAll);

const status = (cli: Cli, what: RegExp) => cli.waitForLine(what, 10_000);

describe.each(['websocket', 'sse', 'ndjson', 'long-poll', 'poll'])('herald subscribe --transport %s', (transport) => {
  it('prints "subscribed" once connected and "reconnected" after a drop, on stderr only', async () => {
    const channel = uniqueChannel();
    await publish(s, channel, 'before'); // not printed: without --after only new messages come
    const cli = new Cli(['subscribe', channel, '--transport', transport, '--url', proxy.url]);
    await status(cli, new RegExp(`^herald subscribe: subscribed to ${channel} over ${transport}: new messages only`));
    expect(cli.errLines.at(-1)).toContain('--after 0');
    expect(cli.lines).toEqual([]);

    await publish(s, channel, 'one');
    await cli.waitForLines(1, 10_000);
    if (transport === 'poll') {
      // A plain poll holds no connection between its requests: a drop between two is never seen.
      expect(cli.errLines).toHaveLength(1);
      return;
    }
    proxy.cut(); // the network drops every connection
    await status(
      cli,
      new RegExp(`^herald subscribe: reconnected to ${channel} over ${transport}, resuming after \\S+:2$`),
    );
    await publish(s, channel, 'two');
    await cli.waitForLines(2, 10_000);

    expect(cli.lines.map((l) => (JSON.parse(l) as { data: unknown }).data)).toEqual(['one', 'two']);
    expect(cli.errLines.filter((l) => l.includes(' subscribed to '))).toHaveLength(1);
  });
});

it('says where it starts when given --after', async () => {
  const channel = uniqueChannel();
  await publish(s, channel, 'kept');
  const cli = new Cli(['subscribe', channel, '--after', '0', '--count', '1', '--url', s.url]);
  await status(cli, new RegExp(`^herald subscribe: subscribed to ${channel} over \\S+, from the oldest message kept$`));
  expect(await cli.exited).toEqual({ code: 0, signal: null });
  expect(cli.lines.map((l) => (JSON.parse(l) as { data: unknown }).data)).toEqual(['kept']);
});
