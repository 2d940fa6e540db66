import { type ConfirmChannel, type ConsumeMessage, connect } from 'amqplib';
import type { ConfigOf } from '../config.ts';
import type { DeadLetter } from '../delivery.ts';
import type { SourceMessage } from '../mapping.ts';
import {
  once,
  reportBug,
  Serial,
  type Session,
  type Source,
  type SourceContext,
  settle,
  supervise,
} from '../source.ts';

type Config = ConfigOf<'rabbitmq'>;

/** How long closing calls to the broker may take before the bridge gives up on them, ms. */
const CLOSE_TIMEOUT_MS = 2_000;

/**
 * RabbitMQ (AMQP 0-9-1). Consumes one queue with manual acks and a bounded prefetch, acks each message
 * after the hub stored it, in delivery order. Unacknowledged messages go back to the queue when the
 * channel closes (bridge closed, process killed, connection lost) and come back with `redelivered`; the
 * idempotency key (the `message-id` property) makes their second publish a duplicate.
 *
 * Source fields: key = routing key, event = the `type` property, id = `message-id`, headers = AMQP headers.
 */
export function rabbitmqSource(ctx: SourceContext<Config>): Source {
  let current: ConfirmChannel | undefined;
  return {
    run: () =>
      supervise(ctx, async (signal) => {
        const session = await openSession(ctx, signal);
        current = session.channel;
        return session;
      }),
    async lag() {
      // Ready messages only: the unacknowledged ones are this bridge's own prefetch.
      return current === undefined ? undefined : (await current.checkQueue(ctx.config.queue)).messageCount;
    },
  };
}

async function openSession(
  ctx: SourceContext<Config>,
  signal: AbortSignal,
): Promise<Session & { channel: ConfirmChannel }> {
  const { config } = ctx;
  const model = await connect(withHeartbeat(config.url), {
    clientProperties: { connection_name: `herald-bridge:${config.name}` },
  });
  // Without a listener an 'error' event would throw; the session ends on 'close', which follows it.
  model.on('error', () => {});
  try {
    const channel = await model.createConfirmChannel();
    channel.on('error', () => {});
    const ended = Promise.race([once(model, ['close']), once(channel, ['close'])]);
    await setUp(channel, config);
    const serial = new Serial(reportBug(ctx));
    const { consumerTag } = await channel.consume(
      config.queue,
      (message) => {
        // null: the broker cancelled the consumer (queue deleted); closing the channel ends the session.
        if (message === null) channel.close().catch(() => {});
        else serial.push(() => consumeOne(ctx, channel, message, signal));
      },
      { noAck: false },
    );
    return {
      channel,
      ended,
      async close() {
        await settle(channel.cancel(consumerTag), CLOSE_TIMEOUT_MS);
        await ctx.delivery.drain(config.drainTimeoutMs);
        // Everything not acked (prefetched, or still publishing past the drain) returns to the queue, in order.
        await settle(model.close(), CLOSE_TIMEOUT_MS);
      },
    };
  } catch (error) {
    await settle(model.close(), CLOSE_TIMEOUT_MS);
    throw error;
  }
}

/** Prefetch, queue, bindings and the dead-letter queue. */
async function setUp(channel: ConfirmChannel, config: Config): Promise<void> {
  await channel.prefetch(config.prefetch);
  if (config.declareQueue) await channel.assertQueue(config.queue, { durable: true });
  for (const binding of config.bindings) {
    if (binding.exchangeType !== undefined) {
      await channel.assertExchange(binding.exchange, binding.exchangeType, { durable: true });
    }
    await channel.bindQueue(config.queue, binding.exchange, binding.routingKey);
  }
  if (config.deadLetter?.queue !== undefined) await channel.assertQueue(config.deadLetter.queue, { durable: true });
}

async function consumeOne(
  ctx: SourceContext<Config>,
  channel: ConfirmChannel,
  message: ConsumeMessage,
  signal: AbortSignal,
): Promise<void> {
  let rejected = false;
  const deadLetter: DeadLetter = async (_, poison) => {
    const target = ctx.config.deadLetter;
    if (target === undefined) {
      // No target of ours: reject without requeue, so the queue's own dead-letter exchange (if any) gets it.
      channel.nack(message, false, false);
      rejected = true;
      return;
    }
    const headers = {
      ...message.properties.headers,
      'x-herald-bridge': ctx.config.name,
      'x-herald-reason': poison.reason,
      'x-herald-detail': poison.detail,
      'x-herald-routing-key': message.fields.routingKey,
    };
    const options = { ...definedProperties(message), headers, persistent: true };
    await new Promise<void>((resolve, reject) => {
      const confirmed = (error: unknown): void => (error ? reject(error) : resolve());
      if (target.queue !== undefined) channel.sendToQueue(target.queue, message.content, options, confirmed);
      else
        channel.publish(
          target.exchange ?? '',
          target.routingKey ?? message.fields.routingKey,
          message.content,
          options,
          confirmed,
        );
    });
  };
  const verdict = await ctx.delivery.handle(toSourceMessage(message), deadLetter, signal);
  // 'returned' is left unacked: closing the channel gives it back. A channel that closed meanwhile
  // throws here; the broker redelivers the message, which is what we want.
  if (verdict === 'done' && !rejected) {
    try {
      channel.ack(message);
    } catch {}
  }
}

function toSourceMessage(message: ConsumeMessage): SourceMessage {
  const { properties } = message;
  const timestamp = typeof properties.timestamp === 'number' ? properties.timestamp : undefined;
  return {
    key: message.fields.routingKey,
    body: message.content,
    sourceId: typeof properties.messageId === 'string' ? properties.messageId : undefined,
    event: typeof properties.type === 'string' && properties.type !== '' ? properties.type : undefined,
    header: (name) => {
      const value = properties.headers?.[name];
      return value === undefined || value === null ? undefined : String(value);
    },
    // AMQP timestamps are seconds; some producers put milliseconds there.
    timestampMs: timestamp === undefined ? undefined : timestamp > 1e11 ? timestamp : timestamp * 1000,
  };
}

/** The message's properties without the unset ones (amqplib reports every property, set or not). */
function definedProperties(message: ConsumeMessage): Record<string, unknown> {
  return Object.fromEntries(Object.entries(message.properties).filter(([, v]) => v !== undefined));
}

/** A 10 s heartbeat unless the URL sets one: a broker that vanished is noticed in seconds, not minutes. */
function withHeartbeat(url: string): string {
  const parsed = new URL(url);
  if (!parsed.searchParams.has('heartbeat')) parsed.searchParams.set('heartbeat', '10');
  return parsed.toString();
}
