import { CLOSE_CODES } from '@herald/protocol';
/** A live connection the hub keeps alive and can end. */
export interface LiveConnection {
  /** When it opened (ms since epoch), for the lifetime cap. */
  readonly openedAt: number;
  /** Sends a heartbeat (or checks the peer's answer to the previous one). */
  heartbeat(): void;
  /** Ends the connection with a close code and reason (contract section 6). */
  shutdown(code: number, reason: string): void;
  /** When the connection's credentials expire (ms since the epoch), if they do. */
  expiresAt(): number | undefined;
}

/** Token expiry is checked this often, so a connection outlives its token by at most about this long. */
const EXPIRY_CHECK_MS = 1_000;

/**
 * One timer for many connections: every `intervalMs` each connection gets a heartbeat, and those older
 * than the lifetime cap are ended with 4201. No per-connection timers, so an idle connection costs only
 * its entry in a Set.
 */
export class Ticker {
  readonly connections = new Set<LiveConnection>();
  private readonly timer: NodeJS.Timeout;
  private readonly expiry: NodeJS.Timeout | undefined;

  constructor(
    intervalMs: number,
    private readonly lifetimeMs: number,
    /** Whether credentials can expire (JWTs configured), so the expiry check must run. */
    expiring: boolean,
    /** Also run on every tick (the hub's position check rides on the stream heartbeat). */
    private readonly onTick: () => void = () => {},
  ) {
    this.timer = setInterval(() => this.tick(), intervalMs);
    this.timer.unref();
    if (expiring) {
      this.expiry = setInterval(() => this.expire(), EXPIRY_CHECK_MS);
      this.expiry.unref();
    }
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
    clearInterval(this.expiry);
  }

  /** Ends connections whose token expired with 4200: re-authenticate, then reconnect at once. */
  private expire(): void {
    const now = Date.now();
    for (const c of this.connections) {
      const at = c.expiresAt();
      if (at !== undefined && at <= now) c.shutdown(CLOSE_CODES.token_expired, 'token expired');
    }
  }

  private tick(): void {
    this.onTick();
    const expired = this.lifetimeMs > 0 ? Date.now() - this.lifetimeMs : -1;
    for (const c of this.connections) {
      if (c.openedAt < expired) c.shutdown(CLOSE_CODES.lifetime_exceeded, 'connection lifetime reached');
      else c.heartbeat();
    }
  }
}
