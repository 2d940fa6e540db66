import { type Cursor, parseCursor } from '@herald/protocol';
import { HeraldError } from './errors.ts';

/** What the SDK tells an application when the hub could not resume a channel where it asked. */
export interface ResetInfo {
  /** The channel. */
  channel: string;
  /** The channel's current epoch. */
  epoch: string;
  /** First offset delivered after the reset. */
  from: number;
  /** The cursor the client held before (undefined when it had none yet). */
  previous: string | undefined;
  /**
   * How many messages were skipped, when that is knowable (same epoch); `undefined` when the epoch
   * changed, because offsets of different epochs cannot be compared.
   */
  lost: number | undefined;
  /** True when the client detected the hole itself (the hub skipped offsets without saying so). */
  detected: boolean;
}

/** The verdict on an incoming message offset. */
export type Verdict = 'deliver' | 'duplicate' | 'gap';

/** After this many resyncs that did not fill the same hole, the hole is reported as a reset. */
export const GAP_STRIKES = 3;

/**
 * One channel's resume position and the exactly-once, in-order rule. The hub numbers messages
 * 1, 2, 3, … without holes within an epoch, so the next acceptable message is exactly `offset + 1`:
 * anything at or below `offset` was already delivered (a replay after a reconnect or transport
 * switch), anything above means a hole that must be refilled by resuming, never skipped silently.
 */
export class ChannelPosition {
  // Private: the bundles shorten these names, which `epoch` and `offset` (wire fields) cannot be.
  /** The epoch, once known. */
  #epoch: string | undefined;
  /** Offset of the last delivered message; undefined = not positioned yet. */
  #offset: number | undefined;
  /** True for the cursor `0` (oldest in history): the first message is accepted whatever its offset. */
  #fromStart: boolean;
  #gapAt: number | undefined;
  #gapStrikes = 0;

  /** The channel (`declare`: assigned by the constructor, so the bundles need no field declaration). */
  declare readonly channel: string;

  /**
   * `after` is a cursor string, `'0'`, or undefined (live: position learned from the hub); anything
   * else throws the `bad_request` error that `subscribe()` throws for it.
   */
  constructor(channel: string, after?: string) {
    this.channel = channel;
    // A JavaScript caller can pass anything as `after`.
    const parsed: Cursor | undefined = typeof after === 'string' ? parseCursor(after) : undefined;
    if (after !== undefined && parsed === undefined) throw new HeraldError('bad_request', `invalid cursor: ${after}`);
    this.#fromStart = parsed === 'start';
    if (parsed !== undefined && parsed !== 'start') {
      this.#epoch = parsed.epoch;
      this.#offset = parsed.offset;
    }
  }

  /** True while a subscription from the cursor `0` has received nothing. */
  get untouched(): boolean {
    return this.#fromStart && this.#offset === undefined;
  }

  /** True once the client can express where to resume (a cursor or `0`). */
  get known(): boolean {
    return this.#fromStart || (this.#epoch !== undefined && this.#offset !== undefined);
  }

  /** The resume cursor, or undefined while the position is not known. */
  get cursor(): string | undefined {
    // The protocol's formatCursor, without building a Position to pass it.
    if (this.#epoch !== undefined && this.#offset !== undefined) return `${this.#epoch}:${this.#offset}`;
    return this.#fromStart ? '0' : undefined;
  }

  /** Sets the start position the hub reported (WebSocket `ok`, NDJSON `subscribed`), if not yet known. */
  start(epoch: string, cursor: string | undefined): void {
    if (this.#epoch === undefined) this.#epoch = epoch;
    if (this.#offset !== undefined || this.#fromStart || cursor === undefined) return;
    const parsed = parseCursor(cursor);
    if (parsed === 'start') this.#fromStart = true;
    else if (parsed !== undefined && parsed.epoch === this.#epoch) this.#offset = parsed.offset;
  }

  /** Pins a live subscription to where the channel is now (a cursor or `0`), if not yet known. */
  pin(cursor: string): void {
    if (this.known) return;
    const parsed = parseCursor(cursor);
    if (parsed === 'start') this.#fromStart = true;
    else if (parsed !== undefined) {
      this.#epoch = parsed.epoch;
      this.#offset = parsed.offset;
    }
  }

  /**
   * Judges a message at `offset` (in `epoch`, when the transport says). Delivering advances the
   * position. A gap leaves it unchanged so the caller resumes from it; after {@link GAP_STRIKES}
   * resyncs that meet the same hole, it returns a reset to surface instead of looping forever.
   */
  accept(offset: number, epoch?: string): Verdict | ResetInfo {
    if (epoch !== undefined && this.#epoch === undefined) this.#epoch = epoch;
    const sameEpoch = epoch === undefined || epoch === this.#epoch;
    if (this.#offset === undefined && (this.#fromStart || this.#epoch === undefined || sameEpoch)) {
      this.#offset = offset;
      return 'deliver';
    }
    if (sameEpoch && this.#offset !== undefined) {
      if (offset <= this.#offset) return 'duplicate';
      if (offset === this.#offset + 1) {
        this.#gapAt = undefined;
        this.#gapStrikes = 0;
        this.#offset = offset;
        return 'deliver';
      }
    }
    const expected = (this.#offset ?? 0) + 1;
    if (this.#gapAt === expected) this.#gapStrikes++;
    else {
      this.#gapAt = expected;
      this.#gapStrikes = 1;
    }
    if (this.#gapStrikes < GAP_STRIKES) return 'gap';
    const info = this.reset(epoch ?? this.#epoch ?? '', offset);
    this.#offset = offset;
    return { ...info, detected: true };
  }

  /** Applies a reset from the hub: delivery continues at `from` in `epoch`. */
  reset(epoch: string, from: number): ResetInfo {
    const previous = this.cursor;
    const lost = epoch === this.#epoch && this.#offset !== undefined ? Math.max(0, from - this.#offset - 1) : undefined;
    this.#epoch = epoch;
    this.#offset = from - 1;
    this.#fromStart = false;
    this.#gapAt = undefined;
    this.#gapStrikes = 0;
    return { channel: this.channel, epoch, from, previous, lost, detected: false };
  }
}
