import { namespaceOf } from '@herald/protocol';
import { HeraldError } from './errors.ts';
import type { NamespaceSettings } from './namespaces.ts';

/** The small object a member attaches when it joins (a display name, a colour, …). */
export type PresenceInfo = Readonly<Record<string, unknown>>;

/**
 * One member of a channel: a connection's client id, the user the hub verified, and the info the
 * client joined with (`{}` when none). `user` is set by the hub alone (a JWT's `sub`; absent for
 * anonymous clients, API keys and tokens without `sub`), and `info` is whatever the client said: kept
 * apart, so nobody can pose as another user by writing `"sub"` or `"user"` into its info.
 */
export interface PresenceMember {
  readonly client: string;
  readonly user?: string;
  readonly info: PresenceInfo;
}

/** A member record with its fields in wire order (`client`, `user` when known, `info`). */
export function presenceMember(client: string, info: PresenceInfo, user: string | undefined): PresenceMember {
  return user === undefined ? { client, info } : { client, user, info };
}

/** A change of a channel's members. */
export interface PresenceChange {
  readonly kind: 'join' | 'leave';
  readonly channel: string;
  readonly member: PresenceMember;
}

/**
 * Where a member hears about the other members' joins and leaves. A transport implements it (the
 * multiplexed WebSocket turns a change into a `join`/`leave` frame); the core never frames anything.
 * The same change object is passed to every member, so a transport may serialize it once.
 */
export interface PresenceSink {
  presence(change: PresenceChange): void;
}

/** Most members listed in one answer (the answer also carries the full count). */
export const MAX_PRESENCE_LISTED = 1000;

/** Largest `info` object, in bytes of compact JSON: presence is for names and colours, not payloads. */
export const MAX_PRESENCE_INFO_BYTES = 1024;

/**
 * Checks a member's `info`: absent (becomes `{}`), or a JSON object of at most
 * {@link MAX_PRESENCE_INFO_BYTES}. Throws `bad_request` or `too_large` otherwise.
 */
export function presenceInfo(value: unknown, maxBytes = MAX_PRESENCE_INFO_BYTES): PresenceInfo {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new HeraldError('bad_request', 'info must be a JSON object');
  }
  const text = JSON.stringify(value);
  if (Buffer.byteLength(text) > maxBytes) {
    throw new HeraldError('too_large', `info is larger than ${maxBytes} bytes`);
  }
  // A copy, so the caller cannot change a member's info after the fact.
  return JSON.parse(text) as PresenceInfo;
}

/** Throws `not_found` unless the channel's namespace tracks presence (HTTP 404, WebSocket `error`). */
export function assertPresenceEnabled(channel: string, settings: NamespaceSettings): void {
  if (settings.presence) return;
  const ns = namespaceOf(channel);
  throw new HeraldError('not_found', `presence is off for ${channel} (namespace ${ns === '' ? '(default)' : ns})`);
}

/** The members of a channel as listed by a {@link PresenceStore}. */
export interface PresenceList {
  /** In join order, at most the limit asked for. */
  readonly members: PresenceMember[];
  /** How many members there are in all. */
  readonly count: number;
}

/**
 * Who is in each channel of a presence-enabled namespace. In-process ({@link LocalPresence}) for
 * single-node engines; a networked engine supplies one that every node shares (Engine.createPresence),
 * so lists and join/leave notices are the same whichever node a member is connected to. A store
 * shared by nodes drops the members of a node that stops refreshing them (it died) after a TTL.
 */
export interface PresenceStore {
  /**
   * Adds `client` (one connection) to `channel` as `user` (the verified identity, see
   * {@link PresenceMember}); every other member, on any node, is told through its sink. A client
   * already a member only has its info and user replaced, and nobody is told.
   */
  join(channel: string, client: string, info: PresenceInfo, sink: PresenceSink, user?: string): Promise<void>;
  /** Removes `client` from `channel` and tells the remaining members. Idempotent. */
  leave(channel: string, client: string): Promise<void>;
  /** The members of `channel`, at most `limit` listed. */
  list(channel: string, limit: number): Promise<PresenceList>;
  /** Calls `listener` on every join and leave of a member of this node (metrics); returns an unsubscribe. */
  onChange(listener: (change: PresenceChange) => void): () => void;
  /** Leaves every local member and stops. Idempotent. */
  close(): Promise<void>;
}

interface Entry {
  readonly member: PresenceMember;
  readonly sink: PresenceSink;
}

/**
 * Presence of one node, in process memory: the store of single-node engines. Members are keyed by
 * client id (one per connection, so one connection is one member per channel); a join or a leave is
 * told to every other member of the channel and to the change listeners. Fan-out is O(members) per
 * change, fine for rooms of hundreds. Its promises are settled at once; the synchronous methods
 * below are for tests and the store's own use.
 */
export class LocalPresence implements PresenceStore {
  private readonly channels = new Map<string, Map<string, Entry>>();
  private readonly listeners = new Set<(change: PresenceChange) => void>();

  async join(channel: string, client: string, info: PresenceInfo, sink: PresenceSink, user?: string): Promise<void> {
    this.add(channel, client, info, sink, user);
  }

  async leave(channel: string, client: string): Promise<void> {
    this.remove(channel, client);
  }

  async list(channel: string, limit: number): Promise<PresenceList> {
    return { members: this.members(channel, limit), count: this.count(channel) };
  }

  async close(): Promise<void> {
    this.channels.clear();
    this.listeners.clear();
  }

  /**
   * Adds `client` to `channel` as `user` and tells the other members. A client that is already a
   * member only has its info and user replaced (and nobody is told). Returns true when it is a new member.
   */
  add(channel: string, client: string, info: PresenceInfo, sink: PresenceSink, user?: string): boolean {
    let members = this.channels.get(channel);
    if (members === undefined) {
      members = new Map();
      this.channels.set(channel, members);
    }
    const known = members.has(client);
    const member = presenceMember(client, info, user);
    members.set(client, { member, sink });
    if (!known) this.tell({ kind: 'join', channel, member }, members, client);
    return !known;
  }

  /** Removes `client` from `channel` and tells the remaining members. Returns true when it was a member. */
  remove(channel: string, client: string): boolean {
    const members = this.channels.get(channel);
    const entry = members?.get(client);
    if (members === undefined || entry === undefined) return false;
    members.delete(client);
    if (members.size === 0) this.channels.delete(channel);
    this.tell({ kind: 'leave', channel, member: entry.member }, members, client);
    return true;
  }

  /** The members of `channel`, in join order, at most `limit`. */
  members(channel: string, limit = Number.POSITIVE_INFINITY): PresenceMember[] {
    const out: PresenceMember[] = [];
    for (const entry of this.channels.get(channel)?.values() ?? []) {
      if (out.length >= limit) break;
      out.push(entry.member);
    }
    return out;
  }

  /** How many members `channel` has. */
  count(channel: string): number {
    return this.channels.get(channel)?.size ?? 0;
  }

  /** Calls `listener` on every join and leave; returns an unsubscribe. */
  onChange(listener: (change: PresenceChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private tell(change: PresenceChange, members: ReadonlyMap<string, Entry>, except: string): void {
    for (const [client, entry] of members) if (client !== except) entry.sink.presence(change);
    for (const listener of this.listeners) listener(change);
  }
}
