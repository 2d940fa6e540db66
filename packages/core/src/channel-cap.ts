/** What {@link ChannelCap} needs of a channel. */
export interface CapEntry {
  /** When the channel was last used (ms), as far as the cap's granularity tells. */
  used: number;
}

/** A use moves a channel to the back of the line at most this often, ms (so a busy channel costs no map writes). */
const USE_GRANULARITY_MS = 1_000;

/**
 * The channels an engine holds, least recently used first, and the choice of which to forget when a
 * new one does not fit (threat T14 in SECURITY.md: a flood of new channels must not lock out every other one).
 *
 * An engine knows recency, not subscribers; what it can know is which channels its feed watches (the
 * hub watches exactly the channels someone on this node waits for: live subscribers and held long
 * polls). So at the cap it forgets, in this order: the oldest channel nobody ever wrote to (reads of
 * fresh names make these; forgetting one loses nothing), then the least recently read or written
 * channel that is not watched. A watched channel is never forgotten; when every channel is watched,
 * the new one is refused. A forgotten channel starts a new epoch on its next use, so a client that
 * comes back to it gets a `reset`, never a silent gap.
 */
export class ChannelCap<V extends CapEntry> {
  /** Insertion order is recency order: the first entry is the least recently used. */
  private readonly entries = new Map<string, V>();
  /** Channels never written to, oldest first. */
  private readonly unwritten = new Set<string>();
  private evictedCount = 0;

  constructor(
    /** Most channels held; 0 = no cap. */
    readonly max: number,
  ) {}

  /** Channels held. */
  get size(): number {
    return this.entries.size;
  }

  /** Channels forgotten to make room since start (for metrics). */
  get evicted(): number {
    return this.evictedCount;
  }

  /** True when a new channel does not fit without forgetting one. */
  full(): boolean {
    return this.max > 0 && this.entries.size >= this.max;
  }

  /** The channel's entry, without counting a use. */
  peek(name: string): V | undefined {
    return this.entries.get(name);
  }

  /** The channel's entry, counted as used at `now` (read, state, append). */
  use(name: string, now: number): V | undefined {
    const entry = this.entries.get(name);
    if (entry !== undefined && now - entry.used >= USE_GRANULARITY_MS) {
      this.entries.delete(name);
      entry.used = now;
      this.entries.set(name, entry);
    }
    return entry;
  }

  /** Adds a channel (used now, never written). */
  add(name: string, entry: V): void {
    this.entries.set(name, entry);
    this.unwritten.add(name);
  }

  /** The channel got its first message. */
  written(name: string): void {
    this.unwritten.delete(name);
  }

  /** Removes a channel (forgotten by a sweep, or evicted). */
  delete(name: string): void {
    this.entries.delete(name);
    this.unwritten.delete(name);
  }

  /** Every channel's entry, least recently used first. */
  values(): IterableIterator<V> {
    return this.entries.values();
  }

  /** Every channel with its entry, least recently used first. */
  all(): IterableIterator<[string, V]> {
    return this.entries.entries();
  }

  /**
   * The channel to forget so that a new one fits, counted as an eviction (the caller forgets it), or
   * undefined when every channel is watched. `watched` tells the channels someone waits for.
   */
  victim(watched: (name: string) => boolean, now: number): string | undefined {
    // Watched channels met on the way go to the back of the line (they are in use), so the next scan
    // starts past them; the bounds keep a scan from meeting the ones it moved again.
    let left = this.unwritten.size;
    for (const name of this.unwritten) {
      if (left-- <= 0) break;
      if (!watched(name)) return this.evict(name);
      this.unwritten.delete(name);
      this.unwritten.add(name);
    }
    left = this.entries.size;
    for (const [name, entry] of this.entries) {
      if (left-- <= 0) break;
      if (!watched(name)) return this.evict(name);
      this.entries.delete(name);
      entry.used = now;
      this.entries.set(name, entry);
    }
    return undefined;
  }

  private evict(name: string): string {
    this.evictedCount++;
    return name;
  }
}
