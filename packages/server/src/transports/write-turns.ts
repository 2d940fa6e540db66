import type { Duplex } from 'node:stream';

/**
 * A connection whose writes may be held until the end of the turn ({@link WriteTurns.hold}): its
 * socket, and the bytes held for it in this turn, if any.
 */
export interface TurnWriter {
  readonly socket: Duplex;
  held: Buffer | undefined;
}

/**
 * Coalesces what the hub writes to each socket within one turn of the event loop (docs/performance.md,
 * "What makes Herald fast and small"; measured in BENCHMARKS.md). Every live connection (WebSocket,
 * SSE, NDJSON) writes through {@link hold}.
 *
 * A socket's first write in a turn is not written at once: it waits on its writer and leaves in one
 * plain write at the end of the turn, in one setImmediate that runs right after this iteration's I/O
 * callbacks. A second write in the same turn corks the socket (the held bytes first), and the socket
 * is uncorked at the end of the turn. Every publish handled in that turn (all the POSTs that one poll
 * of the event loop found ready) then leaves in one writev per socket: one system call per socket per
 * turn instead of one per frame. A hub that keeps up handles one publish per turn and its frames
 * leave at the end of the same iteration (microseconds later); a hub that falls behind finds more
 * publishes per turn, so each turn costs less per message, which is what lets one core catch up.
 *
 * Holding from the first write rather than writing it at once matters: otherwise the first publish
 * of every turn still paid one write per socket, so a turn of k publishes cost two system calls per
 * socket instead of one. Holding the lone write rather than corking for it skips the Writable's cork,
 * buffered-chunk and uncork work in the common case of a hub that keeps up (a fifth to a quarter of
 * the user-space instructions per delivery: bench/tools/fanout-callgrind.ts). A writer must send what
 * it holds ({@link flush}) before anything it writes to the socket by another way, and count it in
 * its backlog.
 */
export class WriteTurns {
  private holding: TurnWriter[] = [];
  private scheduled = false;

  /**
   * Writes `bytes` to `writer`'s socket at the end of this turn, in order with the rest of this
   * turn's writes: the first is held on the writer; a second corks the socket and writes both.
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

  /** Writes the bytes held for `writer` now (before any other write of its own to the socket). */
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
    const holding = this.holding;
    this.holding = [];
    // A writer with a second write corked its socket instead (held is then undefined); uncorking a
    // socket that is not corked (its held bytes were flushed early) does nothing.
    for (const writer of holding) {
      if (writer.held === undefined) writer.socket.uncork();
      else this.flush(writer);
    }
  };
}
