import type { Server } from 'node:net';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { loopback, recordWrites } from '../test-support/loopback.ts';
import { HeldFrames, type TurnWriter, WriteTurns } from './write-turns.ts';

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('WriteTurns', () => {
  const servers: Server[] = [];
  afterEach(async () => {
    for (const s of servers.splice(0)) {
      await new Promise((resolve) => s.close(resolve));
    }
  });

  it('sends every write of a turn to each socket together at the end of the turn, in one setImmediate', async () => {
    const turns = new WriteTurns();
    const a = await loopback(servers);
    const b = await loopback(servers);
    const writerA: TurnWriter = { socket: a.socket, held: undefined, direct: undefined, queuedBefore: 0 };
    const writerB: TurnWriter = { socket: b.socket, held: undefined, direct: undefined, queuedBefore: 0 };
    turns.hold(writerA, Buffer.from('a1'));
    turns.hold(writerB, Buffer.from('b1'));
    turns.hold(writerA, Buffer.from('a2'));
    turns.hold(writerA, Buffer.from('a3'));
    // Held from the first write: nothing has reached the socket yet, and the writer counts all of it.
    expect(a.socket.writableLength).toBe(0);
    expect(b.socket.writableLength).toBe(0);
    expect(writerA.held?.length).toBe(6);
    await nextTurn();
    // Both leave in the same setImmediate: a's in one write, so the peer reads them in one chunk.
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

  it('drops the joined frames of a socket destroyed within the turn, without error', async () => {
    const turns = new WriteTurns();
    const a = await loopback(servers);
    const writer: TurnWriter = { socket: a.socket, held: undefined, direct: undefined, queuedBefore: 0 };
    turns.hold(writer, Buffer.from('x'));
    turns.hold(writer, Buffer.from('y'));
    a.socket.destroy();
    await nextTurn();
    expect(a.socket.destroyed).toBe(true);
  });

  it('holds a lone frame on its writer without corking, and writes it at the end of the turn', async () => {
    const turns = new WriteTurns();
    const a = await loopback(servers);
    const writer: TurnWriter = { socket: a.socket, held: undefined, direct: undefined, queuedBefore: 0 };
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

  it('joins the frames of a turn into one write, without corking, and counts their bytes', async () => {
    const turns = new WriteTurns();
    const a = await loopback(servers);
    const writer: TurnWriter = { socket: a.socket, held: undefined, direct: undefined, queuedBefore: 0 };
    turns.hold(writer, Buffer.from('m1'));
    turns.hold(writer, Buffer.from('m2'));
    turns.hold(writer, Buffer.from('m3'));
    expect(writer.held).toBeInstanceOf(HeldFrames);
    expect(writer.held?.length).toBe(6);
    expect(a.socket.writableCorked).toBe(0);
    const written = recordWrites(a.socket);
    await nextTurn();
    expect(written.length).toBe(1);
    expect(writer.held).toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(a.received.map(String)).toEqual(['m1m2m3']);
    a.socket.destroy();
  });

  it('joins the same frames once for every socket holding them, and apart for a socket holding others', async () => {
    const turns = new WriteTurns();
    const conns = [await loopback(servers), await loopback(servers), await loopback(servers)];
    const writers: TurnWriter[] = conns.map((c) => ({
      socket: c.socket,
      held: undefined,
      direct: undefined,
      queuedBefore: 0,
    }));
    const [f1, f2, f3] = ['f1;', 'f2;', 'f3;'].map((t) => Buffer.from(t));
    const written = conns.map((c) => recordWrites(c.socket));
    const [w0, w1, w2] = writers as [TurnWriter, TurnWriter, TurnWriter];
    for (const w of [w0, w1]) {
      turns.hold(w, f1 as Buffer);
      turns.hold(w, f2 as Buffer);
    }
    turns.hold(w2, f1 as Buffer);
    turns.hold(w2, f3 as Buffer);
    await nextTurn();
    // The first two sockets got the very same buffer; the third, holding other frames, its own.
    expect(written[0]?.[0]).toBe(written[1]?.[0]);
    expect(written[2]?.[0]).not.toBe(written[0]?.[0]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(conns.map((c) => Buffer.concat(c.received).toString())).toEqual(['f1;f2;', 'f1;f2;', 'f1;f3;']);
    for (const c of conns) c.socket.destroy();
  });

  it('shares one held node per frame among sockets held the same frames, message by message or socket by socket', async () => {
    const turns = new WriteTurns();
    const conns = await Promise.all([1, 2, 3, 4].map(() => loopback(servers)));
    const writers: TurnWriter[] = conns.map((c) => ({
      socket: c.socket,
      held: undefined,
      direct: undefined,
      queuedBefore: 0,
    }));
    const frames = ['f1;', 'f2;', 'f3;', 'f4;'].map((t) => Buffer.from(t));
    const [w0, w1, w2, w3] = writers as [TurnWriter, TurnWriter, TurnWriter, TurnWriter];
    // One publish per fan-out (the core goes over the sockets for each message).
    for (const frame of frames) for (const w of [w0, w1]) turns.hold(w, frame);
    // One batch (the core gives each socket all of its messages in turn).
    for (const w of [w2, w3]) for (const frame of frames) turns.hold(w, frame);
    expect(w0.held).toBeInstanceOf(HeldFrames);
    expect(w1.held).toBe(w0.held);
    expect(w2.held).toBe(w0.held);
    expect(w3.held).toBe(w0.held);
    expect(w0.held?.length).toBe(12);
    const written = conns.map((c) => recordWrites(c.socket));
    await nextTurn();
    expect(written.map((w) => w.length)).toEqual([1, 1, 1, 1]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(conns.map((c) => Buffer.concat(c.received).toString())).toEqual(Array(4).fill('f1;f2;f3;f4;'));
    for (const c of conns) c.socket.destroy();
  });

  it('joins a node made after another that was already written, and a socket held other frames gets its own', async () => {
    const turns = new WriteTurns(false, 1);
    const conns = await Promise.all([1, 2, 3].map(() => loopback(servers)));
    const writers: TurnWriter[] = conns.map((c) => ({
      socket: c.socket,
      held: undefined,
      direct: undefined,
      queuedBefore: 0,
    }));
    const [w0, w1, w2] = writers as [TurnWriter, TurnWriter, TurnWriter];
    const [f1, f2, f3, other] = ['f1;', 'f2;', 'f3;', 'x;'].map((t) => Buffer.from(t)) as [
      Buffer,
      Buffer,
      Buffer,
      Buffer,
    ];
    for (const frame of [f1, f2]) for (const w of writers) turns.hold(w, frame);
    // The first share writes w0 (joining f1 and f2); w1 and w2 still hold them and get more.
    await nextTurn();
    expect(w0.held).toBeUndefined();
    turns.hold(w1, f3);
    turns.hold(w2, other);
    expect(w2.held).not.toBe(w1.held);
    for (let turn = 0; turn < 3; turn++) await nextTurn();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(conns.map((c) => Buffer.concat(c.received).toString())).toEqual(['f1;f2;', 'f1;f2;f3;', 'f1;f2;x;']);
    for (const c of conns) c.socket.destroy();
  });

  it("counts the socket's unsent bytes when it first holds bytes in a turn", async () => {
    const turns = new WriteTurns();
    const a = await loopback(servers);
    // The peer does not read: a large write stays partly in the socket's Writable.
    a.peer.pause();
    a.socket.write(Buffer.alloc(8 * 1024 * 1024));
    const queued = a.socket.writableLength;
    expect(queued).toBeGreaterThan(0);
    const writer: TurnWriter = { socket: a.socket, held: undefined, direct: undefined, queuedBefore: 0 };
    turns.hold(writer, Buffer.from('m1'));
    turns.hold(writer, Buffer.from('m2'));
    expect(writer.queuedBefore).toBe(queued);
    expect(writer.held?.length).toBe(4);
    a.socket.destroy();
    a.peer.destroy();
  });

  it('flushes the held frame ahead of a write of its own, so the order on the wire stays', async () => {
    const turns = new WriteTurns();
    const a = await loopback(servers);
    const writer: TurnWriter = { socket: a.socket, held: undefined, direct: undefined, queuedBefore: 0 };
    turns.hold(writer, Buffer.from('message;'));
    turns.flush(writer);
    a.socket.write('close;');
    turns.hold(writer, Buffer.from('late;'));
    await nextTurn();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(Buffer.concat(a.received).toString()).toBe('message;close;late;');
    a.socket.destroy();
  });

  it('writes at most its share of sockets per turn, and a publish read between shares joins the bytes still held', async () => {
    const turns = new WriteTurns(false, 2);
    const conns = await Promise.all([1, 2, 3, 4, 5].map(() => loopback(servers)));
    const writers: TurnWriter[] = conns.map((c) => ({
      socket: c.socket,
      held: undefined,
      direct: undefined,
      queuedBefore: 0,
    }));
    const written = conns.map((c) => recordWrites(c.socket));
    const m1 = Buffer.from('m1;');
    const m2 = Buffer.from('m2;');
    for (const w of writers) turns.hold(w, m1);
    await nextTurn();
    // The first turn wrote the first two sockets only; the other three still hold m1.
    expect(writers.map((w) => w.held === undefined)).toEqual([true, true, false, false, false]);
    expect(written.map((w) => w.length)).toEqual([1, 1, 0, 0, 0]);
    // The next message, as a publish read before the next share: the sockets written already hold it
    // alone; those not written yet hold both messages and get them in one write.
    for (const w of writers) turns.hold(w, m2);
    for (let turn = 0; turn < 4; turn++) await nextTurn();
    expect(writers.every((w) => w.held === undefined)).toBe(true);
    expect(written.map((w) => w.length)).toEqual([2, 2, 1, 1, 1]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(conns.map((c) => Buffer.concat(c.received).toString())).toEqual(Array(5).fill('m1;m2;'));
    for (const c of conns) c.socket.destroy();
  });

  it('keeps every socket in order when the list of writers is compacted between shares', async () => {
    const turns = new WriteTurns(false, 1);
    const conns = await Promise.all(Array.from({ length: 12 }, () => loopback(servers)));
    const writers: TurnWriter[] = conns.map((c) => ({
      socket: c.socket,
      held: undefined,
      direct: undefined,
      queuedBefore: 0,
    }));
    for (const [i, w] of writers.entries()) turns.hold(w, Buffer.from(`a${i};`));
    // Past the compaction point (8 shares), the writers written early hold again: they queue last.
    for (let turn = 0; turn < 9; turn++) await nextTurn();
    for (const [i, w] of writers.entries()) turns.hold(w, Buffer.from(`b${i};`));
    for (let turn = 0; turn < 24; turn++) await nextTurn();
    expect(writers.every((w) => w.held === undefined)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(conns.map((c) => Buffer.concat(c.received).toString())).toEqual(writers.map((_, i) => `a${i};b${i};`));
    for (const c of conns) c.socket.destroy();
  });

  it('destroys a socket whose write throws and goes on with the others, in this turn and the next', async () => {
    const turns = new WriteTurns(false, 2);
    const broken = new PassThrough();
    broken.write = () => {
      throw new Error('broken socket');
    };
    const a = await loopback(servers);
    const b = await loopback(servers);
    const writers: TurnWriter[] = [broken, a.socket, b.socket].map((socket) => ({
      socket,
      held: undefined,
      direct: undefined,
      queuedBefore: 0,
    }));
    for (const w of writers) turns.hold(w, Buffer.from('m1;'));
    await nextTurn();
    await nextTurn();
    expect(broken.destroyed).toBe(true);
    turns.hold(writers[1] as TurnWriter, Buffer.from('m2;'));
    await nextTurn();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(Buffer.concat(a.received).toString()).toBe('m1;m2;');
    expect(Buffer.concat(b.received).toString()).toBe('m1;');
    a.socket.destroy();
    b.socket.destroy();
  });

  it('drops a held frame of a socket destroyed within the turn, without error', async () => {
    const turns = new WriteTurns();
    const a = await loopback(servers);
    const writer: TurnWriter = { socket: a.socket, held: undefined, direct: undefined, queuedBefore: 0 };
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
