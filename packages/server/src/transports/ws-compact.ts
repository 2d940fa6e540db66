import type { Message } from '@herald/core';
import { COMPACT_PROTOCOL } from '@herald/protocol';
import { wsFramer } from '../internals/index.ts';

// The compact subprotocol (docs/protocol.md, section 6): a client that offers it in
// `Sec-WebSocket-Protocol` gets message frames with one-letter keys, about 30 bytes smaller each;
// every other frame (subscribed, reset, ok, error, pong, join/leave) is unchanged.

/** Picks the subprotocol of an upgrade: the compact one when offered, else none (the default framing). */
export function selectProtocol(offered: ReadonlySet<string>): string | false {
  return offered.has(COMPACT_PROTOCOL) ? COMPACT_PROTOCOL : false;
}

/** `{"o":offset,"t":time,"e"?:event,"d":data}`: data last, so a frame reads as its payload plus a short head. */
function compactBody(m: Message): string {
  const event = m.event === undefined ? '' : `,"e":${JSON.stringify(m.event)}`;
  return `"o":${m.offset},"t":${m.time}${event},"d":${m.data}}`;
}

/** A bound socket's message frame: the channel is the socket's own, so it is left out. */
export const compactBoundFrame = wsFramer((m) => `{${compactBody(m)}`);

/** A multiplexed socket's message frame: `{"c":channel,…}`. */
export const compactMuxFrame = wsFramer((m) => `{"c":${JSON.stringify(m.channel)},${compactBody(m)}`);
