import type { Message } from './message.ts';

interface Rate {
  /** Time of the newest message counted, ms. */
  at: number;
  /** Offset of the newest message counted: a message is counted once however often it is seen. */
  offset: number;
  epoch: string;
  /** Smoothed time between messages, ms. */
  interval: number;
}

/**
 * The suggested poll interval of each channel (Herald-Poll-Interval): about the channel's recent time
 * between messages, within bounds. It learns from the messages this node sees, live from the feed or
 * read by pulls, by their own timestamps, so every node of a cluster suggests the same interval
 * whoever published.
 */
export class PollRates {
  private readonly rates = new Map<string, Rate>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly bounds: { readonly min: number; readonly max: number }) {
    this.sweeper = setInterval(() => this.sweep(), 60_000);
    this.sweeper.unref();
  }

  /** Counts `messages` (one channel's, in offset order) that were not counted before. */
  note(channel: string, messages: readonly Message[]): void {
    const newest = messages[messages.length - 1];
    if (newest === undefined) return;
    const rate = this.rates.get(channel);
    if (rate === undefined || rate.epoch !== newest.epoch) {
      this.rates.set(channel, {
        at: newest.time,
        offset: newest.offset,
        epoch: newest.epoch,
        interval: this.bounds.max,
      });
      return;
    }
    if (newest.offset <= rate.offset) return;
    const count = newest.offset - rate.offset;
    const gap = Math.max(0, newest.time - rate.at) / count;
    // Exponentially weighted, so a burst moves the suggestion quickly but one gap does not.
    rate.interval = rate.interval * 0.7 + gap * 0.3;
    rate.at = newest.time;
    rate.offset = newest.offset;
  }

  /** Suggested poll interval for `channel`, ms. */
  intervalMs(channel: string): number {
    const rate = this.rates.get(channel);
    const { min, max } = this.bounds;
    if (rate === undefined) return max;
    const sinceLast = Date.now() - rate.at;
    // Halved on every call, not only once the channel has been quiet for four intervals: a division
    // first run then (a minute after the last message at the default bounds) deoptimized the compiled
    // poll path that inlines this, and every poll paid for its recompilation.
    const half = sinceLast / 2;
    const interval = Math.max(rate.interval, sinceLast > rate.interval * 4 ? half : 0);
    return Math.round(Math.min(max, Math.max(min, interval)));
  }

  close(): void {
    clearInterval(this.sweeper);
  }

  private sweep(): void {
    const old = Date.now() - 10 * 60_000;
    for (const [channel, rate] of this.rates) if (rate.at < old) this.rates.delete(channel);
  }
}
