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
export interface ChannelPosition {
  readonly channel: string;
  /** True while a subscription from the cursor `0` has received nothing. */
  readonly untouched: boolean;
  /** True once the client can express where to resume (a cursor or `0`). */
  readonly known: boolean;
  /** The resume cursor, or undefined while the position is not known. */
  readonly cursor: string | undefined;
  /** Sets the start position the hub reported (WebSocket `ok`, NDJSON `subscribed`), if not yet known. */
  start(epoch: string, cursor: string | undefined): void;
  /** Pins a live subscription to where the channel is now (a cursor or `0`), if not yet known. */
  pin(cursor: string): void;
  /**
   * Judges a message at `offset` (in `epoch`, when the transport says). Delivering advances the
   * position. A gap leaves it unchanged so the caller resumes from it; after {@link GAP_STRIKES}
   * resyncs that meet the same hole, it returns a reset to surface instead of looping forever.
   */
  accept(offset: number, epoch?: string): Verdict | ResetInfo;
  /** Applies a reset from the hub: delivery continues at `from` in `epoch`. */
  reset(epoch: string, from: number): ResetInfo;
}

/**
 * The position of `channel` from `after`: a cursor string, `'0'`, or undefined (live: position
 * learned from the hub); anything else throws the `bad_request` error that `subscribe()` throws for it.
 */
export function channelPosition(channel: string, after?: string): ChannelPosition {
  // A JavaScript caller can pass anything as `after`.
  const parsed: Cursor | undefined = typeof after === 'string' ? parseCursor(after) : undefined;
  if (after !== undefined && parsed === undefined) throw new HeraldError('bad_request', `invalid cursor: ${after}`);
  /** True for the cursor `0` (oldest in history): the first message is accepted whatever its offset. */
  let fromStart = parsed === 'start';
  /** The epoch, once known. */
  let epoch = typeof parsed === 'object' ? parsed.epoch : undefined;
  /** Offset of the last delivered message; undefined = not positioned yet. */
  let offset = typeof parsed === 'object' ? parsed.offset : undefined;
  /** The hole last met, and how many resyncs in a row met it. */
  let gapAt: number | undefined;
  let gapStrikes = 0;
  const position: ChannelPosition = {
    channel,
    get untouched() {
      return fromStart && offset === undefined;
    },
    get known() {
      return fromStart || (epoch !== undefined && offset !== undefined);
    },
    get cursor() {
      // The protocol's formatCursor, without building a Position to pass it.
      if (epoch !== undefined && offset !== undefined) return `${epoch}:${offset}`;
      return fromStart ? '0' : undefined;
    },
    start(reported, cursor) {
      epoch ??= reported;
      if (offset !== undefined || fromStart || cursor === undefined) return;
      const at = parseCursor(cursor);
      if (at === 'start') fromStart = true;
      else if (at !== undefined && at.epoch === epoch) offset = at.offset;
    },
    pin(cursor) {
      if (position.known) return;
      const at = parseCursor(cursor);
      if (at === 'start') fromStart = true;
      else if (at !== undefined) {
        epoch = at.epoch;
        offset = at.offset;
      }
    },
    accept(at, messageEpoch) {
      epoch ??= messageEpoch;
      const sameEpoch = messageEpoch === undefined || messageEpoch === epoch;
      if (offset === undefined && (fromStart || epoch === undefined || sameEpoch)) {
        offset = at;
        return 'deliver';
      }
      if (sameEpoch && offset !== undefined) {
        if (at <= offset) return 'duplicate';
        if (at === offset + 1) {
          gapAt = undefined;
          gapStrikes = 0;
          offset = at;
          return 'deliver';
        }
      }
      const expected = (offset ?? 0) + 1;
      if (gapAt === expected) gapStrikes++;
      else {
        gapAt = expected;
        gapStrikes = 1;
      }
      if (gapStrikes < GAP_STRIKES) return 'gap';
      const info = position.reset(messageEpoch ?? epoch ?? '', at);
      offset = at;
      return { ...info, detected: true };
    },
    reset(to, from) {
      const previous = position.cursor;
      const lost = to === epoch && offset !== undefined ? Math.max(0, from - offset - 1) : undefined;
      epoch = to;
      offset = from - 1;
      fromStart = false;
      gapAt = undefined;
      gapStrikes = 0;
      return { channel, epoch: to, from, previous, lost, detected: false };
    },
  };
  return position;
}
