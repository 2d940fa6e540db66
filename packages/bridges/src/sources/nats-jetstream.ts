import {
  AckPolicy,
  type Consumer,
  type ConsumerMessages,
  DeliverPolicy,
  type JetStreamClient,
  type JsMsg,
  jetstream,
  jetstreamManager,
} from '@nats-io/jetstream';
import { type NatsConnection, nanos } from '@nats-io/transport-node';
import { Backoff, sleep } from '../backoff.ts';
import type { ConfigOf } from '../config.ts';
import type { DeadLetter } from '../delivery.ts';
import { aborted, reportBug, Serial, type Source, type SourceContext, settle } from '../source.ts';
import { connectNats } from './nats-connection.ts';
import { deadLetterHeaders, toSourceMessage } from './nats-core.ts';

type Config = ConfigOf<'nats-jetstream'>;

const CLOSE_TIMEOUT_MS = 2_000;

/**
 * NATS JetStream through a durable pull consumer with explicit acks: at most `prefetch` messages are
 * unacknowledged (max_ack_pending), each is acked once the hub stored it, poison is published to the
 * dead-letter subject and then terminated (`term`, never redelivered). On close the message being
 * published is drained and acked, the rest are nak'ed so another node (or the next start) gets them at
 * once; a killed bridge's messages come back after `ackWaitMs`. The idempotency key is the stream
 * sequence, so a redelivery is always recognised, whatever the producer sent.
 *
 * Source fields: key = subject, id = `<stream>:<stream sequence>`, headers = NATS headers.
 */
export function jetstreamSource(ctx: SourceContext<Config>): Source {
  let consumer: Consumer | undefined;
  return {
    async run() {
      const nc = await connectNats(ctx);
      if (nc === undefined) return;
      const js = jetstream(nc);
      let messages: ConsumerMessages | undefined;
      // Received and not yet acked, nak'ed or terminated: what a closing bridge hands back.
      const unacked = new Set<JsMsg>();
      const loop = consumeLoop(ctx, nc, js, unacked, (c, m) => {
        consumer = c;
        messages = m;
      });
      await aborted(ctx.signal);
      await settle(messages?.close(), CLOSE_TIMEOUT_MS);
      const drained = await ctx.delivery.drain(ctx.config.drainTimeoutMs);
      // Naks rather than waiting for ack_wait: another node (or the next start) gets them at once.
      for (const m of unacked) m.nak();
      unacked.clear();
      // A publish still hanging after the drain time blocks the loop for good: don't wait for it.
      if (drained) await settle(loop, CLOSE_TIMEOUT_MS);
      // Drain flushes the acks and naks just sent before the connection closes.
      await settle(nc.drain(), CLOSE_TIMEOUT_MS);
      await settle(nc.close(), CLOSE_TIMEOUT_MS);
    },
    async lag() {
      return consumer === undefined ? undefined : (await consumer.info()).num_pending;
    },
  };
}

/** Sets up the consumer and consumes until the bridge closes; a consume that fails is restarted with backoff. */
async function consumeLoop(
  ctx: SourceContext<Config>,
  nc: NatsConnection,
  js: JetStreamClient,
  unacked: Set<JsMsg>,
  started: (consumer: Consumer, messages: ConsumerMessages) => void,
): Promise<void> {
  const { config, signal, stats } = ctx;
  const backoff = new Backoff(config.retryInitialMs, config.retryMaxMs);
  while (!signal.aborted) {
    try {
      if (config.createConsumer) await ensureConsumer(nc, config);
      const consumer = await js.consumers.get(config.stream, config.durable);
      const messages = await consumer.consume({ max_messages: config.prefetch });
      started(consumer, messages);
      if (signal.aborted) await messages.close();
      // The iterator is read ahead (at most `prefetch` messages are unacked), the messages handled one
      // at a time in order: a publish that hangs must not keep a closing bridge from seeing the rest.
      const serial = new Serial(reportBug(ctx));
      for await (const m of messages) {
        unacked.add(m);
        serial.push(() => consumeOne(ctx, js, m, unacked));
        backoff.reset();
      }
      await serial.idle();
    } catch (error) {
      if (signal.aborted) break;
      stats.setState('down', error);
    }
    await sleep(backoff.next(), signal);
  }
}

async function consumeOne(
  ctx: SourceContext<Config>,
  js: JetStreamClient,
  m: JsMsg,
  unacked: Set<JsMsg>,
): Promise<void> {
  const { config } = ctx;
  const message = toSourceMessage(m, `${config.stream}:${m.seq}`);
  let terminated = false;
  const deadLetter: DeadLetter = async (_, poison) => {
    if (config.deadLetterSubject !== undefined) {
      await js.publish(config.deadLetterSubject, m.data, { headers: deadLetterHeaders(config.name, message, poison) });
    }
    m.term(`herald: ${poison.reason}`);
    terminated = true;
  };
  const verdict = await ctx.delivery.handle({ ...message, timestampMs: m.info.timestampNanos / 1e6 }, deadLetter);
  // Already handed back by a closing bridge: the message is redelivered, a second answer would be noise.
  if (!unacked.delete(m)) return;
  try {
    if (verdict === 'returned') m.nak();
    else if (!terminated) m.ack();
  } catch {
    // The connection closed meanwhile: JetStream redelivers after ack_wait.
  }
}

/** Creates the durable consumer, or updates the settings this bridge owns on an existing one. */
async function ensureConsumer(nc: NatsConnection, config: Config): Promise<void> {
  const jsm = await jetstreamManager(nc);
  const settings = {
    ack_policy: AckPolicy.Explicit,
    ack_wait: nanos(config.ackWaitMs),
    max_ack_pending: config.prefetch,
  };
  try {
    await jsm.consumers.info(config.stream, config.durable);
    await jsm.consumers.update(config.stream, config.durable, settings);
  } catch (error) {
    if (!isNotFound(error)) throw error;
    await jsm.consumers.add(config.stream, {
      ...settings,
      durable_name: config.durable,
      deliver_policy: config.deliverPolicy === 'new' ? DeliverPolicy.New : DeliverPolicy.All,
      // A string, not an array: Debian's nats-server 2.9 refuses `filter_subjects` (docs/bridges.md).
      filter_subject: config.filterSubject,
    });
  }
}

function isNotFound(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown; api_error?: { err_code?: unknown } };
  return e.api_error?.err_code === 10014 || /consumer not found/i.test(String(e.message));
}
