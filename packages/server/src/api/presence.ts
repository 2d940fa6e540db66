import type { IncomingMessage, ServerResponse } from 'node:http';
import { assertPresenceEnabled, type Hub, MAX_PRESENCE_LISTED } from '@herald/core';
import type { Principal } from '../auth/authenticator.ts';
import { channelParam } from '../http/query.ts';
import { sendJson } from '../http/respond.ts';

/**
 * `GET /v1/channels/{channel}/presence`: `{"channel","members":[{"client","info"}],"count"}`, members in
 * join order (at most 1,000 listed; `count` is the full number). Needs subscribe rights on the channel;
 * 404 `not_found` when its namespace does not track presence. Members are the multiplexed WebSocket
 * subscribers of every node on the engine (the engine's presence store).
 */
export async function handlePresence(
  hub: Hub,
  _req: IncomingMessage,
  res: ServerResponse,
  channel: string | undefined,
  principal: Principal,
): Promise<void> {
  const name = channelParam(channel);
  const settings = hub.settings(name);
  // Who may read a channel may see who is in it; nobody else learns it exists.
  principal.assertSubscribe(name, settings);
  assertPresenceEnabled(name, settings);
  const { members, count } = await hub.presence.list(name, MAX_PRESENCE_LISTED);
  sendJson(res, 200, { channel: name, members, count }, { 'cache-control': 'no-cache' });
}
