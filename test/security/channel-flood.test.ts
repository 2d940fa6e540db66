import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Engine, MemoryEngine } from '@herald/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWs, type WsClient } from '../helpers/clients.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

// Threat T14 in SECURITY.md. Once, one message to each of 100,000 channels filled the memory engine's channel cap,
// and from then on every new channel got 503 (even a pull of one) until the 1 h history age passed.
// A full engine now forgets the least recently used channel nobody watches instead; the SQLite engine
// has the same cap; evictions are counted in /metrics.
interface Case {
  readonly name: string;
  /** The engine, and how many channels it holds at most. */
  open(): Promise<{ engine: Engine; cap: number; cleanup(): void }>;
}

const CASES: Case[] = [
  {
    // The memory engine's default cap: the numbers.
    name: 'memory engine, default cap (100,000)',
    open: async () => ({ engine: new MemoryEngine({ sweepIntervalMs: 0 }), cap: 100_000, cleanup: () => {} }),
  },
  {
    name: 'SQLite engine, cap 2,000',
    open: async () => {
      const dir = mkdtempSync(join(tmpdir(), 'herald-flood-'));
      // Loaded lazily, like the CLI does: better-sqlite3 is an optional dependency.
      const { SqliteEngine } = await import('@herald/engine-sqlite');
      const engine = new SqliteEngine({ path: dir, sweepIntervalMs: 0, maxChannels: 2_000 });
      return { engine, cap: 2_000, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
    },
  },
];

describe.each(CASES)('a flood of new channels ($name)', ({ open }) => {
  let s: TestServer;
  let cap: number;
  let watcher: WsClient;
  let cleanup: () => void;
  const auth = () => ({ authorization: `Bearer ${s.apiKey}`, 'content-type': 'application/json' });

  beforeAll(async () => {
    const opened = await open();
    cap = opened.cap;
    cleanup = opened.cleanup;
    s = await startTestServer({
      engine: opened.engine,
      // The flood comes from a key; limits are not what is under test.
      maxPublishRatePerConnection: 0,
      maxPublishRatePerPrincipal: 0,
      shutdownTimeoutMs: 300,
    });
  });
  afterAll(async () => {
    await watcher?.close();
    await s.close();
    cleanup();
  });

  const publish = (channel: string, data: unknown) =>
    fetch(`${s.url}/v1/channels/${channel}/messages`, {
      method: 'POST',
      headers: auth(),
      body: JSON.stringify({ data }),
    });
  const metric = async (name: string) => {
    const text = await (await fetch(`${s.url}/metrics`)).text();
    return Number(new RegExp(`^${name} (\\d+)`, 'm').exec(text)?.[1]);
  };

  it('never locks out new channels; idle channels are forgotten, watched ones kept; evictions are counted', async () => {
    // Before the flood: a channel with a live subscriber, and one that only pollers read.
    watcher = await openWs(`${s.url}/v1/ws`);
    watcher.send({ op: 'subscribe', ref: 1, channel: 'keep:live' });
    const subscribed = (await watcher.frames.until((f) => f.ref === 1, 3_000, 'subscribed')).at(-1);
    const liveEpoch = subscribed?.epoch;
    const idle = (await (await publish('idle:polled', 1)).json()) as { epoch: string; cursor: string };

    // One message to each of `cap` new channels, 1,000 a request.
    for (let from = 0; from < cap; from += 1_000) {
      const messages = Array.from({ length: Math.min(1_000, cap - from) }, (_, i) => ({
        channel: `flood:${from + i}`,
        data: 1,
      }));
      const res = await fetch(`${s.url}/v1/publish`, {
        method: 'POST',
        headers: auth(),
        body: JSON.stringify({ messages }),
      });
      const { results } = (await res.json()) as { results: Array<{ error?: unknown }> };
      expect(results.filter((r) => r.error !== undefined)).toEqual([]);
    }

    // A new channel still works: a pull, a publish.
    expect((await fetch(`${s.url}/v1/channels/brand:new/messages`)).status).toBe(204);
    expect((await publish('brand:new2', 1)).status).toBe(201);
    expect(s.herald.hub.engine.channelCount?.()).toBe(cap);

    // The idle channel was forgotten: resuming there is an explicit reset to a new epoch, never silence.
    const resumed = await fetch(`${s.url}/v1/channels/idle:polled/messages?after=${idle.cursor}`);
    const body = (await resumed.json()) as { reset?: { epoch: string } };
    expect(body.reset?.epoch).toBeDefined();
    expect(body.reset?.epoch).not.toBe(idle.epoch);

    // The watched channel kept its epoch and its subscriber.
    const live = (await (await publish('keep:live', 'still here')).json()) as { epoch: string };
    expect(live.epoch).toBe(liveEpoch);
    await watcher.frames.until((f) => f.op === 'message' && f.channel === 'keep:live', 3_000, 'the live message');

    expect(await metric('herald_channels_evicted_total')).toBeGreaterThanOrEqual(3);
    expect(await metric('herald_channels')).toBe(cap);
  }, 60_000);
});
