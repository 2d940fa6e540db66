import { randomBytes } from 'node:crypto';
import {
  assertPresenceEnabled,
  MAX_PRESENCE_LISTED,
  type PresenceChange,
  type PresenceInfo,
  type PresenceSink,
  presenceInfo,
} from '@herald/core';
import type { ServerOp } from '@herald/protocol';
import type { TransportContext } from './transport.ts';
import type { WsConnection } from './ws-connection.ts';

/** What presence uses: the hub's presence store and channel settings, and the log for failed joins and leaves. */
export type PresenceContext = Pick<TransportContext, 'hub' | 'logger'>;

/** A multiplexed socket's presence identity: its client id and the channels it is a member of (with its info). */
interface Membership {
  readonly client: string;
  readonly sink: PresenceSink;
  readonly channels: Map<string, PresenceInfo>;
}

// Kept beside the connection rather than on it, so presence stays out of the shared socket class.
const memberships = new WeakMap<WsConnection, Membership>();

// Every member of a channel gets the same change object: serialize it once for all of them.
let lastChange: PresenceChange | undefined;
let lastFrame = '';

function frameOf(change: PresenceChange): string {
  if (change !== lastChange) {
    lastChange = change;
    const { client, user, info } = change.member;
    lastFrame = JSON.stringify({ op: change.kind, channel: change.channel, client, user, info } satisfies ServerOp);
  }
  return lastFrame;
}

function membership(ctx: PresenceContext, conn: WsConnection): Membership {
  let m = memberships.get(conn);
  if (m === undefined) {
    // 6 random bytes: 8 URL-safe characters, unique enough among one hub's live sockets.
    const created: Membership = {
      client: randomBytes(6).toString('base64url'),
      sink: { presence: (change) => conn.send(frameOf(change)) },
      channels: new Map(),
    };
    m = created;
    memberships.set(conn, m);
    conn.whenEnded(() => {
      for (const channel of created.channels.keys()) leaveQuietly(ctx, channel, created.client);
      created.channels.clear();
    });
  }
  return m;
}

/** The client id of a socket (made on first use): how other members see it. */
export function clientId(ctx: PresenceContext, conn: WsConnection): string {
  return membership(ctx, conn).client;
}

/**
 * The `info` of a subscribe op, checked (object, at most 1 KiB) even where presence is off so a
 * client learns of a bad one; `undefined` when the channel's namespace does not track presence
 * (the info is then ignored).
 */
export function subscribeInfo(ctx: PresenceContext, channel: string, info: unknown): PresenceInfo | undefined {
  const checked = presenceInfo(info);
  return ctx.hub.settings(channel).presence ? checked : undefined;
}

/**
 * Makes the socket a member of `channel` as the user its credentials name (never from `info`); the
 * other members get a `join` frame.
 */
export function joinPresence(ctx: PresenceContext, conn: WsConnection, channel: string, info: PresenceInfo): void {
  const m = membership(ctx, conn);
  m.channels.set(channel, info);
  ctx.hub.presence.join(channel, m.client, info, m.sink, conn.principal.subject).catch((error: unknown) => {
    ctx.logger.warn({ err: error, channel }, 'presence join failed');
  });
}

/**
 * The socket's user changed (`op: auth` with another subject): it leaves and joins again every channel
 * it is a member of, so the other members see who it is now.
 */
export function renewPresence(ctx: PresenceContext, conn: WsConnection): void {
  const m = memberships.get(conn);
  if (m === undefined) return;
  for (const [channel, info] of m.channels) {
    const { presence } = ctx.hub;
    presence
      .leave(channel, m.client)
      .then(() => presence.join(channel, m.client, info, m.sink, conn.principal.subject))
      .catch((error: unknown) => ctx.logger.warn({ err: error, channel }, 'presence renewal failed'));
  }
}

/** Ends the socket's membership of `channel` (if any); the other members get a `leave` frame. */
export function leavePresence(ctx: PresenceContext, conn: WsConnection, channel: string): void {
  const m = memberships.get(conn);
  if (m === undefined || !m.channels.delete(channel)) return;
  leaveQuietly(ctx, channel, m.client);
}

/** A leave that fails (a shared store is down) is logged: the store drops the member after its TTL. */
function leaveQuietly(ctx: PresenceContext, channel: string, client: string): void {
  ctx.hub.presence.leave(channel, client).catch((error: unknown) => {
    ctx.logger.warn({ err: error, channel }, 'presence leave failed');
  });
}

/**
 * `{"op":"presence","ref","channel"}`: answers `{"op":"ok","ref","channel","client","members","count"}`,
 * `client` being this socket's own id. Needs subscribe rights; `not_found` where presence is off.
 */
export async function answerPresence(
  ctx: PresenceContext,
  conn: WsConnection,
  channel: string,
  ref: number | string | undefined,
): Promise<void> {
  const { hub } = ctx;
  const settings = hub.settings(channel);
  conn.principal.assertSubscribe(channel, settings);
  assertPresenceEnabled(channel, settings);
  const { members, count } = await hub.presence.list(channel, MAX_PRESENCE_LISTED);
  conn.sendFrame({ op: 'ok', ref, channel, client: clientId(ctx, conn), members, count });
}
