import { randomBytes } from 'node:crypto';
import type { ChannelState, Hub, Message, PublishInput } from '@herald/core';
import { BYTES_EVENT, messageBytes } from './body.ts';
import { isJsonType } from './headers.ts';
import { isExpired, MetaStore, type StreamMeta } from './meta.ts';
import { StreamError } from './stream-error.ts';

/** Messages read from the engine per page. */
const PAGE_MESSAGES = 1000;

/** A page of a stream: its messages from an index on, and where the next read starts. */
export interface StreamPage {
  readonly messages: readonly Message[];
  /** Index of the first message returned (or the index asked for, when none). */
  readonly from: number;
  /** Index after the last message returned. */
  readonly next: number;
  /** The stream's tail index when the page was read. */
  readonly tail: number;
}

/**
 * The streams of one hub: metadata through {@link MetaStore}, messages in the stream's Herald channel
 * through the hub (so a JSON stream's messages reach every Herald subscriber and Herald's own
 * publishes are part of the stream). Changes to one stream are serialized in this process (protocol
 * 5.2.1: validation and append per stream happen one at a time).
 */
export class Streams {
  readonly meta: MetaStore;
  private readonly locks = new Map<string, Promise<unknown>>();
  /** Readers waiting in this process for a stream's metadata to change (a close, a delete). */
  private readonly watchers = new Map<string, Set<() => void>>();

  constructor(readonly hub: Hub) {
    this.meta = new MetaStore(hub.engine);
  }

  /** Calls `fn` on the next metadata change of `channel` made in this process; returns how to stop. */
  onChange(channel: string, fn: () => void): () => void {
    let set = this.watchers.get(channel);
    if (set === undefined) {
      set = new Set();
      this.watchers.set(channel, set);
    }
    set.add(fn);
    return () => {
      const current = this.watchers.get(channel);
      current?.delete(fn);
      if (current?.size === 0) this.watchers.delete(channel);
    };
  }

  /** Stores a new version of a stream's metadata and wakes this process's readers of it. */
  async save(channel: string, meta: StreamMeta): Promise<void> {
    await this.meta.save(channel, meta);
    for (const fn of [...(this.watchers.get(channel) ?? [])]) fn();
  }

  /** Runs `fn` once every earlier change of `channel` is done. */
  async locked<T>(channel: string, fn: () => Promise<T>): Promise<T> {
    const before = this.locks.get(channel) ?? Promise.resolve();
    const run = before.then(fn, fn);
    const settled = run.then(
      () => {},
      () => {},
    );
    this.locks.set(channel, settled);
    settled.then(() => {
      if (this.locks.get(channel) === settled) this.locks.delete(channel);
    });
    return run;
  }

  /** The stream's metadata when it exists and is not expired (404), retired (410) or deleted (404). */
  async live(channel: string, now = Date.now()): Promise<StreamMeta> {
    const meta = await this.meta.load(channel);
    if (meta === undefined || meta.state === 'deleted' || isExpired(meta, now)) {
      throw new StreamError('not_found', 'no such stream');
    }
    if (meta.state === 'retired') throw new StreamError('gone', 'the stream was deleted');
    return meta;
  }

  /** The channel's state, checked against the stream: another epoch means its history is lost (410). */
  async state(channel: string, meta: StreamMeta): Promise<ChannelState> {
    const state = await this.hub.state(channel);
    if (state.epoch !== meta.epoch) {
      throw new StreamError('gone', 'the stream lost its history (the channel started a new epoch)');
    }
    return state;
  }

  /** The tail index of the stream. */
  async tail(channel: string, meta: StreamMeta): Promise<number> {
    return (await this.state(channel, meta)).last - meta.base;
  }

  /**
   * Messages from index `from` on, at most `maxBytes` of payload (at least one message). An index
   * older than what the channel still keeps is 410, unless `clamp` (a read from the start) moves it up.
   */
  async page(channel: string, meta: StreamMeta, from: number, maxBytes: number, clamp = false): Promise<StreamPage> {
    const state = await this.state(channel, meta);
    const tail = state.last - meta.base;
    let start = from;
    if (meta.base + start + 1 < state.first) {
      if (!clamp) throw new StreamError('gone', 'the offset is older than the history the stream keeps');
      start = state.first - meta.base - 1;
    }
    if (start >= tail) return { messages: [], from: start, next: Math.max(start, tail), tail };
    const limits = this.hub.settings(channel).history;
    const count = Math.min(PAGE_MESSAGES, tail - start);
    const read = await this.hub.engine.read(channel, meta.base + start + 1, count, limits);
    if (read.state.epoch !== meta.epoch) throw new StreamError('gone', 'the stream lost its history');
    const messages: Message[] = [];
    let bytes = 0;
    for (const m of read.messages) {
      const size = m.data.length;
      if (messages.length > 0 && bytes + size > maxBytes) break;
      messages.push(m);
      bytes += size;
    }
    const last = messages[messages.length - 1];
    const next = last === undefined ? start : last.offset - meta.base;
    return { messages, from: start, next, tail: Math.max(tail, read.state.last - meta.base) };
  }

  /** Appends stored inputs to the stream's channel; resolves with the new tail index. */
  async write(channel: string, meta: StreamMeta, inputs: readonly PublishInput[], key?: string): Promise<number> {
    if (inputs.length === 0) return this.tail(channel, meta);
    const result = await this.hub.publish(channel, inputs, key);
    if (result.epoch !== meta.epoch) throw new StreamError('gone', 'the stream lost its history');
    const last = result.messages[result.messages.length - 1];
    return (last?.offset ?? meta.base) - meta.base;
  }

  /** Removes a stream (or retires it while forks read it), then lets go of its source. Under the stream's lock. */
  async remove(channel: string, meta: StreamMeta): Promise<void> {
    if (meta.forks > 0) {
      await this.save(channel, { ...meta, state: 'retired' });
      return;
    }
    await this.save(channel, { ...meta, state: 'deleted' });
    if (meta.fork !== undefined) await this.release(meta.fork.from);
  }

  /** One fork of `channel` went away: a retired source with no forks left is deleted for good. */
  async release(channel: string): Promise<void> {
    await this.locked(channel, async () => {
      const meta = await this.meta.load(channel);
      if (meta === undefined || meta.state === 'deleted') return;
      const forks = Math.max(0, meta.forks - 1);
      if (meta.state === 'retired' && forks === 0) return this.remove(channel, { ...meta, forks });
      await this.save(channel, { ...meta, forks });
    });
  }

  /**
   * A read or write renews a TTL (sliding window). Saved at most every tenth of the TTL (and at
   * least once a second), so a busy stream does not write its metadata on every read.
   */
  async touch(channel: string, meta: StreamMeta, now = Date.now()): Promise<void> {
    if (meta.ttlSeconds === undefined) return;
    if (now - meta.touchedAt < Math.min(1000, meta.ttlSeconds * 100)) return;
    await this.locked(channel, async () => {
      const current = await this.meta.load(channel);
      if (current === undefined || current.id !== meta.id || current.state !== 'live') return;
      await this.save(channel, { ...current, touchedAt: now });
    });
  }
}

/** A new stream identity (ETags and producer keys carry it). */
export function newStreamId(): string {
  return randomBytes(9).toString('base64url');
}

/** The stored form of stream data: JSON values as they are, bytes as base64 chunks. */
export function isJsonStream(meta: StreamMeta): boolean {
  return isJsonType(meta.contentType);
}

/** Bytes of a byte-stream page. */
export function pageBytes(messages: readonly Message[]): Buffer {
  return Buffer.concat(messages.map(messageBytes));
}

/** Body of a JSON-mode page: the messages' data as one JSON array. */
export function pageJson(messages: readonly Message[]): string {
  let out = '[';
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i] as Message;
    if (m.event === BYTES_EVENT) continue;
    out += out.length === 1 ? m.data : `,${m.data}`;
  }
  return `${out}]`;
}
