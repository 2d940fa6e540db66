import { Backoff, sleep } from './backoff.ts';
import type { BridgeConfig } from './config.ts';
import type { Delivery } from './delivery.ts';
import { type BridgeStats, describe } from './stats.ts';
import type { BridgeLogger } from './types.ts';

/** What a source gets from its bridge. */
export interface SourceContext<C extends BridgeConfig = BridgeConfig> {
  readonly config: C;
  readonly delivery: Delivery;
  readonly stats: BridgeStats;
  readonly logger: BridgeLogger;
  /** Aborts when the bridge starts closing: take nothing more, return what is not done. */
  readonly signal: AbortSignal;
}

/** One broker's consumer. */
export interface Source {
  /**
   * Connects, consumes and reconnects until the bridge's signal aborts; then stops taking messages,
   * drains the one being published, returns the rest to the broker and closes. Never rejects.
   */
  run(): Promise<void>;
  /** Messages waiting in the broker for this bridge; absent where the source cannot tell. */
  lag?(): Promise<number | undefined>;
}

/** One connection's life, as {@link supervise} runs it. */
export interface Session {
  /** Settles when the connection is lost (with the reason, if known). */
  readonly ended: Promise<unknown>;
  /** Stops consuming and closes the connection; unacknowledged messages go back to the broker. */
  close(): Promise<void>;
}

/** A session that lasted this long resets the backoff: the broker is healthy again, ms. */
const HEALTHY_AFTER_MS = 5_000;

/**
 * Runs sessions one after another with backoff between them, until the bridge closes: the reconnect loop
 * of sources whose client library does not reconnect by itself (AMQP, MQTT, PostgreSQL). Before a new
 * session starts, the message still being published by the old one is drained, so a redelivery of it
 * never races its first publish.
 */
export async function supervise(ctx: SourceContext, open: (signal: AbortSignal) => Promise<Session>): Promise<void> {
  const { config, stats, signal, delivery } = ctx;
  const backoff = new Backoff(config.retryInitialMs, config.retryMaxMs);
  const closing = aborted(signal);
  while (!signal.aborted) {
    const lost = new AbortController();
    let session: Session;
    try {
      session = await open(AbortSignal.any([signal, lost.signal]));
    } catch (error) {
      if (signal.aborted) break;
      stats.setState('down', error);
      await sleep(backoff.next(), signal);
      continue;
    }
    const upAt = Date.now();
    if (!signal.aborted) stats.setState('up');
    const reason = await Promise.race([session.ended, closing]);
    lost.abort();
    if (signal.aborted) {
      await session.close();
      break;
    }
    stats.reconnects++;
    stats.setState('down', reason ?? new Error('connection closed'));
    await delivery.drain(config.drainTimeoutMs);
    await session.close();
    if (Date.now() - upAt > HEALTHY_AFTER_MS) backoff.reset();
    await sleep(backoff.next(), signal);
  }
}

/** `promise`, but never longer than `ms` and never rejecting: for closing connections to brokers that may hang. */
export async function settle(promise: Promise<unknown> | undefined, ms: number): Promise<void> {
  if (promise === undefined) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    promise.catch(() => {}),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
    }),
  ]);
  clearTimeout(timer);
}

/** A promise that settles once `emitter` emits one of `events` (with the first argument). */
export function once(
  emitter: { once(event: string, listener: (arg?: unknown) => void): unknown },
  events: readonly string[],
): Promise<unknown> {
  return new Promise((resolve) => {
    for (const event of events) emitter.once(event, (arg) => resolve(arg ?? new Error(`connection ${event}`)));
  });
}

/** Settles when `signal` aborts (at once if it has). */
export function aborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}

/**
 * Runs tasks one after another, in the order they were pushed: messages that arrive by callback are
 * handled in order, one at a time. A task that throws (a bug: handling never rejects by design) is
 * reported and the next still runs, so one failure cannot silently stop the bridge.
 */
export class Serial {
  private tail: Promise<void> = Promise.resolve();

  constructor(private readonly onError: (error: unknown) => void) {}

  push(task: () => Promise<unknown>): void {
    this.tail = this.tail.then(task).then(
      () => {},
      (error: unknown) => this.onError(error),
    );
  }

  /** Settles once every task pushed so far has. */
  idle(): Promise<void> {
    return this.tail;
  }
}

/** Reports an unexpected failure of a bridge's own code (not a broker or hub outage). */
export function reportBug(ctx: SourceContext): (error: unknown) => void {
  return (error) =>
    ctx.logger.error({ bridge: ctx.config.name, error: describe(error) }, 'bridge failed to handle a message');
}
