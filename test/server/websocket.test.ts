import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openWs, type WsClient } from '../helpers/clients.ts';
import { auth, messagesUrl, publish, publishRange, uniqueChannel } from '../helpers/http.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const message = (channel: string, offset: number, data: unknown) => ({
  op: 'message',
  channel,
  offset,
  data,
  time: expect.any(Number),
});

// WebSocket, contract section 6.
describe('WebSocket', () => {
  let server: TestServer;
  const open: WsClient[] = [];
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((c) => c.close()));
  });
  afterAll(() => server.close());

  async function ws(url: string): Promise<WsClient> {
    const client = await openWs(url, { headers: auth(server) });
    open.push(client);
    return client;
  }

  describe('bound to a channel', () => {
    it('subscribed first, then message objects and reset objects as in NDJSON', async () => {
      const channel = uniqueChannel();
      const epoch = await publishRange(server, channel, 1, 2);
      const client = await ws(messagesUrl(server, channel, { after: `${epoch}:1` }));
      expect(await client.frames.take(2)).toEqual([
        { subscribed: { channel, epoch, cursor: `${epoch}:1` } },
        { channel, offset: 2, data: 2, time: expect.any(Number) },
      ]);
      await publish(server, channel, { team: 'A' }, { event: 'goal' });
      expect(await client.frames.next()).toEqual({
        channel,
        offset: 3,
        event: 'goal',
        data: { team: 'A' },
        time: expect.any(Number),
      });
      const reset = await ws(messagesUrl(server, channel, { after: 'gone:1' }));
      expect(await reset.frames.take(2)).toEqual([
        { subscribed: { channel, epoch, cursor: `${epoch}:0` } },
        { reset: { channel, epoch, from: 1 } },
      ]);
    });

    it('answers op ping with pong; any other frame gets an error and the socket stays up', async () => {
      const channel = uniqueChannel();
      const client = await ws(messagesUrl(server, channel));
      await client.frames.next();
      client.send('not json');
      client.send({ op: 'subscribe', ref: 2, channel });
      client.send({ op: 'ping', ref: 3 });
      expect(await client.frames.take(3)).toEqual([
        { op: 'error', code: 'bad_request', message: expect.any(String) },
        { op: 'error', ref: 2, code: 'bad_request', message: expect.any(String) },
        { op: 'pong', ref: 3 },
      ]);
      await publish(server, channel, 'still here');
      expect(await client.frames.next()).toMatchObject({ channel, offset: 1, data: 'still here' });
    });
  });

  describe('multiplexed on /v1/ws', () => {
    it('subscribe answers ok (epoch, cursor) before any message; publish answers ok and is delivered', async () => {
      const channel = uniqueChannel('chat:r1');
      const epoch = await publishRange(server, channel, 1, 3);
      const client = await ws(`${server.url}/v1/ws`);
      client.send({ op: 'subscribe', ref: 1, channel, after: `${epoch}:1` });
      expect(await client.frames.take(3)).toEqual([
        { op: 'ok', ref: 1, channel, epoch, cursor: `${epoch}:1` },
        message(channel, 2, 2),
        message(channel, 3, 3),
      ]);
      client.send({ op: 'publish', ref: 'p', channel, event: 'msg', data: { text: 'hi' } });
      const frames = await client.frames.take(2);
      const ok = frames.find((f) => f.op === 'ok');
      expect(ok).toEqual({
        op: 'ok',
        ref: 'p',
        channel,
        epoch,
        offset: 4,
        cursor: `${epoch}:4`,
        time: expect.any(Number),
      });
      expect(frames.find((f) => f.op === 'message')).toEqual({ ...message(channel, 4, { text: 'hi' }), event: 'msg' });
    });

    it('subscribe from a foreign epoch gets ok, then a reset op, then the messages', async () => {
      const channel = uniqueChannel();
      const epoch = await publishRange(server, channel, 1, 1);
      const client = await ws(`${server.url}/v1/ws`);
      client.send({ op: 'subscribe', ref: 1, channel, after: 'other:7' });
      expect(await client.frames.take(3)).toEqual([
        { op: 'ok', ref: 1, channel, epoch, cursor: `${epoch}:0` },
        { op: 'reset', channel, epoch, from: 1 },
        message(channel, 1, 1),
      ]);
    });

    it('several channels on one socket; unsubscribe stops delivery', async () => {
      const a = uniqueChannel('a');
      const b = uniqueChannel('b');
      const client = await ws(`${server.url}/v1/ws`);
      client.send({ op: 'subscribe', ref: 1, channel: a });
      client.send({ op: 'subscribe', ref: 2, channel: b });
      const oks = await client.frames.take(2);
      expect(oks.map((f) => [f.op, f.ref])).toEqual([
        ['ok', 1],
        ['ok', 2],
      ]);
      await publish(server, a, 'a1');
      await publish(server, b, 'b1');
      expect(await client.frames.take(2)).toEqual([message(a, 1, 'a1'), message(b, 1, 'b1')]);
      client.send({ op: 'unsubscribe', ref: 3, channel: a });
      expect(await client.frames.next()).toMatchObject({ op: 'ok', ref: 3 });
      await publish(server, a, 'a2');
      await publish(server, b, 'b2');
      expect(await client.frames.next()).toEqual(message(b, 2, 'b2'));
    });

    it('ping op answers pong with the ref', async () => {
      const client = await ws(`${server.url}/v1/ws`);
      client.send({ op: 'ping', ref: 4 });
      client.send({ op: 'ping', ref: 'x' });
      expect(await client.frames.take(2)).toEqual([
        { op: 'pong', ref: 4 },
        { op: 'pong', ref: 'x' },
      ]);
    });

    it.each([
      ['not JSON', '{"op":'],
      ['a JSON array', '[1,2]'],
      ['a JSON string', '"subscribe"'],
      ['no op', '{"ref":1}'],
      ['an unknown op', '{"op":"dance","ref":1}'],
      ['a channel of the wrong type', '{"op":"subscribe","ref":1,"channel":5}'],
      ['a bad channel name', '{"op":"subscribe","ref":1,"channel":"a b"}'],
      ['an after of the wrong type', '{"op":"subscribe","ref":1,"channel":"x","after":7}'],
      ['a bad cursor', '{"op":"subscribe","ref":1,"channel":"x","after":"abc"}'],
      ['a publish without data', '{"op":"publish","ref":1,"channel":"x"}'],
      ['an event of the wrong type', '{"op":"publish","ref":1,"channel":"x","event":1,"data":1}'],
      ['a ref of the wrong type', '{"op":"ping","ref":{"a":1}}'],
    ])('%s gets an error frame (bad_request) and the socket stays up', async (_what, frame) => {
      const client = await ws(`${server.url}/v1/ws`);
      client.send(frame);
      const error = await client.frames.next();
      expect(error).toMatchObject({ op: 'error', code: 'bad_request', message: expect.any(String) });
      const sent = JSON.parse(frame.startsWith('{"op":"') && frame.endsWith('}') ? frame : '{}') as { ref?: unknown };
      if (typeof sent.ref === 'number') expect(error.ref).toBe(sent.ref);
      client.send({ op: 'ping', ref: 99 });
      expect(await client.frames.next()).toEqual({ op: 'pong', ref: 99 });
    });

    it('a binary frame gets an error and the socket stays up', async () => {
      const client = await ws(`${server.url}/v1/ws`);
      client.ws.send(Buffer.from('{"op":"ping","ref":1}'), { binary: true });
      expect(await client.frames.next()).toMatchObject({ op: 'error', code: 'bad_request' });
      client.send({ op: 'ping', ref: 2 });
      expect(await client.frames.next()).toEqual({ op: 'pong', ref: 2 });
    });
  });

  describe('compact message frames (subprotocol herald.compact)', () => {
    it('a bound socket gets {o,t,e?,d} without the channel; other frames keep their shape', async () => {
      const channel = uniqueChannel();
      const epoch = await publishRange(server, channel, 1, 1);
      const client = await openWs(messagesUrl(server, channel, { after: `${epoch}:0` }), {}, ['herald.compact']);
      open.push(client);
      expect(client.ws.protocol).toBe('herald.compact');
      expect(await client.frames.take(2)).toEqual([
        { subscribed: { channel, epoch, cursor: `${epoch}:0` } },
        { o: 1, t: expect.any(Number), d: 1 },
      ]);
      await publish(server, channel, { team: 'A' }, { event: 'goal' });
      expect(await client.frames.next()).toEqual({ o: 2, t: expect.any(Number), e: 'goal', d: { team: 'A' } });
    });

    it('a multiplexed socket gets {c,o,t,d}; a socket that offers nothing gets the default frames', async () => {
      const channel = uniqueChannel();
      const compact = await openWs(`${server.url}/v1/ws`, { headers: auth(server) }, ['other', 'herald.compact']);
      const plain = await ws(`${server.url}/v1/ws`);
      open.push(compact);
      expect(plain.ws.protocol).toBe('');
      for (const c of [compact, plain]) {
        c.send({ op: 'subscribe', ref: 1, channel });
        expect(await c.frames.next()).toMatchObject({ op: 'ok', ref: 1, channel });
      }
      await publish(server, channel, 'x');
      expect(await compact.frames.next()).toEqual({ c: channel, o: 1, t: expect.any(Number), d: 'x' });
      expect(await plain.frames.next()).toEqual(message(channel, 1, 'x'));
    });
  });
});
