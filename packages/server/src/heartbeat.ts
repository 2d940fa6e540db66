/** A live connection the hub keeps alive and can end. */
export interface LiveConnection {
  /** When it opened (ms since epoch), for the lifetime cap. */
  readonly openedAt: number;
  /** Sends a heartbeat (or checks the peer's answer to the previous one). */
  heartbeat(): void;
  /** Ends the connection with a close code and reason (contract section 6). */
  shutdown(code: number, reason: string): void;
}

/**
 * One timer for many connections: every `intervalMs` each connection gets a heartbeat, and those older
 * than the lifetime cap are ended with 4201. No per-connection timers, so an idle connection costs only
 * its entry in a Set.
 */
export class Ticker {
  readonly connections = new Set<LiveConnection>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    intervalMs: number,
    private readonly lifetimeMs: number,
  ) {
    this.timer = setInterval(() => this.tick(), intervalMs);
    this.timer.unref();
  }

  /** Starts keeping `connection` alive. */
  add(connection: LiveConnection): void {
    this.connections.add(connection);
  }

  /** Stops keeping `connection` alive. */
  delete(connection: LiveConnection): void {
    this.connections.delete(connection);
  }

  /** Stops the timer. */
  stop(): void {
    clearInterval(this.timer);
  }

  private tick(): void {
    const expired = this.lifetimeMs > 0 ? Date.now() - this.lifetimeMs : -1;
    for (const c of this.connections) {
      if (c.openedAt < expired) c.shutdown(4201, 'connection lifetime reached');
      else c.heartbeat();
    }
  }
}
