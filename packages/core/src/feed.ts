import type { Message } from './message.ts';

/** Where an engine's live feed delivers. The hub implements it. */
export interface FeedListener {
  /** New messages of a watched channel, in offset order (a lossy feed may have skipped some). */
  messages(channel: string, messages: readonly Message[]): void;
  /** The feed may have missed messages of any channel (the engine reconnected): check positions now. */
  resync(): void;
}

/** A live feed opened by {@link Engine.openFeed}: hears only the channels it watches. */
export interface Feed {
  /**
   * Starts hearing `channel`. The hub calls it once per channel, on the first local interest. A
   * networked engine returns a promise that settles once notifications of the channel flow (it never
   * rejects: a failed watch is retried by the engine, and the hub's position checks cover the gap);
   * an in-process engine returns undefined, since it hears at once.
   */
  watch(channel: string): Promise<void> | undefined;
  /** Stops hearing `channel` (the last local interest ended). */
  unwatch(channel: string): void;
  /** Stops the feed. Idempotent. */
  close(): void;
}

/**
 * The feeds of an engine whose appends all happen in this process (memory, SQLite): delivery is
 * synchronous, right after the write, and never lost.
 */
export class LocalFeeds {
  private readonly feeds = new Set<LocalFeed>();

  /** Opens a feed for `listener`. */
  open(listener: FeedListener): Feed {
    const feed = new LocalFeed(listener, this.feeds);
    this.feeds.add(feed);
    return feed;
  }

  /** True when some feed watches `channel` (someone on this node waits for it). */
  watching(channel: string): boolean {
    for (const feed of this.feeds) if (feed.watched.has(channel)) return true;
    return false;
  }

  /** Tells every feed that watches `channel` about `messages`. */
  publish(channel: string, messages: readonly Message[]): void {
    for (const feed of this.feeds) if (feed.watched.has(channel)) feed.listener.messages(channel, messages);
  }

  /** Closes every feed. */
  close(): void {
    this.feeds.clear();
  }
}

class LocalFeed implements Feed {
  readonly watched = new Set<string>();

  constructor(
    readonly listener: FeedListener,
    private readonly feeds: Set<LocalFeed>,
  ) {}

  watch(channel: string): undefined {
    this.watched.add(channel);
    return undefined;
  }

  unwatch(channel: string): void {
    this.watched.delete(channel);
  }

  close(): void {
    this.feeds.delete(this);
    this.watched.clear();
  }
}
