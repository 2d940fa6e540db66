import type { Writable } from 'node:stream';

/**
 * Settles once `socket` (or a response) has written what it holds, or closes: the backlog wait of
 * every live connection (SSE, NDJSON, WebSocket, Durable Streams SSE). At once when `empty` (nothing
 * waits to be written, or the connection has ended). One listener pair per wait, removed when it
 * settles.
 */
export function drained(socket: Writable | null, empty: boolean): Promise<void> {
  return new Promise((resolve) => {
    if (empty || socket === null) return resolve();
    const done = (): void => {
      socket.off('drain', done);
      socket.off('close', done);
      resolve();
    };
    socket.on('drain', done);
    socket.on('close', done);
  });
}
