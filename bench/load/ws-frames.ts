// A minimal reader of the frames a WebSocket server sends (RFC 6455 section 5.2: unmasked, text,
// binary, continuation, ping, pong, close), for the bench's subscribers. The `ws` client does the
// handshake; the frames are then read here, straight from the bytes the socket read: no copy of a
// payload, no event per message, one clock read per read. With a hub that coalesces, one read
// carries dozens of frames, and the load core's cost per delivery is what limits a fan-out run
// (docs/performance.md, "Known limits of the harness").
import type { Socket } from 'node:net';

/** Larger than any frame the bench's hubs send: a frame claiming more ends the connection. */
const MAX_FRAME_BYTES = 16 * 1024 * 1024;

export interface FrameHandlers {
  /** Bytes arrived from the socket; their frames follow (they all arrived at this moment). */
  arrived(): void;
  /** A data frame's payload (text, binary or continuation) is `buf[start, end)`, valid until the handler returns. */
  data(buf: Buffer, start: number, end: number): void;
  /** The server closed: its close code (1005 when it gave none). */
  close(code: number): void;
}

/**
 * Reads one connection's frames from the pieces it is fed, answers pings, and answers a close by
 * closing. A piece may be a buffer the socket reuses for its next read, so a frame cut at the end
 * of a piece is copied until the rest arrives.
 */
export class FrameReader {
  private rest: Buffer | undefined;
  private closed = false;

  constructor(
    private readonly socket: Socket,
    private readonly handlers: FrameHandlers,
  ) {}

  /** `piece[0, length)` arrived; it is read before this returns. */
  feed(piece: Buffer, length: number): void {
    if (this.closed) return;
    let buf = piece;
    let end = length;
    if (this.rest !== undefined) {
      buf = Buffer.concat([this.rest, piece.subarray(0, length)]);
      end = buf.length;
      this.rest = undefined;
    }
    this.handlers.arrived();
    let at = 0;
    while (end - at >= 2) {
      const b0 = buf[at] as number;
      const b1 = buf[at + 1] as number;
      let payloadLength = b1 & 0x7f;
      let head = 2;
      if (payloadLength === 126) {
        if (end - at < 4) break;
        payloadLength = buf.readUInt16BE(at + 2);
        head = 4;
      } else if (payloadLength === 127) {
        if (end - at < 10) break;
        payloadLength = Number(buf.readBigUInt64BE(at + 2));
        head = 10;
      }
      if (b1 & 0x80) head += 4; // a masked server frame is a protocol error; skip its key anyway
      if (payloadLength > MAX_FRAME_BYTES) {
        this.closed = true;
        this.socket.destroy();
        return;
      }
      if (end - at < head + payloadLength) break;
      const start = at + head;
      at = start + payloadLength;
      const opcode = b0 & 0x0f;
      if (opcode <= 2) {
        this.handlers.data(buf, start, at);
        continue;
      }
      const payload = buf.subarray(start, at);
      if (opcode === 9) this.socket.write(clientFrame(0xa, payload));
      else if (opcode === 8) {
        this.closed = true;
        this.handlers.close(payload.length >= 2 ? payload.readUInt16BE(0) : 1005);
        this.socket.end(clientFrame(0x8, payload.subarray(0, 2)));
        return;
      }
    }
    if (at < end) this.rest = Buffer.from(buf.subarray(at, end));
  }
}

/** A client frame (always masked, RFC 6455 5.3), with the all-zero mask: the payload is unchanged. */
function clientFrame(opcode: number, payload: Buffer): Buffer {
  const frame = Buffer.alloc(6 + payload.length);
  frame[0] = 0x80 | opcode;
  frame[1] = 0x80 | payload.length; // control payloads are at most 125 bytes
  payload.copy(frame, 6);
  return frame;
}
