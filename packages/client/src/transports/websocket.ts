import type { ClientOp } from '@herald/protocol';
import { HeraldError } from '../errors.ts';
import { parseWsFrame, type Reply } from '../frames.ts';
import type { Platform } from '../platform.ts';
import { toWsUrl } from '../urls.ts';
import type { Connection, Failure, Sink, TransportContext } from './types.ts';

/** A request waiting for its answer: `channel` for a subscribe, the callbacks for a call. */
interface Pending {
  channel?: string;
  answer?: (body: Record<string, unknown>) => void;
  reject?: (error: HeraldError) => void;
  timer?: ReturnType<typeof setTimeout>;
}

/** Turns a close event into a failure: a missing/1006 code is a network loss, not the hub's choice. */
function closeFailure(code: number, reason: string, opened: boolean): Failure {
  if (!opened) return { kind: 'refused', opened, code, reason: reason || 'websocket upgrade failed' };
  if (code === 1006 || code === 1005 || code === 0) return { kind: 'network', opened, code, reason: 'connection lost' };
  return { kind: 'server', opened, code, reason: reason || `closed with ${code}` };
}

/** True when the hub answers plain HTTP (`GET /healthz`, contract section 9). */
async function reachable(ctx: TransportContext): Promise<boolean> {
  const f = ctx.platform.fetch;
  if (f === undefined) return true;
  try {
    await f(`${ctx.base}/healthz`, { cache: 'no-store' });
    return true;
  } catch {
    return false;
  }
}

/**
 * The multiplexed WebSocket (`/v1/ws`, contract section 6): one socket for every subscription and
 * for publishing. Subscriptions are (re)sent on open with their cursors; replies are matched by ref.
 */
export function openWebSocketTransport(ctx: TransportContext, sink: Sink): Connection {
  // The kit offers this transport only on a platform with WebSockets (kit.ts).
  const open = ctx.platform.openWebSocket as NonNullable<Platform['openWebSocket']>;
  const ws = open(toWsUrl(ctx.base, '/v1/ws'), ctx.token);
  const pending = new Map<number, Pending>();
  let nextRef = 1;
  let phase: Connection['phase'] = 'request';
  let done = false;
  let released: () => void = () => {};
  const closedPromise = new Promise<void>((resolve) => {
    released = resolve;
  });

  const send = (op: ClientOp): void => {
    if (phase === 'open' && !done) ws.send(JSON.stringify(op));
  };
  const request = (op: ClientOp, entry: Pending): number => {
    const ref = nextRef++;
    pending.set(ref, entry);
    send({ ...op, ref });
    return ref;
  };
  const subscribe = (channel: string, cursor: string | undefined, info?: Record<string, unknown>): void => {
    // Fields left undefined are not serialized: the frame carries `after` and `info` only when given.
    request({ op: 'subscribe', channel, after: cursor, info }, { channel });
  };
  /** Sends `op` and settles with the answer's body, or rejects on an error, a timeout or a close. */
  const call = (op: ClientOp): Promise<Record<string, unknown>> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        pending.delete(ref);
        reject(new HeraldError('timeout', `the hub did not answer the ${op.op} in time`));
      }, ctx.timings.publishTimeout);
      const ref = request(op, { answer: resolve, reject, timer });
    });
  const finish = (failure: Failure | undefined): void => {
    if (done) return;
    done = true;
    const error = new HeraldError('disconnected', 'the connection closed before the hub answered');
    for (const entry of pending.values()) {
      clearTimeout(entry.timer);
      entry.reject?.(error);
    }
    pending.clear();
    if (failure) sink.failed(failure);
  };
  const onReply = (reply: Reply): void => {
    // Refs are the numbers this socket sent: any other value finds no entry.
    const ref = reply.ref as number;
    const entry = pending.get(ref);
    if (!entry) return;
    pending.delete(ref);
    clearTimeout(entry.timer);
    const body = reply.body;
    if (!reply.ok) {
      const error = new HeraldError(String(body.code ?? 'error'), String(body.message ?? 'refused by the hub'));
      if (entry.channel !== undefined) sink.denied(entry.channel, error);
      entry.reject?.(error);
      return;
    }
    if (entry.channel !== undefined && typeof body.epoch === 'string') {
      const cursor = typeof body.cursor === 'string' ? body.cursor : undefined;
      // Presence namespaces name the socket's member id: how the other members see it.
      const client = typeof body.client === 'string' ? body.client : undefined;
      sink.frame({ type: 'start', channel: entry.channel, epoch: body.epoch, cursor, client });
    }
    entry.answer?.(body);
  };

  ws.onopen = (() => {
    if (done) return;
    phase = 'open';
    sink.opened();
    for (const { channel, cursor, info } of ctx.positions()) subscribe(channel, cursor, info);
  }) as () => void;
  ws.onmessage = ((event: { data: unknown }) => {
    if (done) return;
    sink.alive();
    if (typeof event.data !== 'string') return;
    const parsed = parseWsFrame(event.data);
    if (!parsed) return;
    if ('type' in parsed) sink.frame(parsed);
    else if ('dropped' in parsed) sink.denied(parsed.dropped, new HeraldError(parsed.code, parsed.message));
    else onReply(parsed);
  }) as (event: never) => void;
  ws.onclose = ((event: { code?: number; reason?: string }) => {
    released();
    if (done) return;
    const failure = closeFailure(event.code ?? 1006, event.reason ?? '', phase === 'open');
    if (failure.kind !== 'refused') {
      finish(failure);
      return;
    }
    // A browser does not say why an upgrade failed. Ask the hub over plain HTTP: if it answers, the
    // upgrade itself was refused (a proxy, a firewall); if not, the hub is unreachable.
    reachable(ctx).then((up) => finish(up ? failure : { kind: 'network', opened: false, reason: 'hub unreachable' }));
  }) as (event: never) => void;
  // An error is always followed by a close event, which carries what we need.
  ws.onerror = () => {};

  return {
    get phase() {
      return phase;
    },
    watched: true,
    close() {
      finish(undefined);
      try {
        ws.close(1000);
      } catch {
        // Closing a socket that is still connecting can throw in some implementations.
        released();
      }
      // A peer that never completes the closing handshake (a dead network) must not hold close()
      // nor, in Node, the process: after a grace period, `ws` sockets are terminated.
      return new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          (ws as Partial<{ terminate(): void }>).terminate?.();
          resolve();
        }, 1000);
        closedPromise.then(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
    subscribe,
    unsubscribe(channel) {
      request({ op: 'unsubscribe', channel }, {});
    },
    async publish(channel, data, event) {
      const body = await call({ op: 'publish', channel, data, event });
      return {
        channel,
        epoch: String(body.epoch),
        offset: Number(body.offset),
        cursor: String(body.cursor),
        time: Number(body.time),
      };
    },
    call,
    ping() {
      // Not tracked: the answer (`pong`) only matters as a sign of life, which any frame is.
      send({ op: 'ping', ref: nextRef++ });
    },
    auth(token) {
      request({ op: 'auth', token }, {});
    },
  };
}
