// Bytes on the wire per transport, read from the client's sockets (bytesRead / bytesWritten):
// everything the kernel carried for the subscriber, HTTP headers and WebSocket framing included.
// Only the socket objects are touched on the delivery path; the sums are taken once per window.
import type { Socket } from 'node:net';
import type { Traffic } from '../lib/ipc.ts';

export class TrafficMeter {
  received = 0;
  requests = 0;
  private readonly live = new Set<Socket>();
  /** bytes of sockets that closed since the meter started */
  private closedIn = 0;
  private closedOut = 0;
  /** totals at the previous window's end */
  private lastIn = 0;
  private lastOut = 0;

  /** Counts a socket (again is fine: keep-alive sockets come back for every request). */
  watch(socket: Socket): void {
    if (this.live.has(socket)) return;
    this.live.add(socket);
    socket.once('close', () => {
      this.closedIn += socket.bytesRead;
      this.closedOut += socket.bytesWritten;
      this.live.delete(socket);
    });
  }

  /** The window's figures; the next window starts from here. */
  collect(): Traffic {
    let totalIn = this.closedIn;
    let totalOut = this.closedOut;
    for (const s of this.live) {
      totalIn += s.bytesRead;
      totalOut += s.bytesWritten;
    }
    const out: Traffic = {
      received: this.received,
      bytesIn: totalIn - this.lastIn,
      bytesOut: totalOut - this.lastOut,
      requests: this.requests,
    };
    this.lastIn = totalIn;
    this.lastOut = totalOut;
    this.received = 0;
    this.requests = 0;
    return out;
  }
}
