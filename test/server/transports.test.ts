import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { publish, uniqueChannel } from '../helpers/http.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { type Subscriber, subscribe, TRANSPORTS } from '../helpers/subscribers.ts';

// Every transport delivers what is published, in order, with offset, event and data intact.
describe('every transport receives published messages', () => {
  let server: TestServer;
  const open: Subscriber[] = [];
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  });
  afterAll(() => server.close());

  it.each(TRANSPORTS)('%s', async (transport) => {
    const channel = uniqueChannel(transport);
    await publish(server, channel, 'before');
    const sub = await subscribe(server, transport, channel);
    open.push(sub);
    await publish(server, channel, { team: 'A' }, { event: 'goal' });
    await publish(server, channel, [1, 'two', null]);
    await publish(server, channel, 'ünïcödé \u2028 "quoted"');
    expect(await sub.items.take(3)).toEqual([
      { type: 'message', channel, offset: 2, event: 'goal', data: { team: 'A' } },
      { type: 'message', channel, offset: 3, data: [1, 'two', null] },
      { type: 'message', channel, offset: 4, data: 'ünïcödé \u2028 "quoted"' },
    ]);
  });
});
