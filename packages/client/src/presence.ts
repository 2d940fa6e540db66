import { Emitter } from './emitter.ts';
import type { HeraldError } from './errors.ts';
import type { Frame } from './frames.ts';
import type { PresenceMember } from './presence-types.ts';
import type { StateEvent } from './state.ts';
import type { Subscription } from './subscription.ts';

/** Events of a {@link Presence}. */
export interface PresenceEvents {
  /** A member arrived (on WebSocket at once; on other transports found by the next read). */
  join: PresenceMember;
  /** A member left. */
  leave: PresenceMember;
  /** The whole list was read from the hub (first read, after each reconnect, each poll off WebSocket). */
  sync: readonly PresenceMember[];
  /** The hub refused presence for this channel (`not_found`: off for its namespace; `forbidden`, …); nothing follows. */
  error: HeraldError;
}

/** Options of {@link presence}. */
export interface PresenceOptions {
  /**
   * Off WebSocket the hub pushes no joins and leaves: the list is read again over HTTP this often, ms
   * (and joins and leaves are told from the difference). Default 10 s; 0 reads it once.
   */
  interval?: number;
}

/** Errors after which reading again cannot help. */
const FINAL = new Set(['not_found', 'forbidden', 'unauthorized', 'bad_request']);

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A member as the hub sent it (`{"client","user"?,"info"}`), checked: info `{}` when not an object. */
export function toMember(value: unknown): PresenceMember | undefined {
  if (!isObject(value) || typeof value.client !== 'string') return undefined;
  const { client, user, info } = value;
  const member = { client, info: isObject(info) ? info : {} };
  return typeof user === 'string' ? { ...member, user } : member;
}

/** The members and count of a presence answer (`op: presence` or the HTTP endpoint). */
function membersOf(body: unknown): { members: PresenceMember[]; count: number } | undefined {
  if (!isObject(body) || !Array.isArray(body.members)) return undefined;
  const members = body.members.map(toMember).filter((m) => m !== undefined);
  return { members, count: typeof body.count === 'number' ? body.count : members.length };
}

/**
 * Who is in a channel (contract section 6, presence), kept current for one subscription.
 *
 * Over the WebSocket the subscription is itself a member (with its `info`; `self` is its id), the
 * list is read with `op: presence` after every (re)subscribe, and joins and leaves arrive as they
 * happen. The hub makes members of WebSocket subscribers alone, so over SSE, NDJSON and polling the
 * client watches without being listed: the list is read from `GET /v1/channels/{channel}/presence`
 * every `interval`, and joins and leaves are told from the difference (a member that came and went
 * between two reads is not seen).
 */
export class Presence extends Emitter<PresenceEvents> {
  readonly #sub: Subscription;
  readonly #interval: number;
  #members = new Map<string, PresenceMember>();
  #count = 0;
  #synced = false;
  /** Changes that arrived while a list was being read over the socket: applied again on top of it. */
  #during: Array<{ kind: 'join' | 'leave'; member: PresenceMember }> | undefined;
  #read = 0;
  /** Every member id this subscription had (one per socket): its own reconnect is nobody leaving. */
  readonly #selves = new Set<string>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;
  readonly #offState: () => void;

  /** @internal use {@link presence}. */
  constructor(sub: Subscription, options: PresenceOptions = {}) {
    super();
    this.#sub = sub;
    this.#interval = options.interval ?? 10_000;
    sub.observer = (frame) => this.#frame(frame);
    sub.on('end', () => this.close());
    this.#offState = sub.link.client.on('state', (s) => this.#state(s));
    // Read at once (over HTTP if no socket is open yet); a socket's subscribe answer reads it again.
    void this.#refresh();
  }

  /** The members, in the order they joined (at most 1,000 listed; see {@link count}). */
  get members(): PresenceMember[] {
    return [...this.#members.values()];
  }

  /** How many members the channel has, as the hub last said (it lists at most 1,000). */
  get count(): number {
    return this.#count;
  }

  /** This client's member id while it is a member (over the WebSocket); undefined otherwise. */
  get self(): string | undefined {
    return this.#sub.link.client.transport === 'websocket' ? this.#sub.member : undefined;
  }

  /** True once the list has been read from the hub at least once. */
  get synced(): boolean {
    return this.#synced;
  }

  /** Stops following the channel's presence (the subscription goes on). Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#offState();
    if (this.#sub.observer !== undefined) this.#sub.observer = undefined;
    rooms.delete(this.#sub);
    this.removeAllListeners();
  }

  #frame(frame: Frame): void {
    if (frame.type === 'start') {
      // (Re)subscribed: over the socket this connection is a member now, under a new id.
      if (frame.client !== undefined) this.#selves.add(frame.client);
      void this.#refresh();
    } else if (frame.type === 'member') {
      const member = toMember(frame.member);
      if (member === undefined) return;
      this.#during?.push({ kind: frame.kind, member });
      // Before the first list, changes only wait to be applied on top of it.
      if (this.#synced) this.#change(frame.kind, member);
    }
  }

  #state(s: StateEvent): void {
    if (s.state !== 'open') return;
    // A socket reads the list when its subscribe is answered; anything else polls.
    if (s.transport === 'websocket') clearTimeout(this.#timer);
    else void this.#refresh();
  }

  #change(kind: 'join' | 'leave', member: PresenceMember): void {
    const known = this.#members.has(member.client);
    if (kind === 'join') {
      this.#members.set(member.client, member);
      if (known) return;
      this.#count++;
      this.emit('join', member);
    } else if (known) {
      this.#members.delete(member.client);
      this.#count = Math.max(0, this.#count - 1);
      this.emit('leave', member);
    }
  }

  /** Reads the whole list: over the socket when one is open, else over HTTP (and schedules the next read). */
  async #refresh(): Promise<void> {
    if (this.#closed) return;
    clearTimeout(this.#timer);
    const read = ++this.#read;
    const { link, channel } = this.#sub;
    const call = link.call({ op: 'presence', channel });
    this.#during = call === undefined ? undefined : [];
    let body: unknown;
    try {
      body = await (call ?? link.get(`/v1/channels/${encodeURIComponent(channel)}/presence`));
    } catch (err) {
      if (read !== this.#read || this.#closed) return;
      const code = (err as { code?: unknown }).code;
      if (typeof code === 'string' && FINAL.has(code)) {
        this.emit('error', err as HeraldError);
        this.close();
        return;
      }
      // A passing failure (network, timeout, the socket closed): the next read or resubscribe retries.
      return this.#schedule(call !== undefined);
    }
    if (read !== this.#read || this.#closed) return;
    const list = membersOf(body);
    if (list !== undefined) this.#apply(list.members, list.count);
    this.#schedule(call !== undefined);
  }

  #schedule(onSocket: boolean): void {
    if (this.#closed || this.#interval <= 0) return;
    if (onSocket && this.#sub.link.client.transport === 'websocket') return;
    this.#timer = setTimeout(() => void this.#refresh(), this.#interval);
  }

  /** Replaces the list; after the first read, members that differ are told as joins and leaves. */
  #apply(members: readonly PresenceMember[], count: number): void {
    const during = this.#during ?? [];
    this.#during = undefined;
    const before = this.#members;
    const selves = this.#selves;
    this.#members = new Map(members.map((m) => [m.client, m]));
    // Changes heard while the answer was on its way happened after the hub listed: they stand.
    for (const change of during) {
      if (change.kind === 'join') this.#members.set(change.member.client, change.member);
      else this.#members.delete(change.member.client);
    }
    this.#count = Math.max(count, this.#members.size);
    if (this.#synced) {
      for (const [client, m] of before) if (!this.#members.has(client) && !selves.has(client)) this.emit('leave', m);
      for (const [client, m] of this.#members) if (!before.has(client) && !selves.has(client)) this.emit('join', m);
    }
    this.#synced = true;
    this.emit('sync', this.members);
  }
}

// One Presence per subscription, so two parts of an application share it.
const rooms = new WeakMap<Subscription, Presence>();

/**
 * Follows who is in `sub`'s channel (its namespace must enable presence). Over the WebSocket the
 * subscription is a member itself, joined with its `info` (`client.subscribe(channel, { info })`).
 * Returns the same object for the same subscription; it ends with the subscription.
 */
export function presence(sub: Subscription, options: PresenceOptions = {}): Presence {
  let room = rooms.get(sub);
  if (room === undefined || sub.closed) {
    room = new Presence(sub, options);
    if (!sub.closed) rooms.set(sub, room);
  }
  return room;
}
