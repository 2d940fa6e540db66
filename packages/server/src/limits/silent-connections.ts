import type { Socket } from 'node:net';

/**
 * Closes TCP connections that send nothing at all. Node's `headersTimeout` only runs once a request
 * has started, so a client could otherwise hold any number of sockets open by connecting and staying
 * silent (connection exhaustion, threat T7 in SECURITY.md). The same holds for a connection handed back to
 * node:http after a held long poll (held-reply.ts): closed unless its next request starts in time.
 *
 * One timer for all connections, not one each (a timer and its closure cost ~250 B for every
 * connection during its first seconds): connections arrive in time order, so a queue's head is always
 * the next to check. A silent one is closed between `timeoutMs` and `timeoutMs` + one check interval.
 */
export class SilentConnections {
  private sockets: Socket[] = [];
  private deadlines: number[] = [];
  /** Bytes each socket had read when watched: silent = nothing since. */
  private readAt: number[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly timeoutMs: number,
    private readonly checkEveryMs = Math.min(1_000, timeoutMs),
  ) {}

  /** Starts watching a new connection. */
  watch(socket: Socket): void {
    this.sockets.push(socket);
    this.deadlines.push(Date.now() + this.timeoutMs);
    this.readAt.push(socket.bytesRead);
    this.timer ??= setInterval(() => this.sweep(), this.checkEveryMs).unref();
  }

  /** Closes the connections past their deadline that sent nothing since watched, and forgets them. */
  sweep(): void {
    const now = Date.now();
    let due = 0;
    while (due < this.deadlines.length && (this.deadlines[due] as number) <= now) {
      const socket = this.sockets[due] as Socket;
      if (socket.bytesRead === this.readAt[due] && !socket.destroyed) socket.destroy();
      due++;
    }
    if (due === 0) return;
    this.sockets.splice(0, due);
    this.deadlines.splice(0, due);
    this.readAt.splice(0, due);
    if (this.sockets.length === 0) this.stop();
  }

  /** Stops the timer (the server is closing; sockets are closed there). */
  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
