import {
  type PresenceChange,
  type PresenceInfo,
  type PresenceList,
  type PresenceMember,
  type PresenceSink,
  type PresenceStore,
  presenceMember,
} from '@herald/core';
import { type Connection, call, open } from './connection.ts';
import { channelOfKey, presenceKeys } from './keys.ts';

/** What presence needs from its engine. */
export interface PresenceSettings {
  readonly prefix: string;
  readonly onError: (error: unknown) => void;
  readonly commandTimeoutMs: number;
  /** How long a member outlives its node's last refresh, in ms. */
  readonly ttlMs: number;
  readonly nodeId: string;
}

/** A member connected to this node. */
interface Local {
  readonly member: PresenceMember;
  readonly sink: PresenceSink;
  /** `info` as compact JSON, sent again if the member must be re-added. */
  readonly infoJson: string;
  /** Its join is through (until then a leave tells nobody here, and refreshes pass it by). */
  joined: boolean;
}

/** A member as stored in Redis (see scripts.ts). */
interface Stored {
  readonly info?: unknown;
  readonly user?: unknown;
  readonly joinedUs?: unknown;
}

/** The members of one channel on this node, and the subscription to the channel's notices. */
interface Room {
  readonly members: Map<string, Local>;
  readonly listening: Promise<void>;
}

/**
 * Presence shared by every node on one Redis. A channel's members are a hash (client -> info, node, join
 * time) plus a sorted set of expiries; each node extends its own members' expiry every third of the TTL,
 * so the members of a node that died expire, and whichever node next refreshes or lists the channel
 * removes them and publishes their `leave`. Joins and leaves are published on the channel's sharded
 * pub/sub channel; every node with local members in the channel subscribes and tells them (except the
 * member itself). Notices published while a node's subscriber is reconnecting are lost; lists are
 * always read from Redis.
 */
export class RedisPresence implements PresenceStore {
  private readonly rooms = new Map<string, Room>();
  private readonly listeners = new Set<(change: PresenceChange) => void>();
  private readonly timer: NodeJS.Timeout;
  private readonly onNotice = (payload: string, key: string): void => this.notice(payload, key);
  private readonly onReconnect = (): void => this.refresh();
  private closing: Promise<void> | undefined;

  constructor(
    private readonly connection: Connection,
    private readonly subscriber: Connection,
    private readonly settings: PresenceSettings,
    private readonly onClose: (presence: RedisPresence) => void,
  ) {
    let connected = false;
    subscriber.on('ready', () => {
      if (connected) this.resubscribe();
      connected = true;
    });
    open(subscriber, settings.onError);
    // Commands go over the engine's connection: once it is back, refresh at once, re-adding the
    // members that a Redis restarted empty has lost (instead of waiting for the next period).
    connection.on('ready', this.onReconnect);
    this.timer = setInterval(() => this.refresh(), Math.max(1, Math.floor(settings.ttlMs / 3)));
    this.timer.unref();
  }

  async join(channel: string, client: string, info: PresenceInfo, sink: PresenceSink, user?: string): Promise<void> {
    if (this.closing !== undefined) throw new Error('RedisPresence: join after close');
    const room = this.room(channel);
    const infoJson = JSON.stringify(info);
    const member = presenceMember(client, info, user);
    // In the room from the start: once listening, it hears every change though its own join is still
    // on its way (a later member's notice may arrive before this join's reply: another connection),
    // and a leave meanwhile finds it (its removal then follows the join on the same connection).
    const local: Local = { member, sink, infoJson, joined: room.members.get(client)?.joined === true };
    room.members.set(client, local);
    await room.listening;
    if (room.members.get(client) !== local) return; // left, or joined again, meanwhile
    let added: unknown;
    try {
      added = await this.call(() => this.connection.heraldJoin(this.keys(channel), this.joinArgs(member, infoJson)));
    } catch (error) {
      if (room.members.get(client) === local) room.members.delete(client);
      this.dropIfEmpty(channel, room);
      throw error;
    }
    local.joined = true;
    if (added === 1 && room.members.get(client) === local) this.tellListeners({ kind: 'join', channel, member });
  }

  /**
   * Removes a local member. Never fails: when Redis cannot be reached, the member stops being refreshed
   * and expires after the TTL, and the node that removes it then publishes its `leave`.
   */
  async leave(channel: string, client: string): Promise<void> {
    const room = this.rooms.get(channel);
    const local = room?.members.get(client);
    if (room === undefined || local === undefined) return;
    room.members.delete(client);
    this.dropIfEmpty(channel, room);
    if (local.joined) this.tellListeners({ kind: 'leave', channel, member: local.member });
    try {
      await this.call(() => this.connection.heraldLeave(this.keys(channel), [client]));
    } catch (error) {
      this.settings.onError(error);
    }
  }

  async list(channel: string, limit: number): Promise<PresenceList> {
    const reply = await this.call(() => this.connection.heraldList(this.keys(channel), []));
    const all: Array<{ member: PresenceMember; joined: number }> = [];
    const flat = Array.isArray(reply) ? (reply as unknown[]) : [];
    for (let i = 0; i + 1 < flat.length; i += 2) {
      const client = flat[i];
      const stored = parseStored(flat[i + 1]);
      if (typeof client !== 'string' || stored === undefined) continue;
      all.push({ member: presenceMember(client, stored.info, stored.user), joined: stored.joined });
    }
    // Join order; the client id settles joins within the same microsecond.
    all.sort((a, b) => a.joined - b.joined || (a.member.client < b.member.client ? -1 : 1));
    return { members: all.slice(0, Math.max(0, limit)).map((x) => x.member), count: all.length };
  }

  onChange(listener: (change: PresenceChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Leaves every local member, then releases the subscriber connection. Idempotent. */
  close(): Promise<void> {
    this.closing ??= this.shutdown(true);
    return this.closing;
  }

  /**
   * Stops as if this node died: no more refreshes and no leaves, so the other nodes drop its members
   * once their TTL passes. For tests of that path.
   */
  halt(): Promise<void> {
    this.closing ??= this.shutdown(false);
    return this.closing;
  }

  private async shutdown(leave: boolean): Promise<void> {
    clearInterval(this.timer);
    this.connection.off('ready', this.onReconnect);
    const members = [...this.rooms].flatMap(([channel, room]) =>
      [...room.members.keys()].map((client) => ({ channel, client })),
    );
    if (leave) await Promise.all(members.map(({ channel, client }) => this.leave(channel, client)));
    this.rooms.clear();
    this.listeners.clear();
    this.subscriber.destroy();
    this.onClose(this);
  }

  /** The channel's room, created (and its notices subscribed) on first use. */
  private room(channel: string): Room {
    let room = this.rooms.get(channel);
    if (room === undefined) {
      const listening = this.subscriber
        .sSubscribe(this.noticeKey(channel), this.onNotice)
        .catch((error: unknown) => this.settings.onError(error));
      room = { members: new Map(), listening };
      this.rooms.set(channel, room);
    }
    return room;
  }

  private dropIfEmpty(channel: string, room: Room): void {
    if (room.members.size > 0 || this.rooms.get(channel) !== room) return;
    this.rooms.delete(channel);
    this.subscriber.sUnsubscribe(this.noticeKey(channel), this.onNotice).catch(() => {});
  }

  /** A join or leave published by any node: tells this node's other members of the channel. */
  private notice(payload: string, key: string): void {
    const channel = channelOfKey(this.settings.prefix, key, 'pn');
    const room = channel === undefined ? undefined : this.rooms.get(channel);
    if (channel === undefined || room === undefined) return;
    const parsed = parseNotice(payload);
    if (parsed === undefined) {
      this.settings.onError(new Error(`redis presence: dropped a malformed notice on ${key}`));
      return;
    }
    // One change object for every sink, so a transport may serialize it once.
    const member = presenceMember(parsed.client, parsed.info, parsed.user);
    const change: PresenceChange = { kind: parsed.kind, channel, member };
    for (const [client, local] of room.members) if (client !== parsed.client) local.sink.presence(change);
  }

  /** The subscriber is back: node-redis re-subscribed what was active; this retries what had failed. */
  private resubscribe(): void {
    if (this.closing !== undefined) return;
    for (const channel of this.rooms.keys()) {
      this.subscriber.sSubscribe(this.noticeKey(channel), this.onNotice).catch(this.settings.onError);
    }
  }

  /** Extends the expiry of this node's members and re-adds those that were dropped meanwhile. */
  private refresh(): void {
    if (this.closing !== undefined) return;
    const { ttlMs } = this.settings;
    for (const [channel, room] of this.rooms) {
      const clients = [...room.members].filter(([, local]) => local.joined).map(([client]) => client);
      if (clients.length === 0) continue;
      const args = [String(ttlMs), String(ttlMs * 3), ...clients];
      this.call(() => this.connection.heraldRefresh(this.keys(channel), args))
        .then((missing) => this.rejoin(channel, missing))
        .catch((error: unknown) => this.settings.onError(error));
    }
  }

  /** Members of this node that Redis lost (it restarted, or this node was cut off past the TTL). */
  private async rejoin(channel: string, missing: unknown): Promise<void> {
    if (!Array.isArray(missing)) return;
    for (const client of missing) {
      const local = typeof client === 'string' ? this.rooms.get(channel)?.members.get(client) : undefined;
      if (local === undefined || this.closing !== undefined) continue;
      const args = this.joinArgs(local.member, local.infoJson);
      await this.call(() => this.connection.heraldJoin(this.keys(channel), args));
    }
  }

  /** The join script's arguments; the user goes as JSON text (empty when the member has none). */
  private joinArgs(member: PresenceMember, infoJson: string): string[] {
    const { nodeId, ttlMs } = this.settings;
    const user = member.user === undefined ? '' : JSON.stringify(member.user);
    return [member.client, infoJson, nodeId, String(ttlMs), String(ttlMs * 3), user];
  }

  /** The keys every presence script takes: members, expiries, notices. */
  private keys(channel: string): string[] {
    const { members, expiries, notify } = presenceKeys(this.settings.prefix, channel);
    return [members, expiries, notify];
  }

  private noticeKey(channel: string): string {
    return presenceKeys(this.settings.prefix, channel).notify;
  }

  private tellListeners(change: PresenceChange): void {
    for (const listener of this.listeners) listener(change);
  }

  private call<T>(run: () => Promise<T>): Promise<T> {
    return call(this.connection, this.settings.commandTimeoutMs, run);
  }
}

function parseStored(value: unknown): { info: PresenceInfo; user: string | undefined; joined: number } | undefined {
  if (typeof value !== 'string') return undefined;
  try {
    const stored = JSON.parse(value) as Stored;
    if (!isInfo(stored.info) || typeof stored.joinedUs !== 'number') return undefined;
    return { info: stored.info, user: userOf(stored), joined: stored.joinedUs };
  } catch {
    return undefined;
  }
}

interface Notice {
  readonly kind: 'join' | 'leave';
  readonly client: string;
  readonly user: string | undefined;
  readonly info: PresenceInfo;
}

function parseNotice(payload: string): Notice | undefined {
  try {
    const notice = JSON.parse(payload) as { k?: unknown; c?: unknown; m?: Stored };
    const { k, c } = notice;
    const info = notice.m?.info;
    if ((k !== 'join' && k !== 'leave') || typeof c !== 'string' || !isInfo(info)) return undefined;
    return { kind: k, client: c, user: notice.m === undefined ? undefined : userOf(notice.m), info };
  } catch {
    return undefined;
  }
}

/** The verified user of a stored member; absent for anonymous members (and those stored before users were). */
function userOf(stored: Stored): string | undefined {
  return typeof stored.user === 'string' ? stored.user : undefined;
}

function isInfo(value: unknown): value is PresenceInfo {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
