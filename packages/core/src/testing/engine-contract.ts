import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AppendInput, AppendResult, Engine, HistoryLimits } from '../engine.ts';
import type { Feed } from '../feed.ts';
import type { Message } from '../message.ts';

/** An engine under test, plus how to remove its storage once it is closed. */
export interface EngineHandle {
  readonly engine: Engine;
  /** Called after `engine.close()`; removes temp dirs, keys, streams. */
  readonly cleanup?: () => Promise<void>;
}

/**
 * Creates an engine on fresh, empty storage. Background sweeps that forget idle channels should be off
 * (the age cases wait for history to expire and would race a sweep).
 */
export type EngineFactory = () => Promise<EngineHandle>;

/** What the suite needs to know beyond the factory. */
export interface EngineContractOptions {
  /**
   * Durable engines: opens a new engine on the storage of `previous`, whose engine the suite has already
   * closed. The suite later closes the result and calls its `cleanup` (not `previous.cleanup`).
   * Without it the restart cases are skipped, because the engine keeps nothing across a restart.
   */
  readonly restart?: (previous: EngineHandle) => Promise<EngineHandle>;
  /**
   * Engines shared by several nodes: opens another engine (another node) on the storage of `first`.
   * The suite closes the result and calls its `cleanup` before `first`'s. Without it the cases with
   * two nodes are skipped, because the engine serves one process only.
   */
  readonly peer?: (first: EngineHandle) => Promise<EngineHandle>;
}

const LIMITS: HistoryLimits = { size: 1000, maxAgeMs: 3_600_000 };
const EPOCH = /^[A-Za-z0-9_-]{1,32}$/;

/** One input whose payload is `value` as JSON. */
function input(value: unknown, event?: string): AppendInput {
  return { event, data: JSON.stringify(value) };
}

function offsetsOf(items: ReadonlyArray<{ readonly offset: number }>): number[] {
  return items.map((m) => m.offset);
}

function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check`, so engines whose live feed is asynchronous (Redis, NATS) pass too. */
async function waitFor(check: () => boolean, what: string, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

/** A feed that records what it hears, and how often it was told to resync. */
interface Recorder {
  readonly got: Message[];
  readonly feed: Feed;
  resyncs: number;
  stop(): void;
}

/** Opens a feed on `engine` that watches `channels` (settled, so nothing sent after this is missed). */
async function record(engine: Engine, channels: readonly string[]): Promise<Recorder> {
  const got: Message[] = [];
  const recorder: Recorder = {
    got,
    resyncs: 0,
    feed: engine.openFeed({
      messages(channel, messages) {
        for (const m of messages) {
          // The channel argument and each message's own channel must agree.
          expect(m.channel).toBe(channel);
          got.push(m);
        }
      },
      resync() {
        recorder.resyncs++;
      },
    }),
    stop: () => recorder.feed.close(),
  };
  await Promise.all(channels.map((c) => recorder.feed.watch(c)));
  return recorder;
}

/** The fields that must survive storage, for comparing messages read before and after something. */
function plain(m: Message): object {
  return { channel: m.channel, epoch: m.epoch, offset: m.offset, event: m.event, data: m.data, time: m.time };
}

/**
 * The contract every engine passes: `engineContract('sqlite', factory, { restart })` inside a test file.
 * One fresh engine per case, closed (and cleaned up) after it.
 */
export function engineContract(name: string, factory: EngineFactory, options: EngineContractOptions = {}): void {
  describe(`engine contract: ${name}`, () => {
    let handle: EngineHandle;
    const engine = (): Engine => handle.engine;

    beforeEach(async () => {
      handle = await factory();
    });
    afterEach(async () => {
      await handle.engine.close();
      await handle.cleanup?.();
    });

    async function append(channel: string, value: unknown, limits = LIMITS, key?: string): Promise<AppendResult> {
      return engine().append(channel, [input(value)], limits, key);
    }

    it('is ready', async () => {
      expect(await engine().ready()).toBe(true);
    });

    it('gives a new channel a stable epoch, first=1 and last=0', async () => {
      const a = await engine().state('fresh', LIMITS);
      const b = await engine().state('fresh', LIMITS);
      expect(a).toEqual({ epoch: a.epoch, first: 1, last: 0 });
      expect(a.epoch).toMatch(EPOCH);
      expect(b).toEqual(a);
      const page = await engine().read('fresh', 0, 10, LIMITS);
      expect(page).toEqual({ state: a, messages: [] });
    });

    it('numbers offsets 1..n per channel, independently per channel', async () => {
      const a: number[] = [];
      const b: number[] = [];
      for (let i = 0; i < 5; i++) {
        a.push(...offsetsOf((await append('a', i)).messages));
        if (i % 2 === 0) b.push(...offsetsOf((await append('b', i)).messages));
      }
      expect(a).toEqual([1, 2, 3, 4, 5]);
      expect(b).toEqual([1, 2, 3]);
      expect(await engine().state('a', LIMITS)).toMatchObject({ first: 1, last: 5 });
      expect(await engine().state('b', LIMITS)).toMatchObject({ first: 1, last: 3 });
    });

    it('appends a batch in order, keeping event, data and time', async () => {
      const inputs = [input({ a: [1, { b: null }] }, 'first'), input('héllo ✓ 😀'), input(42, 'x.y:z-1'), input(null)];
      const result = await engine().append('batch', inputs, LIMITS);
      expect(result.duplicate).toBe(false);
      expect(offsetsOf(result.messages)).toEqual([1, 2, 3, 4]);
      const state = await engine().state('batch', LIMITS);
      expect(result.epoch).toBe(state.epoch);
      const page = await engine().read('batch', 1, 10, LIMITS);
      expect(page.messages.map(plain)).toEqual(
        inputs.map((x, i) => ({
          channel: 'batch',
          epoch: state.epoch,
          offset: i + 1,
          event: x.event,
          data: x.data,
          time: result.messages[i]?.time,
        })),
      );
      for (const t of result.messages) expect(Math.abs(t.time - Date.now())).toBeLessThan(60_000);
    });

    it('reads from an offset, up to a limit, and nothing beyond the last', async () => {
      await engine().append(
        'r',
        range(1, 10).map((i) => input(i)),
        LIMITS,
      );
      expect(offsetsOf((await engine().read('r', 4, 3, LIMITS)).messages)).toEqual([4, 5, 6]);
      expect(offsetsOf((await engine().read('r', 0, 100, LIMITS)).messages)).toEqual(range(1, 10));
      expect(offsetsOf((await engine().read('r', 9, 100, LIMITS)).messages)).toEqual([9, 10]);
      expect((await engine().read('r', 3, 0, LIMITS)).messages).toEqual([]);
      for (const from of [11, 12, 1000]) {
        const page = await engine().read('r', from, 10, LIMITS);
        expect(page.messages).toEqual([]);
        expect(page.state).toMatchObject({ first: 1, last: 10 });
      }
    });

    it('trims history by count; a read below first starts at first', async () => {
      const limits = { size: 5, maxAgeMs: LIMITS.maxAgeMs };
      for (let i = 1; i <= 8; i++) await append('count', i, limits);
      expect(await engine().state('count', limits)).toMatchObject({ first: 4, last: 8 });
      const page = await engine().read('count', 1, 100, limits);
      expect(offsetsOf(page.messages)).toEqual([4, 5, 6, 7, 8]);
      expect(page.messages[0]?.data).toBe('4');
      expect(offsetsOf((await engine().read('count', 2, 2, limits)).messages)).toEqual([4, 5]);
      // A batch larger than the history keeps only its tail.
      await engine().append(
        'count',
        range(9, 15).map((i) => input(i)),
        { size: 3, maxAgeMs: LIMITS.maxAgeMs },
      );
      expect(await engine().state('count', limits)).toMatchObject({ first: 13, last: 15 });
    });

    it('trims history by age', async () => {
      const limits = { size: 1000, maxAgeMs: 50 };
      const first = await engine().append('age', [input(1), input(2)], limits);
      await sleep(90);
      const state = await engine().state('age', limits);
      expect(state).toEqual({ epoch: first.epoch, first: 3, last: 2 });
      expect(await engine().read('age', 0, 10, limits)).toEqual({ state, messages: [] });
      const next = await append('age', 3, limits);
      expect(next.epoch).toBe(first.epoch);
      expect(offsetsOf(next.messages)).toEqual([3]);
      const page = await engine().read('age', 1, 10, limits);
      expect(offsetsOf(page.messages)).toEqual([3]);
      expect(page.state).toMatchObject({ first: 3, last: 3 });
    });

    it('delivers every appended message of watched channels to feeds once, in order, with its fields', async () => {
      const a = await record(engine(), ['x', 'y']);
      const b = await record(engine(), ['x', 'y']);
      const results: Array<[string, AppendResult, AppendInput[]]> = [];
      for (const [channel, inputs] of [
        ['x', [input(1, 'e1')]],
        ['y', [input('y1')]],
        ['x', [input(2), input(3, 'e3')]],
        ['y', [input({ y: 2 })]],
        ['x', [input(4)]],
      ] as const) {
        results.push([channel, await engine().append(channel, inputs, LIMITS), [...inputs]]);
      }
      const expected = results.flatMap(([channel, r, inputs]) =>
        inputs.map((x, i) => ({
          channel,
          epoch: r.epoch,
          offset: r.messages[i]?.offset,
          event: x.event,
          data: x.data,
          time: r.messages[i]?.time,
        })),
      );
      for (const { got } of [a, b]) {
        await waitFor(() => got.length >= expected.length, 'live messages');
        await sleep(20);
        for (const channel of ['x', 'y']) {
          const only = (m: { channel: string }) => m.channel === channel;
          expect(got.filter(only).map(plain)).toEqual(expected.filter(only));
        }
      }
      a.stop();
      b.stop();
    });

    it('delivers only watched channels, and stops after unwatch and close', async () => {
      const partial = await record(engine(), ['w1', 'w2']);
      await append('w0', 'not watched');
      await append('w1', 1);
      await append('w2', 1);
      await waitFor(() => partial.got.length === 2, 'watched channels');
      partial.feed.unwatch('w2');
      await sleep(20);
      await append('w2', 2);
      await append('w1', 2);
      await waitFor(() => partial.got.length === 3, 'the still watched channel');
      await sleep(20);
      expect(partial.got.map((m) => `${m.channel}/${m.offset}`)).toEqual(['w1/1', 'w2/1', 'w1/2']);
      partial.stop();
    });

    it('stops delivering after a feed is closed', async () => {
      const stopped = await record(engine(), ['u']);
      const kept = await record(engine(), ['u']);
      await append('u', 1);
      await waitFor(() => stopped.got.length === 1 && kept.got.length === 1, 'first message');
      stopped.stop();
      await append('u', 2);
      await waitFor(() => kept.got.length === 2, 'second message');
      await sleep(20);
      expect(offsetsOf(stopped.got)).toEqual([1]);
      kept.stop();
    });

    it('writes nothing for a repeated idempotency key and returns the first result', async () => {
      const live = await record(engine(), ['k']);
      const batch = [input(1), input(2)];
      const first = await engine().append('k', batch, LIMITS, 'key-1');
      const again = await engine().append('k', batch, LIMITS, 'key-1');
      expect(first.duplicate).toBe(false);
      expect(again).toEqual({ ...first, duplicate: true });
      const other = await append('k', 3, LIMITS, 'key-2');
      expect(other.duplicate).toBe(false);
      expect(offsetsOf(other.messages)).toEqual([3]);
      expect((await engine().append('k', batch, LIMITS, 'key-1')).duplicate).toBe(true);
      expect(await engine().state('k', LIMITS)).toMatchObject({ first: 1, last: 3 });
      await waitFor(() => live.got.length >= 3, 'live messages');
      await sleep(20);
      expect(offsetsOf(live.got)).toEqual([1, 2, 3]);
      live.stop();
    });

    it('writes once for 10 concurrent appends with the same key', async () => {
      const results = await Promise.all(range(1, 10).map((i) => append('kc', i, LIMITS, 'same')));
      expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
      for (const r of results) expect(offsetsOf(r.messages)).toEqual([1]);
      expect(new Set(results.map((r) => r.epoch)).size).toBe(1);
      const page = await engine().read('kc', 0, 100, LIMITS);
      expect(offsetsOf(page.messages)).toEqual([1]);
    });

    it('keeps idempotency keys and names of look-alike channels apart', async () => {
      const names = ['a', 'ab', 'a.b', 'a:b', 'a_b', 'a-b', 'A.b', 'a@b', 'a:b:c', 'a.b.c'];
      const results = await Promise.all(names.map((n) => append(n, n, LIMITS, 'shared-key')));
      for (const r of results) {
        expect(r.duplicate).toBe(false);
        expect(offsetsOf(r.messages)).toEqual([1]);
      }
      for (const n of names) {
        const page = await engine().read(n, 0, 100, LIMITS);
        expect(page.messages.map((m) => [m.channel, m.data])).toEqual([[n, JSON.stringify(n)]]);
        expect(page.state).toMatchObject({ first: 1, last: 1 });
      }
    });

    it('gives 8 concurrent appenders x 200 unique, gap-free offsets, batches contiguous', async () => {
      const limits = { size: 5000, maxAgeMs: LIMITS.maxAgeMs };
      const written = new Map<number, string>();
      const appender = async (w: number): Promise<void> => {
        let previous = 0;
        for (let i = 0; i < 200; i++) {
          // Odd appenders send batches of 2, so interleaving inside a batch would show.
          const inputs = w % 2 === 0 ? [input(`${w}-${i}`)] : [input(`${w}-${i}a`), input(`${w}-${i}b`)];
          const r = await engine().append('busy', inputs, limits);
          const offsets = offsetsOf(r.messages);
          expect(offsets[0]).toBeGreaterThan(previous);
          expect(offsets).toEqual(range(offsets[0] ?? 0, (offsets[0] ?? 0) + inputs.length - 1));
          previous = offsets[offsets.length - 1] ?? 0;
          offsets.forEach((o, j) => {
            expect(written.has(o)).toBe(false);
            written.set(o, inputs[j]?.data ?? '');
          });
        }
      };
      await Promise.all(range(0, 7).map(appender));
      const total = 4 * 200 + 4 * 400;
      expect([...written.keys()].sort((x, y) => x - y)).toEqual(range(1, total));
      const page = await engine().read('busy', 1, total, limits);
      expect(page.messages.map((m) => written.get(m.offset))).toEqual(page.messages.map((m) => m.data));
      expect(page.messages).toHaveLength(total);
    });

    it('answers batches of reads and states in request order, like single calls', async () => {
      await engine().append('m1', [input(1), input(2), input(3)], LIMITS);
      await engine().append('m2', [input('a')], LIMITS);
      const states = await engine().states([
        { channel: 'm2', limits: LIMITS },
        { channel: 'm1', limits: LIMITS },
        { channel: 'm-new', limits: LIMITS },
      ]);
      expect(states[0]).toEqual(await engine().state('m2', LIMITS));
      expect(states[1]).toEqual(await engine().state('m1', LIMITS));
      expect(states[2]).toMatchObject({ first: 1, last: 0 });
      expect(states[2]).toEqual(await engine().state('m-new', LIMITS));
      const pages = await engine().readMany([
        { channel: 'm1', from: 2, limit: 10, limits: LIMITS },
        { channel: 'm2', from: 0, limit: 10, limits: LIMITS },
        { channel: 'm1', from: 1, limit: 1, limits: LIMITS },
        { channel: 'm3', from: 0, limit: 10, limits: LIMITS },
      ]);
      expect(pages.map((p) => offsetsOf(p.messages))).toEqual([[2, 3], [1], [1], []]);
      expect(pages.map((p) => p.state.last)).toEqual([3, 1, 3, 0]);
      expect(pages[1]?.messages[0]?.data).toBe('"a"');
      expect(await engine().readMany([])).toEqual([]);
      expect(await engine().states([])).toEqual([]);
    });

    it('counts history when it reports historySize', async (ctx) => {
      const size = engine().historySize?.bind(engine());
      if (size === undefined) return ctx.skip('engine does not report historySize');
      await engine().append('h1', [input(1), input(2), input(3)], LIMITS);
      await append('h2', 1);
      expect(size()).toBe(4);
      await append('h1', 4, { size: 2, maxAgeMs: LIMITS.maxAgeMs });
      expect(size()).toBe(3);
    });

    it('closes idempotently', async () => {
      await engine().close();
      await engine().close();
    });

    peerCases(options.peer, () => handle);

    const restart = options.restart;
    if (restart === undefined) {
      it.skip('keeps epoch, history and keys across a restart (skipped: no restart hook, nothing outlives the engine)');
      return;
    }

    it('keeps epoch, history and idempotency keys across a restart; offsets continue', async () => {
      const small = { size: 3, maxAgeMs: LIMITS.maxAgeMs };
      const keyed = await append('p:a', 0, LIMITS, 'key');
      for (let i = 1; i < 5; i++) await append('p:a', i);
      await engine().append('p:b', [input(1, 'e'), input(2)], LIMITS);
      await engine().append(
        'p:c',
        range(1, 5).map((i) => input(i)),
        small,
      );
      const empty = await engine().state('p:empty', LIMITS);
      const channels = ['p:a', 'p:b', 'p:c', 'p:empty'];
      const limitsOf = (c: string) => (c === 'p:c' ? small : LIMITS);
      const snapshot = async () =>
        Promise.all(channels.map(async (c) => (await engine().read(c, 0, 100, limitsOf(c))).messages.map(plain)));
      const stateAll = async () => Promise.all(channels.map((c) => engine().state(c, limitsOf(c))));
      const before = await snapshot();
      const states = await stateAll();

      await handle.engine.close();
      handle = await restart(handle);

      expect(await stateAll()).toEqual(states);
      expect(states[2]).toMatchObject({ first: 3, last: 5 });
      expect(states[3]).toEqual(empty);
      expect(await snapshot()).toEqual(before);
      expect(await append('p:a', 0, LIMITS, 'key')).toEqual({ ...keyed, duplicate: true });
      const live = await record(engine(), ['p:a']);
      const next = await append('p:a', 5);
      expect(next.epoch).toBe(states[0]?.epoch);
      expect(offsetsOf(next.messages)).toEqual([6]);
      await waitFor(() => live.got.length === 1, 'live message after restart');
      live.stop();
    });
  });
}

/** Cases with two nodes on one storage (skipped with a reason for single-node engines). */
function peerCases(peer: EngineContractOptions['peer'], first: () => EngineHandle): void {
  if (peer === undefined) {
    it.skip('two nodes share channels (skipped: no peer hook, the engine serves one process)');
    return;
  }
  describe('two nodes', () => {
    let second: EngineHandle;
    const a = (): Engine => first().engine;
    const b = (): Engine => second.engine;
    beforeEach(async () => {
      second = await peer(first());
    });
    afterEach(async () => {
      await second.engine.close();
      await second.cleanup?.();
    });

    it('see the same epoch and history', async () => {
      const sa = await a().state('shared', LIMITS);
      const sb = await b().state('shared', LIMITS);
      expect(sb).toEqual(sa);
      await a().append('shared', [input(1), input(2)], LIMITS);
      const page = await b().read('shared', 1, 10, LIMITS);
      expect(page.state).toEqual({ epoch: sa.epoch, first: 1, last: 2 });
      expect(page.messages.map((m) => m.data)).toEqual(['1', '2']);
    });

    it('hear on one node what is appended on the other', async () => {
      const onB = await record(b(), ['live']);
      const written = await a().append('live', [input('x', 'e')], LIMITS);
      await waitFor(() => onB.got.length === 1, 'the message on the other node');
      expect(plain(onB.got[0] as Message)).toEqual({
        channel: 'live',
        epoch: written.epoch,
        offset: 1,
        event: 'e',
        data: '"x"',
        time: written.messages[0]?.time,
      });
      onB.stop();
    });

    it('give concurrent appenders on both nodes contiguous offsets, none twice', async () => {
      const limits = { size: 5000, maxAgeMs: LIMITS.maxAgeMs };
      const results = await Promise.all(
        range(0, 199).map((i) => (i % 2 === 0 ? a() : b()).append('both', [input(i)], limits)),
      );
      const offsets = results.flatMap((r) => offsetsOf(r.messages)).sort((x, y) => x - y);
      expect(offsets).toEqual(range(1, 200));
      expect(new Set(results.map((r) => r.epoch)).size).toBe(1);
      const page = await a().read('both', 1, 500, limits);
      expect(offsetsOf(page.messages)).toEqual(range(1, 200));
    });

    it('honour an idempotency key across nodes', async () => {
      const keyed = await Promise.all([
        a().append('idem', [input(1)], LIMITS, 'k'),
        b().append('idem', [input(1)], LIMITS, 'k'),
      ]);
      expect(keyed.filter((r) => r.duplicate)).toHaveLength(1);
      expect(keyed[0]?.messages).toEqual(keyed[1]?.messages);
      const again = await b().append('idem', [input(1)], LIMITS, 'k');
      expect(again).toEqual({ ...keyed.find((r) => !r.duplicate), duplicate: true });
      expect(await a().state('idem', LIMITS)).toMatchObject({ first: 1, last: 1 });
    });
  });
}
