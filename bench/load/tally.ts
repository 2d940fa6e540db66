// Per-process delivery counters shared by every subscriber kind.
import type { SubscriberStats, Traffic, Transport } from '../lib/ipc.ts';
import { LatencyRecorder, nowMs } from '../lib/latency.ts';
import { TrafficMeter } from './traffic.ts';

export class Tally {
  /** messages per connection slot in the current window */
  private perSlot: number[] = [];
  /** the meter of each slot's transport (one lookup per delivery, no map access) */
  private slotMeter: TrafficMeter[] = [];
  private meters = new Map<Transport, TrafficMeter>();
  private closes = new Map<string, number>();
  private recorder = new LatencyRecorder();
  received = 0;
  stale = 0;
  lastReceiveAt = 0;
  /** deliveries of messages sent before this (monotonic ms) belong to an earlier window */
  private since = 0;
  open = 0;

  /** The byte meter of a transport (subscribers hand it their sockets). */
  meter(transport: Transport): TrafficMeter {
    let m = this.meters.get(transport);
    if (m === undefined) {
      m = new TrafficMeter();
      this.meters.set(transport, m);
    }
    return m;
  }

  /** Reserves a slot for a new connection of `transport`. */
  slot(transport: Transport): number {
    this.perSlot.push(0);
    this.slotMeter.push(this.meter(transport));
    return this.perSlot.length - 1;
  }

  /** when the chunk being read arrived (monotonic ms); see `arrived` */
  private arrivedAt = 0;

  /** One message arrived on `slot`, sent at `sentAt` (monotonic ms from the publisher). */
  deliver(slot: number, sentAt: number): void {
    this.arrivedAt = nowMs();
    this.deliverArrived(slot, sentAt);
  }

  /**
   * A chunk arrived from a socket: the messages read from it (`deliverArrived`) share this
   * moment, so a chunk of fifty deliveries costs one clock read.
   */
  arrived(): void {
    this.arrivedAt = nowMs();
  }

  /** One message of the chunk that `arrived` last, on `slot`, sent at `sentAt`. */
  deliverArrived(slot: number, sentAt: number): void {
    if (sentAt < this.since) {
      this.stale++;
      return;
    }
    const now = this.arrivedAt;
    this.recorder.record(now - sentAt);
    this.perSlot[slot] = (this.perSlot[slot] ?? 0) + 1;
    const meter = this.slotMeter[slot];
    if (meter !== undefined) meter.received++;
    this.received++;
    this.lastReceiveAt = now;
  }

  opened(): void {
    this.open++;
  }

  /** A connection that was open went away (the server dropped it, or the run is over). */
  closed(reason: string): void {
    this.open--;
    this.closes.set(reason, (this.closes.get(reason) ?? 0) + 1);
  }

  p99Ms(): number {
    return this.recorder.percentileMs(99);
  }

  /** The window's numbers; zeroes them for the next window, which starts at `since`. */
  collect(since: number): SubscriberStats {
    let min = Number.POSITIVE_INFINITY;
    let max = 0;
    for (const n of this.perSlot) {
      if (n < min) min = n;
      if (n > max) max = n;
    }
    const traffic: Partial<Record<Transport, Traffic>> = {};
    for (const [transport, meter] of this.meters) traffic[transport] = meter.collect();
    const stats: SubscriberStats = {
      received: this.received,
      lastReceiveAt: this.lastReceiveAt,
      latency: this.recorder.drain(),
      minPerConnection: this.perSlot.length === 0 ? 0 : min,
      maxPerConnection: max,
      open: this.open,
      stale: this.stale,
      closes: Object.fromEntries(this.closes),
      traffic,
    };
    this.perSlot.fill(0);
    this.closes.clear();
    this.received = 0;
    this.stale = 0;
    this.lastReceiveAt = 0;
    this.since = since;
    return stats;
  }
}
