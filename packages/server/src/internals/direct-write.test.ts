import { execFileSync } from 'node:child_process';
import type { Server } from 'node:net';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { loopback, recordWrites } from '../test-support/loopback.ts';
import { type TurnWriter, WriteTurns } from '../transports/write-turns.ts';
import { DirectWrite } from './direct-write.ts';

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('DirectWrite (write turns past node’s Writable)', () => {
  const servers: Server[] = [];
  afterEach(async () => {
    for (const s of servers.splice(0)) {
      s.close();
    }
  });
  /** Write turns with direct writes on, a loopback connection, and a writer for its socket. */
  async function setup() {
    const a = await loopback(servers);
    const writer: TurnWriter = { socket: a.socket, held: undefined, direct: undefined, queuedBefore: 0 };
    return { turns: new WriteTurns(true), a, writer };
  }

  it('writes each turn to the TCP handle: the peer gets the bytes, the Writable never holds them', async () => {
    const { turns, a, writer } = await setup();
    const written = recordWrites(a.socket);
    turns.hold(writer, Buffer.from('m1;'));
    turns.hold(writer, Buffer.from('m2;'));
    await nextTurn();
    turns.hold(writer, Buffer.from('m3;'));
    await nextTurn();
    expect(writer.direct).toBeInstanceOf(DirectWrite);
    expect(written.length).toBe(0);
    expect(a.socket.writableLength).toBe(0);
    // node counts the bytes from the handle, so bytesWritten includes direct writes.
    expect(a.socket.bytesWritten).toBe(9);
    await sleep(50);
    expect(a.text()).toBe('m1;m2;m3;');
    a.socket.destroy();
  });

  it("keeps the order with the socket's own writes (a close frame after the held messages)", async () => {
    const { turns, a, writer } = await setup();
    turns.hold(writer, Buffer.from('message;'));
    turns.flush(writer);
    a.socket.write('close;');
    turns.hold(writer, Buffer.from('late;'));
    await nextTurn();
    await sleep(50);
    expect(a.text()).toBe('message;close;late;');
    a.socket.destroy();
  });

  it('a peer that stops reading: one write waits in libuv, the rest in the Writable, counted; all arrive in order', async () => {
    const { turns, a, writer } = await setup();
    a.peer.pause();
    // 40 MB: more than the kernel can hold on both ends (here tcp_wmem's max is 4 MB, tcp_rmem's 32 MB).
    const size = 1 << 20;
    const turnsWritten = 40;
    for (let i = 0; i < turnsWritten; i++) {
      turns.hold(writer, Buffer.alloc(size, 97 + i));
      await nextTurn();
    }
    const direct = writer.direct as DirectWrite;
    // A direct write is still in flight, and every turn after it went through the Writable, so the
    // slow-consumer rule sees all but that one.
    expect(direct.inFlight).toBe(true);
    expect(a.socket.writableLength).toBeGreaterThanOrEqual(size);
    expect(a.socket.writableLength).toBeLessThanOrEqual((turnsWritten - 1) * size);
    a.peer.resume();
    const total = turnsWritten * size;
    for (let waited = 0; Buffer.concat(a.received).length < total && waited < 5_000; waited += 20) await sleep(20);
    const got = Buffer.concat(a.received);
    expect(got.length).toBe(total);
    for (let i = 0; i < turnsWritten; i++) {
      expect([got[i * size], got[(i + 1) * size - 1]]).toEqual([97 + i, 97 + i]);
    }
    expect(direct.inFlight).toBe(false);
    // Drained: the next turn goes direct again.
    const written = recordWrites(a.socket);
    turns.hold(writer, Buffer.from('after'));
    await nextTurn();
    expect(written.length).toBe(0);
    a.socket.destroy();
  });

  it('leaves a socket with an idle timeout to node (which refreshes the timer on every write)', async () => {
    const { turns, a, writer } = await setup();
    a.socket.setTimeout(60_000);
    const written = recordWrites(a.socket);
    turns.hold(writer, Buffer.from('m1;'));
    await nextTurn();
    expect(written.length).toBe(1);
    await sleep(50);
    expect(a.text()).toBe('m1;');
    a.socket.destroy();
  });

  it('in one share, direct writes and writes through node each reach their own socket; a destroyed one is skipped', async () => {
    const turns = new WriteTurns(true);
    const connections = [await loopback(servers), await loopback(servers), await loopback(servers)];
    const [direct, timed, closed] = connections.map((c) => ({
      connection: c,
      written: recordWrites(c.socket),
      writer: { socket: c.socket, held: undefined, direct: undefined, queuedBefore: 0 } as TurnWriter,
    }));
    if (direct === undefined || timed === undefined || closed === undefined) throw new Error('three connections');
    timed.connection.socket.setTimeout(60_000);
    const frame = Buffer.from('m1;');
    for (const { writer } of [direct, timed, closed]) turns.hold(writer, frame);
    closed.connection.socket.destroy();
    await nextTurn();
    expect(direct.written.length).toBe(0);
    expect(timed.written.length).toBe(1);
    expect(closed.written.length).toBe(0);
    await sleep(50);
    expect(direct.connection.text()).toBe('m1;');
    expect(timed.connection.text()).toBe('m1;');
    expect(closed.connection.text()).toBe('');
    for (const c of connections) c.socket.destroy();
  });

  it('a peer that reset the connection: the socket is destroyed, with no error event', async () => {
    const { turns, a, writer } = await setup();
    let failed: unknown;
    a.socket.on('error', (e) => {
      failed = e;
    });
    // Not reading at the handle, so that the write is what finds the reset (a read would report it first).
    (a.socket as unknown as { _handle: { readStop(): number } })._handle.readStop();
    a.peer.resetAndDestroy();
    await sleep(50);
    let turnsWritten = 0;
    for (; turnsWritten < 5 && !a.socket.destroyed; turnsWritten++) {
      turns.hold(writer, Buffer.alloc(1024));
      await nextTurn();
      await sleep(10);
    }
    expect(a.socket.destroyed).toBe(true);
    expect(turnsWritten).toBe(1);
    expect(failed).toBeUndefined();
  });

  it('only for plain TCP sockets, and only with internals on', async () => {
    const a = await loopback(servers);
    expect(DirectWrite.of(a.socket, false)).toBeNull();
    expect(DirectWrite.of(new PassThrough(), true)).toBeNull();
    expect(DirectWrite.of(a.socket, true)).toBeInstanceOf(DirectWrite);
    a.socket.destroy();
  });

  it("takes node's own path under --throw-deprecation (process.binding would end the process)", () => {
    const script = `
      import { createServer, connect } from 'node:net';
      import { DirectWrite } from './packages/server/src/internals/direct-write.ts';
      const server = createServer().listen(0, '127.0.0.1', () => {
        const socket = connect(server.address().port, '127.0.0.1', () => {
          console.log(DirectWrite.of(socket, true) === null ? 'ordinary path' : 'direct');
          socket.destroy();
          server.close();
        });
      });`;
    const run = (flags: string[]) =>
      execFileSync(process.execPath, [...flags, '--import', 'tsx', '--input-type=module', '-e', script], {
        encoding: 'utf8',
        timeout: 20_000,
      }).trim();
    expect(run(['--pending-deprecation', '--throw-deprecation'])).toBe('ordinary path');
    expect(run([])).toBe('direct');
  }, 30_000);
});
