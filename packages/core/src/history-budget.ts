/**
 * Frees memory across many channels' histories, oldest message first, as if all channels shared one
 * queue: a min-heap over each channel's oldest message time, so a pass costs O(channels + evicted ×
 * log channels) and keeps no index between passes (nothing grows while the budget is not reached).
 */
export function evictOldest<C>(
  channels: Iterable<C>,
  /** Bytes to free at least. */
  bytes: number,
  /** Time of the channel's oldest message, undefined when it holds none. */
  oldest: (channel: C) => number | undefined,
  /** Drops the channel's oldest message; returns its size in bytes. */
  drop: (channel: C) => number,
): number {
  const heap: Array<{ channel: C; time: number }> = [];
  for (const channel of channels) {
    const time = oldest(channel);
    if (time !== undefined) heap.push({ channel, time });
  }
  for (let i = (heap.length >> 1) - 1; i >= 0; i--) siftDown(heap, i);
  let freed = 0;
  while (freed < bytes && heap.length > 0) {
    const top = heap[0] as { channel: C; time: number };
    freed += drop(top.channel);
    const next = oldest(top.channel);
    if (next === undefined) {
      const last = heap.pop() as { channel: C; time: number };
      if (heap.length === 0) break;
      heap[0] = last;
    } else {
      top.time = next;
    }
    siftDown(heap, 0);
  }
  return freed;
}

function siftDown<T extends { time: number }>(heap: T[], from: number): void {
  let i = from;
  for (;;) {
    const l = 2 * i + 1;
    const r = l + 1;
    let min = i;
    if (l < heap.length && (heap[l] as T).time < (heap[min] as T).time) min = l;
    if (r < heap.length && (heap[r] as T).time < (heap[min] as T).time) min = r;
    if (min === i) return;
    [heap[i], heap[min]] = [heap[min] as T, heap[i] as T];
    i = min;
  }
}
