import { once } from 'node:events';
import { createServer, type Server, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type TurnWriter, WriteTurns } from './write-turns.ts';

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

/** A real TCP connection on loopback: the client socket the hub writes to, and what its peer reads. */
async function connection(servers: Server[]) {
  const received: Buffer[] = [];
  const server = createServer((peer) => {
    peer.on('data', (chunk: Buffer) => received.push(chunk));
    peer.on('error', () => {});
    peer.on('end', () => peer.destroy());
  });
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  const socket = new Socket();
  socket.connect(address.port, '127.0.0.1');
  await once(socket, 'connect');
  return { socket, received };
}

describe('WriteTurns', () => {
  const servers: Server[] = [];
  afterEach(async () => {
    for (const s of servers.splice(0)) {
      await new Promise((resolve) => s.close(resolve));
    }
  });

  it('sends every write of a turn to each socket together at the end of the turn, in one setImmediate', async () => {
    const turns = new WriteTurns();
    const a = await connection(servers);
    const b = await connection(servers);
    const writerA: TurnWriter = { socket: a.socket, held: undefined };
    const writerB: TurnWriter = { socket: b.socket, held: undefined };
    turns.hold(writerA, Buffer.from('a1'));
    turns.hold(writerB, Buffer.from('b1'));
    turns.hold(writerA, Buffer.from('a2'));
    turns.hold(writerA, Buffer.from('a3'));
    // Held from the first write: nothing has reached the kernel yet.
    expect(a.socket.writableLength).toBe(6);
    expect(b.socket.writableLength).toBe(0);
    await nextTurn();
    // Both leave in the same setImmediate: a's in one writev, so the peer reads them in one chunk.
    expect(a.socket.writableCorked).toBe(0);
    expect(a.socket.writableLength).toBe(0);
    expect(writerB.held).toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(a.received.map(String)).toEqual(['a1a2a3']);
    expect(Buffer.concat(b.received).toString()).toBe('b1');
    // A later turn starts over.
    turns.hold(writerA, Buffer.from('a4'));
    expect(writerA.held?.toString()).toBe('a4');
    await nextTurn();
    expect(writerA.held).toBeUndefined();
    a.socket.destroy();
    b.socket.destroy();
  });

  it('lets a corked socket destroyed within the turn go without error', async () => {
    const turns = new WriteTurns();
    const a = await connection(servers);
    const writer: TurnWriter = { socket: a.socket, held: undefined };
    turns.hold(writer, Buffer.from('x'));
    turns.hold(writer, Buffer.from('y'));
    a.socket.destroy();
    await nextTurn();
    expect(a.socket.destroyed).toBe(true);
  });

  it('holds a lone frame on its writer without corking, and writes it at the end of the turn', async () => {
    const turns = new WriteTurns();
    const a = await connection(servers);
    const writer: TurnWriter = { socket: a.socket, held: undefined };
    turns.hold(writer, Buffer.from('m1'));
    expect(a.socket.writableCorked).toBe(0);
    expect(a.socket.writableLength).toBe(0);
    expect(writer.held?.toString()).toBe('m1');
    await nextTurn();
    expect(writer.held).toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(Buffer.concat(a.received).toString()).toBe('m1');
    a.socket.destroy();
  });

  it('corks at the second frame of a turn, the held one first, and sends them together', async () => {
    const turns = new WriteTurns();
    const a = await connection(servers);
    const writer: TurnWriter = { socket: a.socket, held: undefined };
    turns.hold(writer, Buffer.from('m1'));
    turns.hold(writer, Buffer.from('m2'));
    turns.hold(writer, Buffer.from('m3'));
    expect(writer.held).toBeUndefined();
    expect(a.socket.writableCorked).toBe(1);
    expect(a.socket.writableLength).toBe(6);
    await nextTurn();
    expect(a.socket.writableCorked).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(a.received.map(String)).toEqual(['m1m2m3']);
    a.socket.destroy();
  });

  it('flushes the held frame ahead of a write of its own, so the order on the wire stays', async () => {
    const turns = new WriteTurns();
    const a = await connection(servers);
    const writer: TurnWriter = { socket: a.socket, held: undefined };
    turns.hold(writer, Buffer.from('message;'));
    turns.flush(writer);
    a.socket.write('close;');
    turns.hold(writer, Buffer.from('late;'));
    await nextTurn();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(Buffer.concat(a.received).toString()).toBe('message;close;late;');
    a.socket.destroy();
  });

  it('drops a held frame of a socket destroyed within the turn, without error', async () => {
    const turns = new WriteTurns();
    const a = await connection(servers);
    const writer: TurnWriter = { socket: a.socket, held: undefined };
    let failed: unknown;
    a.socket.on('error', (e) => {
      failed = e;
    });
    turns.hold(writer, Buffer.from('x'));
    a.socket.destroy();
    await nextTurn();
    expect(writer.held).toBeUndefined();
    expect(failed).toBeUndefined();
  });
});
