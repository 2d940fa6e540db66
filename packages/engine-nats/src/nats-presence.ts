import {
  type PresenceChange,
  type PresenceInfo,
  type PresenceList,
  type PresenceMember,
  type PresenceSink,
  type PresenceStore,
  presenceMember,
} from '@herald/core';
import type { Subscription } from '@nats-io/transport-node';
import type { NatsLink } from './link.ts';
import { encodeNotice, encodeStored, nowUs, parseNotice, parseStored } from './presence-codec.ts';
import {
  MEMBER_REFRESH_TTLS,
  type MemberKey,
  memberKey,
  PresenceNodes,
  type PresenceSettings,
} from './presence-nodes.ts';
import { channelToken, type Names, tokenChannel } from './subjects.ts';

/** A member connected to this node. */
interface Local {
  readonly member: PresenceMember;
  readonly sink: PresenceSink;
  readonly key: MemberKey;
  /** The stored value, written again by refreshes; undefined until its join is through. */
  value: string | undefined;
  revision: number;
}

/** The members of one channel on this node, and the subscription to the channel's notices. */
interface Room {
  readonly members: Map<string, Local>;
  readonly sub: Subscription;
  readonly listening: Promise<unknown>;
}

/**
 * Presence shared by every node on one NATS (2.9 or later). Members are KV entries keyed by channel,
 * node and client; a node's members count only while its heartbeat lives (see presence-nodes.ts). Joins
 * and leaves are published on the channel's core NATS subject; every node with local members in the
 * channel subscribes and tells them (except the member itself). When a node dies, the first node to
 * notice it (at its next heartbeat, or when a list meets the dead node's members) claims it, removes its
 * members and publishes their `leave`. Notices published while a node is reconnecting are lost; lists
 * are always read from NATS.
 */
export class NatsPresence implements PresenceStore {
  private readonly rooms = new Map<string, Room>();
  private readonly listeners = new Set<(change: PresenceChange) => void>();
  private readonly timer: NodeJS.Timeout;
  private opening: Promise<PresenceNodes> | undefined;
  private beats = 0;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly link: NatsLink,
    private readonly names: Names,
    private readonly settings: PresenceSettings,
    private readonly onClose: (presence: NatsPresence) => void,
  ) {
    this.timer = setInterval(() => this.beat(), Math.max(1, Math.floor(settings.ttlMs / 3)));
    this.timer.unref();
  }

  async join(channel: string, client: string, info: PresenceInfo, sink: PresenceSink, user?: string): Promise<void> {
    if (this.closing !== undefined) throw new Error('NatsPresence: join after close');
    const room = this.room(channel);
    const key = { channelToken: channelToken(channel), node: this.settings.nodeId, clientToken: channelToken(client) };
    const member = presenceMember(client, info, user);
    // In the room from the start: once listening, it hears every change though its own join is still
    // on its way, and a leave meanwhile finds it. A member joining again keeps its stored value (and
    // so its place in refreshes) until the new one is written.
    const previous = room.members.get(client);
    const local: Local = { member, sink, key, value: previous?.value, revision: previous?.revision ?? 0 };
    room.members.set(client, local);
    await room.listening;
    if (room.members.get(client) !== local) return; // left, or joined again, meanwhile
    let added: boolean;
    let nodes: PresenceNodes;
    try {
      nodes = await this.nodes();
      const old = await this.link.call(() => nodes.members.get(memberKey(key)));
      const joined = old?.operation === 'PUT' ? parseStored(old.value)?.joinedUs : undefined;
      added = joined === undefined;
      const value = encodeStored(member, joined ?? nowUs());
      local.revision = await this.link.call(() => nodes.members.put(memberKey(key), value));
      local.value = value;
    } catch (error) {
      if (room.members.get(client) === local) room.members.delete(client);
      this.dropIfEmpty(channel, room);
      throw error;
    }
    if (room.members.get(client) === local) {
      if (added) this.announce(channel, 'join', member);
      return;
    }
    // It left while its entry was being written: the leave's removal may have come first.
    if (room.members.get(client) === undefined) await nodes.remove(key).catch((error: unknown) => this.report(error));
  }

  /**
   * Removes a local member. Never fails: when NATS cannot be reached, the member stays stored until this
   * node's next refresh finds it gone from the node, or until the node dies and is reaped.
   */
  async leave(channel: string, client: string): Promise<void> {
    const room = this.rooms.get(channel);
    const local = room?.members.get(client);
    if (room === undefined || local === undefined) return;
    room.members.delete(client);
    // A member whose join is still on its way was never announced: nobody is told of its leave.
    if (local.value !== undefined) this.announce(channel, 'leave', local.member);
    this.dropIfEmpty(channel, room);
    try {
      await (await this.nodes()).remove(local.key);
    } catch (error) {
      this.settings.onError(error);
    }
  }

  async list(channel: string, limit: number): Promise<PresenceList> {
    const nodes = await this.nodes();
    const all: Array<{ member: PresenceMember; joined: number }> = [];
    for (const { key, value } of await nodes.scanMembers(`${channelToken(channel)}.>`)) {
      const stored = parseStored(value);
      if (stored === undefined) continue;
      if (!(await this.link.call(() => nodes.isAlive(key.node)))) {
        this.reap(key.node);
        continue;
      }
      const member = presenceMember(tokenChannel(key.clientToken), stored.info, stored.user);
      all.push({ member, joined: stored.joinedUs });
    }
    // Join order; the client id settles joins within the same microsecond.
    all.sort((a, b) => a.joined - b.joined || (a.member.client < b.member.client ? -1 : 1));
    return { members: all.slice(0, Math.max(0, limit)).map((x) => x.member), count: all.length };
  }

  onChange(listener: (change: PresenceChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Leaves every local member and removes this node's heartbeat. Idempotent. */
  close(): Promise<void> {
    this.closing ??= this.shutdown(true);
    return this.closing;
  }

  /** Stops as if this node died: no leaves, no more heartbeats. For tests of that path. */
  halt(): Promise<void> {
    this.closing ??= this.shutdown(false);
    return this.closing;
  }

  private async shutdown(leave: boolean): Promise<void> {
    clearInterval(this.timer);
    if (leave) {
      const members = [...this.rooms].flatMap(([channel, room]) => [...room.members.keys()].map((c) => [channel, c]));
      await Promise.all(members.map(([channel, client]) => this.leave(channel as string, client as string)));
      if (this.opening !== undefined && this.link.isUp) await (await this.opening.catch(() => undefined))?.leave();
    }
    for (const room of this.rooms.values()) room.sub.unsubscribe();
    this.rooms.clear();
    this.listeners.clear();
    this.onClose(this);
  }

  /** The buckets, opened on first use with a first heartbeat: a node beats before it stores a member. */
  private nodes(): Promise<PresenceNodes> {
    this.opening ??= PresenceNodes.open(this.link, this.names, this.settings)
      .then(async (nodes) => {
        await this.link.call(() => nodes.beat());
        return nodes;
      })
      .catch((error: unknown) => {
        this.opening = undefined;
        throw error;
      });
    return this.opening;
  }

  /** The channel's room, created (and its notices subscribed) on first use. */
  private room(channel: string): Room {
    let room = this.rooms.get(channel);
    if (room === undefined) {
      const { nc } = this.link.get();
      const sub = nc.subscribe(this.names.presence(channel), { callback: (_e, msg) => this.notice(channel, msg.data) });
      room = { members: new Map(), sub, listening: nc.flush().catch(() => {}) };
      this.rooms.set(channel, room);
    }
    return room;
  }

  private dropIfEmpty(channel: string, room: Room): void {
    if (room.members.size > 0 || this.rooms.get(channel) !== room) return;
    this.rooms.delete(channel);
    room.sub.unsubscribe();
  }

  /** Tells every node (this one included, through its subscription) and this node's listeners. */
  private announce(channel: string, kind: 'join' | 'leave', member: PresenceMember): void {
    this.publish(channel, kind, member);
    for (const listener of this.listeners) listener({ kind, channel, member });
  }

  private publish(channel: string, kind: 'join' | 'leave', member: PresenceMember): void {
    if (!this.link.isUp) return;
    this.link.get().nc.publish(this.names.presence(channel), encodeNotice(kind, member));
  }

  /** A join or leave published by any node: tells this node's other members of the channel. */
  private notice(channel: string, data: Uint8Array): void {
    const room = this.rooms.get(channel);
    if (room === undefined) return;
    const parsed = parseNotice(data);
    if (parsed === undefined) {
      this.settings.onError(new Error(`nats presence: dropped a malformed notice on ${channel}`));
      return;
    }
    // One change object for every sink, so a transport may serialize it once.
    const change: PresenceChange = { kind: parsed.kind, channel, member: parsed.member };
    for (const [client, local] of room.members) if (client !== parsed.member.client) local.sink.presence(change);
  }

  /** Every third of the TTL: the heartbeat, reaping of nodes that died, and the slow member refresh. */
  private beat(): void {
    if (this.closing !== undefined || !this.link.isUp) return;
    this.beats++;
    this.nodes()
      .then(async (nodes) => {
        const { dead, lost } = await this.link.call(() => nodes.beat());
        for (const node of dead) this.reap(node);
        if (lost || this.beats % (MEMBER_REFRESH_TTLS * 3) === 0) await this.refresh(nodes);
      })
      .catch((error: unknown) => this.report(error));
  }

  /**
   * Rewrites this node's members; one found missing (reaped while this node was cut off) joins again.
   * Stored members of this node that are no longer here (their removal failed during an outage) go.
   */
  private async refresh(nodes: PresenceNodes): Promise<void> {
    for (const { key } of await nodes.scanMembers(`*.${this.settings.nodeId}.*`)) {
      const room = this.rooms.get(tokenChannel(key.channelToken));
      if (room?.members.has(tokenChannel(key.clientToken)) !== true) await nodes.remove(key);
    }
    for (const [channel, room] of this.rooms) {
      for (const local of room.members.values()) {
        const value = local.value;
        if (value === undefined) continue; // its join is still on its way
        const key = memberKey(local.key);
        try {
          local.revision = await this.link.call(() => nodes.members.update(key, value, local.revision));
        } catch {
          local.revision = await this.link.call(() => nodes.members.put(key, value));
          this.publish(channel, 'join', local.member);
        }
      }
    }
  }

  /** Removes the members of a dead node and tells everyone, when this node wins the claim on it. */
  private reap(node: string): void {
    this.nodes()
      .then(async (nodes) => {
        if (!(await this.link.call(() => nodes.claim(node)))) return;
        for (const { key, value } of await nodes.scanMembers(`*.${node}.*`)) {
          const stored = parseStored(value);
          await nodes.remove(key);
          if (stored === undefined) continue;
          const member = presenceMember(tokenChannel(key.clientToken), stored.info, stored.user);
          this.publish(tokenChannel(key.channelToken), 'leave', member);
        }
      })
      .catch((error: unknown) => this.report(error));
  }

  /** Background trouble goes to `onError`, unless the store is closing (its calls then fail on purpose). */
  private report(error: unknown): void {
    if (this.closing === undefined) this.settings.onError(error);
  }
}
