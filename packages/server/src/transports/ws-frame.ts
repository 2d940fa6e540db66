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
export function textFrame(payload: Buffer): Buffer {
  const parts = Sender.frame(payload, TEXT);
  return parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
}
