type Listener<T> = (value: T) => void;

/**
 * A tiny typed event emitter. Unlike Node's EventEmitter an unhandled `error` does not throw: errors
 * are also surfaced through states, promises and iterators, so a missing listener must not crash.
 * A listener that throws does not break delivery to the others; its error is rethrown asynchronously
 * (the way EventTarget reports listener errors).
 */
export class Emitter<Events extends object> {
  readonly #listeners = new Map<keyof Events, Set<Listener<never>>>();

  /** Adds a listener; returns a function that removes it. */
  on<K extends keyof Events>(type: K, listener: Listener<Events[K]>): () => void {
    const set = this.#listeners.get(type) ?? new Set();
    this.#listeners.set(type, set.add(listener as Listener<never>));
    return () => this.off(type, listener);
  }

  /** Removes a listener added with {@link on}. */
  off<K extends keyof Events>(type: K, listener: Listener<Events[K]>): void {
    this.#listeners.get(type)?.delete(listener as Listener<never>);
  }

  /** Number of listeners for `type`. */
  listenerCount(type: keyof Events): number {
    return this.#listeners.get(type)?.size ?? 0;
  }

  /** Calls every listener of `type` with `value`. */
  protected emit<K extends keyof Events>(type: K, value: Events[K]): void {
    const set = this.#listeners.get(type);
    if (!set) return;
    for (const listener of [...set]) {
      try {
        (listener as Listener<Events[K]>)(value);
      } catch (err) {
        queueMicrotask(() => {
          throw err;
        });
      }
    }
  }

  /** Drops every listener. */
  protected removeAllListeners(): void {
    this.#listeners.clear();
  }
}
