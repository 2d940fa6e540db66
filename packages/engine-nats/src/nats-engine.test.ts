import type { AppendInput, Engine, Message } from '@herald/core';
import { type EngineHandle, engineContract } from '@herald/core/testing';
import { jetstreamManager } from '@nats-io/jetstream';
import { type NatsConnection, nanos } from '@nats-io/transport-node';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { NatsEngine } from './nats-engine.ts';
import { NATS_ENGINE_DEFAULTS, type NatsEngineOptions } from './options.ts';
import { deletePrefix, rawConnection, requireNats, TEST_NATS_URL, uniquePrefix, waitUntil } from './test-support.ts';

const LIMITS = { size: 1000, maxAgeMs: 3_600_000 };
const missing = await requireNats();

/** The prefix of each engine under test, so a peer can share it. */
const prefixes = new WeakMap<Engine, string>();

async function open(prefix: string, cleanup: boolean): Promise<EngineHandle> {
  const engine = await NatsEngine.connect({ url: TEST_NATS_URL, prefix });
  prefixes.set(engine, prefix);
  return { engine, cleanup: cleanup ? () => deletePrefix(prefix) : undefined };
}

if (missing === undefined) {
  engineContract('nats', () => open(uniquePrefix(), true), {
    // History lives in JetStream, so an engine opened after the first closed finds everything.
    restart: (previous) => open(prefixes.get(previous.engine) ?? '', true),
    // Another node on the same stream; the first engine's cleanup removes it.
    peer: (first) => open(prefixes.get(first.engine) ?? '', false),
  });
}

describe.skipIf(missing !== undefined)(
  `NatsEngine on ${TEST_NATS_URL}${missing ? ` (skipped: ${missing})` : ''}`,
  () => {
    const engines: NatsEngine[] = [];
    const errors: unknown[] = [];
    let prefix: string;
    let raw: NatsConnection;

    async function engine(options: Partial<NatsEngineOptions> = {}): Promise<NatsEngine> {
      const created = await NatsEngine.connect({
        url: TEST_NATS_URL,
        prefix,
        onError: (e) => errors.push(e),
        ...options,
      });
      engines.push(created);
      return created;
    }

    beforeAll(async () => {
      raw = await rawConnection();
    });
    afterAll(() => raw.close());
    beforeEach(() => {
      prefix = uniquePrefix();
    });
    afterEach(async () => {
      for (const e of engines.splice(0)) await e.close();
      await deletePrefix(prefix);
      errors.length = 0;
    });

    it('lays out a channel as documented: one stream, a base64url subject, positions in a header', async () => {
      const e = await engine();
      await e.append(
        'room.1:a',
        [
          { event: 'hi', data: '{"a":1}' },
          { event: undefined, data: '2' },
        ],
        LIMITS,
        'k1',
      );
      const jsm = await jetstreamManager(raw);
      const { config, state } = await jsm.streams.info(prefix);
      expect(config).toMatchObject({
        subjects: [`${prefix}.ch.>`],
        max_age: nanos(NATS_ENGINE_DEFAULTS.maxAgeMs),
        max_msgs_per_subject: NATS_ENGINE_DEFAULTS.maxMessagesPerChannel,
        duplicate_window: nanos(NATS_ENGINE_DEFAULTS.idempotencyWindowMs),
        allow_direct: true,
        republish: { src: `${prefix}.ch.>`, dest: `${prefix}.fd.>` },
      });
      expect(state.messages).toBe(1);
      const subject = `${prefix}.ch.${Buffer.from('room.1:a').toString('base64url')}`;
      expect(subject).toBe(`${prefix}.ch.cm9vbS4xOmE`);
      const stored = await jsm.direct.getMessage(prefix, { last_by_subj: subject });
      const [epoch, ...numbers] = stored?.header.get('Herald-Pos').split(' ') ?? [];
      expect(epoch).toBe((await e.state('room.1:a', LIMITS)).epoch);
      expect(numbers.slice(0, 2)).toEqual(['1', '2']);
      expect(stored?.header.get('Herald-Len')).toBe('7,1');
      expect(stored?.header.get('Herald-Ev')).toBe('["hi",null]');
      expect(stored?.header.get('Nats-Msg-Id')).toBe(`cm9vbS4xOmE ${epoch} k1`);
      expect(stored?.string()).toBe('{"a":1}2');
    });

    it('starts a new epoch when the stream was purged, and when it was deleted (it is created again)', async () => {
      const e = await engine({ requestTimeoutMs: 500 });
      const first = await e.append('lost', input('1'), LIMITS, 'key');
      const jsm = await jetstreamManager(raw);
      await jsm.streams.purge(prefix);
      const page = await e.read('lost', 0, 10, LIMITS);
      expect(page.state.epoch).not.toBe(first.epoch);
      expect(page).toMatchObject({ state: { first: 1, last: 0 }, messages: [] });
      // The key belonged to the old epoch: the write happens again, under the new one.
      const again = await e.append('lost', input('1'), LIMITS, 'key');
      expect(again).toMatchObject({ epoch: page.state.epoch, duplicate: false, messages: [{ offset: 1 }] });
      await jsm.streams.delete(prefix);
      // A read finds out too: the server does not answer direct gets of a stream it lacks, so the first
      // read after the deletion times out (503) and the next one finds the stream created again.
      await expect(e.state('lost', LIMITS)).rejects.toMatchObject({ code: 'unavailable' });
      const fresh = await e.state('lost', LIMITS);
      expect(fresh).toMatchObject({ first: 1, last: 0 });
      expect(fresh.epoch).not.toBe(again.epoch);
      await jsm.streams.delete(prefix);
      const recreated = await e.append('lost', input('2'), LIMITS);
      expect(recreated.epoch).not.toBe(fresh.epoch);
      expect(recreated.messages.map((m) => m.offset)).toEqual([1]);
    });

    it('forgets an idle channel once the stream max age passed: a new epoch', async () => {
      const e = await engine({ maxAgeMs: 300, idempotencyWindowMs: 100 });
      const limits = { size: 10, maxAgeMs: 100 };
      const first = await e.append('idle', input('1'), limits);
      await waitUntil(async () => (await e.state('idle', limits)).epoch !== first.epoch, 'a new epoch', 3_000);
      expect(await e.state('idle', limits)).toMatchObject({ first: 1, last: 0 });
    });

    it('trims by age inside history: the expired prefix is hidden at once and purged, the fresh part stays', async () => {
      const e = await engine();
      const limits = { size: 1000, maxAgeMs: 200 };
      await e.append('aging', inputs(7), limits);
      await sleep(120);
      await e.append('aging', inputs(5), limits);
      await e.append('aging', inputs(1), limits);
      await sleep(120);
      expect(await e.state('aging', limits)).toMatchObject({ first: 8, last: 13 });
      const page = await e.read('aging', 1, 100, limits);
      expect(page.messages.map((m) => m.offset)).toEqual([8, 9, 10, 11, 12, 13]);
      await waitUntil(async () => (await storedCount('aging')) === 2, 'the purge of the expired append');
      await sleep(250);
      expect(await e.state('aging', limits)).toMatchObject({ first: 14, last: 13 });
      // The newest append is kept (it holds the epoch and the last offset).
      await waitUntil(async () => (await storedCount('aging')) === 1, 'the purge of all but the newest');
    });

    it('trims by count below the stream limit with purges in the background', async () => {
      const e = await engine();
      const limits = { size: 20, maxAgeMs: LIMITS.maxAgeMs };
      for (let i = 0; i < 100; i++) await e.append('counted', input(String(i)), limits);
      expect(await e.state('counted', limits)).toMatchObject({ first: 81, last: 100 });
      await waitUntil(async () => (await storedCount('counted')) <= 25, 'the physical trim');
      const page = await e.read('counted', 0, 100, limits);
      expect(page.messages.map((m) => m.data)).toEqual(
        Array.from({ length: 20 }, (_, i) => JSON.stringify(String(80 + i))),
      );
    });

    it('finds any offset of a channel interleaved with others, on a node that has seen nothing', async () => {
      const writer = await engine();
      const limits = { size: 5000, maxAgeMs: LIMITS.maxAgeMs };
      for (let i = 1; i <= 300; i++) {
        await writer.append('needle', input(String(i)), limits);
        // Other channels in between, unevenly, so sequences of the channel are irregular.
        await writer.append(`hay${i % 7}`, inputs(1 + (i % 5)), limits);
        if (i % 50 === 0) await writer.append('needle', inputs(3), limits);
      }
      const reader = await engine();
      for (const from of [1, 2, 57, 150, 151, 152, 299, 300, 303, 310]) {
        const page = await reader.read('needle', from, 12, limits);
        expect(page.messages.map((m) => m.offset)).toEqual(range(from, Math.min(from + 11, page.state.last)));
      }
      const all = await reader.read('needle', 1, 5000, limits);
      expect(all.messages.map((m) => m.offset)).toEqual(range(1, 318));
    });

    it('writes nothing for a key whose first write left history; its offsets are then an upper bound', async () => {
      const e = await engine();
      const limits = { size: 2, maxAgeMs: LIMITS.maxAgeMs };
      const first = await e.append('keyed', inputs(2), limits, 'once');
      for (let i = 0; i < 4; i++) await e.append('keyed', input(String(i)), limits);
      await waitUntil(async () => (await storedCount('keyed')) <= 3, 'the trim');
      const again = await e.append('keyed', inputs(2), limits, 'once');
      expect(again).toMatchObject({ epoch: first.epoch, duplicate: true });
      const state = await e.state('keyed', limits);
      expect(state).toMatchObject({ first: 5, last: 6 });
      again.messages.forEach((m, i) => {
        expect(m.offset).toBeGreaterThanOrEqual(first.messages[i]?.offset ?? 0);
        expect(m.offset).toBeLessThan(state.first);
      });
    });

    it('drops a malformed notification (and says so), then delivers the next one', async () => {
      const e = await engine();
      const got: Message[] = [];
      const feed = e.openFeed({ messages: (_, m) => got.push(...m), resync: () => {} });
      await feed.watch('bad');
      raw.publish(`${prefix}.fd.${Buffer.from('bad').toString('base64url')}`, 'not ours');
      await e.append('bad', [{ event: 'ok', data: '"fine"' }], LIMITS);
      await waitUntil(() => got.length === 1, 'the valid message');
      expect(got.map((m) => [m.offset, m.event, m.data])).toEqual([[1, 'ok', '"fine"']]);
      expect(errors.map(String)).toEqual([expect.stringContaining('malformed notification')]);
      feed.close();
    });

    it('keeps the exact text of data and events through the feed and history', async () => {
      const e = await engine();
      const got: Message[] = [];
      const feed = e.openFeed({ messages: (_, m) => got.push(...m), resync: () => {} });
      await feed.watch('text');
      const data = [
        '{"a":"b\\"c\\\\d/e"}',
        '"héllo ✓ 😀 \\u2028"',
        '1e3',
        '[1.50,-0,{"x":null}]',
        '"<\\/script>"',
        '""',
      ];
      const written = data.map((d, i) => ({ event: i % 2 === 0 ? `é-${i} ✓` : undefined, data: d }));
      await e.append('text', written, LIMITS);
      await waitUntil(() => got.length === data.length, 'the messages');
      const page = await e.read('text', 1, 10, LIMITS);
      for (const heard of [got, page.messages]) {
        expect(heard.map((m) => ({ event: m.event, data: m.data }))).toEqual(written);
      }
      feed.close();
    });

    it('refuses bad options by name', () => {
      expect(() => new NatsEngine({ url: TEST_NATS_URL, prefix: 'a.b' })).toThrow(/option prefix/);
      expect(() => new NatsEngine({ url: 'redis://x' })).toThrow(/option url/);
      expect(() => new NatsEngine({ url: TEST_NATS_URL, requestTimeoutMs: 0 })).toThrow(/option requestTimeoutMs/);
      expect(() => new NatsEngine({ url: TEST_NATS_URL, maxAgeMs: 1000, idempotencyWindowMs: 2000 })).toThrow(
        /option idempotencyWindowMs/,
      );
    });

    /** JetStream messages stored for `channel`. */
    async function storedCount(channel: string): Promise<number> {
      const jsm = await jetstreamManager(raw);
      const subject = `${prefix}.ch.${Buffer.from(channel).toString('base64url')}`;
      const info = await jsm.streams.info(prefix, { subjects_filter: subject });
      return info.state.subjects?.[subject] ?? 0;
    }
  },
);

function input(data: string): AppendInput[] {
  return [{ event: undefined, data: JSON.stringify(data) }];
}

function inputs(n: number): AppendInput[] {
  return Array.from({ length: n }, (_, i) => ({ event: undefined, data: String(i) }));
}

function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
