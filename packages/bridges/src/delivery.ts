import { HeraldError } from '@herald/core';
import { Backoff, sleep } from './backoff.ts';
import type { CommonBridgeConfig } from './config.ts';
import type { Mapper, SourceMessage } from './mapping.ts';
import type { Poison } from './payload.ts';
import type { BridgeStats } from './stats.ts';
import { describe } from './stats.ts';
import type { BridgeLogger, BridgePublish } from './types.ts';

/** Sends one poison message to the source's dead-letter target; resolves once the target has it. */
export type DeadLetter = (message: SourceMessage, poison: Poison) => Promise<void>;

/** `done`: ack the message (stored, a duplicate, or dead-lettered). `returned`: give it back to the broker. */
export type Verdict = 'done' | 'returned';

/** Error codes that mean "this message can never be published": it is dead-lettered, not retried. */
const PERMANENT = new Set(['bad_request', 'too_large']);

/**
 * Takes source messages to the hub one at a time, in order: map, publish, and on failure either
 * dead-letter (poison) or retry in place with backoff (anything else: the hub or its engine is away).
 * Retrying in place rather than nacking keeps the order, and bounded prefetch keeps the broker from
 * handing over more meanwhile. Once `signal` aborts (close), no new publish starts: the message is
 * `returned` and the source gives it back to the broker.
 */
export class Delivery {
  private readonly backoff: Backoff;
  private current: Promise<Verdict> | undefined;
  private failing = false;

  constructor(
    private readonly config: CommonBridgeConfig,
    private readonly mapper: Mapper,
    private readonly publish: BridgePublish,
    private readonly stats: BridgeStats,
    private readonly logger: BridgeLogger,
    private readonly signal: AbortSignal,
  ) {
    this.backoff = new Backoff(config.retryInitialMs, config.retryMaxMs);
  }

  /**
   * Publishes (or dead-letters) `message`; the verdict says whether to ack it. `signal` (default: the
   * bridge's) also stops retries when the connection the message came on is lost: it will be redelivered.
   */
  handle(message: SourceMessage, deadLetter: DeadLetter, signal: AbortSignal = this.signal): Promise<Verdict> {
    const run = this.run(message, deadLetter, signal);
    this.current = run;
    return run;
  }

  /**
   * Waits for the message being handled to settle, at most `timeoutMs`; true when it settled (and so its
   * ack went out), false when it is still publishing (the source closes anyway and the broker redelivers).
   */
  async drain(timeoutMs: number): Promise<boolean> {
    const current = this.current;
    if (current === undefined) return true;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const settled = current.then(
      () => true as const,
      () => true as const,
    );
    const result = await Promise.race([settled, timeout]);
    clearTimeout(timer);
    return result;
  }

  private async run(message: SourceMessage, deadLetter: DeadLetter, signal: AbortSignal): Promise<Verdict> {
    if (signal.aborted) return 'returned';
    this.stats.count('consumed');
    const mapped = this.mapper.map(message);
    if ('reason' in mapped) return this.deadLetter(message, mapped, deadLetter, signal);
    for (;;) {
      if (signal.aborted) return 'returned';
      try {
        const result = await this.publish(mapped.channel, [mapped.input], mapped.idempotencyKey);
        this.recovered();
        if (result.duplicate) {
          this.stats.count('duplicate');
        } else {
          this.stats.count('published');
          if (message.timestampMs !== undefined) this.stats.latency(Math.max(0, Date.now() - message.timestampMs));
        }
        return 'done';
      } catch (error) {
        const code = errorCode(error);
        if (code !== undefined && PERMANENT.has(code)) {
          const poison: Poison = { reason: 'rejected', detail: `${code}: ${describe(error)}` };
          return this.deadLetter(message, poison, deadLetter, signal);
        }
        this.retrying(error, 'bridge publish failed, retrying');
        await sleep(this.backoff.next(), signal);
      }
    }
  }

  private async deadLetter(
    message: SourceMessage,
    poison: Poison,
    deadLetter: DeadLetter,
    signal: AbortSignal,
  ): Promise<Verdict> {
    for (;;) {
      if (signal.aborted) return 'returned';
      try {
        await deadLetter(message, poison);
        this.recovered();
        this.stats.count('dead_lettered');
        this.logger.warn(
          {
            bridge: this.config.name,
            key: message.key,
            id: message.sourceId,
            reason: poison.reason,
            detail: poison.detail,
          },
          'bridge message dead-lettered',
        );
        return 'done';
      } catch (error) {
        // The dead-letter target is away: keep the message (and the order) rather than drop it.
        this.retrying(error, 'bridge dead-letter target failed, retrying');
        await sleep(this.backoff.next(), signal);
      }
    }
  }

  /** Counts a failure; logs the first of a streak only, so an outage is one line, not one per retry. */
  private retrying(error: unknown, message: string): void {
    this.stats.count('failed');
    this.stats.noteError(error);
    if (this.failing) return;
    this.failing = true;
    this.logger.warn({ bridge: this.config.name, error: describe(error) }, message);
  }

  private recovered(): void {
    this.backoff.reset();
    if (!this.failing) return;
    this.failing = false;
    this.stats.lastError = undefined;
    this.logger.info({ bridge: this.config.name }, 'bridge publishing again');
  }
}

/** The catalog code of a HeraldError (also one thrown by another copy of the core, e.g. a bundle). */
function errorCode(error: unknown): string | undefined {
  if (error instanceof HeraldError) return error.code;
  if (typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'HeraldError') {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}
