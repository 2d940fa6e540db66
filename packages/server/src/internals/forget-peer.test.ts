import { once } from 'node:events';
import { type AddressInfo, connect, createServer, type Socket } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { forgetPeer } from './forget-peer.ts';

const open: Array<{ close(): void }> = [];
afterEach(() => {
  for (const o of open.splice(0)) o.close();
});

it("drops node's cached peer address; the address is read again when asked", async () => {
  const server = createServer();
  open.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const accepted = once(server, 'connection') as Promise<[Socket]>;
  const client = connect((server.address() as AddressInfo).port, '127.0.0.1');
  open.push({ close: () => client.destroy() });
  const [socket] = await accepted;
  open.push({ close: () => socket.destroy() });
  expect(socket.remoteAddress).toBe('127.0.0.1');
  const cache = socket as unknown as { _peername?: unknown };
  expect(cache._peername).toBeDefined();
  forgetPeer(socket);
  expect(cache._peername).toBeUndefined();
  expect(socket.remoteAddress).toBe('127.0.0.1');
  expect(socket.remotePort).toBe(client.localPort);
});
