import { namespaceOf } from '@herald/protocol';
import { HeraldError } from './errors.ts';
import type { NamespaceSettings } from './namespaces.ts';

/** The small object a member attaches when it joins (a display name, a colour, …). */
export type PresenceInfo = Readonly<Record<string, unknown>>;

/** One member of a channel: a connection's client id and the info it joined with (`{}` when none). */
export interface PresenceMember {
  readonly client: string;
  readonly info: PresenceInfo;
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

interface Entry {
  readonly member: PresenceMember;
  readonly sink: PresenceSink;
}

/**
 * Who is in each channel of a presence-enabled namespace, on this node. Members are keyed by client
 * id (one per connection, so one connection is one member per channel); a join or a leave is told to
 * every other member of the channel and to the change listeners. Fan-out is O(members) per change,
 * fine for rooms of hundreds. Single-node: members connected to other nodes are not seen (a shared
 * store, e.g. Redis, is later work).
 */
export class Presence {
  private readonly channels = new Map<string, Map<string, Entry>>();
  private readonly listeners = new Set<(change: PresenceChange) => void>();

  /**
   * Adds `client` to `channel` and tells the other members. A client that is already a member only
   * has its info replaced (and nobody is told). Returns true when it is a new member.
   */
  join(channel: string, client: string, info: PresenceInfo, sink: PresenceSink): boolean {
    let members = this.channels.get(channel);
    if (members === undefined) {
      members = new Map();
      this.channels.set(channel, members);
    }
    const known = members.has(client);
    const member: PresenceMember = { client, info };
    members.set(client, { member, sink });
    if (!known) this.tell({ kind: 'join', channel, member }, members, client);
    return !known;
  }

  /** Removes `client` from `channel` and tells the remaining members. Idempotent. */
  leave(channel: string, client: string): boolean {
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

  /** Calls `listener` on every join and leave (metrics, a future multi-node bridge); returns an unsubscribe. */
  onChange(listener: (change: PresenceChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private tell(change: PresenceChange, members: ReadonlyMap<string, Entry>, except: string): void {
    for (const [client, entry] of members) if (client !== except) entry.sink.presence(change);
    for (const listener of this.listeners) listener(change);
  }
}
