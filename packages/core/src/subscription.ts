import type { Cursor } from '@herald/protocol';
import type { ChannelState, Engine, HistoryLimits } from './engine.ts';
import type { Message } from './message.ts';
import { resolveCursor } from './resume.ts';
import type { Sink } from './sink.ts';

/** History is read in pages of this many messages while catching up. */
const PAGE = 500;
/** A replay from history waits for the client to read once this much is unsent. */
const PACE_BYTES = 64 * 1024;
/** Live messages held while a subscription catches up; beyond this they are dropped and re-read from history. */
const MAX_PENDING = 10_000;

/**
 * One sink's subscription to one channel. It merges history and the live feed into one gap-free,
 * duplicate-free stream: live messages that arrive while history is read wait in `pending`; anything
 * at or below the delivered offset is dropped; a hole (or an epoch change) makes it read history again.
 */
export class Subscription {
  /** The epoch being delivered; empty until started. */
  epoch = '';
  /** Offset of the last message delivered (or of the start position). */
  last = 0;
  private syncing = true;
  /** Created when the first live message has to wait (most subscriptions never need one: ~32 B each). */
  private pending: Message[] | undefined;
  private overflowed = false;
  private closed = false;

  constructor(
    readonly channel: string,
    readonly sink: Sink,
    private readonly engine: Engine,
    private readonly limits: HistoryLimits,
    private readonly onError: (error: unknown) => void,
  ) {}

  /**
   * Starts delivery from `cursor` (undefined = only new messages). The caller has already registered
   * this subscription for live messages, so nothing published meanwhile is missed. `onPosition` gets
   * the position delivery starts from before anything is delivered.
   */
  async start(
    cursor: Cursor | undefined,
    onPosition: (position: { epoch: string; last: number }) => void,
  ): Promise<{ epoch: string; last: number }> {
    const state = await this.engine.state(this.channel, this.limits);
    this.epoch = state.epoch;
    const start = cursor === undefined ? undefined : resolveCursor(cursor, state);
    this.last = start === undefined ? state.last : start.from - 1;
    const position = { epoch: this.epoch, last: this.last };
    // The transport announces the position (NDJSON `subscribed`, WebSocket `ok`) before any delivery.
    onPosition(position);
    if (start?.reset !== undefined) this.sink.reset({ channel: this.channel, ...start.reset });
    await this.catchUp();
    return position;
  }

  /** Offers live messages of this channel (in offset order). */
  offer(messages: readonly Message[]): void {
    if (this.closed) return;
    if (this.syncing) {
      const held = this.pending ?? [];
      if (held.length + messages.length > MAX_PENDING) {
        this.overflowed = true;
        this.pending = undefined;
      } else {
        for (const m of messages) held.push(m);
        this.pending = held;
      }
      return;
    }
    for (const m of messages) {
      if (m.epoch === this.epoch && m.offset === this.last + 1) {
        this.last = m.offset;
        this.sink.deliver(m);
      } else if (m.epoch !== this.epoch || m.offset > this.last + 1) {
        // A hole or a new epoch: history tells what happened.
        this.syncing = true;
        this.catchUp().catch(this.onError);
        return;
      }
      // else: already delivered (offset <= last), drop.
    }
  }

  /**
   * Compares the delivered position with the channel's `state` in the engine (the hub's position
   * check): behind it, or in another epoch, the subscription reads history, so a live message that
   * never arrived is delivered all the same.
   */
  check(state: ChannelState): void {
    if (this.closed || this.syncing) return;
    if (state.epoch === this.epoch && state.last <= this.last) return;
    this.catchUp().catch(this.onError);
  }

  /** Stops delivery. */
  stop(): void {
    this.closed = true;
    this.pending = undefined;
  }

  /**
   * Reads history after `last` until caught up, then drains what arrived live meanwhile. A read that
   * fails (the engine is down or slow) ends the catch-up with nothing held: the next live message or
   * position check starts it again from `last`, so a failed read can never leave the subscription
   * waiting forever.
   */
  private async catchUp(): Promise<void> {
    try {
      await this.readHistory();
    } catch (error) {
      this.syncing = false;
      this.pending = undefined;
      this.overflowed = false;
      throw error;
    }
  }

  private async readHistory(): Promise<void> {
    this.syncing = true;
    for (;;) {
      if (this.closed) return;
      const page = await this.engine.read(this.channel, this.last + 1, PAGE, this.limits);
      if (this.closed) return;
      if (page.state.epoch !== this.epoch) {
        // The channel's past was lost: report it, then continue in the new epoch.
        this.epoch = page.state.epoch;
        this.last = page.state.first - 1;
        this.sink.reset({ channel: this.channel, epoch: this.epoch, from: page.state.first });
        continue;
      }
      if (page.state.first > this.last + 1) {
        // What comes next already left history (trimmed by count or age).
        this.last = page.state.first - 1;
        this.sink.reset({ channel: this.channel, epoch: this.epoch, from: page.state.first });
      }
      for (const m of page.messages) {
        if (this.closed) return;
        this.last = m.offset;
        this.sink.deliver(m);
        // Pace the replay by the client's reading speed instead of buffering all of history.
        if (this.sink.backlog() > PACE_BYTES) await this.sink.drained();
      }
      if (page.messages.length === PAGE) continue;
      if (this.overflowed) {
        this.overflowed = false;
        continue;
      }
      const queued = this.pending ?? [];
      this.pending = undefined;
      this.syncing = false;
      this.offer(queued);
      return;
    }
  }
}
