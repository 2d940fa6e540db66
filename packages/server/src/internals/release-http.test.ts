import { createServer, request } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { releaseHttp } from './release-http.ts';

// The canary for release-http.ts: on the Node in use, a streaming response really leaves node:http
// (if Node's internals change, the release is skipped and this fails instead of memory going up).
describe('releaseHttp', () => {
  const servers: Array<ReturnType<typeof createServer>> = [];
  afterEach(() => {
    for (const s of servers.splice(0)) s.close();
  });

  it('frees the parser and the response; the stream keeps writing on the bare socket', async () => {
    const finished: number[] = [];
    let socket: Socket | undefined;
    let released = false;
    const server = createServer(async (req, res) => {
      // As in the hub, the stream opens after an await: by then node:http has read the whole request.
      await Promise.resolve();
      res.on('finish', function (this: { statusCode: number }) {
        finished.push(this.statusCode);
      });
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.flushHeaders();
      socket = res.socket as Socket;
      released = releaseHttp(req, res, socket);
      socket.write('5\r\nhello\r\n');
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    const body = await new Promise<string>((resolve, reject) => {
      const req = request({ port, host: '127.0.0.1', path: '/' }, (res) => {
        res.setEncoding('utf8');
        res.once('data', (chunk: string) => resolve(chunk));
      });
      req.on('error', reject);
      req.end();
    });
    expect(released).toBe(true);
    expect(body).toBe('hello');
    const raw = socket as unknown as { parser: unknown; _httpMessage: unknown };
    expect(raw.parser).toBeNull();
    expect(raw._httpMessage).toBeNull();
    // node:http's listeners are gone from the socket; only the stream's own remain.
    const names = (socket as Socket).listeners('data').map((f) => f.name);
    expect(names).not.toContain('bound socketOnData');
    expect(finished).toEqual([]);
  });
});
