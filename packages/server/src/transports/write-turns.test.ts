import type { Duplex } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { WriteTurns } from './write-turns.ts';

/** A socket that records what reaches the wire: corked writes leave together at uncork. */
function fakeSocket() {
  const wire: string[][] = [];
  let held: string[] = [];
  const socket = {
    writableCorked: 0,
    cork() {
      socket.writableCorked++;
    },
    uncork() {
      socket.writableCorked = 0;
      if (held.length > 0) wire.push(held);
      held = [];
    },
    write(bytes: string) {
      if (socket.writableCorked > 0) held.push(bytes);
      else wire.push([bytes]);
    },
  };
  return { socket: socket as unknown as Duplex, wire };
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('WriteTurns', () => {
  it('writes at once when a socket gets one write a turn; coalesces the rest of a busy turn', async () => {
    const turns = new WriteTurns();
    const a = { turn: 0 };
    const b = { turn: 0 };
    const sa = fakeSocket();
    const sb = fakeSocket();
    turns.write(a, sa.socket, 'a1');
    turns.write(b, sb.socket, 'b1');
    expect(sa.wire).toEqual([['a1']]);
    // The hub fell behind: more publishes in the same turn.
    turns.write(a, sa.socket, 'a2');
    turns.write(a, sa.socket, 'a3');
    turns.write(b, sb.socket, 'b2');
    expect(sa.wire).toEqual([['a1']]);
    await nextTurn();
    expect(sa.wire).toEqual([['a1'], ['a2', 'a3']]);
    expect(sb.wire).toEqual([['b1'], ['b2']]);
    // A quiet turn: straight out again.
    turns.write(a, sa.socket, 'a4');
    expect(sa.wire).toEqual([['a1'], ['a2', 'a3'], ['a4']]);
  });
});
