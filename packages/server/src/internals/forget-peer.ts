import type { Socket } from 'node:net';

/** node:net's cache of the peer's address (`remoteAddress` and friends fill it on first read). */
interface PeerCache {
  _peername?: unknown;
}

/**
 * Drops node's cached peer address of a long-lived socket once Herald has read what it needs (the
 * per-address limits keep their own copy). The cache is an object and a string, ~60 bytes of every
 * idle stream and WebSocket; node reads the address again from the handle if anyone asks later.
 * Assigned rather than deleted: a delete would turn the socket's properties into a dictionary.
 */
export function forgetPeer(socket: Socket): void {
  const cached = socket as unknown as PeerCache;
  if (cached._peername !== undefined) cached._peername = undefined;
}
