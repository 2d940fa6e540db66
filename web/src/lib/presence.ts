import type { WebSocketConstructor } from '@herald/client';

/** One member of a room: the hub's id for its socket and the `info` it joined with. */
export interface Member {
  readonly client: string;
  readonly info: Record<string, unknown>;
}

/** What the page hears: the full list after every change, and each join or leave as it happens. */
export interface PresenceEvents {
  members(channel: string, list: readonly Member[], self: string | undefined): void;
  change(channel: string, kind: 'join' | 'leave', member: Member): void;
}

type Frame = Record<string, unknown>;

/** Replies to our own requests carry string refs, which the SDK (numeric refs) ignores. */
const REF_PREFIX = 'presence:';

/**
 * Presence (contract section 6) on the SDK's own multiplexed WebSocket. The SDK has no presence API
 * yet, so the page gives it this WebSocket class (its documented platform injection): it adds the
 * room's `info` to the SDK's `subscribe` ops, asks `op: presence` once a subscription is confirmed,
 * and follows `join` / `leave` frames. One socket per tab, members re-join by themselves after any
 * reconnect (the SDK re-subscribes), and nothing of the SDK's own traffic changes otherwise.
 * Presence needs the WebSocket transport: over SSE or polling the list stays empty.
 */
export class Presence {
  readonly #info = new Map<string, Record<string, unknown>>();
  readonly #members = new Map<string, Map<string, Member>>();
  readonly #pending = new Map<number, string>();
  #self: string | undefined;

  constructor(private readonly events: PresenceEvents) {}

  /** The `info` to join `channel` with, at the SDK's next subscribe to it. */
  want(channel: string, info: Record<string, unknown>): void {
    this.#info.set(channel, info);
  }

  /** Stops tracking `channel` (the page unsubscribed from it). */
  forget(channel: string): void {
    this.#info.delete(channel);
    this.#members.delete(channel);
  }

  /** The WebSocket class to pass as `connect(url, { WebSocket })`. */
  socketClass(): WebSocketConstructor {
    const presence = this;
    return class PresenceWebSocket extends WebSocket {
      constructor(url: string) {
        super(url);
        this.addEventListener('message', (event: MessageEvent) => {
          if (typeof event.data === 'string') presence.#frame(this, JSON.parse(event.data) as Frame);
        });
        this.addEventListener('close', () => presence.#reset());
      }

      override send(data: string): void {
        super.send(presence.#outgoing(data));
      }
    };
  }

  /** Adds `info` to subscribe ops of tracked channels and remembers their ref. */
  #outgoing(data: string): string {
    if (!data.includes('"subscribe"')) return data;
    const op = JSON.parse(data) as Frame;
    const info = typeof op.channel === 'string' ? this.#info.get(op.channel) : undefined;
    if (op.op !== 'subscribe' || info === undefined || typeof op.ref !== 'number') return data;
    this.#pending.set(op.ref, op.channel as string);
    return JSON.stringify({ ...op, info });
  }

  #frame(socket: WebSocket, f: Frame): void {
    const channel = typeof f.channel === 'string' ? f.channel : undefined;
    if (f.op === 'ok' && typeof f.ref === 'number' && this.#pending.get(f.ref) === channel && channel !== undefined) {
      // Joined (the hub adds the member as it confirms the subscription): the list now includes us.
      this.#pending.delete(f.ref);
      if (typeof f.client === 'string') this.#self = f.client;
      socket.send(JSON.stringify({ op: 'presence', ref: `${REF_PREFIX}${channel}`, channel }));
      return;
    }
    if (channel === undefined || !this.#info.has(channel)) return;
    if (f.op === 'ok' && f.ref === `${REF_PREFIX}${channel}` && Array.isArray(f.members)) {
      this.#members.set(channel, new Map((f.members as Member[]).map((m) => [m.client, m])));
      this.#emit(channel);
    } else if ((f.op === 'join' || f.op === 'leave') && typeof f.client === 'string') {
      const member: Member = { client: f.client, info: (f.info ?? {}) as Record<string, unknown> };
      const list = this.#members.get(channel) ?? new Map<string, Member>();
      this.#members.set(channel, list);
      if (f.op === 'join') list.set(member.client, member);
      else list.delete(member.client);
      this.events.change(channel, f.op, member);
      this.#emit(channel);
    }
  }

  /** The socket closed: lists are unknown until the SDK's next socket re-joins. */
  #reset(): void {
    this.#pending.clear();
    for (const channel of this.#members.keys()) {
      this.#members.set(channel, new Map());
      this.#emit(channel);
    }
  }

  #emit(channel: string): void {
    this.events.members(channel, [...(this.#members.get(channel)?.values() ?? [])], this.#self);
  }
}
