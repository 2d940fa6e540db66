import { createServer, type ServerResponse } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { writeUncheckedHead } from './unchecked-head.ts';

const PAIRS = ['access-control-allow-origin', '*', 'etag', '"e1:7"', 'herald-poll-interval', '15000'];

/** The raw answer to one GET, its Date line removed (the only part that may differ between two answers). */
async function rawAnswer(port: number, path: string): Promise<string> {
  const socket = connect(port, '127.0.0.1');
  socket.setEncoding('latin1');
  socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
  let text = '';
  for await (const chunk of socket) text += chunk;
  return text.replace(/\r\nDate: [^\r]*/, '');
}

// The canary for unchecked-head.ts: on the Node in use, the head goes through node:http's header store
// (if Node's internals change, writeHead is used instead and this fails) with the bytes writeHead writes.
describe('writeUncheckedHead', () => {
  const servers: Array<ReturnType<typeof createServer>> = [];
  afterEach(() => {
    for (const s of servers.splice(0)) s.close();
  });

  async function serve(answer: (path: string, res: ServerResponse) => void): Promise<number> {
    const server = createServer((req, res) => answer(req.url as string, res));
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return (server.address() as AddressInfo).port;
  }

  it("writes what writeHead writes, through node:http's header store", async () => {
    const stored: unknown[] = [];
    const port = await serve((path, res) => {
      const status = path.startsWith('/304') ? 304 : 200;
      if (path.endsWith('/unchecked')) {
        writeUncheckedHead(res, status, [PAIRS.slice(0, 2), [], PAIRS.slice(2)], true);
        stored.push(res.getHeader('etag'), res.getHeader('toString'), res.getHeaderNames());
      } else {
        res.writeHead(status, PAIRS);
      }
      res.end(status === 200 ? 'page' : undefined);
    });
    for (const status of ['304', '200']) {
      const unchecked = await rawAnswer(port, `/${status}/unchecked`);
      expect(unchecked).toBe(await rawAnswer(port, `/${status}/checked`));
      expect(unchecked).toContain('\r\netag: "e1:7"\r\nherald-poll-interval: 15000\r\n');
    }
    expect(stored.slice(0, 3)).toEqual([
      '"e1:7"',
      undefined,
      ['access-control-allow-origin', 'etag', 'herald-poll-interval'],
    ]);
  });

  it('is writeHead without internals, and after a header was set', async () => {
    const stored: unknown[] = [];
    const port = await serve((path, res) => {
      if (path === '/set') res.setHeader('vary', 'Origin');
      writeUncheckedHead(res, 200, [PAIRS.slice(0, 2), PAIRS.slice(2)], path !== '/off');
      stored.push(res.getHeader('etag'));
      res.end();
    });
    const off = await rawAnswer(port, '/off');
    expect(off).toContain('\r\naccess-control-allow-origin: *\r\netag: "e1:7"\r\n');
    expect(await rawAnswer(port, '/set')).toContain('\r\nvary: Origin\r\naccess-control-allow-origin: *\r\n');
    // writeHead's list of pairs does not go through the store: nothing to read back.
    expect(stored).toEqual([undefined, '"e1:7"']);
  });
});
