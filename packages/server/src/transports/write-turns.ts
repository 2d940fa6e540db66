import type { Duplex } from 'node:stream';

/** A connection's place in the write turns: the turn it was last written in. */
export interface TurnStamp {
  turn: number;
}

/**
 * Coalesces what the hub writes to one socket within one turn of the event loop, once it falls
 * behind (issue 6, B). A hub that keeps up handles one publish per turn: every socket gets its frame
 * at once, nothing waits. A hub that falls behind finds several publishes ready in one turn: the
 * second write to a socket in that turn corks it, and everything written to it until the turn ends
 * leaves in one writev (setImmediate runs right after this iteration's I/O callbacks). Fewer system
 * calls and packets per message is what lets one core catch up.
 */
export class WriteTurns {
  private turn = 1;
  private scheduled = false;
  private corked: Duplex[] = [];

  /** Writes `bytes` to `socket` for the connection stamped `conn`. */
  write(conn: TurnStamp, socket: Duplex, bytes: Buffer | string): void {
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.endTurn);
    }
    if (conn.turn !== this.turn) {
      conn.turn = this.turn;
    } else if (socket.writableCorked === 0) {
      socket.cork();
      this.corked.push(socket);
    }
    socket.write(bytes);
  }

  private readonly endTurn = (): void => {
    this.scheduled = false;
    this.turn++;
    const corked = this.corked;
    this.corked = [];
    for (const socket of corked) socket.uncork();
  };
}
