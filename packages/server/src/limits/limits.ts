import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import { HeraldError } from '@herald/core';
import type { Principal } from '../auth/authenticator.ts';
import { addressKey, clientAddress } from './client-address.ts';
import { ConcurrencyLimiter } from './concurrency-limiter.ts';
import { RateLimiter } from './rate-limiter.ts';
import { retryAfterSeconds, TokenBucket } from './token-bucket.ts';

/** The options {@link Limits} reads (a slice of HeraldOptions). */
export interface LimitOptions {
  readonly maxConnectionsPerIp: number;
  readonly maxLongPollsPerIp: number;
  readonly maxPublishRatePerConnection: number;
  readonly maxPublishRatePerPrincipal: number;
  readonly maxPublishRatePerApiKey: number;
  readonly maxWsOpsPerSecond: number;
  readonly trustedProxies: readonly string[];
}

/** A socket whose end {@link Limits.holdSocket} waits for. */
export interface Closable {
  on(event: 'close', listener: () => void): unknown;
}

/** Buckets hold this many seconds of their rate, so short bursts pass. */
const BURST_SECONDS = 2;
/** A refused connection or long poll is told to come back after this long, s (nothing frees at a known time). */
const HELD_RETRY_AFTER_S = 5;

/**
 * Every per-client limit of contract section 8 in one place: live connections and held long polls
 * per client address, publish rate per connection and per principal (JWT subject, or the address of
 * an anonymous client) or per API key (unlimited by default), and a frame budget per WebSocket. Transports call it at their door;
 * refusals are `rate_limited` errors with a Retry-After.
 */
export class Limits {
  private readonly trusted: ReadonlySet<string>;
  private readonly connections: ConcurrencyLimiter;
  private readonly longPolls: ConcurrencyLimiter;
  private readonly publishers: RateLimiter;
  private readonly apiKeys: RateLimiter;
  private readonly perConnection = new WeakMap<object, TokenBucket>();
  private readonly addresses = new WeakMap<object, string>();

  constructor(
    private readonly options: LimitOptions,
    private readonly clock: () => number = Date.now,
  ) {
    this.trusted = new Set(options.trustedProxies);
    this.connections = new ConcurrencyLimiter(options.maxConnectionsPerIp);
    this.longPolls = new ConcurrencyLimiter(options.maxLongPollsPerIp);
    const rate = options.maxPublishRatePerPrincipal;
    this.publishers = new RateLimiter(rate, rate * BURST_SECONDS, clock);
    const keyRate = options.maxPublishRatePerApiKey;
    this.apiKeys = new RateLimiter(keyRate, keyRate * BURST_SECONDS, clock);
  }

  /** The key a request's client is counted under (trusted proxies' X-Forwarded-For applied). */
  address(req: IncomingMessage): string {
    return addressKey(clientAddress(req, this.trusted));
  }

  /** The address remembered for a socket held with {@link holdSocket}, while it is open. */
  addressOf(socket: object): string {
    return this.addresses.get(socket) ?? 'unknown';
  }

  /** Holds a live-connection slot (WebSocket, SSE, NDJSON) for `address`; returns its release. */
  holdConnection(address: string): () => void {
    const release = this.connections.acquire(address);
    if (release === undefined) {
      throw new HeraldError('rate_limited', 'too many connections from this address', HELD_RETRY_AFTER_S);
    }
    return release;
  }

  /**
   * Holds a live-connection slot for a socket's address until the socket closes, and remembers the
   * address (see {@link addressOf}). One listener shared by every socket gives the slot back: a
   * release closure per socket would cost ~100 bytes of an idle WebSocket.
   */
  holdSocket(socket: Closable, address: string): void {
    if (!this.connections.take(address)) {
      throw new HeraldError('rate_limited', 'too many connections from this address', HELD_RETRY_AFTER_S);
    }
    this.addresses.set(socket, address);
    socket.on('close', this.socketClosed);
  }

  /** The 'close' listener of every socket held with {@link holdSocket} (`this` is the socket). */
  private readonly socketClosed = ((limits: Limits) =>
    function socketClosed(this: object): void {
      const address = limits.addresses.get(this);
      if (address === undefined) return;
      limits.addresses.delete(this);
      limits.connections.release(address);
    })(this);

  /** Holds a long-poll slot for `address`; returns its release. */
  holdLongPoll(address: string): () => void {
    const release = this.longPolls.acquire(address);
    if (release === undefined) {
      throw new HeraldError('rate_limited', 'too many long polls held for this address', HELD_RETRY_AFTER_S);
    }
    return release;
  }

  /**
   * Charges `count` published messages to the connection (an HTTP socket or a WebSocket) and to the
   * principal (anonymous clients: their address). Throws `rate_limited` with Retry-After when either
   * is over its rate (a publish the connection's budget refuses is not charged to the principal). An
   * API key is charged to its own budget only (`maxPublishRatePerApiKey`, none by default).
   */
  admitPublish(connection: object, principal: Principal, address: string, count: number): void {
    if (principal.kind === 'key') {
      const wait = this.apiKeys.take(principal.id ?? 'key', count);
      if (wait > 0) throw new HeraldError('rate_limited', 'publishing too fast; retry later', retryAfterSeconds(wait));
      return;
    }
    const now = this.clock();
    const rate = this.options.maxPublishRatePerConnection;
    let wait = 0;
    if (rate > 0) {
      let bucket = this.perConnection.get(connection);
      if (bucket === undefined) {
        bucket = new TokenBucket(rate, rate * BURST_SECONDS, now);
        this.perConnection.set(connection, bucket);
      }
      wait = bucket.take(count, now);
    }
    if (wait === 0) wait = this.publishers.take(principal.id ?? `ip:${address}`, count);
    if (wait > 0) {
      throw new HeraldError('rate_limited', 'publishing too fast; retry later', retryAfterSeconds(wait));
    }
  }

  /** {@link admitPublish} for an HTTP request; the client's address is only worked out when it is charged. */
  admitRequestPublish(req: IncomingMessage, principal: Principal, count: number): void {
    this.admitPublish(req.socket, principal, principal.id === undefined ? this.address(req) : '', count);
  }

  /** A fresh frame budget for one WebSocket, or undefined when frames are not limited. */
  socketFrames(): TokenBucket | undefined {
    const rate = this.options.maxWsOpsPerSecond;
    return rate > 0 ? new TokenBucket(rate, rate * BURST_SECONDS, this.clock()) : undefined;
  }

  /** Now, on the limits' clock (for frame budgets). */
  now(): number {
    return this.clock();
  }

  /** Live connections held by `address` (tests, stats). */
  connectionsOf(address: string): number {
    return this.connections.count(address);
  }
}

/** Fails fast, naming the option, when a limit is not a number >= 0 or a proxy is not an IP address. */
export function validateLimits(options: LimitOptions & { headersTimeoutMs: number; requestTimeoutMs: number }): void {
  const counts = [
    'maxConnectionsPerIp',
    'maxLongPollsPerIp',
    'maxPublishRatePerConnection',
    'maxPublishRatePerPrincipal',
    'maxPublishRatePerApiKey',
    'maxWsOpsPerSecond',
  ] as const;
  for (const name of counts) {
    const v = options[name];
    if (!Number.isFinite(v) || v < 0) throw new Error(`${name} must be a number >= 0 (0 = no limit), got ${v}`);
  }
  for (const name of ['headersTimeoutMs', 'requestTimeoutMs'] as const) {
    const v = options[name];
    if (!Number.isInteger(v) || v < 1) throw new Error(`${name} must be a positive integer (ms), got ${v}`);
  }
  for (const proxy of options.trustedProxies) {
    if (isIP(proxy) === 0) throw new Error(`trustedProxies: ${JSON.stringify(proxy)} is not an IP address`);
  }
}
