import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect as natsConnect } from '@nats-io/transport-node';
import { connect as amqpConnect } from 'amqplib';
import { connectAsync } from 'mqtt';
import { Client } from 'pg';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BridgeConfigInput } from '../config.ts';
import { startBridges } from '../start.ts';
import { BROKERS, unique } from '../test-support/brokers.ts';
import { Harness, numbers, range, received, settleFor, until } from '../test-support/harness.ts';
import type { BridgeStatus } from '../types.ts';
import { outboxDdl } from './outbox-sql.ts';

/** A source prepared for the test: its bridge config, how to put message `n` in, how to clean up. */
interface Prepared {
  readonly config: BridgeConfigInput;
  readonly send: (n: number) => Promise<void>;
  readonly cleanup: () => Promise<void>;
  /** The broker keeps messages only once the bridge has subscribed (MQTT). */
  readonly subscribeFirst?: boolean;
}

const body = (n: number) => JSON.stringify({ data: { n } });
const base = (id: string) => ({ name: `killed-${id}`, channel: `k${id}:x`, retryInitialMs: 50, retryMaxMs: 500 });

const SOURCES: Array<[string, (id: string) => Promise<Prepared>]> = [
  [
    'rabbitmq',
    async (id) => {
      const conn = await amqpConnect(BROKERS.amqp);
      const ch = await conn.createConfirmChannel();
      const queue = `herald-test-killed-${id}`;
      await ch.assertQueue(queue, { durable: true });
      return {
        config: { ...base(id), type: 'rabbitmq', queue },
        send: async (n) => {
          ch.sendToQueue(queue, Buffer.from(body(n)), { messageId: `m-${n}` });
          await ch.waitForConfirms();
        },
        cleanup: async () => {
          await ch.deleteQueue(queue);
          await conn.close();
        },
      };
    },
  ],
  [
    'mqtt',
    async (id) => {
      const producer = await connectAsync(BROKERS.mqtt, { protocolVersion: 5, clientId: `herald-test-kp-${id}` });
      const clientId = `herald-test-killed-${id}`;
      return {
        config: { ...base(id), type: 'mqtt', clientId, topics: [`herald-test/${id}`] },
        subscribeFirst: true,
        send: async (n) => {
          await producer.publishAsync(`herald-test/${id}`, body(n), {
            qos: 1,
            properties: { userProperties: { 'message-id': `m-${n}` } },
          });
        },
        cleanup: async () => {
          await producer.endAsync();
          const end = { protocolVersion: 5 as const, clientId, clean: true, properties: { sessionExpiryInterval: 0 } };
          await (await connectAsync(BROKERS.mqtt, end)).endAsync();
        },
      };
    },
  ],
  [
    'nats-jetstream',
    async (id) => {
      const nc = await natsConnect({ servers: BROKERS.nats });
      const jsm = await jetstreamManager(nc);
      const stream = `HERALD_TEST_KILLED_${id}`;
      await jsm.streams.add({ name: stream, subjects: [`herald-test-killed.${id}`] });
      const js = jetstream(nc);
      return {
        // A killed consumer's messages come back after ack_wait: short here.
        config: { ...base(id), type: 'nats-jetstream', stream, durable: `d${id}`, ackWaitMs: 1_000 },
        send: async (n) => {
          await js.publish(`herald-test-killed.${id}`, body(n));
        },
        cleanup: async () => {
          await jsm.streams.delete(stream);
          await nc.close();
        },
      };
    },
  ],
  [
    'redis-streams',
    async (id) => {
      const redis = createClient({ url: BROKERS.redis });
      await redis.connect();
      const stream = `herald-test:killed:${id}`;
      return {
        // The restarted process keeps its consumer name, so it re-reads its own pending entries at once.
        config: { ...base(id), type: 'redis-streams', streams: [stream], group: 'g', consumer: 'node-a', startId: '0' },
        send: async (n) => {
          await redis.xAdd(stream, '*', { data: body(n) });
        },
        cleanup: async () => {
          await redis.del(stream);
          redis.destroy();
        },
      };
    },
  ],
  [
    'postgres-outbox',
    async (id) => {
      const db = new Client({ connectionString: BROKERS.postgres });
      await db.connect();
      const table = `herald_test_killed_${id}`;
      await db.query(outboxDdl(table, table));
      return {
        config: {
          ...base(id),
          type: 'postgres-outbox',
          url: BROKERS.postgres,
          table,
          notifyChannel: table,
          pollIntervalMs: 200,
        },
        send: async (n) => {
          await db.query(`INSERT INTO ${table} (topic, payload) VALUES ('x', $1)`, [body(n)]);
        },
        cleanup: async () => {
          await db.query(`DROP TABLE ${table}`);
          await db.query(`DROP FUNCTION ${table}_notify()`);
          await db.end();
        },
      };
    },
  ],
];

let h: Harness;
beforeAll(async () => {
  h = await Harness.start();
});
afterAll(async () => {
  await h.close();
});

/** The bridge in a child process publishing over HTTP, slowly, so that it is killed mid-stream. */
function spawnBridge(config: BridgeConfigInput): { child: ChildProcess; status: () => BridgeStatus | undefined } {
  const script = fileURLToPath(new URL('../test-support/bridge-process.ts', import.meta.url));
  const arg = JSON.stringify({ url: h.server.url, apiKey: h.server.apiKey, config, delayMs: 30 });
  const child = spawn(process.execPath, ['--import', 'tsx', script, arg], { stdio: ['ignore', 'pipe', 'inherit'] });
  let last: BridgeStatus | undefined;
  let buffered = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    const lines = (buffered + chunk.toString()).split('\n');
    buffered = lines.pop() ?? '';
    const line = lines.at(-1);
    if (line !== undefined) last = JSON.parse(line) as BridgeStatus;
  });
  return { child, status: () => last };
}

describe('a bridge process killed mid-stream (SIGKILL)', () => {
  it.each(SOURCES)(
    '%s: the next process gets the rest again, nothing lost, nothing published twice',
    async (_, prepare) => {
      const p = await prepare(unique(''));
      try {
        const sub = await h.subscribe((p.config as { channel: string }).channel);
        const { child, status } = spawnBridge(p.config);
        const exited = new Promise((r) => child.once('exit', r));
        if (p.subscribeFirst === true) await until(() => status()?.state === 'up', 15_000, 'the child bridge up');
        for (const n of range(20)) await p.send(n);
        await received(sub, 5, 15_000);
        child.kill('SIGKILL');
        await exited;
        expect(sub.items.all.length).toBeLessThan(20);
        const bridges = startBridges([p.config], { publish: h.publish, logger: h.logger });
        try {
          await received(sub, 20, 15_000);
          await settleFor();
          expect(numbers(sub.items.all)).toEqual(range(20));
        } finally {
          await bridges.close();
        }
      } finally {
        await p.cleanup();
      }
    },
  );
});
