import { AckPolicy, type ConsumerConfig } from '@nats-io/jetstream';
import { createInbox, type MsgHdrs, nanos } from '@nats-io/transport-node';
import { type Clients, unavailable } from './link.ts';

/** How long an abandoned read consumer lives on the server (a node died mid-read), in ms. */
const CONSUMER_LINGER_MS = 10_000;

/** Silence after which a pull that has delivered something is taken as done, in ms. */
const IDLE_MS = 200;

/** One message pulled from a stream. */
export interface Pulled {
  readonly subject: string;
  readonly seq: number;
  readonly headers: MsgHdrs | undefined;
  readonly data: Uint8Array;
}

/**
 * Pulls up to `max` messages of `stream` selected by `config` (a subject filter and a deliver policy).
 * An ephemeral consumer (no acks, in memory) is created, asked once for as many messages as it has
 * (`no_wait`), then deleted: three requests whatever the count. History reads use it for long runs
 * (short ones chain direct gets), presence for listing a channel's members. Messages removed while it
 * runs may be missing from the answer: callers check what they got (offsets must be contiguous; a node
 * missing from a scan is confirmed dead by a direct get).
 */
export async function pull(
  clients: Clients,
  stream: string,
  config: Pick<ConsumerConfig, 'filter_subject' | 'deliver_policy' | 'opt_start_seq'>,
  max: number,
  timeoutMs: number,
): Promise<Pulled[]> {
  const { nc, jsm } = clients;
  const info = await jsm.consumers.add(stream, {
    ...config,
    ack_policy: AckPolicy.None,
    mem_storage: true,
    num_replicas: 1,
    inactive_threshold: nanos(CONSUMER_LINGER_MS),
  });
  try {
    const wanted = Math.min(max, info.num_pending);
    if (wanted <= 0) return [];
    const out: Pulled[] = [];
    const inbox = createInbox();
    await new Promise<void>((resolve, reject) => {
      let timer = setTimeout(() => {
        sub.unsubscribe();
        reject(unavailable());
      }, timeoutMs);
      const finish = () => {
        clearTimeout(timer);
        sub.unsubscribe();
        resolve();
      };
      const sub = nc.subscribe(inbox, {
        callback: (_error, msg) => {
          // A status message (404 no messages, 408 request expired) ends the pull.
          if (msg.data.length === 0 && msg.headers !== undefined && msg.headers.code > 0) return finish();
          // $JS.ACK.<stream>.<consumer>.<delivered>.<stream seq>.<consumer seq>.<time>.<pending>
          const seq = Number(msg.reply?.split('.')[5]);
          out.push({ subject: msg.subject, seq, headers: msg.headers, data: msg.data });
          if (out.length >= wanted) return finish();
          // nats-server 2.9 sometimes neither sends the rest nor ends the pull when messages are removed
          // while it runs (keys rewritten, purges): silence after a message ends it with what came.
          clearTimeout(timer);
          timer = setTimeout(finish, IDLE_MS);
        },
      });
      const request = JSON.stringify({ batch: wanted, no_wait: true });
      nc.publish(`$JS.API.CONSUMER.MSG.NEXT.${stream}.${info.name}`, request, { reply: inbox });
    });
    return out;
  } finally {
    jsm.consumers.delete(stream, info.name).catch(() => {});
  }
}
