// The bench's WebSocket frame reader (bench/load/ws-frames.ts) is fed what each socket read, in a
// buffer the next read overwrites: every frame must be read once and whole, wherever the reads
// cut the bytes, and a frame cut at the end of a read must survive the buffer's reuse.
import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { FrameReader } from '../../bench/load/ws-frames.ts';

/** An unmasked server frame with the FIN bit, as a hub sends it. */
function serverFrame(opcode: number, payload: Buffer): Buffer {
  const n = payload.length;
  const head = n < 126 ? Buffer.from([0x80 | opcode, n]) : Buffer.from([0x80 | opcode, 126, n >> 8, n & 0xff]);
  return Buffer.concat([head, payload]);
}

const payloads = ['a', 'b'.repeat(125), 'c'.repeat(126), 'd'.repeat(300), '', 'e'.repeat(10)];

function read(stream: Buffer, cut: number): { got: string[]; written: Buffer[]; closed: number[] } {
  const got: string[] = [];
  const written: Buffer[] = [];
  const closed: number[] = [];
  const socket = {
    write: (b: Buffer) => written.push(b),
    end: (b: Buffer) => written.push(b),
    destroy: () => undefined,
  } as unknown as Socket;
  const reader = new FrameReader(socket, {
    arrived: () => undefined,
    data: (buf, start, end) => got.push(buf.toString('latin1', start, end)),
    close: (code) => closed.push(code),
  });
  // One buffer for every read, filled with junk past each read's length, as a reused read buffer is.
  const readBuffer = Buffer.alloc(stream.length + 16, 0xee);
  for (let at = 0; at < stream.length; at += cut) {
    const length = Math.min(cut, stream.length - at);
    readBuffer.fill(0xee);
    stream.copy(readBuffer, 0, at, at + length);
    reader.feed(readBuffer, length);
  }
  return { got, written, closed };
}

describe('FrameReader', () => {
  const stream = Buffer.concat([
    ...payloads.map((p) => serverFrame(1, Buffer.from(p))),
    serverFrame(9, Buffer.from('hi')),
    serverFrame(2, Buffer.from('after ping')),
    serverFrame(8, Buffer.from([0x03, 0xe8])),
    serverFrame(1, Buffer.from('after close')),
  ]);

  it('reads every frame once and whole, however the reads cut them', () => {
    for (const cut of [1, 2, 3, 7, 64, 127, 128, 129, stream.length]) {
      const { got, written, closed } = read(stream, cut);
      expect(got, `cut ${cut}`).toEqual([...payloads, 'after ping']);
      expect(closed, `cut ${cut}`).toEqual([1000]);
      // A masked pong with the ping's payload, then a masked close echoing the code.
      expect(written.map((b) => [b[0], b[1], b.subarray(6).toString('latin1')])).toEqual([
        [0x8a, 0x82, 'hi'],
        [0x88, 0x82, '\u0003\u00e8'],
      ]);
    }
  });
});
