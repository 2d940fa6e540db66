/**
 * A node killed (docs/scaling.md, "Behind a load balancer"): three hubs in their own processes on one Redis prefix (or one NATS stream),
 * behind a round-robin balancer. SDK clients on WebSocket, SSE and long polling subscribe through the balancer while a
 * publisher writes through a node directly; mid-stream the nodes that hold the clients are killed with
 * SIGKILL, one after the other. Every client must move to a surviving node by itself and end with every
 * message exactly once, in order, with no reset (the history is in Redis or NATS, so nothing may be lost). Runs once per shared
engine.
 */
import { randomBytes } from 'node:crypto';
import {
  connect,
  type HeraldClient,
  type Message,
  type ResetInfo,
  type StateEvent,
  type Subscription,
  type TransportName,
} from '@herald/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAST, waitFor } from '../client/helpers.ts';
import { type Balancer, startBalancer } from '../helpers/balancer.ts';
import { type ChildServer, startChildServer } from '../helpers/child.ts';
import { CLUSTER_ENGINES, type ClusterEngine } from '../helpers/cluster.ts';
import { deleteNatsPrefix, deleteRedisPrefix, TEST_NATS_URL, TEST_REDIS_URL } from '../helpers/engines.ts';
import { uniqueChannel } from '../helpers/http.ts';

const TOTAL = 450; // messages
const RATE = 200; // per second
const KILL_AT = [150, 300]; // kill a client node once this many were acknowledged
const TRANSPORTS: TransportName[] = ['websocket', 'sse', 'long-poll'];
const PER_TRANSPORT = 2;

/** One SDK client and everything it saw. */
interface Watcher {
  readonly name: string;
  readonly transport: TransportName;
  readonly client: HeraldClient;
  readonly sub: Subscription;
  readonly messages: Message[];
  readonly resets: ResetInfo[];
  readonly states: StateEvent[];
  readonly errors: unknown[];
}

/** What the child hubs need to be nodes of one cluster on `kind`, and how to remove its data after. */
function clusterOf(kind: ClusterEngine): { env: Record<string, string>; cleanup: () => Promise<void> } {
  const prefix = `herald-cluster-${randomBytes(4).toString('hex')}`;
  if (kind === 'nats') {
    return {
      env: { HERALD_TEST_ENGINE: 'nats', HERALD_TEST_NATS_PREFIX: prefix, HERALD_TEST_NATS_URL: TEST_NATS_URL },
      cleanup: () => deleteNatsPrefix(TEST_NATS_URL, prefix),
    };
  }
  return {
    env: { HERALD_TEST_ENGINE: 'redis', HERALD_TEST_REDIS_PREFIX: prefix, HERALD_TEST_REDIS_URL: TEST_REDIS_URL },
    cleanup: () => deleteRedisPrefix(TEST_REDIS_URL, prefix),
  };
}

describe.each(CLUSTER_ENGINES)('a node killed under live clients (%s cluster behind a balancer)', (kind) => {
  const cluster = clusterOf(kind);
  const nodes: ChildServer[] = [];
  let balancer: Balancer | undefined;
  const watchers: Watcher[] = [];

  beforeAll(async () => {
    // The heartbeat drives the SDK's watchdog and the hub's position checks of the (lossy) feed.
    const options = { streamHeartbeatMs: 200, shutdownTimeoutMs: 200 };
    // One at a time: three processes compiling TypeScript at once on a busy 2-core machine can each
    // miss the 15 s start limit.
    for (let i = 0; i < 3; i++) nodes.push(await startChildServer(options, cluster.env));
  }, 50_000);

  afterAll(async () => {
    await Promise.all(watchers.map((w) => w.client.close()));
    await balancer?.close();
    for (const node of nodes)
      if (node.process.exitCode === null && node.process.signalCode === null) node.process.kill('SIGKILL');
    await Promise.all(nodes.map((node) => node.close()));
    await cluster.cleanup();
  });

  it('every client moves to a surviving node and gets every message exactly once, in order, without a reset', async () => {
    const [publisherNode, first, second] = nodes as [ChildServer, ChildServer, ChildServer];
    const channel = uniqueChannel('killed');
    // The clients start on the two nodes that will die; the publisher's node joins the rotation after,
    // so every client loses its node at least once.
    balancer = await startBalancer([first.url, second.url]);
    for (const transport of TRANSPORTS) {
      for (let i = 0; i < PER_TRANSPORT; i++)
        watchers.push(watch(balancer.url, transport, `${transport}#${i}`, channel));
    }
    await waitFor(
      () => watchers.every((w) => w.client.state.state === 'open' && w.sub.cursor !== undefined),
      10_000,
      'every client open and subscribed',
    );
    balancer.add(publisherNode.url);

    const publisher = publish(publisherNode, channel, TOTAL, RATE);
    const killed: Array<{ node: string; connections: number }> = [];
    for (const [i, at] of KILL_AT.entries()) {
      const victim = i === 0 ? first : second;
      await waitFor(() => publisher.acked() >= at || publisher.failed() !== undefined, 15_000, `${at} acks`);
      const open = balancer.openByNode().get(victim.url) ?? 0;
      killed.push({ node: victim.url, connections: open });
      await kill(victim);
    }
    await publisher.done;

    const complete = (w: Watcher): boolean => w.messages.length >= TOTAL;
    await waitFor(() => watchers.every(complete), 15_000, 'every client to receive every message').catch(
      (error: Error) => {
        throw new Error(`${error.message}: ${watchers.map((w) => `${w.name} ${w.messages.length}`).join(', ')}`);
      },
    );
    await new Promise((resolve) => setTimeout(resolve, 300)); // a late duplicate would show up now

    // Each kill hit client connections (else the test would prove nothing).
    for (const k of killed)
      expect(k.connections, `open client connections on ${k.node} when it was killed`).toBeGreaterThan(0);
    const expected = Array.from({ length: TOTAL }, (_, i) => i + 1);
    for (const w of watchers) {
      expect(w.resets, `${w.name}: resets`).toEqual([]);
      expect(w.errors, `${w.name}: errors`).toEqual([]);
      expect(
        w.messages.map((m) => m.offset),
        `${w.name}: offsets`,
      ).toEqual(expected);
      expect(
        w.messages.map((m) => (m.data as { seq: number }).seq),
        `${w.name}: seq`,
      ).toEqual(expected);
      expect(new Set(w.messages.map((m) => m.cursor.split(':')[0])).size, `${w.name}: one epoch`).toBe(1);
      expect(w.client.state, `${w.name}: final state`).toMatchObject({ state: 'open', transport: w.transport });
      // Streams hold their connection, so each of them lost it at least once and came back by itself.
      if (w.transport !== 'long-poll') expect(reconnects(w), `${w.name}: reconnects`).toBeGreaterThan(0);
    }
    // A long poll's keep-alive connection may have moved to the survivor between two polls, so only the
    // pair together must have lost a request to a killed node.
    const polls = watchers.filter((w) => w.transport === 'long-poll');
    expect(
      polls.reduce((n, w) => n + reconnects(w), 0),
      'long-poll reconnects',
    ).toBeGreaterThan(0);
    // Whatever is still connected went to the survivor.
    expect([...balancer.openByNode().keys()]).toEqual([publisherNode.url]);
  }, 50_000);
});

/** An SDK client forced onto one transport, subscribed to `channel` from now on. */
function watch(url: string, transport: TransportName, name: string, channel: string): Watcher {
  const client = connect(url, { ...FAST, transports: [transport], reportFallbacks: false, upgradeAfter: 0 });
  const sub = client.subscribe(channel);
  const w: Watcher = { name, transport, client, sub, messages: [], resets: [], states: [], errors: [] };
  client.on('state', (s) => w.states.push(s));
  client.on('error', (e) => w.errors.push(e));
  sub.on('message', (m) => w.messages.push(m));
  sub.on('reset', (r) => w.resets.push(r));
  sub.on('error', (e) => w.errors.push(e));
  return w;
}

function reconnects(w: Watcher): number {
  return w.states.filter((s) => s.state === 'reconnecting').length;
}

/** SIGKILLs a node and waits until the process is gone (its port then refuses connections). */
async function kill(node: ChildServer): Promise<void> {
  const gone = new Promise<void>((resolve) => node.process.once('exit', () => resolve()));
  node.process.kill('SIGKILL');
  await gone;
}

/** A publisher at a fixed rate, straight to one node, each message with an Idempotency-Key. */
function publish(
  node: ChildServer,
  channel: string,
  total: number,
  rate: number,
): { done: Promise<void>; acked(): number; failed(): Error | undefined } {
  let acked = 0;
  let failure: Error | undefined;
  const run = async (): Promise<void> => {
    const start = Date.now();
    for (let seq = 1; seq <= total; seq++) {
      const due = start + ((seq - 1) * 1_000) / rate;
      const wait = due - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const res = await fetch(`${node.url}/v1/channels/${channel}/messages`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${node.apiKey}`,
          'content-type': 'application/json',
          'idempotency-key': `pub-${seq}`,
        },
        body: JSON.stringify({ data: { seq } }),
        signal: AbortSignal.timeout(5_000),
      });
      const body = (await res.json()) as { offset?: number };
      if (res.status !== 201 || body.offset !== seq) {
        throw new Error(`publish ${seq}: ${res.status} ${JSON.stringify(body)} (expected 201 with offset ${seq})`);
      }
      acked = seq;
    }
  };
  const done = run().catch((error: unknown) => {
    failure = error instanceof Error ? error : new Error(String(error));
    throw failure;
  });
  done.catch(() => {}); // awaited by the test; a test that fails earlier must not leave it unhandled
  return { done, acked: () => acked, failed: () => failure };
}
