import { type PresenceInfo, type PresenceMember, presenceMember } from '@herald/core';

/*
 * What presence stores and sends. A member's KV value: `{"info":{…},"user":…,"joinedUs":…}`. A notice on
 * the channel's presence subject: `{"k":"join"|"leave","c":client,"u":user,"i":info}`. The user (the
 * identity the hub verified) is left out when there is none.
 */

/** A stored member. */
interface Stored {
  readonly info?: unknown;
  readonly user?: unknown;
  readonly joinedUs?: unknown;
}

const decoder = new TextDecoder();

/** A join or leave as told on the wire. */
export interface Notice {
  readonly kind: 'join' | 'leave';
  readonly member: PresenceMember;
}

/** Microseconds since the Unix epoch: the listing order, comparable across nodes with synced clocks. */
export function nowUs(): number {
  return Math.round((performance.timeOrigin + performance.now()) * 1000);
}

/** The value stored for a member. */
export function encodeStored(member: PresenceMember, joinedUs: number): string {
  return JSON.stringify({ info: member.info, user: member.user, joinedUs });
}

/** A stored member's info, user and join time, or undefined when the value is not one. */
export function parseStored(
  value: Uint8Array,
): { info: PresenceInfo; user: string | undefined; joinedUs: number } | undefined {
  try {
    const stored = JSON.parse(decoder.decode(value)) as Stored;
    if (!isInfo(stored.info) || !isUser(stored.user) || typeof stored.joinedUs !== 'number') return undefined;
    return { info: stored.info, user: stored.user, joinedUs: stored.joinedUs };
  } catch {
    return undefined;
  }
}

/** A notice, or undefined when malformed. */
export function parseNotice(data: Uint8Array): Notice | undefined {
  try {
    const notice = JSON.parse(decoder.decode(data)) as { k?: unknown; c?: unknown; u?: unknown; i?: unknown };
    const { k, c, u, i } = notice;
    if ((k !== 'join' && k !== 'leave') || typeof c !== 'string' || !isInfo(i) || !isUser(u)) return undefined;
    return { kind: k, member: presenceMember(c, i, u) };
  } catch {
    return undefined;
  }
}

function isUser(value: unknown): value is string | undefined {
  return value === undefined || typeof value === 'string';
}

function isInfo(value: unknown): value is PresenceInfo {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A join or leave notice. */
export function encodeNotice(kind: 'join' | 'leave', member: PresenceMember): string {
  return JSON.stringify({ k: kind, c: member.client, u: member.user, i: member.info });
}
