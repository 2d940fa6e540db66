import type { Socket } from 'node:net';

/**
 * Closes TCP connections that send nothing at all. Node's `headersTimeout` only runs once a request
 * has started, so a client could otherwise hold any number of sockets open by connecting and staying
 * silent (connection exhaustion, RELIABILITY T7). One timer per new connection, fired once.
 */
export function closeIfSilent(socket: Socket, timeoutMs: number): void {
  setTimeout(() => {
    if (socket.bytesRead === 0 && !socket.destroyed) socket.destroy();
  }, timeoutMs).unref();
}
