import { headers, type Msg, type MsgHdrs, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import type { ConfigOf } from '../config.ts';
import type { DeadLetter } from '../delivery.ts';
import type { SourceMessage } from '../mapping.ts';
import { aborted, reportBug, Serial, type Source, type SourceContext, settle } from '../source.ts';
import { connectNats } from './nats-connection.ts';

type Config = ConfigOf<'nats'>;

const CLOSE_TIMEOUT_MS = 2_000;

/**
 * Core NATS subjects. Core NATS has no acknowledgements: a message is delivered at most once, and one
 * published while the bridge is away or disconnected is lost (use the JetStream source for
 * at-least-once). Several nodes share the subjects through a queue group, each message going to one.
 * Messages are published one at a time in arrival order; on close the ones already received are still
 * published (within `drainTimeoutMs`), since nothing would redeliver them.
 *
 * Source fields: key = subject, id = header `Nats-Msg-Id`, headers = NATS headers.
 */
export function natsSource(ctx: SourceContext<Config>): Source {
  return {
    async run() {
      const nc = await connectNats(ctx);
      if (nc === undefined) return;
      const { config } = ctx;
      // Aborts only once the drain time is over: what was received is worth finishing (see above).
      const finish = new AbortController();
      const serial = new Serial(reportBug(ctx));
      const subscriptions: Subscription[] = config.subjects.map((subject) =>
        nc.subscribe(subject, {
          queue: config.queueGroup,
          callback: (error, msg) => {
            if (error !== null) return;
            const message = toSourceMessage(msg);
            const deadLetter: DeadLetter = (_, poison) => publishDeadLetter(nc, config, message, poison);
            serial.push(() => ctx.delivery.handle(message, deadLetter, finish.signal));
          },
        }),
      );
      await aborted(ctx.signal);
      // Unsubscribe first, so nothing new arrives, then let the chain finish what was received.
      await settle(Promise.all(subscriptions.map((s) => s.drain())), CLOSE_TIMEOUT_MS);
      const timer = setTimeout(() => finish.abort(), config.drainTimeoutMs);
      await settle(serial.idle(), config.drainTimeoutMs + CLOSE_TIMEOUT_MS);
      clearTimeout(timer);
      finish.abort();
      await settle(nc.close(), CLOSE_TIMEOUT_MS);
    },
  };
}

async function publishDeadLetter(
  nc: NatsConnection,
  config: Config,
  message: NatsSourceMessage,
  poison: { reason: string; detail: string },
): Promise<void> {
  if (config.deadLetterSubject === undefined) return;
  nc.publish(config.deadLetterSubject, message.body, { headers: deadLetterHeaders(config.name, message, poison) });
  // A flush round trip: the server has the message before the bridge moves on.
  await nc.flush();
}

/** The original headers (if any) plus why the message was dead-lettered. */
export function deadLetterHeaders(
  bridge: string,
  message: NatsSourceMessage,
  poison: { reason: string; detail: string },
): MsgHdrs {
  const h = headers();
  for (const [name, values] of message.natsHeaders ?? []) for (const v of values) h.append(name, v);
  h.set('Herald-Bridge', bridge);
  h.set('Herald-Reason', poison.reason);
  h.set('Herald-Detail', poison.detail.replace(/[\r\n]/g, ' ').slice(0, 200));
  h.set('Herald-Subject', message.key);
  return h;
}

/** A NATS message as the mapping sees it; the NATS headers ride along for the dead-letter copy. */
export type NatsSourceMessage = SourceMessage & { readonly natsHeaders: MsgHdrs | undefined };

/** The mapping's view of `msg`; `sourceId` overrides the `Nats-Msg-Id` header (JetStream's stream sequence). */
export function toSourceMessage(
  msg: Pick<Msg, 'subject' | 'data'> & { readonly headers?: MsgHdrs | undefined },
  sourceId?: string,
): NatsSourceMessage {
  const h = msg.headers;
  const header = (name: string): string | undefined => {
    const value = h?.get(name);
    return value === undefined || value === '' ? undefined : value;
  };
  return { key: msg.subject, body: msg.data, sourceId: sourceId ?? header('Nats-Msg-Id'), header, natsHeaders: h };
}
