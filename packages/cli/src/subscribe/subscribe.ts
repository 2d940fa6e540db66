import type { TransportName } from '@herald/protocol';
import { authHeaders, channelUrl, describeError } from '../http.ts';
import type { CliIo } from '../io.ts';
import { connectNdjson } from './ndjson.ts';
import { connectLongPoll, connectPoll } from './pull.ts';
import { Session } from './session.ts';
import { connectSse } from './sse.ts';
import { type Connect, type Ending, httpEnding, sleep, type Target } from './transport.ts';
import { connectWs } from './ws.ts';

const CONNECT: Record<TransportName, Connect> = {
  websocket: connectWs,
  sse: connectSse,
  ndjson: connectNdjson,
  'long-poll': connectLongPoll,
  poll: connectPoll,
};

/** Arguments of `herald subscribe`. */
export interface SubscribeOptions {
  readonly channel: string;
  readonly transport: TransportName;
  readonly after?: string | undefined;
  readonly count?: number | undefined;
  readonly url: string;
  readonly apiKey?: string | undefined;
}

/** A connection that lasted this long counts as healthy: the next failure starts the backoff anew. */
const HEALTHY_MS = 2_000;

/**
 * `herald subscribe`: prints messages (and resets) as NDJSON on stdout, status lines on stderr. Keeps
 * its cursor across reconnects, so a dropped connection or a hub restart loses nothing still in history.
 * Resolves 0 after `count` messages or on SIGINT/SIGTERM, 1 when the hub refuses for good.
 */
export async function subscribe(options: SubscribeOptions, io: CliIo): Promise<number> {
  const session = new Session(options.channel, io, options.count, options.after);
  const stopListening = io.onSignal(() => session.stop.abort());
  const target: Target = { url: options.url, apiKey: options.apiKey };
  const connect = CONNECT[options.transport];
  let failures = 0;
  try {
    while (!session.done) {
      const started = Date.now();
      const printed = session.printed;
      let ending: Ending | undefined;
      try {
        ending = session.cursor === undefined ? await locate(session, target) : await connect(session, target);
      } catch (error) {
        ending = { advice: 'backoff', reason: describeError(error) };
      }
      if (session.done) break;
      if (ending === undefined) continue; // located: connect at once
      if (ending.advice === 'never') {
        io.err(`herald subscribe: ${ending.reason}\n`);
        return 1;
      }
      const healthy = session.printed > printed || Date.now() - started >= HEALTHY_MS;
      failures = healthy ? 0 : failures + 1;
      const delay = ending.advice === 'now' && failures <= 1 ? (ending.delayMs ?? 0) : backoff(failures);
      io.err(`herald subscribe: ${ending.reason}; reconnecting in ${delay} ms\n`);
      await sleep(delay, session.stop.signal);
    }
    return 0;
  } finally {
    stopListening();
  }
}

/**
 * Without `--after`, a subscription starts at the channel's current end. Asking for it once, before
 * the first connection, gives every transport (and every reconnect) an explicit cursor, so messages
 * published while a connection is down are not skipped.
 */
async function locate(session: Session, target: Target): Promise<Ending | undefined> {
  const res = await fetch(channelUrl(target.url, session.channel), {
    headers: { accept: 'application/json', ...authHeaders(target.apiKey) },
    signal: session.stop.signal,
  });
  if (!res.ok) return httpEnding(res);
  const info = (await res.json()) as { epoch: string; lastOffset: number };
  session.position(`${info.epoch}:${info.lastOffset}`);
  return undefined;
}

/** 250 ms doubling up to 5 s, with jitter so that many clients do not reconnect in step. */
function backoff(failures: number): number {
  const base = Math.min(250 * 2 ** Math.max(0, failures - 1), 5_000);
  return Math.round(base * (0.8 + Math.random() * 0.4));
}
