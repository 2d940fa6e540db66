import type { Duplex } from 'node:stream';
import { HeraldError, type PublishInput, type ResetNotice } from '@herald/core';
import {
  CLOSE_CODES,
  COMPACT_PROTOCOL,
  formatCursor,
  isChannelName,
  parseCursor,
  type ServerOp,
} from '@herald/protocol';
import type { RawData, WebSocket } from 'ws';
import type { Principal } from '../auth/authenticator.ts';
import { toHeraldError } from '../http/respond.ts';
import { wsFramer } from '../internals/index.ts';
import type { TransportContext, TransportOptions } from './transport.ts';
import { compactMuxFrame } from './ws-compact.ts';
import { type OnFrame, type SocketContext, WsConnection } from './ws-connection.ts';
import {
  answerPresence,
  clientId,
  joinPresence,
  leavePresence,
  type PresenceContext,
  renewPresence,
  subscribeInfo,
} from './ws-presence.ts';

const frame = wsFramer((m) => `{"op":"message",${m.toJson().slice(1)}`);

const resetFrame = (n: ResetNotice): string =>
  JSON.stringify({ op: 'reset', channel: n.channel, epoch: n.epoch, from: n.from } satisfies ServerOp);

type Ref = number | string | undefined;
type Fields = Record<string, unknown>;

/** What the multiplexed socket's ops use, beside the socket's own context: credentials, hooks, limits, presence. */
export type MuxContext = SocketContext &
  PresenceContext &
  Pick<TransportContext, 'auth' | 'hooks'> & {
    readonly options: Pick<TransportOptions, 'maxSubscriptionsPerConnection'>;
  };

/**
 * The multiplexed WebSocket (`/v1/ws`): subscribe, unsubscribe, publish, ping and auth ops, each
 * answered by `ok` or `error` with the request's `ref`. A bad frame gets an error and the socket stays.
 * Made once per server: returns what serves each accepted socket.
 */
export function muxSockets(ctx: MuxContext): (ws: WebSocket, socket: Duplex, principal: Principal) => void {
  /** A multiplexed socket's frames (shared by every socket of this server: no closure each). */
  const onFrame: OnFrame = (conn, data, isBinary) => {
    if (!conn.admit()) return;
    let ref: Ref;
    try {
      const op = parseOp(data, isBinary);
      ref = op.ref as Ref;
      handleOp(ctx, conn, op, ref).catch((error: unknown) => replyError(ctx, conn, ref, error));
    } catch (error) {
      replyError(ctx, conn, ref, error);
    }
  };
  return (ws, socket, principal) => {
    const framer = ws.protocol === COMPACT_PROTOCOL ? compactMuxFrame : frame;
    new WsConnection(ctx, ws, socket, framer, resetFrame, principal, onFrame);
  };
}

function parseOp(data: RawData, isBinary: boolean): Fields {
  if (isBinary) throw new HeraldError('bad_request', 'frames are JSON text');
  let value: unknown;
  try {
    value = JSON.parse(data.toString());
  } catch {
    throw new HeraldError('bad_request', 'the frame is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new HeraldError('bad_request', 'a frame is a JSON object with an "op"');
  }
  const op = value as Fields;
  if (op.ref !== undefined && !validRef(op.ref)) {
    throw new HeraldError('bad_request', 'ref is a number or a string of at most 64 characters');
  }
  if (typeof op.op !== 'string') throw new HeraldError('bad_request', 'op must be a string');
  return op;
}

async function handleOp(ctx: MuxContext, conn: WsConnection, op: Fields, ref: Ref): Promise<void> {
  switch (op.op) {
    case 'ping':
      return conn.sendFrame({ op: 'pong', ref });
    case 'subscribe':
      return subscribe(ctx, conn, op, ref);
    case 'unsubscribe':
      return unsubscribe(ctx, conn, op, ref);
    case 'publish':
      return publish(ctx, conn, op, ref);
    case 'auth':
      return auth(ctx, conn, op, ref);
    case 'presence':
      return answerPresence(ctx, conn, channelField(op), ref);
    default:
      throw new HeraldError('bad_request', 'unknown op');
  }
}

async function subscribe(ctx: MuxContext, conn: WsConnection, op: Fields, ref: Ref): Promise<void> {
  const channel = channelField(op);
  if (op.after !== undefined && typeof op.after !== 'string')
    throw new HeraldError('bad_request', 'after must be a string');
  const cursor = op.after === undefined ? undefined : parseCursor(op.after);
  if (op.after !== undefined && cursor === undefined)
    throw new HeraldError('bad_request', 'a cursor is "<epoch>:<offset>" or "0"');
  // The cheap refusals first: a repeated subscribe costs no authorisation.
  if (conn.subscriptions.has(channel)) throw new HeraldError('bad_request', `already subscribed to ${channel}`);
  if (ctx.hooks.active) {
    await hookedSubscribeCheck(ctx, conn, channel);
    // The hooks took time: the socket may have closed (nothing to subscribe), or subscribed meanwhile.
    if (!conn.isOpen()) return;
    if (conn.subscriptions.has(channel)) throw new HeraldError('bad_request', `already subscribed to ${channel}`);
  } else {
    conn.principal.assertSubscribe(channel, ctx.hub.settings(channel));
  }
  // Presence namespaces: the socket joins once its position is announced, with its optional info.
  const info = subscribeInfo(ctx, channel, op.info);
  const client = info === undefined ? undefined : clientId(ctx, conn);
  if (conn.subscriptions.size >= ctx.options.maxSubscriptionsPerConnection) {
    throw new HeraldError(
      'bad_request',
      `at most ${ctx.options.maxSubscriptionsPerConnection} subscriptions per socket`,
    );
  }
  try {
    await conn.subscriptions.add(channel, conn, cursor, (p) => {
      conn.sendFrame({
        op: 'ok',
        ref,
        channel,
        epoch: p.epoch,
        cursor: formatCursor({ epoch: p.epoch, offset: p.last }),
        client,
      });
      if (info !== undefined && conn.subscriptions.has(channel)) joinPresence(ctx, conn, channel, info);
    });
  } catch (error) {
    leavePresence(ctx, conn, channel);
    throw error;
  }
}

/** Connect hook (for a guest), the principal's own check, then the subscribe hook. */
async function hookedSubscribeCheck(ctx: MuxContext, conn: WsConnection, channel: string): Promise<void> {
  const settings = ctx.hub.settings(channel);
  const principal = conn.principal;
  await ctx.hooks.connect(principal, settings);
  principal.assertSubscribe(channel, settings);
  await ctx.hooks.checkSubscribe(principal, ctx.hooks.clientOfSocket(conn.socket), channel, settings);
}

async function unsubscribe(ctx: MuxContext, conn: WsConnection, op: Fields, ref: Ref): Promise<void> {
  const channel = channelField(op);
  if (!conn.subscriptions.delete(channel)) throw new HeraldError('bad_request', `not subscribed to ${channel}`);
  leavePresence(ctx, conn, channel);
  conn.sendFrame({ op: 'ok', ref, channel });
}

async function publish(ctx: MuxContext, conn: WsConnection, op: Fields, ref: Ref): Promise<void> {
  const channel = channelField(op);
  if (op.event !== undefined && typeof op.event !== 'string')
    throw new HeraldError('bad_request', 'event must be a string');
  if (!('data' in op)) throw new HeraldError('bad_request', 'data is required');
  const settings = ctx.hub.settings(channel);
  const principal = conn.principal;
  if (ctx.hooks.active) await ctx.hooks.connect(principal, settings);
  principal.assertPublish(channel, settings);
  ctx.limits.admitPublish(conn.socket, principal, ctx.limits.addressOf(conn.socket), 1);
  let inputs: PublishInput[] = [{ event: op.event as string | undefined, data: op.data }];
  if (ctx.hooks.active) {
    // The publish hook may refuse or transform the message: what it returns is stored and delivered.
    inputs = await ctx.hooks.checkPublish(principal, ctx.hooks.clientOfSocket(conn.socket), channel, inputs, settings);
  }
  const result = await ctx.hub.publish(channel, inputs);
  const m = result.messages[0];
  if (m === undefined) throw new HeraldError('internal');
  conn.sendFrame({
    op: 'ok',
    ref,
    channel,
    epoch: result.epoch,
    offset: m.offset,
    cursor: formatCursor({ epoch: result.epoch, offset: m.offset }),
    time: m.time,
  });
}

/**
 * `op: auth` replaces the connection's credentials: its identity (rate limits, presence), its expiry,
 * and what it may read. Subscriptions the new token does not allow end at once, each with an
 * `unsubscribed` frame, before the `ok`. A refused token changes nothing; a few are answered, then the
 * socket is closed (4001: do not reconnect), since each costs a signature check.
 */
async function auth(ctx: MuxContext, conn: WsConnection, op: Fields, ref: Ref): Promise<void> {
  if (typeof op.token !== 'string') throw new HeraldError('bad_request', 'token must be a string');
  let principal: Principal;
  try {
    principal = await ctx.auth.authenticateToken(op.token);
  } catch (error) {
    if (conn.authFailed()) {
      // The answer first (frames leave in order), then the close; the caller's answer is dropped.
      replyError(ctx, conn, ref, error);
      conn.shutdown(CLOSE_CODES.unauthorized, 'too many failed authentications');
    }
    throw error;
  }
  const previous = conn.principal;
  conn.principal = principal;
  for (const channel of conn.subscriptions.channels()) {
    const settings = ctx.hub.settings(channel);
    if (principal.maySubscribe(channel, settings)) continue;
    conn.subscriptions.delete(channel);
    leavePresence(ctx, conn, channel);
    const message = `the new credentials do not allow ${channel}; unsubscribed`;
    conn.sendFrame({ op: 'unsubscribed', channel, code: 'forbidden', message });
  }
  if (principal.subject !== previous.subject) renewPresence(ctx, conn);
  conn.sendFrame({ op: 'ok', ref });
}

function channelField(op: Fields): string {
  if (!isChannelName(op.channel)) {
    throw new HeraldError('bad_request', 'channel must match ^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,127}$');
  }
  return op.channel;
}

function validRef(ref: unknown): boolean {
  return (typeof ref === 'number' && Number.isFinite(ref)) || (typeof ref === 'string' && ref.length <= 64);
}

function replyError(ctx: MuxContext, conn: WsConnection, ref: Ref, error: unknown): void {
  const e = toHeraldError(error);
  if (e.code === 'internal') ctx.logger.error({ err: error }, 'websocket op failed');
  // retryAfter (seconds) only for rate_limited / unavailable; undefined drops out of the JSON.
  conn.sendFrame({ op: 'error', ref, code: e.code, message: e.message, retryAfter: e.retryAfter });
}
