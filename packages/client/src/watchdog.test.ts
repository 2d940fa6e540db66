import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Timers } from './timers.ts';
import { watch } from './watchdog.ts';

describe('watch (the silence watchdog)', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('pings once per silence and declares the connection dead after the timeout', () => {
    const timers = new Timers();
    const ping = vi.fn();
    const dead = vi.fn();
    watch(timers, { ping: 1000, timeout: 3000 }, ping, dead);
    vi.advanceTimersByTime(1100);
    expect(ping).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(1000);
    expect(ping).toHaveBeenCalledTimes(1);
    expect(dead).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1000);
    expect(dead).toHaveBeenCalledTimes(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('stays quiet while data keeps arriving', () => {
    const timers = new Timers();
    const dead = vi.fn();
    const feed = watch(timers, { ping: 1000, timeout: 3000 }, undefined, dead);
    for (let i = 0; i < 20; i++) {
      vi.advanceTimersByTime(500);
      feed();
    }
    expect(dead).not.toHaveBeenCalled();
    timers.clear('watchdog'); // how the client stops it
    expect(vi.getTimerCount()).toBe(0);
  });
});
