import type { Duplex } from 'node:stream';

/**
 * Coalesces what the hub writes to each socket within one turn of the event loop (docs/performance.md,
 * "What makes Herald fast and small"; measured in BENCHMARKS.md).
 * The first write to a socket in a turn corks it; every corked socket is uncorked in one
 * setImmediate, which runs right after this iteration's I/O callbacks. Every publish handled in
 * that turn (all the POSTs that one poll of the event loop found ready) then leaves in one writev
 * per socket: one system call per socket per turn instead of one per frame. A hub that keeps up
 * handles one publish per turn and its frames leave at the end of the same iteration (microseconds
 * later); a hub that falls behind finds more publishes per turn, so each turn costs less per
 * message, which is what lets one core catch up.
 *
 * Corking from the first write rather than the second matters: with the second, the first publish
 * of every turn still paid one write per socket, so a turn of k publishes cost two system calls
 * per socket instead of one.
 */
export class WriteTurns {
  private corked: Duplex[] = [];

  /** Writes `bytes` to `socket`; they leave with the rest of this turn's writes to it. */
  write(socket: Duplex, bytes: Buffer | string): void {
    if (socket.writableCorked === 0) {
      if (this.corked.length === 0) setImmediate(this.endTurn);
      socket.cork();
      this.corked.push(socket);
    }
    socket.write(bytes);
  }

  private readonly endTurn = (): void => {
    const corked = this.corked;
    this.corked = [];
    for (const socket of corked) socket.uncork();
  };
}
