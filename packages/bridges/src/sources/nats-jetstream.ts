import {
  AckPolicy,
  type Consumer,
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
 * How long one pull request waits for messages, ms (the client's minimum). A closing bridge lets its open
 * request run out before it hands its messages back: a nak while the request is open comes straight back
 * to it, and unsubscribing first leaves the request on the server, where nats-server 2.9 loses the first
 * redelivery it tries on it (until ack_wait), besides dropping what was on its way to the bridge.
 */
const PULL_EXPIRES_MS = 1_000;

/**
 * NATS JetStream through a durable pull consumer with explicit acks: at most `prefetch` messages are
 * unacknowledged (max_ack_pending), each is acked once the hub stored it, poison is published to the
 * dead-letter subject and then terminated (`term`, never redelivered). On close the message being
 * published is drained and acked, the pull request still open runs out (within a second), then every
 * other message the server sent this bridge, read or not, is nak'ed so another node (or the next start)
 * gets them at once; a killed bridge's messages come back after `ackWaitMs`. The idempotency key is the
 * stream sequence, so a redelivery is always recognised, whatever the producer sent.
 *
 * Source fields: key = subject, id = `<stream>:<stream sequence>`, headers = NATS headers.
 */
export function jetstreamSource(ctx: SourceContext<Config>): Source {
  let consumer: Consumer | undefined;
  return {
    async run() {
      const nc = await connectNats(ctx);
      if (nc === undefined) return;
      const unacked = new Unacked();
      const loop = consumeLoop(ctx, nc, jetstream(nc), unacked, (c) => {
        consumer = c;
      });
      await aborted(ctx.signal);
      // The message being published settles, and the open pull request runs out: both bounded.
      await Promise.all([
        ctx.delivery.drain(ctx.config.drainTimeoutMs),
        settle(loop, PULL_EXPIRES_MS + CLOSE_TIMEOUT_MS),
      ]);
      unacked.handBack();
      // Drain flushes the acks and naks just sent before the connection closes.
      await settle(nc.drain(), CLOSE_TIMEOUT_MS);
      await settle(nc.close(), CLOSE_TIMEOUT_MS);
    },
    async lag() {
      return consumer === undefined ? undefined : (await consumer.info()).num_pending;
    },
  };
}

/**
 * Messages received and not yet acked, nak'ed or terminated: what a closing bridge hands back. One that
 * arrives after that (the pull request outlived the wait for it) is nak'ed at once.
 */
class Unacked {
  private readonly messages = new Set<JsMsg>();
  private handedBack = false;

  add(m: JsMsg): void {
    if (this.handedBack) nak(m);
    else this.messages.add(m);
  }

  /** Forgets `m` before its ack; false when it was handed back already (it is redelivered). */
  take(m: JsMsg): boolean {
    return this.messages.delete(m);
  }

  handBack(): void {
    this.handedBack = true;
    for (const m of this.messages) nak(m);
    this.messages.clear();
  }
}

function nak(m: JsMsg): void {
  try {
    m.nak();
  } catch {
    // The connection closed meanwhile: JetStream redelivers after ack_wait.
  }
}

/**
 * Sets up the consumer and pulls until the bridge closes, one request at a time; settles once the last
 * request ended. A failure sets the consumer up again, with backoff.
 */
async function consumeLoop(
  ctx: SourceContext<Config>,
  nc: NatsConnection,
  js: JetStreamClient,
  unacked: Unacked,
  started: (consumer: Consumer) => void,
): Promise<void> {
  const { config, signal, stats } = ctx;
  const backoff = new Backoff(config.retryInitialMs, config.retryMaxMs);
  // Messages are handled one at a time in order, across requests; a publish that hangs must not keep a
  // request from being read to its end.
  const serial = new Serial(reportBug(ctx));
  let consumer: Consumer | undefined;
  while (!signal.aborted) {
    try {
      if (consumer === undefined) {
        if (config.createConsumer) await ensureConsumer(nc, config);
        consumer = await js.consumers.get(config.stream, config.durable);
        started(consumer);
      }
      // The server hands over no more than max_ack_pending allows, so asking for `prefetch` is safe.
      const batch = await consumer.fetch({ max_messages: config.prefetch, expires: PULL_EXPIRES_MS });
      for await (const m of batch) {
        unacked.add(m);
        serial.push(() => consumeOne(ctx, js, m, unacked));
        backoff.reset();
      }
    } catch (error) {
      if (signal.aborted) break;
      consumer = undefined;
      stats.setState('down', error);
      await sleep(backoff.next(), signal);
    }
  }
}

async function consumeOne(ctx: SourceContext<Config>, js: JetStreamClient, m: JsMsg, unacked: Unacked): Promise<void> {
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
  // `returned`: the bridge is closing and hands it back with the rest. Not taken: handed back already.
  if (verdict === 'returned' || !unacked.take(m)) return;
  try {
    if (!terminated) m.ack();
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
