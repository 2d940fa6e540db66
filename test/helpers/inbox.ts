/**
 * An ordered queue of things a client received, read by tests with timeouts instead of sleeps.
 * Every item stays in `all`; `next`/`take`/`until` consume from a read position.
 */
export class Inbox<T> {
  /** Everything received so far, in arrival order. */
  readonly all: T[] = [];
  private read = 0;
  private endedWith: Error | undefined;
  private readonly waiters = new Set<() => void>();

  private readonly taps: Array<(item: T) => void> = [];
  private readonly endTaps: Array<(reason: Error) => void> = [];

  /** Adds a received item. */
  push(item: T): void {
    this.all.push(item);
    for (const tap of this.taps) tap(item);
    this.notify();
  }

  /** Calls `listener` with every item, those already received first (does not consume). */
  tap(listener: (item: T) => void): void {
    for (const item of this.all) listener(item);
    this.taps.push(listener);
  }

  /** Marks the source as ended: waits that cannot be satisfied any more fail at once with `reason`. */
  end(reason: Error): void {
    if (this.endedWith !== undefined) return;
    this.endedWith = reason;
    for (const listener of this.endTaps) listener(reason);
    this.notify();
  }

  /** Calls `listener` once the source ends (at once if it already did). */
  onEnd(listener: (reason: Error) => void): void {
    if (this.endedWith !== undefined) listener(this.endedWith);
    else this.endTaps.push(listener);
  }

  /** True once the source ended. */
  get isEnded(): boolean {
    return this.endedWith !== undefined;
  }

  /** Items received but not consumed yet. */
  get unread(): readonly T[] {
    return this.all.slice(this.read);
  }

  /** Resolves once the source ended, failing after `timeoutMs`. */
  ended(timeoutMs = 5_000): Promise<void> {
    return this.waitFor(() => this.endedWith !== undefined, timeoutMs, 'the end of the stream');
  }

  /** The next unconsumed item, waiting up to `timeoutMs`. */
  async next(timeoutMs = 5_000): Promise<T> {
    const [item] = await this.take(1, timeoutMs);
    return item as T;
  }

  /** The next `n` unconsumed items, waiting up to `timeoutMs` for all of them. */
  async take(n: number, timeoutMs = 5_000): Promise<T[]> {
    await this.waitFor(() => this.all.length - this.read >= n, timeoutMs, `${n} item(s)`);
    const items = this.all.slice(this.read, this.read + n);
    this.read += n;
    return items;
  }

  /** Consumes items up to and including the first one matching `match`; returns them all. */
  async until(match: (item: T) => boolean, timeoutMs = 5_000, what = 'a matching item'): Promise<T[]> {
    let found = -1;
    await this.waitFor(
      () => {
        found = this.all.findIndex((item, i) => i >= this.read && match(item));
        return found >= 0;
      },
      timeoutMs,
      what,
    );
    const items = this.all.slice(this.read, found + 1);
    this.read = found + 1;
    return items;
  }

  /** Waits until `done()` holds (it is checked after every push), failing after `timeoutMs`. */
  waitFor(done: () => boolean, timeoutMs: number, what: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        if (done()) {
          finish();
          resolve();
          return true;
        }
        if (this.endedWith !== undefined) {
          finish();
          reject(
            new Error(`waiting for ${what}: the source ended (${this.endedWith.message}); got ${this.describe()}`),
          );
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; got ${this.describe()}`));
      }, timeoutMs);
      const finish = (): void => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      if (!check()) this.waiters.add(check);
    });
  }

  private notify(): void {
    for (const waiter of [...this.waiters]) waiter();
  }

  private describe(): string {
    const unread = this.unread;
    const shown = unread.slice(0, 5).map((x) => JSON.stringify(x));
    return `${unread.length} unread item(s)${shown.length > 0 ? `: ${shown.join(', ')}${unread.length > 5 ? ', …' : ''}` : ''}`;
  }
}

/** Waits until `probe` resolves true, checking every `everyMs`; for state that has no event (server stats). */
export async function eventually(
  probe: () => Promise<boolean> | boolean,
  timeoutMs = 5_000,
  what = 'a condition',
  everyMs = 10,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
