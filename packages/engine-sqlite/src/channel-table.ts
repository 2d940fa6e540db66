import { ChannelCap, HeraldError, type HistoryLimits, newEpoch } from '@herald/core';
import type { ChannelRow, Statements } from './schema.ts';

/** Channels forgotten per sweep, so one sweep never blocks the event loop for long. */
export const SWEEP_BATCH = 500;

/**
 * The channels of one database, as the engine's transactions see them: rows created on first use
 * with a fresh epoch, trimmed by age, forgotten when idle or to make room at the channel cap (see
 * ChannelCap in the core: the least recently used channel no feed watches). Keeps what is cheap to
 * know in memory: the history size and the cap's recency list. Every method that writes runs inside
 * the caller's transaction.
 */
export class ChannelTable {
  /** Messages held in history over all channels (no holes within an epoch: the sum of the ranges). */
  held = 0;
  private readonly cap: ChannelCap<{ used: number }>;
  private lastCapSweep = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly sql: Statements,
    maxChannels: number,
    /** True when a feed watches the channel (someone on this node waits for it): never evicted. */
    private readonly watched: (channel: string) => boolean,
  ) {
    this.cap = new ChannelCap(maxChannels);
  }

  /** Channels held. */
  get size(): number {
    return this.cap.size;
  }

  /** Channels forgotten at the cap since open. */
  get evicted(): number {
    return this.cap.evicted;
  }

  /** The channel's row, created with a fresh epoch if missing (making room at the cap). */
  row(channel: string, limits: HistoryLimits, now: number): ChannelRow {
    const row = this.sql.getChannel.get(channel);
    if (row !== undefined) {
      this.cap.use(channel, now);
      return row;
    }
    if (this.cap.full()) this.makeRoom(now);
    const epoch = newEpoch();
    this.sql.insertChannel.run(channel, epoch, now + limits.maxAgeMs);
    this.cap.add(channel, { used: now });
    return { epoch, first: 1, last: 0 };
  }

  /** The channel got its first message (it is no longer first in line at the cap). */
  written(channel: string): void {
    this.cap.written(channel);
  }

  /** Drops messages older than the max age from the front. */
  trimByAge(channel: string, ch: ChannelRow, limits: HistoryLimits, now: number): ChannelRow {
    if (ch.first > ch.last) return ch;
    // Times grow with offsets, so the first fresh message ends the expired prefix.
    const fresh = this.sql.firstFresh.get(channel, now - limits.maxAgeMs);
    const first = fresh?.seq ?? ch.last + 1;
    if (first <= ch.first) return ch;
    this.held -= this.sql.deleteBelow.run(channel, first).changes;
    this.sql.setFirst.run(first, channel);
    return { epoch: ch.epoch, first, last: ch.last };
  }

  /** Channels idle past their max age (all their history expired), at most one batch. */
  idle(now: number): string[] {
    return this.sql.idleChannels.all(now, SWEEP_BATCH).map((r) => r.name);
  }

  /** Deletes a channel, its history and its keys. */
  forget(name: string): void {
    this.held -= this.sql.deleteAll.run(name).changes;
    this.sql.deleteKeys.run(name);
    this.sql.deleteChannel.run(name);
    this.cap.delete(name);
  }

  /**
   * Reloads what is kept in memory from the database: the history size and the cap's list (in order of
   * last append). At open, and after a transaction that failed (it may have rolled back changes these
   * had already counted).
   */
  resync(now: number): void {
    this.held = this.sql.historyTotal.get()?.n ?? 0;
    for (const [name] of [...this.cap.all()]) this.cap.delete(name);
    for (const { name, last } of this.sql.allChannels.all()) {
      this.cap.add(name, { used: now });
      if (last > 0) this.cap.written(name);
    }
  }

  /**
   * At the channel cap: forgets idle channels (at most one sweep a second), then the channel the cap
   * picks; refuses with 503 when every channel is watched. A refusal has changed nothing (had the sweep
   * forgotten a channel, there would be room), so the caller need not reload anything.
   */
  private makeRoom(now: number): void {
    if (now - this.lastCapSweep >= 1_000) {
      this.lastCapSweep = now;
      for (const name of this.idle(now)) this.forget(name);
    }
    if (!this.cap.full()) return;
    const victim = this.cap.victim(this.watched, now);
    if (victim === undefined) {
      throw new HeraldError('unavailable', 'every channel the hub may hold has subscribers; retry later', 5);
    }
    this.forget(victim);
  }
}
