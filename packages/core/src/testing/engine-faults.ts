import { afterEach, describe, expect, it } from 'vitest';
import type { Engine } from '../engine.ts';
import { HeraldError } from '../errors.ts';
import type { Message } from '../message.ts';

/*
 * The outage cases every networked engine passes: its backend killed with SIGKILL and started again,
 * and an engine that starts before its backend does. Each engine's own fault file adds what only it
 * has (presence re-added, a store lost, a kill in the middle of batches).
 */

/** A private backend server of the engine under test: killed and restarted on the same port. */
export interface FaultServer {
  readonly url: string;
  kill(): Promise<void>;
  start(): Promise<void>;
  /** After the case: kills it and removes what it stored (when that is more than a kill). */
  destroy?(): Promise<void>;
}

export interface EngineFaultSetup {
  /** Starts a private backend on `port`, or on a free one; resolves once it answers. */
  startServer(port?: number): Promise<FaultServer>;
  /** Connects an engine to `url` with short timeouts (fail fast, reconnect fast). */
  connect(url: string, onError: (error: unknown) => void): Promise<Engine>;
  /** Creates an engine without waiting for its backend, with the same short timeouts. */
  create(url: string): Engine;
  /** `connect` with a connect timeout of 300 ms, to a URL where nothing listens. */
  connectNowhere(url: string): Promise<Engine>;
  /** A URL of the backend's scheme on a port nothing listens on, and that port. */
  nowhere(): Promise<{ url: string; port: number }>;
  /** What the connect error says, e.g. /cannot reach Redis/. */
  readonly unreachable: RegExp;
  /**
   * True when the backend keeps acknowledged messages across a kill (JetStream on disk): the epoch
   * stays and offsets continue. False when it comes back empty (Redis without persistence): a new
   * epoch, offsets from 1.
   */
  readonly keepsHistory: boolean;
  /** Longest a call may take to fail while the backend is down, and to reconnect after, ms. */
  readonly failFastMs: number;
  readonly reconnectMs: number;
  /** Longest a feed watch may take to settle while the backend is down, ms. */
  readonly watchDuringOutageMs: number;
}

const LIMITS = { size: 10_000, maxAgeMs: 600_000 };

/** One message without an event whose data is `data` as JSON. */
export function jsonInput(data: string) {
  return [{ event: undefined, data: JSON.stringify(data) }];
}

/** Resolves with the time a rejected call took, failing unless it was `unavailable` (503, retry in 1 s). */
export async function unavailableWithin(run: () => Promise<unknown>): Promise<number> {
  const started = Date.now();
  const error = await run().then(
    () => new Error('expected the call to fail'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(HeraldError);
  expect(error).toMatchObject({ code: 'unavailable', status: 503, retryAfter: 1 });
  return Date.now() - started;
}

/** Polls `check` every 10 ms until it holds; throws after `timeoutMs`. */
async function waitUntil(check: () => boolean | Promise<boolean>, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export function engineFaultContract(name: string, setup: EngineFaultSetup): void {
  describe(`engine outage contract: ${name}`, () => {
    const servers: FaultServer[] = [];
    const engines: Engine[] = [];
    afterEach(async () => {
      for (const engine of engines.splice(0)) await engine.close();
      for (const server of servers.splice(0)) await (server.destroy?.() ?? server.kill());
    });

    it('fails fast while the backend is down, then recovers by itself: resubscribed feed, resync', async () => {
      const server = await setup.startServer();
      servers.push(server);
      const errors: unknown[] = [];
      const engine = await setup.connect(server.url, (e) => errors.push(e));
      engines.push(engine);
      const heard: Message[] = [];
      let resyncs = 0;
      const feed = engine.openFeed({ messages: (_, m) => heard.push(...m), resync: () => resyncs++ });
      await feed.watch('c');
      const before = await engine.append('c', jsonInput('before'), LIMITS);
      await waitUntil(() => heard.length === 1, 'the first message', 3_000);

      await server.kill();
      for (const run of [
        () => engine.append('c', jsonInput('lost'), LIMITS, 'key'),
        () => engine.read('c', 0, 10, LIMITS),
        () => engine.state('c', LIMITS),
        () => engine.states([{ channel: 'c', limits: LIMITS }]),
        () => engine.readMany([{ channel: 'c', from: 0, limit: 10, limits: LIMITS }]),
      ]) {
        expect(await unavailableWithin(run)).toBeLessThan(setup.failFastMs);
      }
      expect(await engine.ready()).toBe(false);
      // A watch during the outage settles without waiting for the backend, and takes effect once it is back.
      const started = Date.now();
      await feed.watch('d');
      expect(Date.now() - started).toBeLessThan(setup.watchDuringOutageMs);
      expect(errors.length).toBeGreaterThan(0);

      await server.start();
      await waitUntil(() => engine.ready(), 'the engine to reconnect', setup.reconnectMs);
      await waitUntil(() => resyncs >= 1, 'resync after the feed reconnected', 5_000);
      const after = await engine.append('c', jsonInput('after'), LIMITS);
      if (setup.keepsHistory) {
        // Acknowledged messages survived: the same epoch, offsets continue, the failed append is absent.
        expect(after.epoch).toBe(before.epoch);
        expect(after.messages.map((m) => m.offset)).toEqual([2]);
      } else {
        // The backend came back empty: the channel's past is gone, so a new epoch starting again at 1.
        expect(after.epoch).not.toBe(before.epoch);
        expect(after.messages.map((m) => m.offset)).toEqual([1]);
      }
      const d = await engine.append('d', jsonInput('d1'), LIMITS);
      await waitUntil(() => heard.length === 3, 'messages of both channels after the restart', 3_000);
      expect(heard.map((m) => [m.channel, m.epoch, m.offset, m.data])).toEqual([
        ['c', before.epoch, 1, '"before"'],
        ['c', after.epoch, after.messages[0]?.offset, '"after"'],
        ['d', d.epoch, 1, '"d1"'],
      ]);
    });

    it('connect() rejects within the connect timeout when nothing listens', async () => {
      const { url } = await setup.nowhere();
      const started = Date.now();
      await expect(setup.connectNowhere(url)).rejects.toThrow(setup.unreachable);
      expect(Date.now() - started).toBeLessThan(2_000);
    });

    it('an engine created while the backend is down serves once it comes up', async () => {
      const { url, port } = await setup.nowhere();
      const engine = setup.create(url);
      engines.push(engine);
      expect(await engine.ready()).toBe(false);
      await unavailableWithin(() => engine.state('x', LIMITS));
      const server = await setup.startServer(port);
      servers.push(server);
      await waitUntil(() => engine.ready(), 'the engine to connect', setup.reconnectMs);
      expect(await engine.state('x', LIMITS)).toMatchObject({ first: 1, last: 0 });
    });
  });
}
