/** What committing one queued item gave: its value, or its own error (the others still commit). */
export type Outcome<R> = { readonly value: R } | { readonly error: unknown };

interface Queued<I, R> {
  readonly item: I;
  readonly resolve: (value: R) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Group commit: the items queued while one turn of the event loop runs (the appends of every request
 * read in that turn) are committed together right after it, in the order they were queued, by one call
 * of `commit`, so a store that syncs pays one sync per group instead of one per item. Each item's
 * promise settles only after that call returned: nothing is acknowledged before it is committed.
 */
export class GroupCommit<I, R> {
  private queue: Array<Queued<I, R>> = [];
  private readonly flushSoon = (): void => this.flush();

  constructor(
    /**
     * Commits a group in one transaction, returning an outcome per item in order; throws when the
     * whole group failed (every item is then rejected with that error).
     */
    private readonly commit: (items: readonly I[]) => Array<Outcome<R>>,
  ) {}

  /** Queues an item for the next group; resolves with its value once the group is committed. */
  add(item: I): Promise<R> {
    return new Promise((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      // After the I/O callbacks of this turn, so every item they queue joins the same group.
      if (this.queue.length === 1) setImmediate(this.flushSoon);
    });
  }

  /** Commits what is queued now (also called by the engine's close, before the scheduled flush). */
  flush(): void {
    const group = this.queue;
    if (group.length === 0) return;
    this.queue = [];
    let outcomes: Array<Outcome<R>>;
    try {
      outcomes = this.commit(group.map((q) => q.item));
    } catch (error) {
      for (const q of group) q.reject(error);
      return;
    }
    group.forEach((q, i) => {
      const outcome = outcomes[i] as Outcome<R>;
      if ('error' in outcome) q.reject(outcome.error);
      else q.resolve(outcome.value);
    });
  }
}
