import { CLOSE_CODES } from '@herald/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type LiveConnection, Ticker } from './heartbeat.ts';

/** A connection that records when it got each heartbeat, and how it was ended. */
class Probe implements LiveConnection {
  readonly beats: number[] = [];
  heartbeatStep = -1;
  ended: number | undefined;
  constructor(
    readonly openedAt = Date.now(),
    private readonly expires?: number,
  ) {}
  heartbeat(): void {
    this.beats.push(Date.now());
  }
  shutdown(code: number): void {
    this.ended = code;
  }
  expiresAt(): number | undefined {
    return this.expires;
  }
}

const INTERVAL = 1_000;

describe('Ticker', () => {
  const tickers: Ticker[] = [];
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    for (const t of tickers.splice(0)) t.stop();
    vi.useRealTimers();
  });
  function ticker(lifetimeMs = 0, expiring = false, onTick?: () => void): Ticker {
    const t = new Ticker(INTERVAL, lifetimeMs, expiring, onTick);
    tickers.push(t);
    return t;
  }

  it('heartbeats every connection once per interval, a share of them per step rather than all at once', () => {
    const t = ticker();
    const probes = Array.from({ length: 200 }, () => new Probe());
    for (const p of probes) t.add(p);
    const beatsPerStep: number[] = [];
    for (let step = 0; step < 20; step++) {
      const before = probes.reduce((n, p) => n + p.beats.length, 0);
      vi.advanceTimersByTime(INTERVAL / 20);
      beatsPerStep.push(probes.reduce((n, p) => n + p.beats.length, 0) - before);
    }
    expect(probes.every((p) => p.beats.length === 1)).toBe(true);
    // Dealt over the 18 steps not due within a tenth of the interval.
    expect(Math.max(...beatsPerStep)).toBe(Math.ceil(200 / 18));
  });

  it('gives a new connection its first heartbeat no sooner than a tenth of the interval, however it is timed', () => {
    const t = ticker();
    const firstGaps: number[] = [];
    for (let i = 0; i < 60; i++) {
      const p = new Probe();
      t.add(p);
      vi.advanceTimersByTime(INTERVAL);
      firstGaps.push((p.beats[0] as number) - p.openedAt);
      vi.advanceTimersByTime(INTERVAL / 20 + (i % 3));
    }
    expect(Math.min(...firstGaps)).toBeGreaterThanOrEqual(INTERVAL / 10);
  });

  it('at a long interval, walks it in steps 50 ms apart, so no step holds the loop for many connections', () => {
    const t = new Ticker(25_000, 0, false);
    tickers.push(t);
    const probes = Array.from({ length: 2_000 }, () => new Probe());
    for (const p of probes) t.add(p);
    const beatsPerStep: number[] = [];
    for (let step = 0; step < 500; step++) {
      const before = probes.reduce((n, p) => n + p.beats.length, 0);
      vi.advanceTimersByTime(50);
      beatsPerStep.push(probes.reduce((n, p) => n + p.beats.length, 0) - before);
    }
    expect(probes.every((p) => p.beats.length === 1)).toBe(true);
    expect(Math.max(...beatsPerStep)).toBe(Math.ceil(2_000 / 450));
  });

  it('keeps one connection`s heartbeats one interval apart while most of the others leave', () => {
    const t = ticker();
    const probes = Array.from({ length: 400 }, () => new Probe());
    for (const p of probes) t.add(p);
    const last = probes.at(-1) as Probe;
    vi.advanceTimersByTime(INTERVAL);
    for (const p of probes.slice(0, -1)) t.delete(p);
    vi.advanceTimersByTime(3 * INTERVAL);
    expect(last.beats).toHaveLength(4);
    const gaps = last.beats.slice(1).map((at, i) => at - (last.beats[i] as number));
    expect(gaps).toEqual([INTERVAL, INTERVAL, INTERVAL]);
  });

  it('deletes once, lists every connection and stops heartbeating a deleted one', () => {
    const t = ticker();
    const [a, b] = [new Probe(), new Probe()];
    t.add(a);
    t.add(b);
    expect(t.all()).toEqual([a, b]);
    expect(t.delete(a)).toBe(true);
    expect(t.delete(a)).toBe(false);
    vi.advanceTimersByTime(2 * INTERVAL);
    expect(a.beats).toEqual([]);
    expect(b.beats).toHaveLength(2);
  });

  it('ends connections past the lifetime cap and runs onTick once per interval', () => {
    let ticks = 0;
    const t = ticker(5_000, false, () => ticks++);
    const old = new Probe(Date.now() - 10_000);
    const young = new Probe();
    t.add(old);
    t.add(young);
    vi.advanceTimersByTime(3 * INTERVAL);
    expect(old.ended).toBe(CLOSE_CODES.lifetime_exceeded);
    expect(young.ended).toBeUndefined();
    expect(ticks).toBe(3);
  });

  it('ends connections whose credentials expired within about a second', () => {
    const t = ticker(0, true);
    const expiring = new Probe(Date.now(), Date.now() + 500);
    const lasting = new Probe();
    t.add(expiring);
    t.add(lasting);
    vi.advanceTimersByTime(1_000);
    expect(expiring.ended).toBe(CLOSE_CODES.token_expired);
    expect(lasting.ended).toBeUndefined();
  });
});
