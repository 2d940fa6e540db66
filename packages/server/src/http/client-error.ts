import type { Duplex } from 'node:stream';

/**
 * Answers what node:http could not parse (the server's `clientError` event), the way Node would without
 * a listener, but always with a short body-less answer and a close: 431 for too many or too large
 * headers, 408 for a request that did not arrive in time (slowloris), 400 for the rest. A socket that
 * can no longer be written to is destroyed. Never throws: a crafted request must not crash the hub.
 */
export function answerClientError(error: Error & { code?: string }, socket: Duplex): void {
  if (!socket.writable || error.code === 'ECONNRESET') {
    socket.destroy();
    return;
  }
  const status =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? '431 Request Header Fields Too Large'
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? '408 Request Timeout'
        : '400 Bad Request';
  socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  // A peer that never reads would keep the socket half-open forever.
  setTimeout(() => socket.destroy(), 1_000).unref();
}
