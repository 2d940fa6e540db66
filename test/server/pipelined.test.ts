import { connect, type Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { publish, uniqueChannel } from '../helpers/http.ts';
import { Inbox } from '../helpers/inbox.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

// HTTP/1.1 pipelining: a stream asked for on a connection behind a held long poll starts once the
// long poll is answered (node:http gives it the socket then), and the hub keeps serving.
describe('a stream pipelined behind a long poll', () => {
  let server: TestServer;
  const sockets: Socket[] = [];
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterEach(() => {
    for (const s of sockets.splice(0)) s.destroy();
  });
  afterAll(() => server.close());

  it.each([
    ['SSE', 'text/event-stream', /\ndata: "after"\n/],
    ['NDJSON', 'application/x-ndjson', /\{"channel":"[^"]+","offset":1,"data":"after"/],
  ])('%s', async (_name, accept, delivered) => {
    const channel = uniqueChannel();
    const { port } = new URL(server.url);
    const socket = connect(Number(port), '127.0.0.1');
    sockets.push(socket);
    const received = new Inbox<string>();
    let text = '';
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
      received.push(text);
    });
    const path = `/v1/channels/${channel}/messages`;
    socket.write(
      `GET ${path}?wait=1 HTTP/1.1\r\nHost: x\r\n\r\nGET ${path}?after=0 HTTP/1.1\r\nHost: x\r\nAccept: ${accept}\r\n\r\n`,
    );
    // The long poll times out empty (204), then the stream's head follows on the same connection.
    const head = new RegExp(`^HTTP/1\\.1 204 [\\s\\S]*\r\n\r\nHTTP/1\\.1 200 OK\r\n[\\s\\S]*${accept}`);
    await received.until((t) => head.test(t), 5_000);
    // From the start (after=0), so the message is the stream's whatever its subscribe's timing.
    await publish(server, channel, 'after');
    await received.until((t) => delivered.test(t), 5_000);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });
});
