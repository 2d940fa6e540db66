import { createFramer, type Framer, type Message } from '@herald/core';
import { Sender } from 'ws';

declare module 'ws' {
  /** ws's frame builder (exported by ws, not typed by @types/ws). */
  export const Sender: {
    frame(
      data: Buffer,
      options: { fin: boolean; opcode: number; mask: boolean; readOnly: boolean; rsv1: boolean },
    ): Buffer[];
  };
}

const TEXT = { fin: true, opcode: 0x01, mask: false, readOnly: false, rsv1: false };

/**
 * A complete, unmasked WebSocket text frame for `payload`, built by ws's own framer. Built once per
 * message and written as-is to every subscribed socket: one write per delivery, no per-socket header.
 */
function textFrame(payload: Buffer): Buffer {
  const parts = Sender.frame(payload, TEXT);
  return parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
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
export function wsFramer(encode: (message: Message) => Buffer): WsFramer {
  return { wire: createFramer((m) => textFrame(encode(m))), payload: createFramer(encode) };
}
