import { execFileSync } from 'node:child_process';
import type { Server, Socket } from 'node:net';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { type Loopback, loopback, recordWrites } from '../test-support/loopback.ts';
import { type TurnWriter, WriteTurns } from '../transports/write-turns.ts';
import { DirectWrite, loadSendMany, type SendMany } from './direct-write.ts';

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const compiled = loadSendMany();

// Each test runs twice: a share's direct writes made by the compiled sender (@herald/send-many) and
// made socket by socket through node's stream handle (where the sender was not built).
describe.each([
  ['the compiled sender', compiled],
  ["node's stream handle", null],
] as const)('DirectWrite (write turns past node’s Writable), a share sent by %s', (_, sendMany: SendMany | null) => {
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
    return { turns: new WriteTurns(true, undefined, sendMany), a, writer };
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
    const turns = new WriteTurns(true, undefined, sendMany);
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
});

describe('DirectWrite.of', () => {
  const servers: Server[] = [];
  afterEach(() => {
    for (const s of servers.splice(0)) s.close();
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

describe('sendMany (@herald/send-many, the compiled sender)', () => {
  const servers: Server[] = [];
  afterEach(() => {
    for (const s of servers.splice(0)) s.close();
  });
  const fdOf = (socket: Socket) => (DirectWrite.of(socket, true) as DirectWrite).fd;

  it('is built on this machine (npm ci compiles it; without it every write takes node’s handle)', () => {
    expect(compiled).toBeTypeOf('function');
  });

  it('sends each socket the buffer it names, and says how many bytes the kernel took', async () => {
    const send = compiled as SendMany;
    const [a, b, c] = [await loopback(servers), await loopback(servers), await loopback(servers)];
    if (a === undefined || b === undefined || c === undefined) throw new Error('three connections');
    const fds = Int32Array.from([fdOf(a.socket), fdOf(b.socket), fdOf(c.socket)]);
    const results = new Int32Array(3);
    send(fds, Int32Array.from([0, 0, 1]), [Buffer.from('shared;'), Buffer.from('own;')], 3, results);
    expect([...results]).toEqual([7, 7, 4]);
    await sleep(50);
    expect([a.text(), b.text(), c.text()]).toEqual(['shared;', 'shared;', 'own;']);
    for (const l of [a, b, c]) l.socket.destroy();
  });

  it('a peer that stops reading: a short send, then EAGAIN; a descriptor that is not open: EBADF', async () => {
    const send = compiled as SendMany;
    const a = await loopback(servers);
    a.peer.pause();
    const results = new Int32Array(2);
    const big = Buffer.alloc(64 << 20);
    send(Int32Array.from([fdOf(a.socket), -1]), Int32Array.from([0, 0]), [big], 2, results);
    expect(results[0]).toBeGreaterThan(0);
    expect(results[0]).toBeLessThan(big.length);
    expect(results[1]).toBe(-9);
    send(Int32Array.from([fdOf(a.socket)]), Int32Array.from([0]), [big], 1, results);
    expect(results[0]).toBe(-11);
    a.socket.destroy();
  });

  it('refuses arguments of the wrong kind or out of range before sending anything', async () => {
    const send = compiled as SendMany;
    const a = await loopback(servers);
    const fds = Int32Array.from([fdOf(a.socket)]);
    const one = Int32Array.from([0]);
    const results = new Int32Array(1);
    const frame = [Buffer.from('x')];
    const call =
      (...args: unknown[]) =>
      () =>
        (send as unknown as (...a: unknown[]) => void)(...args);
    expect(call([3], one, frame, 1, results)).toThrow(TypeError);
    expect(call(fds, new Uint32Array(1), frame, 1, results)).toThrow(TypeError);
    expect(call(fds, one, 'x', 1, results)).toThrow(TypeError);
    expect(call(fds, one, ['x'], 1, results)).toThrow(TypeError);
    expect(call(fds, one, frame, 'one', results)).toThrow(TypeError);
    expect(call(fds, one, frame, 2, results)).toThrow(RangeError);
    expect(call(fds, Int32Array.from([1]), frame, 1, results)).toThrow(RangeError);
    expect(call(fds, one, frame)).toThrow(TypeError);
    await sleep(50);
    expect(a.text()).toBe('');
    a.socket.destroy();
  });

  it('a sender that throws: every socket of that share is closed (its client resumes), later turns go on', async () => {
    let calls = 0;
    const throwsOnce: SendMany = (...args) => {
      calls++;
      if (calls === 1) throw new Error('a bug in the sender');
      (compiled as SendMany)(...args);
    };
    const turns = new WriteTurns(true, undefined, throwsOnce);
    const [a, b, c] = [await loopback(servers), await loopback(servers), await loopback(servers)];
    if (a === undefined || b === undefined || c === undefined) throw new Error('three connections');
    const writerOf = (l: Loopback): TurnWriter => ({
      socket: l.socket,
      held: undefined,
      direct: undefined,
      queuedBefore: 0,
    });
    turns.hold(writerOf(a), Buffer.from('m1;'));
    turns.hold(writerOf(b), Buffer.from('m1;'));
    await nextTurn();
    expect([a.socket.destroyed, b.socket.destroyed]).toEqual([true, true]);
    turns.hold(writerOf(c), Buffer.from('m2;'));
    await nextTurn();
    await sleep(50);
    expect(calls).toBe(2);
    expect(c.text()).toBe('m2;');
    c.socket.destroy();
  });
});
