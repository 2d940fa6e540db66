import { HeraldError } from '@herald/core';
import {
  ClientClosedError,
  ClientOfflineError,
  ConnectionTimeoutError,
  createClient,
  DisconnectsClientError,
  ErrorReply,
  MultiErrorReply,
  ReconnectStrategyError,
  SocketClosedUnexpectedlyError,
  SocketTimeoutError,
  TimeoutError,
} from 'redis';
import { SCRIPTS } from './scripts.ts';

/** How the engine talks to Redis (validated by the engine's options). */
export interface ConnectionSettings {
  readonly url: string;
  readonly connectTimeoutMs: number;
  readonly maxReconnectDelayMs: number;
  readonly maxPendingCommands: number;
  readonly pingIntervalMs: number;
  /** CLIENT SETNAME of every connection of the engine, so CLIENT LIST shows which node holds which. */
  readonly name: string;
}

/**
 * A command connection. Commands fail at once while it is down (`disableOfflineQueue`): a publish must
 * get a 503 now, not be stored minutes later after the client gave up. It reconnects by itself with a
 * capped exponential backoff (with jitter, so many nodes do not reconnect in lockstep).
 */
export function createConnection(settings: ConnectionSettings) {
  return createClient({
    url: settings.url,
    name: settings.name,
    scripts: SCRIPTS,
    disableOfflineQueue: true,
    commandsQueueMaxLength: settings.maxPendingCommands,
    // Also surfaces a silently dead connection: the PING fails and the socket is replaced.
    pingInterval: settings.pingIntervalMs,
    socket: {
      connectTimeout: settings.connectTimeoutMs,
      reconnectStrategy: (retries: number) =>
        Math.round(
          Math.min(settings.maxReconnectDelayMs, 50 * 2 ** Math.min(retries, 10)) * (0.8 + Math.random() * 0.4),
        ),
    },
  });
}

/** A connection with the engine's scripts. */
export type Connection = ReturnType<typeof createConnection>;

/**
 * Starts `connection` and reports its trouble to `onError`: node-redis emits an error for every failed
 * reconnect attempt, so only the first of an outage is reported. Never throws: the reconnect strategy
 * retries until the connection is closed.
 */
export function open(connection: Connection, onError: (error: unknown) => void): void {
  let down = false;
  connection.on('error', (error: unknown) => {
    if (down) return;
    down = true;
    onError(error);
  });
  connection.on('ready', () => {
    down = false;
  });
  connection.connect().catch(() => {});
}

/**
 * Loads the scripts whenever `connection` (re)connects: a Redis that restarted has an empty script
 * cache, and every EVALSHA sent before this would fail and be resent as EVAL with the whole script.
 * Sent first on the new connection, so the calls queued behind find the scripts.
 */
export function loadScriptsOnConnect(connection: Connection, onError: (error: unknown) => void): void {
  connection.on('ready', () => {
    for (const script of Object.values(SCRIPTS)) connection.scriptLoad(script.SCRIPT).catch(onError);
  });
}

/** Resolves true once `connection` is ready, false after `ms`. */
export function whenReady(connection: Connection, ms: number): Promise<boolean> {
  if (connection.isReady) return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (ready: boolean) => {
      clearTimeout(timer);
      connection.off('ready', onReady);
      resolve(ready);
    };
    const onReady = () => done(true);
    const timer = setTimeout(() => done(false), ms);
    connection.on('ready', onReady);
  });
}

/** Closes `connection`: gracefully (pending replies arrive) when it is up, at once otherwise. */
export async function shut(connection: Connection, ms: number): Promise<void> {
  if (!connection.isOpen) return;
  if (!connection.isReady) {
    connection.destroy();
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  await Promise.race([connection.close().catch(() => {}), late]);
  clearTimeout(timer);
  if (connection.isOpen) connection.destroy();
}

/**
 * Subscriber connection. Pub/sub commands queue while it is down (node-redis sends them on reconnect,
 * after re-subscribing what was active), so a watch made during an outage takes effect once Redis is back.
 */
export function duplicateForPubSub(connection: Connection): Connection {
  return connection.duplicate({ disableOfflineQueue: false });
}

/** The answer of every call made while Redis cannot be reached (HTTP 503, Retry-After 1 s). */
export function unavailable(): HeraldError {
  return new HeraldError('unavailable', 'the engine is unavailable', 1);
}

/** Error replies that say "not now" rather than "wrong": out of memory, busy script, loading, failover. */
const TRANSIENT_REPLY = /^(OOM|BUSY|LOADING|MASTERDOWN|READONLY|TRYAGAIN|CLUSTERDOWN|NOREPLICAS)\b/;

/** Errors of node-redis that mean "Redis cannot be reached now". */
const CONNECTION_ERRORS = [
  ClientClosedError,
  ClientOfflineError,
  ConnectionTimeoutError,
  DisconnectsClientError,
  ReconnectStrategyError,
  SocketClosedUnexpectedlyError,
  SocketTimeoutError,
  TimeoutError,
];

/**
 * Maps a failure of a Redis call. Connection trouble (offline, closed, reset, timed out, queue full) and
 * transient error replies become `unavailable`; anything else (another error reply, a bug) stays as it
 * is, so it is logged as an internal error instead of hiding behind endless 503s.
 */
export function toHeraldError(error: unknown): unknown {
  if (error instanceof HeraldError) return error;
  if (error instanceof MultiErrorReply) {
    for (const reply of error.errors()) if (!TRANSIENT_REPLY.test(reply.message)) return reply;
    return unavailable();
  }
  if (error instanceof ErrorReply) return TRANSIENT_REPLY.test(error.message) ? unavailable() : error;
  if (CONNECTION_ERRORS.some((type) => error instanceof type)) return unavailable();
  // Socket errors (ECONNRESET, EPIPE, …) carry a code; a full command queue only says so.
  if (error instanceof Error && (isSystemError(error) || error.message === 'The queue is full')) return unavailable();
  return error;
}

function isSystemError(error: Error): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return typeof code === 'string' && /^E[A-Z]+$/.test(code);
}

/**
 * Runs a Redis call with a deadline: a connection that hangs without closing (a network partition)
 * answers 503 after `ms` instead of holding requests until TCP gives up. A call that times out may still
 * have been applied; it is never reported as done, and an idempotency key makes the retry safe.
 */
export async function call<T>(connection: Connection, ms: number, run: () => Promise<T>): Promise<T> {
  // Pipelines bypass node-redis's offline check and would wait in its queue for the reconnect.
  if (!connection.isReady) throw unavailable();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(unavailable()), ms);
  });
  try {
    return await Promise.race([run(), deadline]);
  } catch (error) {
    throw toHeraldError(error);
  } finally {
    clearTimeout(timer);
  }
}
