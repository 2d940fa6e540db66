import { type AppendInput, type AppendResult, HeraldError, type HistoryLimits, newEpoch } from '@herald/core';
import type { PubAck } from '@nats-io/jetstream';
import { encodeInputs, lastOf, type Position, type Stored, setPosition } from './codec.ts';
import type { Hints } from './hints.ts';
import { type History, JS_WRONG_LAST_SEQUENCE } from './history.ts';
import { apiCode, type NatsLink, unavailable } from './link.ts';
import { channelToken, type Names } from './subjects.ts';

/** Room left in a NATS message for our headers, in bytes. */
const HEADROOM = 4096;
/** Most messages written as one JetStream message when appends of a channel are grouped. */
const MAX_GROUP_MESSAGES = 1000;
/** Most tries of one append against concurrent writers on other nodes. */
const MAX_ATTEMPTS = 100;

/** An append waiting for its turn on its channel. */
interface Pending {
  readonly inputs: readonly AppendInput[];
  /** Bytes it takes in a NATS message (data, events, lengths). */
  readonly size: number;
  readonly limits: HistoryLimits;
  readonly key: string | undefined;
  readonly resolve: (result: AppendResult) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Writes appends. Per channel, one JetStream publish at a time leaves this node, conditional on the
 * subject's newest stored sequence (`Nats-Expected-Last-Subject-Sequence`): it succeeds only if no other
 * node appended since the append it numbered from, so offsets are contiguous and never given twice; on a
 * conflict the newest append is read again and the publish retried. Appends that arrive while a publish
 * is in flight wait, and are then written together as one JetStream message (group commit): one
 * round trip for many concurrent appends, each still contiguous and in call order. An append with an
 * idempotency key is written alone, with `Nats-Msg-Id` = channel, epoch and key: JetStream's duplicate
 * window refuses a repeat atomically with the write, and answers with the first write's sequence.
 */
export class Appender {
  private readonly queues = new Map<string, Pending[]>();

  constructor(
    private readonly link: NatsLink,
    private readonly names: Names,
    private readonly history: History,
    private readonly hints: Hints,
    private readonly maxMessagesPerChannel: number,
  ) {
    // Callers of waiting appends got their 503 when the connection went (NatsLink.whileUp): they must not
    // be written later, behind the publish in flight, once it is back.
    link.onDown(() => {
      for (const queue of this.queues.values()) for (const pending of queue.splice(0)) pending.reject(unavailable());
    });
  }

  append(channel: string, inputs: readonly AppendInput[], limits: HistoryLimits, key?: string): Promise<AppendResult> {
    const max = this.link.get().nc.info?.max_payload ?? 1024 * 1024;
    let size = 0;
    for (const input of inputs) size += Buffer.byteLength(input.data) + (input.event?.length ?? 4) * 2 + 12;
    if (size + HEADROOM > max) {
      throw new HeraldError('too_large', `the messages are larger than the NATS server's max_payload (${max} bytes)`);
    }
    return new Promise((resolve, reject) => {
      let queue = this.queues.get(channel);
      const idle = queue === undefined;
      if (queue === undefined) {
        queue = [];
        this.queues.set(channel, queue);
      }
      queue.push({ inputs, size, limits, key, resolve, reject });
      if (idle) this.drain(channel, queue, max - HEADROOM);
    });
  }

  /** Writes the channel's waiting appends, a group at a time, until none is left. */
  private async drain(channel: string, queue: Pending[], maxBytes: number): Promise<void> {
    while (queue.length > 0) {
      const group = take(queue, maxBytes);
      try {
        const results = await this.commit(channel, group);
        group.forEach((pending, i) => {
          pending.resolve(results[i] as AppendResult);
        });
      } catch (error) {
        for (const pending of group) pending.reject(error);
      }
    }
    this.queues.delete(channel);
  }

  /** Writes `group` as one JetStream message; its results in group order. */
  private async commit(channel: string, group: readonly Pending[]): Promise<AppendResult[]> {
    const inputs = group.length === 1 ? (group[0] as Pending).inputs : group.flatMap((p) => p.inputs);
    const encoded = encodeInputs(inputs);
    const key = group.length === 1 ? group[0]?.key : undefined;
    const size = whole((group[group.length - 1] as Pending).limits.size);
    const subject = this.names.history(channel);
    let tail: Position | undefined = this.hints.latest(channel) ?? (await this.history.last(channel));
    for (let attempt = 1; ; attempt++) {
      const epoch = tail?.epoch ?? newEpoch();
      const last = tail === undefined ? 0 : lastOf(tail);
      const n = encoded.count;
      const time = Math.max(Date.now(), tail?.time ?? 0);
      const position = {
        epoch,
        first: last + 1,
        count: n,
        time,
        floor: Math.max(tail?.floor ?? 1, last + n - size + 1),
      };
      setPosition(encoded.headers, position);
      let ack: PubAck;
      try {
        ack = await this.link.get().js.publish(subject, encoded.body, {
          headers: encoded.headers,
          expect: { lastSubjectSequence: tail?.seq ?? 0 },
          ...(key === undefined ? {} : { msgID: `${channelToken(channel)} ${epoch} ${key}` }),
        });
      } catch (error) {
        if (apiCode(error) !== JS_WRONG_LAST_SEQUENCE || attempt >= MAX_ATTEMPTS) throw error;
        // Another node appended (or our guess was old): number from the real newest append.
        this.hints.forget(channel);
        if (attempt > 3) await sleep(Math.random() * Math.min(50, attempt * 2));
        tail = await this.history.last(channel);
        continue;
      }
      if (ack.duplicate) {
        const first = await this.firstResult(channel, ack.seq, n, epoch);
        if (first !== undefined) return [first];
        // The key belongs to an older epoch than the channel's: write it anew under the current one.
        tail = await this.history.last(channel);
        if (tail?.epoch !== epoch) continue;
        throw new Error(`nats engine: the first write of key ${key} on ${channel} is gone`);
      }
      const stored: Position = { seq: ack.seq, ...position };
      this.hints.note(channel, stored);
      this.trimAfter(channel, tail, stored, size);
      return split(group, stored);
    }
  }

  /**
   * The result of the first write of a repeated key (at `seq`), when it belongs to `epoch`. When it has
   * left history already (trimmed by count or age, so the repeat comes from outside the history window),
   * the answer is rebuilt from the oldest append still stored after it: offsets and time are then upper
   * bounds (the write is older), and still nothing is written twice.
   */
  private async firstResult(
    channel: string,
    seq: number,
    count: number,
    epoch: string,
  ): Promise<AppendResult | undefined> {
    const original = await this.history.at(channel, seq);
    if (original !== undefined) return original.epoch === epoch ? resultOf(original, original.count, true) : undefined;
    const after = await this.history.next(channel, seq + 1);
    if (after === undefined || after.epoch !== epoch) return undefined;
    return resultOf({ ...after, first: after.first - count }, count, true);
  }

  /**
   * Trims by count in the background, once the floor moved by a quarter of the history size: JetStream
   * keeps the newest `maxMessagesPerChannel` per subject by itself, so only smaller sizes need purges.
   */
  private trimAfter(channel: string, before: Position | undefined, stored: Position, size: number): void {
    if (size >= this.maxMessagesPerChannel) return;
    const step = Math.max(1, Math.ceil(size / 4));
    if (Math.floor(stored.floor / step) > Math.floor((before?.floor ?? 1) / step)) {
      // Keeping `size` JetStream messages keeps at least `size` messages: each holds one or more.
      this.history.trim(channel, { keep: Math.max(1, size) });
    }
  }
}

/** The next group: one keyed append alone, or consecutive unkeyed ones within the size limits. */
function take(queue: Pending[], maxBytes: number): Pending[] {
  const first = queue.shift() as Pending;
  const group = [first];
  if (first.key !== undefined) return group;
  let bytes = first.size;
  let count = first.inputs.length;
  for (let next = queue[0]; next !== undefined && next.key === undefined; next = queue[0]) {
    if (bytes + next.size > maxBytes || count + next.inputs.length > MAX_GROUP_MESSAGES) break;
    bytes += next.size;
    count += next.inputs.length;
    group.push(queue.shift() as Pending);
  }
  return group;
}

/** Each append of a group gets its share of the written offsets, in group order. */
function split(group: readonly Pending[], stored: Position): AppendResult[] {
  let first = stored.first;
  return group.map((pending) => {
    const result = resultOf({ ...stored, first }, pending.inputs.length, false);
    first += pending.inputs.length;
    return result;
  });
}

function resultOf(p: Pick<Stored, 'epoch' | 'first' | 'time'>, count: number, duplicate: boolean): AppendResult {
  return {
    epoch: p.epoch,
    messages: Array.from({ length: count }, (_, i) => ({ offset: p.first + i, time: p.time })),
    duplicate,
  };
}

function whole(value: number): number {
  return value > 0 ? Math.min(Math.floor(value), Number.MAX_SAFE_INTEGER) : 0;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
