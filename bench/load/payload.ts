// The data of every bench message: {"t":<send time, monotonic ms>,"pad":"xxx…"}, about `size`
// bytes of JSON. Subscribers find the send time by its {"t": mark (bench/load/timestamp.ts).
import { nowMs } from '../lib/latency.ts';

/** {"t":<~16 chars>,"pad":""} is about 31 bytes; the pad brings data to `size`. */
export function padFor(size: number): string {
  return 'x'.repeat(Math.max(0, size - 31));
}

export function dataJson(pad: string): string {
  return `{"t":${Math.round(nowMs() * 1000) / 1000},"pad":"${pad}"}`;
}
