import { watchEnvironment } from './environment.ts';
import { HeraldError as Err, type HeraldError } from './errors.ts';
import type { Host } from './host.ts';
import type { HttpContext } from './http.ts';
import { recallTransport, rememberTransport } from './memory.ts';
import { type ConnectOptions, type ResolvedOptions, resolveOptions } from './options.ts';
import type { Platform } from './platform.ts';
import { decide, failureOf, openTimeoutFailure } from './policy.ts';
import { prepare, probeChannels, reporter } from './recovery.ts';
import { type Fallback, type TransportSelector, transportSelector } from './selector.ts';
import { type ConnectionState, nextState, type StateEvent } from './state.ts';
import type { Subscription } from './subscription.ts';
import { Timers } from './timers.ts';
import { type TokenSource, tokenSource } from './token.ts';
import { transportFactory, usableTransports } from './transports/index.ts';
import { type Connection, type Failure, isMultiplexed, type Sink, type TransportFactory } from './transports/types.ts';
import { httpBase } from './urls.ts';
import { watch } from './watchdog.ts';

/**
 * Keeps one connection alive for a client: opens the selected transport, watches it (open timer,
 * silence watchdog, pings), and after it ends applies the reconnect policy: re-authenticate, catch
 * up, fall back, back off, or stop. Each connection attempt has a generation number; callbacks from
 * an older generation are ignored, so a late event can never act on a newer connection.
 */
export class Reconnector {
  // `declare`: the constructor assigns it, so the bundles need no field declaration.
  declare readonly http: HttpContext;
  readonly #o: ResolvedOptions;
  readonly #platform: Platform;
  readonly #host: Host;
  readonly #tokens: TokenSource;
  readonly #selector: TransportSelector;
  readonly #life = new AbortController();
  readonly #timers = new Timers();
  /** Feeds the watchdog of the open connection (a no-op until one is watched). */
  #feed: () => void = () => {};
  readonly #detachEnvironment: () => void;
  readonly #report: (fallback: Fallback) => void;
  #state: StateEvent;
  #conn: Connection | undefined;
  #gen = 0;
  #everOpen = false;
  #openedAt: number | undefined;
  #attempts = 0;
  #reauthed = false;
  #catchUp = false;
  #paused = false;
  #closed = false;

  constructor(url: string, options: ConnectOptions, platform: Platform, host: Host) {
    const o = resolveOptions(options);
    this.#o = o;
    this.#platform = platform;
    this.#host = host;
    this.#tokens = tokenSource(options.token, options.getToken);
    this.#selector = transportSelector(usableTransports(options.transports, platform), recallTransport(o.storage));
    this.#state = { state: 'connecting', transport: this.#selector.current };
    const f = platform.fetch ?? (() => Promise.reject(new Err('unsupported', 'no fetch implementation')));
    this.http = { base: httpBase(url), fetch: f, headers: (extra) => this.#headers(extra), signal: this.#life.signal };
    this.#report = o.reportFallbacks ? reporter(this.http) : () => {};
    this.#detachEnvironment = watchEnvironment({
      visibility: (hidden) => this.#visibility(hidden),
      online: () => this.#timers.has('retry') && this.#restart(),
    });
    // Deferred so that subscriptions made right after connect() share the first connection.
    queueMicrotask(() => void this.#attempt());
  }

  /** The current state. */
  get state(): StateEvent {
    return this.#state;
  }

  /** A subscription was added: tell the multiplexed socket, or reopen the shared request. */
  added(sub: Subscription): void {
    const conn = this.#conn;
    if (conn?.subscribe) {
      if (conn.phase === 'open') conn.subscribe(sub.channel, sub.cursor, sub.info);
    } else if (conn || this.#state.state === 'open') this.#scheduleRestart();
  }

  /** A subscription was removed. */
  removed(channel: string): void {
    const conn = this.#conn;
    if (conn?.unsubscribe) {
      if (conn.phase === 'open') conn.unsubscribe(channel);
    } else if (conn) this.#scheduleRestart();
  }

  /** The connection while it is open (its socket publishes and calls), else undefined. */
  live(): Connection | undefined {
    const conn = this.#conn;
    return conn?.phase === 'open' ? conn : undefined;
  }

  /** Stops everything. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#timers.clearAll();
    this.#life.abort();
    this.#detachEnvironment();
    const closing = this.#discard();
    this.#setState('closed', { reason: 'closed' });
    await closing;
  }

  /** Drops the current connection; its late callbacks carry an old generation and are ignored. */
  #discard(): Promise<void> | undefined {
    this.#gen++;
    const conn = this.#conn;
    this.#conn = undefined;
    return conn?.close();
  }

  #headers(extra: Record<string, string> = {}): Record<string, string> {
    const token = this.#tokens.value;
    return token === undefined ? extra : { ...extra, authorization: `Bearer ${token}` };
  }

  #setState(state: ConnectionState, extra: Omit<StateEvent, 'state' | 'transport'> = {}): void {
    const { event, changed } = nextState(this.#state, state, this.#selector.current, extra);
    this.#state = event;
    if (changed) this.#host.state(event);
  }

  async #attempt(): Promise<void> {
    if (this.#closed || this.#paused) return;
    const gen = ++this.#gen;
    const name = this.#selector.current;
    const stale = (): boolean => gen !== this.#gen || this.#closed;
    try {
      const needed = await prepare({
        http: this.http,
        host: this.#host,
        tokens: this.#tokens,
        catchUp: this.#catchUp,
        stale,
        multiplexed: isMultiplexed(name),
      });
      if (stale()) return;
      this.#catchUp = false;
      // Nothing to receive and publishing goes over HTTP: no connection is needed until a subscribe.
      if (!needed) {
        this.#setState('open');
        return;
      }
    } catch (err) {
      if (!stale()) this.#failed(gen, failureOf(err));
      return;
    } finally {
      this.#scheduleTokenRefresh();
    }
    // The selector holds only transports this platform offers (usableTransports).
    const factory = transportFactory(name, this.#platform) as TransportFactory;
    const sink: Sink = {
      opened: () => gen === this.#gen && this.#opened(),
      alive: () => this.#feed(),
      frame: (frame) => gen === this.#gen && !this.#host.frame(frame) && this.#restart(),
      denied: (channel, error) => gen === this.#gen && this.#host.denied(channel, error),
      failed: (failure) => this.#failed(gen, failure),
    };
    this.#conn = factory(
      {
        base: this.http.base,
        platform: this.#platform,
        token: this.#tokens.value,
        timings: this.#o,
        // The subscriptions themselves: every transport reads their cursors at once, when it asks.
        positions: () => this.#host.subscriptions(),
        headers: (extra) => this.#headers(extra),
      },
      sink,
    );
    this.#timers.set('open', this.#o.openTimeout, () => this.#diagnose(gen));
  }

  #opened(): void {
    this.#timers.clear('open');
    this.#openedAt = Date.now();
    this.#everOpen = true;
    this.#reauthed = false;
    this.#setState('open');
    rememberTransport(this.#o.storage, this.#selector.current);
    const conn = this.#conn;
    if (conn?.watched) {
      const gen = this.#gen;
      this.#feed = watch(this.#timers, this.#o.heartbeat, conn.ping?.bind(conn), (silent) =>
        this.#failed(gen, { kind: 'dead', opened: true, reason: `no data or heartbeat for ${silent} ms` }),
      );
    }
    if (this.#selector.degraded && this.#o.upgradeAfter > 0) {
      this.#timers.set('upgrade', this.#o.upgradeAfter, () => {
        if (this.#selector.upgrade() !== undefined) this.#restart();
      });
    }
  }

  /** The open timer fired: name what is wrong (buffered stream vs no answer at all). */
  #diagnose(gen: number): void {
    const conn = this.#conn;
    if (gen !== this.#gen || !conn || conn.phase === 'open') return;
    void conn.close();
    this.#failed(gen, openTimeoutFailure(conn.phase, this.#o.openTimeout));
  }

  #failed(gen: number, failure: Failure): void {
    if (gen !== this.#gen || this.#closed) return;
    void this.#discard();
    this.#timers.clear('open', 'watchdog', 'upgrade');
    const lifetimeMs = this.#openedAt === undefined ? 0 : Date.now() - this.#openedAt;
    this.#openedAt = undefined;
    if (lifetimeMs >= this.#o.stableAfter) this.#attempts = 0;
    const action = decide(failure, {
      attempts: this.#attempts,
      lifetimeMs,
      canReauth: this.#tokens.refreshable && !this.#reauthed,
      // No token is sent: a 401 is then about a channel that needs credentials, not about the client.
      anonymous: this.#tokens.value === undefined,
      backoff: this.#o.backoff,
      random: this.#o.random,
      selector: this.#selector,
    });
    const waiting: ConnectionState = this.#everOpen ? 'reconnecting' : 'connecting';
    switch (action.type) {
      case 'fatal':
        this.#setState('closed', { reason: action.error.message, error: action.error });
        this.#host.fatal(action.error);
        return;
      case 'reauth':
        this.#reauthed = true;
        this.#setState(waiting, { reason: failure.reason, delay: 0 });
        this.#tokens.refresh().then(
          () => this.#restart(),
          (err: unknown) => this.#host.fatal(new Err('unauthorized', 'getToken failed', { cause: err })),
        );
        return;
      case 'probe':
        void this.#probe(action.error, waiting);
        return;
      case 'retry':
        this.#catchUp ||= action.catchUp === true;
        if (action.fallback) this.#report(action.fallback);
        this.#attempts++;
        // The state event names a fallback only when there is one.
        this.#setState(waiting, {
          reason: failure.reason,
          delay: action.delay,
          ...(action.fallback && { fallback: action.fallback }),
        });
        this.#timers.set('retry', action.delay, () => void this.#attempt());
    }
  }

  /** A multi-channel request was refused: drop the channels refused alone; stop if none is. */
  async #probe(error: HeraldError, waiting: ConnectionState): Promise<void> {
    this.#setState(waiting, { reason: error.message });
    const dropped = await probeChannels(this.#host.subscriptions(), this.#host, this.#tokens.value === undefined);
    if (this.#closed) return;
    if (dropped === 0) this.#host.fatal(error);
    else this.#restart();
  }

  #restart(): void {
    if (this.#closed) return;
    void this.#discard();
    this.#timers.clear('open', 'watchdog', 'upgrade', 'retry');
    void this.#attempt();
  }

  #scheduleRestart(): void {
    if (this.#timers.has('retry') || this.#timers.has('resubscribe')) return;
    // Coalesces many subscribe() calls in one tick into one new request.
    this.#timers.set('resubscribe', 0, () => this.#restart());
  }

  #scheduleTokenRefresh(): void {
    // Only while not closed: close() cleared the timers, and a new one would keep a Node process alive.
    const active = (): boolean => !this.#closed;
    this.#tokens.keepFresh(this.#timers, (token) => this.#useToken(token), active);
  }

  #useToken(token: string): void {
    const conn = this.#conn;
    if (conn?.auth && conn.phase === 'open') conn.auth(token);
    else if (conn?.watched) this.#restart(); // a stream carries its token from the start
  }

  #visibility(hidden: boolean): void {
    const polling = this.#selector.current === 'poll' || this.#selector.current === 'long-poll';
    if (hidden && polling && this.#o.pauseWhenHidden && !this.#paused) {
      this.#paused = true;
      void this.#discard();
    } else if (!hidden && this.#paused) {
      this.#paused = false;
      this.#restart();
    }
  }
}
