import { type ChannelState, type HistoryLimits, type Message, newEpoch, type ReadResult } from '@herald/core';
import { DeliverPolicy, type StoredMsg } from '@nats-io/jetstream';
import { Empty, headers } from '@nats-io/transport-node';
import { decodeStored, lastOf, messagesOf, type Stored, setPosition } from './codec.ts';
import type { Hints } from './hints.ts';
import { apiCode, type NatsLink, unavailable } from './link.ts';
import { pull } from './pull.ts';
import { seek } from './seek.ts';
import type { Names } from './subjects.ts';

/** JetStream's answer to an expected-last-subject-sequence that does not hold. */
export const JS_WRONG_LAST_SEQUENCE = 10071;

/** Reads of at most this many messages chain direct gets; longer ones pull through a consumer. */
const CHAIN_MAX = 4;

/** A channel's state and the appends it was computed from. */
export interface View {
  readonly state: ChannelState;
  /** The newest append (or the marker of an empty channel). */
  readonly tail: Stored;
  /** The oldest stored append. */
  readonly head: Stored;
  /** The oldest append within the age limit, when the head is older. */
  readonly fresh: Stored | undefined;
}

/**
 * Reading a channel's history, and the trims that go with it. A channel is one subject of the stream;
 * its appends hold contiguous offsets, so the newest one (direct get `last_by_subj`) gives `last`, the
 * oldest one (`next_by_subj`) the physical start, and the rest is computed (see {@link view}).
 */
export class History {
  /** Channels with a purge in flight (one at a time per channel). */
  private readonly trimming = new Set<string>();

  constructor(
    private readonly link: NatsLink,
    private readonly names: Names,
    private readonly hints: Hints,
    private readonly settings: { readonly requestTimeoutMs: number; readonly onError: (error: unknown) => void },
  ) {}

  /** The newest append of `channel`, if it has any. */
  async last(channel: string): Promise<Stored | undefined> {
    return this.get(channel, { last_by_subj: this.names.history(channel) });
  }

  /** The first append of `channel` at stream sequence `seq` or later. */
  async next(channel: string, seq?: number): Promise<Stored | undefined> {
    return this.get(channel, { next_by_subj: this.names.history(channel), seq });
  }

  /** The append of `channel` at stream sequence `seq`, if it is still there. */
  async at(channel: string, seq: number): Promise<Stored | undefined> {
    return this.get(channel, { seq });
  }

  /**
   * Where `channel` stands, creating it (a marker with a new epoch) when it has nothing stored. `last`
   * is the newest append's; `first` is the largest of: the physical start, the count floor recorded by
   * the newest append, `last - size + 1`, and the oldest append within the age limit. Costs two direct
   * gets in parallel, plus a seek when the oldest stored append has aged out (it is then purged, so the
   * next look is cheap again).
   */
  async view(channel: string, limits: HistoryLimits): Promise<View> {
    let [tail, head] = await Promise.all([this.last(channel), this.next(channel)]);
    if (tail === undefined) tail = await this.create(channel);
    // A purge between the two gets: the newest append is the best start known.
    if (head === undefined || head.epoch !== tail.epoch || head.seq > tail.seq) head = tail;
    const last = lastOf(tail);
    let first = Math.max(1, head.first, tail.floor, last - whole(limits.size) + 1);
    const cutoff = Date.now() - whole(limits.maxAgeMs);
    let fresh: Stored | undefined;
    if (tail.time < cutoff) {
      first = last + 1;
      // The newest append stays: it holds the epoch and the last offset.
      if (head.seq < tail.seq) this.trim(channel, { seq: tail.seq });
    } else if (head.time < cutoff) {
      fresh = await seek((seq) => this.next(channel, seq), head, tail, {
        passes: (p) => p.time >= cutoff,
        key: (p) => p.time,
        value: cutoff,
      });
      first = Math.max(first, fresh.first);
      this.trim(channel, { seq: fresh.seq });
    }
    return { state: { epoch: tail.epoch, first: Math.min(first, last + 1), last }, tail, head, fresh };
  }

  /** Reads messages `from…` (at most `limit`) with the state they were read at. */
  async read(channel: string, from: number, limit: number, limits: HistoryLimits): Promise<ReadResult> {
    const view = await this.view(channel, limits);
    const { state } = view;
    const start = Math.max(from, state.first);
    if (!(limit >= 1) || start > state.last) return { state, messages: [] };
    const to = Math.min(state.last, start + Math.floor(limit) - 1);
    const holding = await this.locate(channel, view, start);
    const messages = holding === undefined ? [] : await this.collect(channel, holding, start, to);
    return { state, messages };
  }

  /**
   * Purges the appends of `channel` below sequence `seq`, or all but the newest `keep`, in the
   * background. Purges only ever remove what reads already hide, so they may lag or fail.
   */
  trim(channel: string, how: { readonly seq: number } | { readonly keep: number }): void {
    if (this.trimming.has(channel) || !this.link.isUp) return;
    this.trimming.add(channel);
    const filter = this.names.history(channel);
    this.link
      .call(({ jsm }) => jsm.streams.purge(this.names.stream, { filter, ...how }))
      .catch((error: unknown) => this.settings.onError(error))
      .finally(() => this.trimming.delete(channel));
  }

  /** The stored append holding offset `from` (or the first one after it, when it went meanwhile). */
  private async locate(channel: string, view: View, from: number): Promise<Stored | undefined> {
    const { tail, head, fresh } = view;
    for (const known of [fresh, head, tail]) if (known !== undefined && holds(known, from)) return known;
    const hinted = this.hints.around(channel, tail.epoch, from);
    if (hinted.holding !== undefined) {
      const found = await this.at(channel, hinted.holding.seq);
      if (found !== undefined && holds(found, from)) return found;
    }
    // The best lower bound: the newest known append before `from` (the tail is the upper one).
    let lo = fresh !== undefined && fresh.seq > head.seq ? fresh : head;
    if (hinted.below !== undefined && hinted.below.seq > lo.seq) {
      const next = await this.next(channel, hinted.below.seq + 1);
      // Offsets are contiguous: the append after the one ending at from-1 holds `from`.
      if (lastOf(hinted.below) === from - 1 && next !== undefined && holds(next, from)) return next;
      if (next !== undefined && lastOf(next) < from) lo = next;
    }
    const found = await seek((seq) => this.next(channel, seq), lo, tail, {
      passes: (p) => lastOf(p) >= from,
      // Offsets are contiguous within an epoch: the append that holds `from` is the one.
      exact: (p) => holds(p, from),
      key: lastOf,
      value: from,
    });
    return found.epoch === tail.epoch ? found : undefined;
  }

  /** The messages `from…to`, starting with the append `holding` and following it in the stream. */
  private async collect(channel: string, holding: Stored, from: number, to: number): Promise<Message[]> {
    const out: Message[] = [];
    let current = holding;
    let batch: Stored[] = [holding];
    while (batch.length > 0) {
      for (const stored of batch) {
        // A hole (purged meanwhile) or another epoch ends the page: the hub finds the gap by offset.
        if (stored !== holding && (stored.epoch !== holding.epoch || stored.first !== lastOf(current) + 1)) return out;
        const messages = messagesOf(channel, stored, from, to);
        if (messages === undefined) {
          this.settings.onError(new Error(`nats engine: skipped a malformed message at sequence ${stored.seq}`));
          return out;
        }
        out.push(...messages);
        current = stored;
        this.hints.note(channel, stored);
        if (lastOf(stored) >= to) return out;
      }
      const remaining = to - lastOf(current);
      if (remaining <= CHAIN_MAX) {
        const next = await this.next(channel, current.seq + 1);
        batch = next === undefined ? [] : [next];
      } else {
        batch = await this.run(channel, current.seq + 1, remaining);
      }
    }
    return out;
  }

  /** Up to `max` appends of `channel` from stream sequence `seq` on, through a consumer. */
  private async run(channel: string, seq: number, max: number): Promise<Stored[]> {
    const filter_subject = this.names.history(channel);
    const config = { filter_subject, deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: seq };
    const pulled = await pull(this.link.get(), this.names.stream, config, max, this.settings.requestTimeoutMs);
    const out: Stored[] = [];
    for (const msg of pulled) {
      const stored = decodeStored(msg.seq, msg.headers, msg.data);
      if (stored === undefined) break;
      out.push(stored);
    }
    return out;
  }

  /** Writes the marker of an empty channel (a new epoch), unless another node was faster. */
  private async create(channel: string): Promise<Stored> {
    const subject = this.names.history(channel);
    for (let attempt = 0; attempt < 5; attempt++) {
      const h = headers();
      const position = { epoch: newEpoch(), first: 1, count: 0, time: Date.now(), floor: 1 };
      setPosition(h, position);
      try {
        const ack = await this.link
          .get()
          .js.publish(subject, Empty, { headers: h, expect: { lastSubjectSequence: 0 } });
        const marker: Stored = { seq: ack.seq, ...position, headers: h, data: Empty };
        this.hints.note(channel, marker);
        return marker;
      } catch (error) {
        if (apiCode(error) !== JS_WRONG_LAST_SEQUENCE) throw error;
      }
      const found = await this.last(channel);
      if (found !== undefined) return found;
    }
    throw unavailable();
  }

  /** One direct get, decoded; a message that is not an append of `channel` counts as none. */
  private async get(
    channel: string,
    query: { last_by_subj: string } | { next_by_subj: string; seq?: number } | { seq: number },
  ): Promise<Stored | undefined> {
    const found: StoredMsg | null = await this.link.get().jsm.direct.getMessage(this.names.stream, query);
    if (found === null || found.subject !== this.names.history(channel)) return undefined;
    const stored = decodeStored(found.seq, found.header, found.data);
    if (stored !== undefined) this.hints.note(channel, stored);
    return stored;
  }
}

/** True when `p` holds offset `offset`. */
function holds(p: Stored, offset: number): boolean {
  return p.first <= offset && offset <= lastOf(p);
}

/** `value` as a whole number >= 0 (NaN -> 0, capped at the largest safe integer). */
function whole(value: number): number {
  if (!(value > 0)) return 0;
  return Math.min(Math.floor(value), Number.MAX_SAFE_INTEGER);
}
