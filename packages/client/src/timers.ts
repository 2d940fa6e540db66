/**
 * Named timeouts, so that every timer a client starts can be found and cleared: `close()` calls
 * {@link Timers.clearAll} and no timer can keep a Node process alive or fire after close.
 */
export class Timers {
  readonly #timers = new Map<string, ReturnType<typeof setTimeout>>();

  /** (Re)starts the timer `name`. */
  set(name: string, ms: number, fn: () => void): void {
    this.clear(name);
    this.#timers.set(
      name,
      setTimeout(() => {
        this.#timers.delete(name);
        fn();
      }, ms),
    );
  }

  /** True while the timer `name` is pending. */
  has(name: string): boolean {
    return this.#timers.has(name);
  }

  /** Cancels the timer `name`, if pending. */
  clear(...names: string[]): void {
    for (const name of names) {
      clearTimeout(this.#timers.get(name)); // clearTimeout(undefined) does nothing
      this.#timers.delete(name);
    }
  }

  /** Cancels every timer. */
  clearAll(): void {
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
  }
}
