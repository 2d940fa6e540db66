/**
 * NATS going away (docs/scaling.md, "NATS JetStream instead of Redis"): two hubs on a private `nats-server -js` (its own port and
 * store directory), subscribers on node B (raw SSE, raw WebSocket and the SDK over WebSocket), a
 * publisher on node A. Mid-stream nats-server is SIGKILLed, then restarted on the same port: with its
 * store (JetStream keeps what it acknowledged: no reset, nothing lost), or with its store wiped (a new
 * epoch, and a reset to every subscriber). The scenario and its checks are in helpers/outage.ts (shared
 * with the Redis outage test). Then the other way history goes on NATS: an operator purging the
 * stream while the hubs run.
 */
import { randomBytes } from 'node:crypto';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { afterEach, describe, expect, it } from 'vitest';
import { deleteNatsPrefix, openNatsEngine, TEST_NATS_URL } from '../helpers/engines.ts';
import { uniqueChannel } from '../helpers/http.ts';
import { eventually } from '../helpers/inbox.ts';
import { type PrivateNats, startPrivateNats } from '../helpers/nats-server.ts';
import { AFTER, BEFORE, OutageScene, readHistory, runOutage } from '../helpers/outage.ts';
import { checkResetStream, describeEvents, lastMessage, type Seen } from '../helpers/outage-observers.ts';

const scene = new OutageScene();
let nats: PrivateNats | undefined;
let sharedPrefix: string | undefined;

afterEach(async () => {
  await scene.cleanup();
  await nats?.stop();
  nats = undefined;
  if (sharedPrefix !== undefined) await deleteNatsPrefix(TEST_NATS_URL, sharedPrefix);
  sharedPrefix = undefined;
});

describe('nats-server SIGKILLed mid-stream', () => {
  it('publishes fail fast with 503, streams stay open; NATS comes back with its store: no reset, nothing lost', async () => {
    await outage(false);
  }, 40_000);

  it('publishes fail fast with 503, streams stay open; NATS comes back with its store wiped: a reset to the new epoch, then the new messages', async () => {
    await outage(true);
  }, 40_000);
});

describe('the stream purged by an operator while the hubs run', () => {
  it('every subscriber gets a reset to the new epoch, then the new messages; publishing goes on', async () => {
    const prefix = `herald-purge-${randomBytes(4).toString('hex')}`;
    sharedPrefix = prefix;
    const [a, b] = await scene.startHubs(async () => (await openNatsEngine(prefix)).engine);
    const channel = uniqueChannel('purged');
    const { seen } = await scene.subscribe(b, channel);
    const pub = scene.startPublisher(a, channel);
    await eventually(() => pub.acked().length >= BEFORE, 10_000, `${BEFORE} acknowledged publishes`);
    await purgeStream(prefix);
    const ackedAtPurge = pub.acked().length;
    await eventually(() => pub.acked().length >= ackedAtPurge + AFTER, 8_000, `${AFTER} publishes after the purge`);
    const attempts = await pub.stop();

    // A purge is no outage: every publish was acknowledged, in the old epoch or the new one.
    expect(attempts.filter((p) => p.status !== 201)).toEqual([]);
    const epochBefore = attempts[0]?.epoch as string;
    const epochAfter = attempts.at(-1)?.epoch as string;
    expect(epochAfter, 'a new epoch after the purge').not.toBe(epochBefore);
    const inNew = attempts.filter((p) => p.epoch === epochAfter);
    expect(
      inNew.map((p) => p.offset),
      'the new epoch from 1',
    ).toEqual(inNew.map((_, i) => i + 1));

    const history = await readHistory(a, channel);
    expect(history.epoch).toBe(epochAfter);
    const stored = new Map(history.messages.map((m) => [m.offset, m.data.seq]));
    expect([...stored.values()], 'acknowledged in the new epoch, all stored').toEqual(inNew.map((p) => p.seq));

    const lastAfter = inNew.at(-1)?.offset as number;
    const subscribers = [
      ['sse', seen[0]],
      ['ws', seen[1]],
      ['sdk', seen[2]],
    ] as const;
    const caughtUp = (s: readonly Seen[]) => {
      const last = lastMessage(s);
      return last?.epoch === epochAfter && last.offset === lastAfter;
    };
    await eventually(() => subscribers.every(([, s]) => caughtUp(s)), 5_000, 'catch-up').catch((error: Error) => {
      const tails = subscribers.map(([name, s]) => `${name}: …${describeEvents(s).slice(-4).join(' ')}`);
      throw new Error(`${error.message}: ${tails.join('; ')}`);
    });
    await new Promise((resolve) => setTimeout(resolve, 200)); // a late duplicate would show up now
    const beforePurge = attempts.filter((p) => p.epoch === epochBefore);
    for (const [name, s] of subscribers) {
      expect(
        s.filter((x) => x.kind === 'other'),
        `${name}: unexpected frames`,
      ).toEqual([]);
      checkResetStream(name, s, epochBefore, epochAfter, beforePurge, stored);
    }
  }, 30_000);
});

/** One outage on a private nats-server, restarted with its store, or with it wiped (see runOutage). */
async function outage(wipe: boolean): Promise<void> {
  const server = await startPrivateNats();
  nats = server;
  const prefix = `herald-outage-${randomBytes(4).toString('hex')}`;
  await runOutage(scene, {
    server,
    keepsData: !wipe,
    openEngine: async () => (await openNatsEngine(prefix, server.url)).engine,
    beforeRestart: () => {
      if (wipe) server.wipe();
    },
  });
}

/** What an operator's `nats stream purge <prefix>` does. */
async function purgeStream(stream: string): Promise<void> {
  const nc = await connect({ servers: TEST_NATS_URL });
  try {
    await (await jetstreamManager(nc)).streams.purge(stream);
  } finally {
    await nc.close();
  }
}
