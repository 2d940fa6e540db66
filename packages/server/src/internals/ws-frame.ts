import { createFramer, type Framer, type Message } from '@herald/core';
/**
 * A complete, unmasked WebSocket text frame (RFC 6455 section 5.2: FIN, opcode 1, no mask) of
 * `text`, header and payload in one buffer: the bytes ws's own framer (`Sender.frame`) gives, without
 * its payload buffer, header buffer and the copy that joined them (a third of a delivery to a
 * channel's only subscriber). Built once per message and written as-is to every subscribed socket.
 */
export function textFrame(text: string): Buffer {
  const length = Buffer.byteLength(text);
  const head = length < 126 ? 2 : length < 65_536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(head + length);
  frame[0] = 0x81;
  if (head === 2) {
    frame[1] = length;
  } else if (head === 4) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeUInt32BE(0, 2); // payloads stay far below 4 GiB: the high half of the 64-bit length
    frame.writeUInt32BE(length, 6);
  }
  frame.write(text, head);
  return frame;
}

/**
 * The two encodings of one kind of WebSocket message: `wire`, the whole frame written straight to the
 * TCP socket (internals on), and `payload`, the text handed to `ws.send` (internals off). Each is made
 * once per message, for the encoding in use only.
 */
export interface WsFramer {
  readonly wire: Framer;
  readonly payload: Framer;
}

/** A {@link WsFramer} for messages whose frame text is `encode(message)`. */
export function wsFramer(encode: (message: Message) => string): WsFramer {
  return { wire: createFramer((m) => textFrame(encode(m))), payload: createFramer((m) => Buffer.from(encode(m))) };
}
