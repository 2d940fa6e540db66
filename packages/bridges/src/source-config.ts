import { z } from 'zod';
import { commonShape, flag, ms, positiveInt, text, url } from './config-common.ts';
import { BRIDGE_DEFAULTS as D } from './defaults.ts';

/** A SQL identifier, optionally schema-qualified: it is written into queries, so it is checked strictly. */
const SQL_NAME = /^[a-z_][a-z0-9_]{0,62}(\.[a-z_][a-z0-9_]{0,62})?$/;
const servers = z.union([text('a NATS URL'), z.array(text('a NATS URL')).min(1)], {
  error: 'expected a NATS URL or a list of them, such as nats://127.0.0.1:4222',
});
const natsAuth = {
  user: text('a user name').optional(),
  pass: text('a password').optional(),
  token: text('a token').optional(),
};

/** RabbitMQ (AMQP 0-9-1): consumes one queue, declared and bound here or existing. */
export const rabbitmqSchema = z.strictObject({
  ...commonShape,
  type: z.literal('rabbitmq'),
  url: url(['amqp:', 'amqps:'], 'amqp://guest:guest@127.0.0.1:5672').default(D.rabbitmq.url),
  /** The queue consumed; a named durable queue keeps messages while the bridge is away. */
  queue: text('a queue name'),
  /** Declare the queue (durable) if it does not exist; false = it must exist. */
  declareQueue: flag.default(true),
  /** Bindings made at start (the exchange is declared when `exchangeType` is given). */
  bindings: z
    .array(
      z.strictObject({
        exchange: text('an exchange name'),
        routingKey: z.string({ error: 'expected a routing key (pattern)' }).default('#'),
        exchangeType: z.enum(['topic', 'direct', 'fanout', 'headers']).optional(),
      }),
    )
    .default([]),
  /**
   * Where poison goes: a queue (declared, durable), or an exchange (+ routing key, default the message's).
   * Absent: the message is rejected without requeue, so the queue's own dead-letter exchange applies.
   */
  deadLetter: z
    .strictObject({
      queue: text('a queue name').optional(),
      exchange: z.string().optional(),
      routingKey: text('a routing key').optional(),
    })
    .refine((d) => (d.queue === undefined) !== (d.exchange === undefined), {
      error: 'expected either queue or exchange',
    })
    .optional(),
});

/** MQTT 3.1.1 or 5: QoS 1 topic filters on a persistent session; MQTT 5 shared subscriptions. */
export const mqttSchema = z.strictObject({
  ...commonShape,
  type: z.literal('mqtt'),
  url: url(['mqtt:', 'mqtts:', 'ws:', 'wss:'], 'mqtt://127.0.0.1:1883').default(D.mqtt.url),
  topics: z.array(text('a topic filter such as orders/+'), { error: 'expected a list of topic filters' }).min(1),
  /** The session's client id: stable, so the broker keeps (and redelivers) unacknowledged messages. */
  clientId: text('a client id'),
  /** With a group, every filter becomes `$share/<group>/<filter>`: nodes of the group split the messages. */
  shareGroup: z
    .string()
    .regex(/^[^/+#]+$/, { error: 'expected a group name without / + #' })
    .optional(),
  /** 1 = at least once (acknowledged after the hub stored it); 0 = at most once. */
  qos: z.union([z.literal(0), z.literal(1)], { error: 'expected 0 or 1' }).default(D.mqtt.qos),
  protocolVersion: z
    .union([z.literal(4), z.literal(5)], { error: 'expected 4 (3.1.1) or 5' })
    .default(D.mqtt.protocolVersion),
  sessionExpirySeconds: positiveInt('a positive integer (seconds)').default(D.mqtt.sessionExpirySeconds),
  keepaliveSeconds: positiveInt('a positive integer (seconds)').default(D.mqtt.keepaliveSeconds),
  username: text('a user name').optional(),
  password: text('a password').optional(),
  /** Topic poison is published to (QoS 1), with the reason in user properties (MQTT 5). */
  deadLetterTopic: text('a topic').optional(),
});

/** Core NATS: subjects, in a queue group when several nodes share them. At most once (no acks). */
export const natsSchema = z.strictObject({
  ...commonShape,
  type: z.literal('nats'),
  servers: servers.default(D.nats.servers),
  ...natsAuth,
  subjects: z.array(text('a subject such as orders.>'), { error: 'expected a list of subjects' }).min(1),
  queueGroup: text('a queue group name').optional(),
  deadLetterSubject: text('a subject').optional(),
});

/** NATS JetStream: a durable pull consumer, acked after the hub stored each message. */
export const jetstreamSchema = z.strictObject({
  ...commonShape,
  type: z.literal('nats-jetstream'),
  servers: servers.default(D.nats.servers),
  ...natsAuth,
  stream: text('a stream name'),
  /** The durable consumer's name: its position survives restarts and is shared by every node. */
  durable: text('a consumer name'),
  /** Create (or update) the consumer at start; false = it must exist. */
  createConsumer: flag.default(true),
  filterSubject: text('a subject filter').optional(),
  deliverPolicy: z.enum(['all', 'new']).default(D.jetstream.deliverPolicy),
  ackWaitMs: ms.default(D.jetstream.ackWaitMs),
  /** Published with JetStream (the subject must belong to a stream) so it is stored before the ack. */
  deadLetterSubject: text('a subject').optional(),
});

/** Redis Streams: a consumer group, XACK after the hub stored each entry; stale entries claimed. */
export const redisStreamsSchema = z.strictObject({
  ...commonShape,
  type: z.literal('redis-streams'),
  url: url(['redis:', 'rediss:'], 'redis://127.0.0.1:6379').default(D.redis.url),
  streams: z.array(text('a stream key'), { error: 'expected a list of stream keys' }).min(1),
  group: text('a consumer group name'),
  /** This node's consumer name; the default (host and pid) is unique per process. */
  consumer: text('a consumer name').optional(),
  createGroup: flag.default(true),
  startId: z.enum(['$', '0']).default(D.redis.startId),
  blockMs: ms.default(D.redis.blockMs),
  claimIdleMs: ms.default(D.redis.claimIdleMs),
  /** Entry fields: the payload, the event name, and (optional) the key the templates see instead of the stream. */
  fields: z
    .strictObject({
      data: text('a field name').default('data'),
      event: text('a field name').default('event'),
      key: text('a field name').optional(),
    })
    .default({ data: 'data', event: 'event' }),
  deadLetterStream: text('a stream key').optional(),
  deadLetterMaxLen: positiveInt('a positive integer (entries)').default(D.redis.deadLetterMaxLen),
});

/** PostgreSQL transactional outbox (table DDL in docs/bridges.md and `outboxDdl`). */
export const postgresOutboxSchema = z.strictObject({
  ...commonShape,
  type: z.literal('postgres-outbox'),
  url: url(['postgres:', 'postgresql:'], 'postgres://user@127.0.0.1:5432/app').default(D.postgres.url),
  table: z
    .string()
    .regex(SQL_NAME, { error: 'expected a lower-case table name, optionally schema.table' })
    .default(D.postgres.table),
  notifyChannel: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, { error: 'expected a lower-case NOTIFY channel name' })
    .default(D.postgres.notifyChannel),
  pollIntervalMs: ms.default(D.postgres.pollIntervalMs),
  batch: positiveInt('a positive integer (rows)').default(D.postgres.batch),
  onDone: z.enum(['delete', 'mark']).default(D.postgres.onDone),
  /** Create the table, index and NOTIFY trigger if missing (handy for demos; use migrations in production). */
  createTable: flag.default(false),
});
