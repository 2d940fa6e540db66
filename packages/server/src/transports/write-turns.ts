import type { Duplex } from 'node:stream';

/**
 * A connection whose writes may be held until the end of the turn ({@link WriteTurns.hold}): its
 * socket, and the one frame held for it in this turn, if any.
 */
export interface TurnWriter {
  readonly socket: Duplex;
  held: Buffer | undefined;
}

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
 *
 * {@link hold} does the same without corking when a socket gets one write in the turn (the common
 * case of a hub that keeps up): the frame waits on the writer and leaves in one plain write at the
 * end of the turn, which skips the Writable's cork, buffered-chunk and uncork work (a fifth to a
 * quarter of the user-space instructions per delivery: bench/tools/fanout-callgrind.ts). Its writer must send what it holds
 * ({@link flush}) before anything else it writes to the socket, and count it in its backlog.
 */
export class WriteTurns {
  private corked: Duplex[] = [];
  private holding: TurnWriter[] = [];
  private scheduled = false;

  /** Writes `bytes` to `socket`; they leave with the rest of this turn's writes to it. */
  write(socket: Duplex, bytes: Buffer | string): void {
    if (socket.writableCorked === 0) {
      this.schedule();
      socket.cork();
      this.corked.push(socket);
    }
    socket.write(bytes);
  }

  /**
   * Writes `bytes` to `writer`'s socket at the end of this turn, in order with the rest of this
   * turn's frames: the first is held on the writer; a second corks the socket as {@link write} does.
   */
  hold(writer: TurnWriter, bytes: Buffer): void {
    const socket = writer.socket;
    if (socket.writableCorked !== 0) {
      socket.write(bytes);
      return;
    }
    const held = writer.held;
    if (held === undefined) {
      this.schedule();
      writer.held = bytes;
      this.holding.push(writer);
      return;
    }
    writer.held = undefined;
    socket.cork();
    socket.write(held);
    socket.write(bytes);
  }

  /** Writes the frame held for `writer` now (before any other write of its own to the socket). */
  flush(writer: TurnWriter): void {
    const held = writer.held;
    if (held === undefined) return;
    writer.held = undefined;
    if (!writer.socket.destroyed) writer.socket.write(held);
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(this.endTurn);
  }

  private readonly endTurn = (): void => {
    this.scheduled = false;
    const corked = this.corked;
    const holding = this.holding;
    this.corked = [];
    this.holding = [];
    for (const socket of corked) socket.uncork();
    // A writer with a second frame corked its socket instead (held is then undefined).
    for (const writer of holding) {
      if (writer.held === undefined) writer.socket.uncork();
      else this.flush(writer);
    }
  };
}
