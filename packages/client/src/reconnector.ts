import { watchEnvironment } from './environment.ts';
import { HeraldError as Err, type HeraldError } from './errors.ts';
import type { Host } from './host.ts';
import type { HttpContext } from './http.ts';
import { recallTransport, rememberTransport } from './memory.ts';
import { type ConnectOptions, resolveOptions } from './options.ts';
import type { Platform } from './platform.ts';
import { decide, failureOf, openTimeoutFailure } from './policy.ts';
import { prepare, reporter } from './recovery.ts';
import { transportSelector } from './selector.ts';
import { type ConnectionState, nextState, type StateEvent } from './state.ts';
import type { Subscription } from './subscription.ts';
import { Timers } from './timers.ts';
import { tokenSource } from './token.ts';
import { transportFactory, usableTransports } from './transports/index.ts';
import { type Connection, type Failure, isMultiplexed, type Sink, type TransportFactory } from './transports/types.ts';
import { httpBase } from './urls.ts';
import { watch } from './watchdog.ts';

/** What the client uses of its reconnector. */
export interface Reconnector {
  readonly http: HttpContext;
  /** The current state. */
  readonly state: StateEvent;
  /** A subscription was added: tell the multiplexed socket, or reopen the shared request. */
  added(sub: Subscription): void;
  /** A subscription was removed. */
  removed(channel: string): void;
  /** The connection while it is open (its socket publishes and calls), else undefined. */
  live(): Connection | undefined;
  /** Stops everything. */
  close(): Promise<void>;
}

/**
 * Keeps one connection alive for a client: opens the selected transport, watches it (open timer,
 * silence watchdog, pings), and after it ends applies the reconnect policy: re-authenticate, catch
 * up, fall back, back off, or stop. Each connection attempt has a generation number; callbacks from
 * an older generation are ignored, so a late event can never act on a newer connection.
 */
export function reconnector(url: string, options: ConnectOptions, platform: Platform, host: Host): Reconnector {
  const o = resolveOptions(options);
  const tokens = tokenSource(options.token, options.getToken);
  const selector = transportSelector(usableTransports(options.transports, platform), recallTransport(o.storage));
  const life = new AbortController();
  const timers = new Timers();
  /** Feeds the watchdog of the open connection (a no-op until one is watched). */
  let feed = (): void => {};
  let state: StateEvent = { state: 'connecting', transport: selector.current };
  let conn: Connection | undefined;
  let gen = 0;
  let everOpen = false;
  let openedAt: number | undefined;
  let attempts = 0;
  let reauthed = false;
  let catchUp = false;
  let paused = false;
  let closed = false;

  const headers = (extra: Record<string, string> = {}): Record<string, string> => {
    const token = tokens.value;
    return token === undefined ? extra : { ...extra, authorization: `Bearer ${token}` };
  };
  const f = platform.fetch ?? (() => Promise.reject(new Err('unsupported', 'no fetch implementation')));
  const http: HttpContext = { base: httpBase(url), fetch: f, headers, signal: life.signal };
  const report = o.reportFallbacks ? reporter(http, platform.onDemand) : () => {};

  /** Drops the current connection; its late callbacks carry an old generation and are ignored. */
  const discard = (): Promise<void> | undefined => {
    gen++;
    const dropped = conn;
    conn = undefined;
    return dropped?.close();
  };

  const setState = (next: ConnectionState, extra: Omit<StateEvent, 'state' | 'transport'> = {}): void => {
    const { event, changed } = nextState(state, next, selector.current, extra);
    state = event;
    if (changed) host.state(event);
  };

  const attempt = async (): Promise<void> => {
    if (closed || paused) return;
    const mine = ++gen;
    const name = selector.current;
    const stale = (): boolean => mine !== gen || closed;
    try {
      const needed = await prepare({
        http,
        host,
        tokens,
        catchUp,
        stale,
        multiplexed: isMultiplexed(name),
        load: platform.onDemand,
      });
      if (stale()) return;
      catchUp = false;
      // Nothing to receive and publishing goes over HTTP: no connection is needed until a subscribe.
      if (!needed) {
        setState('open');
        return;
      }
    } catch (err) {
      if (!stale()) failed(mine, failureOf(err));
      return;
    } finally {
      // Only while not closed: close() cleared the timers, and a new one would keep a Node process alive.
      tokens.keepFresh(timers, useToken, () => !closed);
    }
    // The selector holds only transports this platform offers (usableTransports).
    const factory = transportFactory(name, platform) as TransportFactory;
    const sink: Sink = {
      opened: () => mine === gen && opened(),
      alive: () => feed(),
      frame: (frame) => mine === gen && !host.frame(frame) && restart(),
      denied: (channel, error) => mine === gen && host.denied(channel, error),
      failed: (failure) => failed(mine, failure),
    };
    conn = factory(
      {
        base: http.base,
        platform,
        token: tokens.value,
        timings: o,
        // The subscriptions themselves: every transport reads their cursors at once, when it asks.
        positions: () => host.subscriptions(),
        headers,
      },
      sink,
    );
    timers.set('open', o.openTimeout, () => diagnose(mine));
  };

  const opened = (): void => {
    timers.clear('open');
    openedAt = Date.now();
    everOpen = true;
    reauthed = false;
    setState('open');
    rememberTransport(o.storage, selector.current);
    const watched = conn;
    if (watched?.watched) {
      const mine = gen;
      feed = watch(timers, o.heartbeat, watched.ping?.bind(watched), (silent) =>
        failed(mine, { kind: 'dead', opened: true, reason: `no data or heartbeat for ${silent} ms` }),
      );
    }
    if (selector.degraded && o.upgradeAfter > 0) {
      timers.set('upgrade', o.upgradeAfter, () => {
        if (selector.upgrade() !== undefined) restart();
      });
    }
  };

  /** The open timer fired: name what is wrong (buffered stream vs no answer at all). */
  const diagnose = (mine: number): void => {
    const opening = conn;
    if (mine !== gen || !opening || opening.phase === 'open') return;
    void opening.close();
    failed(mine, openTimeoutFailure(opening.phase, o.openTimeout));
  };

  const failed = (mine: number, failure: Failure): void => {
    if (mine !== gen || closed) return;
    void discard();
    timers.clear('open', 'watchdog', 'upgrade');
    const lifetimeMs = openedAt === undefined ? 0 : Date.now() - openedAt;
    openedAt = undefined;
    if (lifetimeMs >= o.stableAfter) attempts = 0;
    const action = decide(failure, {
      attempts,
      lifetimeMs,
      canReauth: tokens.refreshable && !reauthed,
      // No token is sent: a 401 is then about a channel that needs credentials, not about the client.
      anonymous: tokens.value === undefined,
      backoff: o.backoff,
      random: o.random,
      selector,
    });
    const waiting: ConnectionState = everOpen ? 'reconnecting' : 'connecting';
    switch (action.type) {
      case 'fatal':
        setState('closed', { reason: action.error.message, error: action.error });
        host.fatal(action.error);
        return;
      case 'reauth':
        reauthed = true;
        setState(waiting, { reason: failure.reason, delay: 0 });
        tokens
          .refresh()
          .then(restart, (err: unknown) => host.fatal(new Err('unauthorized', 'getToken failed', { cause: err })));
        return;
      case 'probe':
        void probe(action.error, waiting);
        return;
      case 'retry':
        catchUp ||= action.catchUp === true;
        if (action.fallback) report(action.fallback);
        attempts++;
        // The state event names a fallback only when there is one.
        setState(waiting, {
          reason: failure.reason,
          delay: action.delay,
          ...(action.fallback && { fallback: action.fallback }),
        });
        timers.set('retry', action.delay, () => void attempt());
    }
  };

  /** A multi-channel request was refused: drop the channels refused alone; stop if none is. */
  const probe = async (error: HeraldError, waiting: ConnectionState): Promise<void> => {
    setState(waiting, { reason: error.message });
    const mine = gen;
    let dropped: number;
    try {
      const { probeChannels } = await platform.onDemand();
      dropped = await probeChannels(http, host.subscriptions(), host, tokens.value === undefined);
    } catch (err) {
      failed(mine, failureOf(err)); // the code could not be loaded: retried like a network error
      return;
    }
    if (closed) return;
    if (dropped === 0) host.fatal(error);
    else restart();
  };

  const restart = (): void => {
    if (closed) return;
    void discard();
    timers.clear('open', 'watchdog', 'upgrade', 'retry');
    void attempt();
  };

  const scheduleRestart = (): void => {
    if (timers.has('retry') || timers.has('resubscribe')) return;
    // Coalesces many subscribe() calls in one tick into one new request.
    timers.set('resubscribe', 0, restart);
  };

  const useToken = (token: string): void => {
    if (conn?.auth && conn.phase === 'open') conn.auth(token);
    else if (conn?.watched) restart(); // a stream carries its token from the start
  };

  const detachEnvironment = watchEnvironment({
    visibility(hidden) {
      const polling = selector.current === 'poll' || selector.current === 'long-poll';
      if (hidden && polling && o.pauseWhenHidden && !paused) {
        paused = true;
        void discard();
      } else if (!hidden && paused) {
        paused = false;
        restart();
      }
    },
    online: () => timers.has('retry') && restart(),
  });
  // Deferred so that subscriptions made right after connect() share the first connection.
  queueMicrotask(() => void attempt());

  return {
    http,
    get state() {
      return state;
    },
    added(sub) {
      if (conn?.subscribe) {
        if (conn.phase === 'open') conn.subscribe(sub.channel, sub.cursor, sub.info);
      } else if (conn || state.state === 'open') scheduleRestart();
    },
    removed(channel) {
      if (conn?.unsubscribe) {
        if (conn.phase === 'open') conn.unsubscribe(channel);
      } else if (conn) scheduleRestart();
    },
    live: () => (conn?.phase === 'open' ? conn : undefined),
    async close() {
      if (closed) return;
      closed = true;
      timers.clearAll();
      life.abort();
      detachEnvironment();
      const closing = discard();
      setState('closed', { reason: 'closed' });
      await closing;
    },
  };
}
