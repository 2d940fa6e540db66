// The sources the throughput script measures: each one's bridge config and how to put messages in.
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect as natsConnect } from '@nats-io/transport-node';
import { connect as amqpConnect } from 'amqplib';
import { connectAsync } from 'mqtt';
import { Client } from 'pg';
import { createClient } from 'redis';
import type { BridgeConfigInput } from '../config.ts';
import { outboxDdl } from '../sources/outbox-sql.ts';
import { BROKERS } from './brokers.ts';

/** A source under test: its config, and how to put one message (`t` = producer clock) into its broker. */
export interface Case {
  readonly config: BridgeConfigInput;
  readonly send: (n: number, t?: number) => Promise<void> | void;
  /** Messages must be sent while the bridge runs (core NATS keeps nothing, MQTT needs the session first). */
  readonly live?: boolean;
  readonly flush?: () => Promise<void>;
  readonly cleanup: () => Promise<void>;
}

const body = (n: number, t?: number) => JSON.stringify({ event: 'tick', data: t === undefined ? { n } : { n, t } });

export async function rabbit(id: string): Promise<Case> {
  const conn = await amqpConnect(BROKERS.amqp);
  const ch = await conn.createConfirmChannel();
  const queue = `herald-bench-${id}`;
  await ch.assertQueue(queue, { durable: true });
  return {
    config: { type: 'rabbitmq', name: `r${id}`, queue, channel: 'bench:x', prefetch: 200 },
    send: (n, t) => {
      ch.sendToQueue(queue, Buffer.from(body(n, t)), { messageId: `m${n}-${t ?? 0}` });
    },
    flush: () => ch.waitForConfirms(),
    cleanup: async () => {
      await ch.deleteQueue(queue);
      await conn.close();
    },
  };
}

export async function mqtt(id: string): Promise<Case> {
  const producer = await connectAsync(BROKERS.mqtt, { protocolVersion: 5, clientId: `bench-p-${id}` });
  let pending: Array<Promise<unknown>> = [];
  return {
    config: {
      type: 'mqtt',
      name: `m${id}`,
      clientId: `bench-${id}`,
      topics: [`bench/${id}`],
      channel: 'bench:x',
      prefetch: 200,
    },
    live: true,
    send: (n, t) => {
      const properties = { userProperties: { 'message-id': `m${n}-${t ?? 0}` } };
      pending.push(producer.publishAsync(`bench/${id}`, body(n, t), { qos: 1, properties }));
    },
    flush: async () => {
      await Promise.all(pending);
      pending = [];
    },
    cleanup: async () => {
      await producer.endAsync();
      const c = await connectAsync(BROKERS.mqtt, {
        protocolVersion: 5,
        clientId: `bench-${id}`,
        clean: true,
        properties: { sessionExpiryInterval: 0 },
      });
      await c.endAsync();
    },
  };
}

export async function natsCore(id: string): Promise<Case> {
  const nc = await natsConnect({ servers: BROKERS.nats });
  return {
    config: { type: 'nats', name: `n${id}`, subjects: [`bench.${id}`], channel: 'bench:x' },
    live: true,
    send: (n, t) => nc.publish(`bench.${id}`, body(n, t)),
    flush: () => nc.flush(),
    cleanup: () => nc.close(),
  };
}

export async function natsJs(id: string): Promise<Case> {
  const nc = await natsConnect({ servers: BROKERS.nats });
  const jsm = await jetstreamManager(nc);
  const js = jetstream(nc);
  const stream = `HERALD_BENCH_${id}`;
  await jsm.streams.add({ name: stream, subjects: [`benchjs.${id}`] });
  let pending: Array<Promise<unknown>> = [];
  return {
    config: { type: 'nats-jetstream', name: `j${id}`, stream, durable: `d${id}`, channel: 'bench:x', prefetch: 200 },
    send: (n, t) => {
      pending.push(js.publish(`benchjs.${id}`, body(n, t)));
    },
    flush: async () => {
      await Promise.all(pending);
      pending = [];
    },
    cleanup: async () => {
      await jsm.streams.delete(stream);
      await nc.close();
    },
  };
}

export async function redis(id: string): Promise<Case> {
  const client = createClient({ url: BROKERS.redis });
  await client.connect();
  const stream = `herald-bench:${id}`;
  let pending: Array<Promise<unknown>> = [];
  return {
    config: {
      type: 'redis-streams',
      name: `s${id}`,
      streams: [stream],
      group: 'g',
      startId: '0',
      channel: 'bench:x',
      prefetch: 200,
    },
    send: (n, t) => {
      pending.push(client.xAdd(stream, '*', { data: body(n, t) }));
    },
    flush: async () => {
      await Promise.all(pending);
      pending = [];
    },
    cleanup: async () => {
      await client.del(stream);
      client.destroy();
    },
  };
}

export async function outbox(id: string): Promise<Case> {
  const db = new Client({ connectionString: BROKERS.postgres });
  await db.connect();
  const table = `herald_bench_${id}`;
  await db.query(outboxDdl(table, table));
  let rows: string[] = [];
  return {
    config: {
      type: 'postgres-outbox',
      name: `p${id}`,
      url: BROKERS.postgres,
      table,
      notifyChannel: table,
      channel: 'bench:x',
      batch: 500,
    },
    send: (n, t) => {
      rows.push(body(n, t));
    },
    // One statement (one transaction) per flush, as an application writes its outbox rows.
    flush: async () => {
      if (rows.length > 0)
        await db.query(`INSERT INTO ${table} (topic, payload) SELECT 'x', unnest($1::jsonb[])`, [rows]);
      rows = [];
    },
    cleanup: async () => {
      await db.query(`DROP TABLE ${table}`);
      await db.query(`DROP FUNCTION ${table}_notify()`);
      await db.end();
    },
  };
}
