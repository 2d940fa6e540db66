/** One channel's count in {@link BusiestChannels}. */
export interface ChannelCount {
  readonly channel: string;
  readonly messages: number;
}

/**
 * The channels that got the most messages since the last {@link clear}, in bounded memory: at most
 * `capacity` counters, whatever the number of channels (the Space-Saving scheme). While no more than
 * `capacity` channels publish, counts are exact. Past that, a channel not yet counted takes over the
 * smallest counter and its count, so a channel with more than total / capacity messages is never lost,
 * and a count is high by at most what it inherited. A miss on a full table scans it (O(capacity)), which
 * is why the table stays small and is only fed while someone watches the stats.
 */
export class BusiestChannels {
  readonly #counts = new Map<string, number>();

  constructor(private readonly capacity: number) {}

  /** Counts `n` messages on `channel`. */
  add(channel: string, n: number): void {
    const count = this.#counts.get(channel);
    if (count !== undefined) {
      this.#counts.set(channel, count + n);
      return;
    }
    if (this.#counts.size >= this.capacity) {
      let smallest: string | undefined;
      let min = Number.POSITIVE_INFINITY;
      for (const [name, c] of this.#counts) {
        if (c < min) {
          min = c;
          smallest = name;
        }
      }
      if (smallest !== undefined) this.#counts.delete(smallest);
      this.#counts.set(channel, min + n);
      return;
    }
    this.#counts.set(channel, n);
  }

  /** The `n` channels with the most messages, most first. */
  top(n: number): ChannelCount[] {
    return [...this.#counts.entries()]
      .map(([channel, messages]) => ({ channel, messages }))
      .sort((a, b) => b.messages - a.messages)
      .slice(0, n);
  }

  /** Starts a new interval. */
  clear(): void {
    this.#counts.clear();
  }
}
