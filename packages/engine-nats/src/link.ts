import { HeraldError } from '@herald/core';
import {
  JetStreamApiError,
  type JetStreamClient,
  type JetStreamManager,
  jetstream,
  jetstreamManager,
} from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';

/** How the engine talks to NATS (validated by the engine's options). */
export interface LinkSettings {
  readonly url: string;
  readonly connectTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly reconnectDelayMs: number;
  readonly pingIntervalMs: number;
  readonly onError: (error: unknown) => void;
}

/** What a call gets: the connection and its JetStream clients. */
export interface Clients {
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
}

/** The answer of every call made while NATS cannot be reached (HTTP 503, Retry-After 1 s). */
export function unavailable(): HeraldError {
  return new HeraldError('unavailable', 'the engine is unavailable', 1);
}

/** The JetStream error code of `error`, when it is an API error. */
export function apiCode(error: unknown): number | undefined {
  return error instanceof JetStreamApiError ? error.code : undefined;
}

/**
 * One NATS connection per engine, shared by its calls, feeds and presence (NATS multiplexes). The first
 * connection is retried until it succeeds or the link closes; after that the client reconnects by itself,
 * forever. While the link is down every call fails at once with `unavailable`: a publish must get a 503
 * now, not be sent minutes later from the client's buffer after the caller gave up.
 */
export class NatsLink {
  private clients: Clients | undefined;
  private up = false;
  private closed = false;
  private retry: NodeJS.Timeout | undefined;
  /** True while the first connection keeps failing. */
  private dialing = false;
  private readonly upListeners = new Set<(reconnected: boolean) => void>();
  /** Told when the connection is lost: calls in flight, and whoever registered with `onDown`. */
  private readonly downListeners = new Set<() => void>();

  constructor(private readonly settings: LinkSettings) {
    this.dial();
  }

  /** True while the connection is up. */
  get isUp(): boolean {
    return this.up && !this.closed;
  }

  /** The clients, or `unavailable` while the link is down. */
  get(): Clients {
    if (!this.isUp || this.clients === undefined) throw unavailable();
    return this.clients;
  }

  /**
   * Runs a call with the clients; connection trouble (down, timeout, no responders, closed) and
   * JetStream's own "not now" answers (5xx) become `unavailable`. A call that timed out may still have
   * been applied: it is never reported as done, and an idempotency key makes the retry safe.
   */
  async call<T>(run: (clients: Clients) => Promise<T>): Promise<T> {
    try {
      return await this.whileUp(run(this.get()));
    } catch (error) {
      throw toHeraldError(error);
    }
  }

  /**
   * Settles as `work` does, or rejects with `unavailable` as soon as the connection is lost: a reply
   * (a PubAck, say) that was due then never comes, and the caller should get its 503 now rather than
   * after the request timeout. As with a timeout, the work may still have been applied.
   */
  whileUp<T>(work: Promise<T>): Promise<T> {
    if (!this.isUp) {
      work.catch(() => {});
      return Promise.reject(unavailable());
    }
    return new Promise<T>((resolve, reject) => {
      const lost = () => reject(unavailable());
      this.downListeners.add(lost);
      work.then(resolve, reject).finally(() => this.downListeners.delete(lost));
    });
  }

  /** Calls `listener` whenever the connection is lost (or the link closes). */
  onDown(listener: () => void): () => void {
    this.downListeners.add(listener);
    return () => this.downListeners.delete(listener);
  }

  /** Calls `listener` whenever the connection comes up: `reconnected` is false the first time. */
  onUp(listener: (reconnected: boolean) => void): () => void {
    this.upListeners.add(listener);
    return () => this.upListeners.delete(listener);
  }

  /** Resolves true once the link is up, false after `ms`. */
  whenUp(ms: number): Promise<boolean> {
    if (this.isUp) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (up: boolean) => {
        clearTimeout(timer);
        stop();
        resolve(up);
      };
      const stop = this.onUp(() => done(true));
      const timer = setTimeout(() => done(false), ms);
    });
  }

  /** A round trip to the server within the request timeout. */
  async ping(): Promise<boolean> {
    if (!this.isUp || this.clients === undefined) return false;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), this.settings.requestTimeoutMs);
    });
    const flushed = this.clients.nc.flush().then(
      () => true,
      () => false,
    );
    const ok = await Promise.race([flushed, late]);
    clearTimeout(timer);
    return ok;
  }

  /** Closes the connection (pending replies are dropped). Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.up = false;
    clearTimeout(this.retry);
    this.lost();
    this.upListeners.clear();
    this.downListeners.clear();
    await this.clients?.nc.close().catch(() => {});
  }

  /** One attempt at the first connection; retried after the reconnect delay until it works. */
  private dial(): void {
    const { url, connectTimeoutMs, reconnectDelayMs, pingIntervalMs } = this.settings;
    connect({
      servers: url.split(','),
      timeout: connectTimeoutMs,
      maxReconnectAttempts: -1,
      reconnectTimeWait: reconnectDelayMs,
      reconnectJitter: Math.ceil(reconnectDelayMs / 5),
      pingInterval: pingIntervalMs,
      maxPingOut: 2,
      name: 'herald',
    }).then(
      (nc) => this.opened(nc).catch(this.settings.onError),
      (error: unknown) => {
        if (this.closed) return;
        // Only the first failure of a series is reported: the next ones say the same every few ms.
        if (!this.dialing) this.settings.onError(error);
        this.dialing = true;
        this.retry = setTimeout(() => this.dial(), reconnectDelayMs);
        this.retry.unref();
      },
    );
  }

  private async opened(nc: NatsConnection): Promise<void> {
    if (this.closed) {
      await nc.close().catch(() => {});
      return;
    }
    const timeout = this.settings.requestTimeoutMs;
    // checkAPI off: no request at creation; the first call finds out whether JetStream answers.
    const jsm = await jetstreamManager(nc, { timeout, checkAPI: false });
    this.dialing = false;
    this.clients = { nc, js: jetstream(nc, { timeout }), jsm };
    this.watch(nc).catch(this.settings.onError);
    this.setUp(false);
  }

  private setUp(reconnected: boolean): void {
    if (this.closed) return;
    this.up = true;
    for (const listener of [...this.upListeners]) listener(reconnected);
  }

  /** The connection is gone: calls in flight fail with `unavailable`, `onDown` listeners are told. */
  private lost(): void {
    for (const listener of [...this.downListeners]) listener();
  }

  /** Follows the connection's status: down on disconnect, up (and listeners told) on reconnect. */
  private async watch(nc: NatsConnection): Promise<void> {
    let reported = false;
    for await (const status of nc.status()) {
      if (status.type === 'disconnect' || status.type === 'staleConnection') {
        this.up = false;
        this.lost();
        if (!reported && !this.closed) this.settings.onError(new Error(`nats: connection lost (${status.type})`));
        reported = true;
      } else if (status.type === 'reconnect') {
        reported = false;
        this.setUp(true);
      } else if (status.type === 'error') {
        this.settings.onError(status.error);
      }
    }
    // The status iterator ends when the connection closed for good (not by us: an auth failure, say).
    this.up = false;
    this.lost();
    if (!this.closed) {
      this.settings.onError(new Error('nats: connection closed; connecting again'));
      this.dial();
    }
  }
}

/** Error names of nats.js that mean "cannot reach the server now". */
const CONNECTION_ERRORS = new Set([
  'TimeoutError',
  'RequestError',
  'NoRespondersError',
  'ConnectionError',
  'ClosedConnectionError',
  'DrainingConnectionError',
  'JetStreamNotEnabled',
]);

/**
 * Maps a failure of a NATS call: connection trouble and 5xx API answers become `unavailable`; any other
 * API error is a bug or a misconfiguration and stays as it is, so it is logged as an internal error
 * instead of hiding behind endless 503s.
 */
export function toHeraldError(error: unknown): unknown {
  if (error instanceof HeraldError) return error;
  if (error instanceof JetStreamApiError) return error.status >= 500 ? unavailable() : error;
  if (error instanceof Error && CONNECTION_ERRORS.has(error.name)) return unavailable();
  if (error instanceof Error && CONNECTION_ERRORS.has(error.constructor.name)) return unavailable();
  return error;
}
