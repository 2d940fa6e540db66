import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CHAT_LINES } from './chat-lines.ts';
import { type DemoPublish, DemoSimulator } from './simulator.ts';
import { DEMO_CHANNELS, type DemoMessage, demoStreams } from './traffic.ts';

/** A seeded PRNG, so the traffic is the same on every run. */
function seeded(seed = 42): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1_664_525 + 1_013_904_223) >>> 0;
    return s / 2 ** 32;
  };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('DemoSimulator', () => {
  it('makes every demo channel alive at the rates the pages expect', async () => {
    const seen: DemoMessage[] = [];
    const sim = new DemoSimulator(
      async (messages) => {
        seen.push(...messages);
      },
      { random: seeded() },
    );
    sim.start();
    await vi.advanceTimersByTimeAsync(30_000);
    await sim.stop();
    const per = (prefix: string) => seen.filter((m) => m.channel.startsWith(prefix)).length / 30;
    for (const channel of DEMO_CHANNELS)
      expect(
        seen.some((m) => m.channel === channel),
        channel,
      ).toBe(true);
    expect(per('ticker:')).toBeGreaterThanOrEqual(20);
    expect(per('ticker:')).toBeLessThanOrEqual(50);
    expect(per('scores:live')).toBeGreaterThan(1);
    expect(per('notifications:demo')).toBeGreaterThan(0.1);
    expect(per('notifications:demo')).toBeLessThan(0.4);
    expect(sim.published).toBe(seen.length);
    // Stopped means stopped.
    await vi.advanceTimersByTimeAsync(5_000);
    expect(sim.published).toBe(seen.length);
  });

  it('publishes data in the documented shapes', async () => {
    const seen: DemoMessage[] = [];
    const sim = new DemoSimulator(
      async (m) => {
        seen.push(...m);
      },
      { random: seeded(7) },
    );
    sim.start();
    await vi.advanceTimersByTimeAsync(20_000);
    await sim.stop();
    const first = (channel: string) => seen.find((m) => m.channel === channel);
    expect(first('ticker:HRLD')).toMatchObject({
      event: 'quote',
      data: { symbol: 'HRLD', price: expect.any(Number), change: expect.any(Number), time: expect.any(Number) },
    });
    expect(first('notifications:demo')).toMatchObject({
      event: 'notification',
      data: { id: 1, title: expect.any(String), body: expect.any(String), level: expect.any(String) },
    });
    expect(first('scores:live')?.data).toMatchObject({
      match: expect.any(String),
      homeScore: expect.any(Number),
      awayScore: expect.any(Number),
      minute: expect.any(Number),
      text: expect.any(String),
    });
    expect(first('news:live')?.data).toMatchObject({ headline: expect.any(String), source: expect.any(String) });
    expect(first('chat:lobby')).toMatchObject({
      event: 'message',
      data: { name: 'herald-bot', text: expect.any(String) },
    });
    const cursor = first('board:cursors')?.data as { x: number; y: number };
    expect(cursor.x).toBeGreaterThanOrEqual(0);
    expect(cursor.y).toBeLessThanOrEqual(1);
    expect(first('board:cells')?.data).toMatchObject({ x: expect.any(Number), y: expect.any(Number) });
  });

  it('the chat bot deals a varied set of plain-text lines: each once before any repeats, never twice in a row', () => {
    expect(CHAT_LINES.length).toBeGreaterThanOrEqual(24);
    expect(new Set(CHAT_LINES).size).toBe(CHAT_LINES.length);
    for (const line of CHAT_LINES) {
      // Shown as text: Markdown would appear literally.
      expect(line, line).not.toMatch(/`|\*\*/);
      expect(line.length, line).toBeLessThanOrEqual(140);
    }
    const bot = demoStreams().find((s) => s.name === 'chat');
    const random = seeded(3);
    const said = Array.from({ length: CHAT_LINES.length * 3 }, () => {
      const [m] = bot?.tick(random, 0) ?? [];
      expect(m).toMatchObject({ channel: 'chat:lobby', event: 'message', data: { name: 'herald-bot' } });
      return (m?.data as { text?: string } | undefined)?.text ?? '';
    });
    for (let round = 0; round < 3; round++) {
      const deal = said.slice(round * CHAT_LINES.length, (round + 1) * CHAT_LINES.length);
      expect(new Set(deal).size).toBe(CHAT_LINES.length);
    }
    for (let i = 1; i < said.length; i++) expect(said[i]).not.toBe(said[i - 1]);
    // Shuffled, not the list in order.
    expect(said.slice(0, CHAT_LINES.length)).not.toEqual([...CHAT_LINES].reverse());
  });

  it('notifications come in every level the page styles', async () => {
    const levels = new Set<string>();
    const sim = new DemoSimulator(
      async (messages) => {
        for (const m of messages) levels.add((m.data as { level: string }).level);
      },
      { streams: demoStreams().filter((s) => s.name === 'notifications'), random: seeded(11) },
    );
    sim.start();
    await vi.advanceTimersByTimeAsync(600_000);
    await sim.stop();
    expect([...levels].sort()).toEqual(['error', 'info', 'success', 'warning']);
  });

  it('skips ticks while a publish is in flight instead of queueing, and reports failures', async () => {
    let calls = 0;
    let release: () => void = () => {};
    const stuck: DemoPublish = () => {
      calls += 1;
      return new Promise<void>((resolve) => {
        release = resolve;
      });
    };
    const ticker = demoStreams().filter((s) => s.name === 'ticker');
    const sim = new DemoSimulator(stuck, { streams: ticker, random: seeded() });
    sim.start();
    await vi.advanceTimersByTimeAsync(2_000);
    expect(calls).toBe(1);
    release();
    await vi.advanceTimersByTimeAsync(150);
    expect(calls).toBe(2);
    release();
    await sim.stop();

    const errors: string[] = [];
    const failing = new DemoSimulator(() => Promise.reject(new Error('hub down')), {
      streams: ticker,
      random: seeded(),
      onError: (e, stream) => errors.push(`${stream}: ${(e as Error).message}`),
    });
    failing.start();
    await vi.advanceTimersByTimeAsync(350);
    await failing.stop();
    expect(failing.failed).toBe(3);
    expect(errors[0]).toBe('ticker: hub down');
  });
});
