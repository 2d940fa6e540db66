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
  /** The {@link Ticker}'s bookkeeping: the step this connection is heartbeaten in, -1 when not kept. */
  heartbeatStep: number;
}

/** Token expiry is checked this often, so a connection outlives its token by at most about this long. */
const EXPIRY_CHECK_MS = 1_000;

/**
 * Each interval is walked in steps this far apart. Heartbeating every connection in one event-loop turn
 * stalls the loop (10,000 WebSocket pings, then 10,000 pongs back at once, measured to add ~50 % to the
 * hub's CPU per message and double p99 in the many-channels benchmark). A ping costs ~10 µs of the
 * loop, its pong about as much again: with 9,000 sockets and steps of a twentieth of the interval, each
 * step held the loop ~10 ms. At 25 s a step every 50 ms (500 steps) heartbeats 18 of 9,000 sockets.
 */
const STEP_MS = 50;

/** At most this many steps: each is a Set, and an idle one costs a timer tick. */
const MAX_STEPS = 1_000;

/**
 * One timer for many connections: every `intervalMs` each connection gets a heartbeat, and those older
 * than the lifetime cap are ended with 4201. No per-connection timers, so an idle connection costs only
 * its entry in a Set.
 *
 * Connections are dealt round-robin into one Set per step, and each step visits only its own Set. A
 * connection therefore stays in the same step for life, so its heartbeats are exactly one interval
 * apart however many others come and go (a WebSocket is closed when it has not answered the previous
 * ping by the next one, so the spacing must never shrink).
 */
export class Ticker {
  private readonly slots: Array<Set<LiveConnection>>;
  private nextSlot = 0;
  private step = 0;
  private readonly timer: NodeJS.Timeout;
  private readonly expiry: NodeJS.Timeout | undefined;

  constructor(
    intervalMs: number,
    private readonly lifetimeMs: number,
    /** Whether credentials can expire (JWTs configured), so the expiry check must run. */
    expiring: boolean,
    /** Also run once per interval (the hub's position check rides on the stream heartbeat). */
    private readonly onTick: () => void = () => {},
  ) {
    const steps = Math.max(1, Math.min(MAX_STEPS, Math.floor(intervalMs / STEP_MS)));
    this.slots = Array.from({ length: steps }, () => new Set<LiveConnection>());
    this.timer = setInterval(() => this.tick(), Math.max(1, Math.floor(intervalMs / steps)));
    this.timer.unref();
    if (expiring) {
      this.expiry = setInterval(() => this.expire(), EXPIRY_CHECK_MS);
      this.expiry.unref();
    }
  }

  /** Starts keeping `connection` alive; its first heartbeat comes a tenth of the interval or more later. */
  add(connection: LiveConnection): void {
    // Dealing round-robin spreads a burst of connections over the steps, but could put one in the
    // step due next (opening and stepping keep pace in a steady trickle): skip the steps due soon.
    const n = this.slots.length;
    const guard = Math.floor(n / 10);
    if ((this.nextSlot - this.step + n) % n < guard) this.nextSlot = (this.step + guard) % n;
    (this.slots[this.nextSlot] as Set<LiveConnection>).add(connection);
    connection.heartbeatStep = this.nextSlot;
    this.nextSlot = (this.nextSlot + 1) % this.slots.length;
  }

  /** Stops keeping `connection` alive; false when it was not kept (already deleted). */
  delete(connection: LiveConnection): boolean {
    const kept = this.slots[connection.heartbeatStep]?.delete(connection) === true;
    connection.heartbeatStep = -1;
    return kept;
  }

  /** Every connection kept alive, copied: for ending them all. */
  all(): LiveConnection[] {
    return this.slots.flatMap((slot) => [...slot]);
  }

  /** Stops the timer. */
  stop(): void {
    clearInterval(this.timer);
    clearInterval(this.expiry);
  }

  /** Ends connections whose token expired with 4200: re-authenticate, then reconnect at once. */
  private expire(): void {
    const now = Date.now();
    for (const slot of this.slots) {
      for (const c of slot) {
        const at = c.expiresAt();
        if (at !== undefined && at <= now) c.shutdown(CLOSE_CODES.token_expired, 'token expired');
      }
    }
  }

  private tick(): void {
    if (this.step === 0) this.onTick();
    const slot = this.slots[this.step] as Set<LiveConnection>;
    this.step = (this.step + 1) % this.slots.length;
    const expired = this.lifetimeMs > 0 ? Date.now() - this.lifetimeMs : -1;
    for (const c of slot) {
      if (c.openedAt < expired) c.shutdown(CLOSE_CODES.lifetime_exceeded, 'connection lifetime reached');
      else c.heartbeat();
    }
  }
}
