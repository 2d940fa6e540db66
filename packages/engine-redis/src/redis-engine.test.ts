import type { Engine, FeedListener, Message } from '@herald/core';
import { type EngineHandle, engineContract } from '@herald/core/testing';
import { createClient } from 'redis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RedisEngine } from './redis-engine.ts';
import { deletePrefix, requireRedis, TEST_REDIS_URL, uniquePrefix, waitUntil } from './test-support.ts';

const LIMITS = { size: 1000, maxAgeMs: 3_600_000 };
const missing = await requireRedis();

/** The prefix of each engine under test, so a peer can share it. */
const prefixes = new WeakMap<Engine, string>();

async function open(prefix: string, cleanup: boolean): Promise<EngineHandle> {
  const engine = await RedisEngine.connect({ url: TEST_REDIS_URL, prefix });
  prefixes.set(engine, prefix);
  return { engine, cleanup: cleanup ? () => deletePrefix(prefix) : undefined };
}

if (missing === undefined) {
  engineContract('redis', () => open(uniquePrefix(), true), {
    // History lives in Redis, so an engine opened after the first closed finds everything.
    restart: (previous) => open(prefixes.get(previous.engine) ?? '', true),
    // Another node on the same keys; the first engine's cleanup removes them.
    peer: (first) => open(prefixes.get(first.engine) ?? '', false),
  });
}

describe.skipIf(missing !== undefined)(
  `RedisEngine on ${TEST_REDIS_URL}${missing ? ` (skipped: ${missing})` : ''}`,
  () => {
    const raw = createClient({ url: TEST_REDIS_URL });
    const engines: RedisEngine[] = [];
    let prefix: string;
    const errors: unknown[] = [];

    async function engine(options: { forgetAfterMs?: number } = {}): Promise<RedisEngine> {
      const created = await RedisEngine.connect({
        url: TEST_REDIS_URL,
        prefix,
        onError: (e) => errors.push(e),
        ...options,
      });
      engines.push(created);
      return created;
    }

    beforeAll(async () => {
      raw.on('error', () => {});
      await raw.connect();
    });
    afterAll(() => raw.destroy());
    afterEach(async () => {
      for (const e of engines.splice(0)) await e.close();
      await deletePrefix(prefix);
      errors.length = 0;
    });
    beforeEach(() => {
      prefix = uniquePrefix();
    });

    it('lays out a channel as documented: hash-tagged keys, stream IDs = offsets, expiring keys', async () => {
      const e = await engine();
      await e.append(
        'room:1',
        [
          { event: 'hi', data: '{"a":1}' },
          { event: undefined, data: '2' },
        ],
        LIMITS,
        'k1',
      );
      const base = `${prefix}:{room:1}`;
      expect((await raw.keys(`${prefix}:*`)).sort()).toEqual([`${base}:i:k1`, `${base}:m`, `${base}:s`]);
      const meta = await raw.hGetAll(`${base}:m`);
      expect(meta).toMatchObject({ first: '1', last: '2' });
      const entries = await raw.xRange(`${base}:s`, '-', '+');
      expect(entries?.map((x) => [x.id, x.message.e, x.message.d])).toEqual([
        ['1-0', 'hi', '{"a":1}'],
        ['2-0', undefined, '2'],
      ]);
      const ttl = await raw.pTTL(`${base}:m`);
      expect(ttl).toBeGreaterThan(LIMITS.maxAgeMs);
      expect(await raw.pTTL(`${base}:s`)).toBeGreaterThan(LIMITS.maxAgeMs);
      const keyTtl = await raw.pTTL(`${base}:i:k1`);
      expect(keyTtl).toBeGreaterThan(0);
      expect(keyTtl).toBeLessThanOrEqual(LIMITS.maxAgeMs);
    });

    it('forgets an idle channel once its keys expire: a new epoch, and old idempotency keys do not apply', async () => {
      const e = await engine({ forgetAfterMs: 50 });
      const limits = { size: 10, maxAgeMs: 50 };
      const first = await e.append('idle', [{ event: undefined, data: '1' }], limits, 'k');
      await new Promise((resolve) => setTimeout(resolve, 250));
      const after = await e.state('idle', limits);
      expect(after.epoch).not.toBe(first.epoch);
      expect(after).toMatchObject({ first: 1, last: 0 });
      const again = await e.append('idle', [{ event: undefined, data: '1' }], limits, 'k');
      expect(again.duplicate).toBe(false);
      expect(again.epoch).toBe(after.epoch);
    });

    it('starts a new epoch when Redis lost the channel (keys deleted: a restart without persistence)', async () => {
      const e = await engine();
      const first = await e.append('lost', [{ event: undefined, data: '1' }], LIMITS);
      await deletePrefix(prefix);
      const page = await e.read('lost', 0, 10, LIMITS);
      expect(page.state.epoch).not.toBe(first.epoch);
      expect(page).toMatchObject({ state: { first: 1, last: 0 }, messages: [] });
    });

    it('trims by age inside history: the expired prefix goes, the fresh part stays', async () => {
      const e = await engine();
      const limits = { size: 1000, maxAgeMs: 200 };
      const inputs = (n: number) => Array.from({ length: n }, (_, i) => ({ event: undefined, data: String(i) }));
      await e.append('aging', inputs(7), limits);
      await new Promise((resolve) => setTimeout(resolve, 120));
      await e.append('aging', inputs(5), limits);
      await e.append('aging', inputs(1), limits);
      await new Promise((resolve) => setTimeout(resolve, 120));
      expect(await e.state('aging', limits)).toMatchObject({ first: 8, last: 13 });
      expect(await raw.xLen(`${prefix}:{aging}:s`)).toBe(6);
    });

    it('drops a malformed notification (and says so), then delivers the next one', async () => {
      const e = await engine();
      const got: Message[] = [];
      const listener: FeedListener = { messages: (_, m) => got.push(...m), resync: () => {} };
      const feed = e.openFeed(listener);
      await feed.watch('bad');
      await raw.sPublish(`${prefix}:{bad}:n`, '[1,"x",12,"not an offset",null,"1"]');
      await raw.sPublish(`${prefix}:{bad}:n`, 'not json');
      await e.append('bad', [{ event: 'ok', data: '"fine"' }], LIMITS);
      await waitUntil(() => got.length === 1, 'the valid message');
      expect(got.map((m) => [m.offset, m.event, m.data])).toEqual([[1, 'ok', '"fine"']]);
      expect(errors.map((x) => String(x))).toEqual([
        expect.stringContaining('malformed notification'),
        expect.stringContaining('malformed notification'),
      ]);
      feed.close();
    });

    it('keeps the exact text of data through the notification (escapes, unicode, numbers)', async () => {
      const e = await engine();
      const got: Message[] = [];
      const feed = e.openFeed({ messages: (_, m) => got.push(...m), resync: () => {} });
      await feed.watch('text');
      const data = ['{"a":"b\\"c\\\\d/e"}', '"héllo ✓ 😀 \\u2028"', '1e3', '[1.50,-0,{"x":null}]', '"<\\/script>"'];
      await e.append(
        'text',
        data.map((d) => ({ event: undefined, data: d })),
        LIMITS,
      );
      await waitUntil(() => got.length === data.length, 'the messages');
      expect(got.map((m) => m.data)).toEqual(data);
      expect((await e.read('text', 1, 10, LIMITS)).messages.map((m) => m.data)).toEqual(data);
      feed.close();
    });

    it('releases every connection on close (commands, feeds, presence)', async () => {
      const e = await engine();
      const named = async () => (await raw.clientList()).filter((c) => c.name === `herald-${e.nodeId}`).length;
      e.openFeed({ messages: () => {}, resync: () => {} }).watch('x');
      e.openFeed({ messages: () => {}, resync: () => {} });
      await e.createPresence().join('x', 'c1', {}, { presence: () => {} });
      await waitUntil(async () => (await named()) === 4, 'four connections');
      await e.close();
      await waitUntil(async () => (await named()) === 0, 'no connection left');
    });

    it('refuses bad options by name', () => {
      expect(() => new RedisEngine({ url: TEST_REDIS_URL, prefix: 'a{b}' })).toThrow(/option prefix/);
      expect(() => new RedisEngine({ url: 'http://x' })).toThrow(/option url/);
      expect(() => new RedisEngine({ url: TEST_REDIS_URL, commandTimeoutMs: 0 })).toThrow(/option commandTimeoutMs/);
    });
  },
);
