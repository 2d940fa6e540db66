// A minimal reader of the frames a WebSocket server sends (RFC 6455 section 5.2: unmasked, text,
// binary, continuation, ping, pong, close), for the bench's subscribers. The `ws` client does the
// handshake; the frames are then read here, straight from the socket's chunks: no copy of a
// payload, no event per message, one clock read per chunk. With a hub that coalesces, one chunk carries dozens of frames,
// and the load core's cost per delivery is what limits a fan-out run (docs/performance.md, "Fan-out: what
// bounds it").
import type { Socket } from 'node:net';

/** Larger than any frame the bench's hubs send: a frame claiming more ends the connection. */
const MAX_FRAME_BYTES = 16 * 1024 * 1024;

export interface FrameHandlers {
  /** A chunk arrived from the socket; its frames follow (they all arrived at this moment). */
  arrived(): void;
  /** A data frame's payload (text, binary or continuation) is `buf[start, end)`, valid until the handler returns. */
  data(buf: Buffer, start: number, end: number): void;
  /** The server closed: its close code (1005 when it gave none). */
  close(code: number): void;
}

/** Reads `socket`'s frames from now on, answers pings, and answers a close by closing. */
export function readFrames(socket: Socket, handlers: FrameHandlers): void {
  let rest: Buffer | undefined;
  socket.on('data', (chunk: Buffer) => {
    const buf = rest === undefined ? chunk : Buffer.concat([rest, chunk]);
    rest = undefined;
    handlers.arrived();
    let at = 0;
    while (buf.length - at >= 2) {
      const b0 = buf[at] as number;
      const b1 = buf[at + 1] as number;
      let length = b1 & 0x7f;
      let head = 2;
      if (length === 126) {
        if (buf.length - at < 4) break;
        length = buf.readUInt16BE(at + 2);
        head = 4;
      } else if (length === 127) {
        if (buf.length - at < 10) break;
        length = Number(buf.readBigUInt64BE(at + 2));
        head = 10;
      }
      if (b1 & 0x80) head += 4; // a masked server frame is a protocol error; skip its key anyway
      if (length > MAX_FRAME_BYTES) {
        socket.destroy();
        return;
      }
      if (buf.length - at < head + length) break;
      const start = at + head;
      at = start + length;
      const opcode = b0 & 0x0f;
      if (opcode <= 2) {
        handlers.data(buf, start, at);
        continue;
      }
      const payload = buf.subarray(start, at);
      if (opcode === 9) socket.write(clientFrame(0xa, payload));
      else if (opcode === 8) {
        handlers.close(payload.length >= 2 ? payload.readUInt16BE(0) : 1005);
        socket.end(clientFrame(0x8, payload.subarray(0, 2)));
        return;
      }
    }
    if (at < buf.length) rest = buf.subarray(at);
  });
}

/** A client frame (always masked, RFC 6455 5.3), with the all-zero mask: the payload is unchanged. */
function clientFrame(opcode: number, payload: Buffer): Buffer {
  const frame = Buffer.alloc(6 + payload.length);
  frame[0] = 0x80 | opcode;
  frame[1] = 0x80 | payload.length; // control payloads are at most 125 bytes
  payload.copy(frame, 6);
  return frame;
}
