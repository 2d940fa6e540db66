/**
 * A map for what is nearly always one entry: a live connection's subscriptions (a bound SSE stream or
 * WebSocket has exactly one channel). One entry lives in two fields; a real Map is made for the
 * second. An empty Map costs ~180 bytes of heap, 3 % of an idle connection.
 */
export class SmallMap<K, V> {
  private oneKey: K | undefined;
  private oneValue: V | undefined;
  private hasOne = false;
  private many: Map<K, V> | undefined;

  get size(): number {
    return this.many !== undefined ? this.many.size : this.hasOne ? 1 : 0;
  }

  get(key: K): V | undefined {
    if (this.many !== undefined) return this.many.get(key);
    return this.hasOne && this.oneKey === key ? this.oneValue : undefined;
  }

  has(key: K): boolean {
    if (this.many !== undefined) return this.many.has(key);
    return this.hasOne && this.oneKey === key;
  }

  set(key: K, value: V): void {
    if (this.many !== undefined) {
      this.many.set(key, value);
    } else if (!this.hasOne || this.oneKey === key) {
      this.oneKey = key;
      this.oneValue = value;
      this.hasOne = true;
    } else {
      // The second key: from here on a Map, which keeps the first one first.
      this.many = new Map([[this.oneKey as K, this.oneValue as V]]);
      this.many.set(key, value);
      this.clearOne();
    }
  }

  delete(key: K): boolean {
    if (this.many !== undefined) return this.many.delete(key);
    if (!this.hasOne || this.oneKey !== key) return false;
    this.clearOne();
    return true;
  }

  /** The keys, in the order they were first set. */
  keys(): K[] {
    if (this.many !== undefined) return [...this.many.keys()];
    return this.hasOne ? [this.oneKey as K] : [];
  }

  values(): V[] {
    if (this.many !== undefined) return [...this.many.values()];
    return this.hasOne ? [this.oneValue as V] : [];
  }

  clear(): void {
    this.many = undefined;
    this.clearOne();
  }

  private clearOne(): void {
    this.oneKey = undefined;
    this.oneValue = undefined;
    this.hasOne = false;
  }
}
